"""Companion of social_login.py: a stand-in identity provider, so the OAuth2 flow runs offline."""
