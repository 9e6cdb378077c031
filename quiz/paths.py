"""The user's folders: `QUIZ_HOME` when set, else the platform's data and cache folders."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def content_dir(name: str, package: Path = PACKAGE_DIR) -> Path:
    """Where the built-in `questions` or `demos` folder lives.

    An installed wheel carries it inside the package (`quiz/questions`); a checkout (an
    editable install, `uv run`) keeps it at the top of the repository, beside `quiz/`.
    """
    inside = package / name
    return inside if inside.is_dir() else package.parent / name


def user_dir() -> Path:
    """Where progress lives: `$QUIZ_HOME` if set, else platformdirs' user data folder for quiz.

    The folder is not created here; whoever writes into it does that.
    """
    home = os.environ.get("QUIZ_HOME", "").strip()
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("quiz", appauthor=False))


#: What quiz keeps in `user_dir()`: never written over by an export (`-o`), --force or not.
#: Folders (the snapshots of approved demo code, the cache) are covered with all they hold.
OWN_FILES = ("progress.db", "progress.db-wal", "progress.db-shm", "progress.db-journal",
             "approved-demos.json", "practice-files.json", "device-id", "render-key")
OWN_FOLDERS = ("snapshots", "cache")


def own_files() -> list[Path]:
    home = user_dir()
    return [home / name for name in OWN_FILES]


def own_folders() -> list[Path]:
    home = user_dir()
    return [home / name for name in OWN_FOLDERS] + [cache_dir()]


def cache_dir() -> Path:
    """Where the parsed-bank cache lives: `$QUIZ_HOME/cache`, else the platform's cache folder."""
    home = os.environ.get("QUIZ_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("quiz", appauthor=False))


def launcher() -> str:
    """How to type quiz again, the way it was started: `quiz` when the shell finds this very
    quiz; `uv run quiz` under `uv run` in its project's folder (`uv run --project DIR quiz`
    elsewhere); else the full path of the script that runs; `python -m quiz` when started so.
    Run in-process (a test's CliRunner, another program): `quiz`."""
    import shlex
    import shutil
    import sys

    script = Path(sys.argv[0])
    if script.name == "__main__.py" and script.parent.name == "quiz":
        return f"{shlex.quote(sys.executable)} -m quiz"
    if script.name not in ("quiz", "quiz.exe"):
        return "quiz"
    if os.environ.get("UV_RUN_RECURSION_DEPTH") and (project := _uv_project()) is not None:
        return "uv run quiz" if _nearest_project() == project else \
            f"uv run --project {shlex.quote(str(project))} quiz"
    found = shutil.which("quiz")
    if found and script.is_file() and Path(found).resolve() == script.resolve():
        return "quiz"
    return shlex.quote(str(script.resolve()))


def _uv_project() -> Path | None:
    """The project whose `.venv` runs this quiz (`uv run` made it), if it is one."""
    import sys

    prefix = Path(sys.prefix)
    if prefix.name == ".venv" and (prefix.parent / "pyproject.toml").is_file():
        return prefix.parent.resolve()
    return None


def _nearest_project(folder: Path | None = None) -> Path | None:
    """The project `uv run` finds from `folder` (the current one): the nearest folder up holding
    a pyproject.toml; None when there is none (or the current folder was removed)."""
    try:
        folder = (folder or Path.cwd()).resolve()
    except OSError:
        return None
    return next((f for f in (folder, *folder.parents) if (f / "pyproject.toml").is_file()), None)


#: Above this many bytes, OpenSSL's SHA-256 (hashlib) pays for its import; below, CPython's own.
LARGE_HASH = 1 << 20


def sha256(data: bytes = b"") -> Any:
    """A SHA-256 hash object of `data` (the same digest either way): CPython's own for small
    input, since importing hashlib loads OpenSSL (~2 ms of every command's start: the bank
    cache's key, a kept rendering's); hashlib's, six times faster a byte, for a large file."""
    if len(data) < LARGE_HASH:
        try:  # CPython 3.11; 3.12 named it _sha2
            from _sha256 import sha256 as small  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            try:
                from _sha2 import sha256 as small  # type: ignore[import-not-found, no-redef, unused-ignore]
            except ImportError:
                small = None
        if small is not None:
            return small(data)
    import hashlib

    return hashlib.sha256(data)

