"""Companion of celery_jobs.py: an in-process Celery worker, a stand-in for a worker process."""
