"""Writing a user's file: only a regular file, replaced atomically, its mode kept.

A symbolic link, a device node, a FIFO or a socket is refused with one sentence: writing
through a link or replacing a special file is never what `-o FILE` means. Nor is quiz's own
file (the progress database and its journal, the approvals, the device id): never written
over, --force or not.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from quiz.errors import QuizError


def own_file(path: Path) -> Path | None:
    """The file of quiz's own that `path` names (by its folder, or as a hard link), if any: one
    of its files, or one inside its folders (the snapshots of approved code, the cache)."""
    from quiz.paths import own_files, own_folders

    try:
        where = path.parent.resolve() / path.name
        st = os.stat(path) if os.path.lexists(path) else None
    except (OSError, RuntimeError):
        return None
    for folder in own_folders():
        with contextlib.suppress(OSError, RuntimeError):
            if where.is_relative_to(folder.resolve()):
                return folder
    for own in own_files():
        with contextlib.suppress(OSError, RuntimeError):
            if own.parent.resolve() / own.name == where:
                return own
            if st is not None and os.path.samestat(st, os.stat(own)):
                return own
    return None


def existing_file(path: Path) -> bool:
    """Whether `path` exists as a regular file (False: nothing there); QuizError for anything else,
    and for a file of quiz's own."""
    own = own_file(path)
    if own is not None:
        what = f"inside quiz's own folder {own}" if own.is_dir() else f"quiz's own {own.name}"
        raise QuizError(f"{path} is {what}: never written over, --force or not (choose another file).")
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
    write_chunks(path, [data])


def write_chunks(path: Path, chunks: Iterable[bytes], *, keep_same: bool = False) -> bool:
    """`write_file` of the bytes `chunks` yields, written as they come (memory holds one chunk).

    With `keep_same`, a file already holding exactly those bytes is left alone (no churn for
    git or a sync tool). Whether the file was written.
    """
    if not path.parent.is_dir():
        raise QuizError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    mode = stat.S_IMODE(os.stat(path).st_mode) if existing_file(path) else None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600)
        new = hashlib.sha256()
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
                new.update(chunk)
            f.flush()
            os.fsync(f.fileno())
        if keep_same and mode is not None and _sha256(path) == new.digest():
            tmp.unlink()
            return False
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
    return True


def _sha256(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").digest()
    except OSError:
        return None
