"""The user's folders: `QUIZ_HOME` when set, else the platform's data and cache folders."""

from __future__ import annotations

import os
from pathlib import Path


def user_dir() -> Path:
    """Where progress lives: `$QUIZ_HOME` if set, else platformdirs' user data folder for quiz.

    The folder is not created here; whoever writes into it does that.
    """
    home = os.environ.get("QUIZ_HOME", "").strip()
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("quiz", appauthor=False))


def cache_dir() -> Path:
    """Where the parsed-bank cache lives: `$QUIZ_HOME/cache`, else the platform's cache folder."""
    home = os.environ.get("QUIZ_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("quiz", appauthor=False))
