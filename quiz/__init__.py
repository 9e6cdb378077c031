"""quiz: the FastAPI interview drill."""

__version__ = "0.1.0"
