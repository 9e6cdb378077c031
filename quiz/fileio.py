"""Writing a user's file: only a regular file, replaced atomically, its mode kept.

A symbolic link, a device node, a FIFO or a socket is refused with one sentence: writing
through a link or replacing a special file is never what `-o FILE` means.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from quiz.errors import QuizError


def existing_file(path: Path) -> bool:
    """Whether `path` exists as a regular file (False: nothing there); QuizError for anything else."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise QuizError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    if stat.S_ISLNK(st.st_mode):
        raise QuizError(f"{path} is a symbolic link: not writing through it (name the file itself).")
    if stat.S_ISDIR(st.st_mode):
        raise QuizError(f"{path} is a folder: name a file with -o.")
    if not stat.S_ISREG(st.st_mode):
        raise QuizError(f"{path} is not a regular file (a device, FIFO or socket): not replacing it.")
    return True


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it, then rename it into place.

    A failure leaves the old file whole (or nothing); an existing file keeps its mode, a new
    one gets the usual mode (umask applied).
    """
    if not path.parent.is_dir():
        raise QuizError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    mode = stat.S_IMODE(os.stat(path).st_mode) if existing_file(path) else None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        existing_file(path)  # once more, just before replacing it
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise QuizError(f"Cannot write {path}: {exc.strerror or exc}.") from None
        raise
