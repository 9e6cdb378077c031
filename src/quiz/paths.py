"""The one function that finds the user's folder: `QUIZ_HOME`, else the platform's data folder."""

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
