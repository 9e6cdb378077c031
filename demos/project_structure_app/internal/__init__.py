"""Code shared with other projects: included by main.py, never edited for this app."""
