"""A bank's demo is code: it runs once the user approved that exact content, and what runs is
what was approved.

What a demo can run or read from the bank is its whole folder: the demo, its sibling modules,
its companion folders, `exercises/*.yaml` (a `replace:` is code), whatever else lies there.
That folder is read once into memory (`Tree`), fingerprinted (one SHA-256 over every path and
content), and written as a private snapshot under QUIZ_HOME; the demo runs from the snapshot,
never from a second read of the bank's folder. An approval is recorded by fingerprint, so any
change to any file of the folder asks again.

Left out of the tree (and so out of the snapshot, where nothing can import or read them):
`__pycache__`, names starting with a dot, and links that lead outside the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from quiz.demo import Demo
from quiz.errors import QuizError
from quiz.model import visible
from quiz.paths import user_dir

APPROVALS = "approved-demos.json"
SNAPSHOTS = "snapshots"
MAX_TREE_FILES = 2000  # a demo folder no bank author outgrows; larger is refused before any copy
MAX_TREE_BYTES = 64 * 1024 * 1024
SNAPSHOTS_KEPT = 16  # the most recently used snapshots kept under QUIZ_HOME


@dataclass(frozen=True)
class Tree:
    """A demo folder as read once: relative path (with `/`) -> bytes, and what was left out."""

    folder: Path
    files: dict[str, bytes]
    left_out: tuple[str, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(b"quiz demo tree 1\0")
        for rel in sorted(self.files):
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(hashlib.sha256(self.files[rel]).digest())
        return digest.hexdigest()


def read_tree(folder: Path) -> Tree:
    """Every regular file under `folder`, read once (links followed only while they stay inside)."""
    inside = folder.resolve()
    files: dict[str, bytes] = {}
    left_out: list[str] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(inside, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            sub = here / d
            if d.startswith(".") or d == "__pycache__":
                continue
            if sub.is_symlink():
                target = sub.resolve()
                if not target.is_relative_to(inside):
                    left_out.append(f"{sub.relative_to(inside).as_posix()}/ (a link leading outside)")
                    continue
                # a link to a folder inside: its files are read there (and would be read twice here)
                left_out.append(f"{sub.relative_to(inside).as_posix()}/ (a link inside the folder)")
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith((".pyc", ".pyo")):
                continue
            path = here / name
            rel = path.relative_to(inside).as_posix()
            target = path.resolve()
            if not target.is_relative_to(inside):
                left_out.append(f"{rel} (a link leading outside)")
                continue
            try:  # opened without blocking, then checked: a FIFO swapped in never hangs the read
                fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
            except FileNotFoundError:
                left_out.append(f"{rel} (a link to nothing)")
                continue
            except OSError as exc:
                raise QuizError(f"Cannot read {visible(str(path))}: {exc.strerror or exc}.") from None
            try:
                with os.fdopen(fd, "rb") as f:
                    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                        left_out.append(f"{rel} (not a regular file)")
                        continue
                    data = f.read(MAX_TREE_BYTES - total + 1)
            except OSError as exc:
                raise QuizError(f"Cannot read {visible(str(path))}: {exc.strerror or exc}.") from None
            total += len(data)
            files[rel] = data
            if len(files) > MAX_TREE_FILES or total > MAX_TREE_BYTES:
                raise QuizError(
                    f"The demo folder {visible(str(folder))} holds more than {MAX_TREE_FILES} files or "
                    f"{MAX_TREE_BYTES // 1024 // 1024} MB: a bank's demos are run from a copy, and this "
                    "one is too large to copy."
                )
    return Tree(inside, files, tuple(left_out))


def snapshots_dir() -> Path:
    return user_dir() / SNAPSHOTS


def write_snapshot(tree: Tree) -> Path:
    """The tree's files written under QUIZ_HOME/snapshots/<fingerprint>/ (from the bytes read,
    never from the bank's folder again); a snapshot already there is used when it holds exactly
    these bytes."""
    fp = tree.fingerprint
    base = snapshots_dir()
    final = base / fp[:32]
    with contextlib.suppress(OSError, QuizError):
        if read_tree(final).fingerprint == fp:
            os.utime(final)  # recently used: pruned last
            return final
    tmp = base / f".{fp[:32]}.{os.getpid()}.tmp"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        for rel, data in tree.files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        shutil.rmtree(final, ignore_errors=True)
        try:
            os.replace(tmp, final)
        except OSError:  # another quiz wrote it at the same moment: use theirs if it is the same
            shutil.rmtree(tmp, ignore_errors=True)
            if read_tree(final).fingerprint != fp:
                raise
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise QuizError(f"Cannot write the demo's snapshot in {base}: {exc.strerror or exc}.") from None
    prune_snapshots(base, keep=SNAPSHOTS_KEPT, spare=final)
    return final


def prune_snapshots(base: Path, keep: int, spare: Path) -> None:
    """Delete the least recently used snapshots beyond `keep` (never `spare`, the one in use)."""
    found = []
    for d in base.iterdir():
        if d.is_dir() and not d.name.startswith(".") and d != spare:
            with contextlib.suppress(OSError):
                found.append((d.stat().st_mtime_ns, d))
    found.sort(reverse=True)
    for _, d in found[max(keep - 1, 0):]:
        shutil.rmtree(d, ignore_errors=True)


@dataclass(frozen=True)
class Snapshot:
    """A bank's demo as it will run: the tree read once, and the demo inside its snapshot."""

    tree: Tree
    demo: Demo  # path: the demo file inside the snapshot; shown: the bank's file
    rel: str  # the demo file's path in the tree

    @property
    def fingerprint(self) -> str:
        return self.tree.fingerprint

    @property
    def source(self) -> str:
        """The demo's code as read and hashed (the snapshot holds these very bytes)."""
        return self.tree.files[self.rel].decode("utf-8", "replace")


def take_snapshot(demo: Demo) -> Snapshot:
    """Read the demo's folder once and write it as a snapshot; the demo, moved into it."""
    tree = read_tree(demo.path.parent)
    rel = demo.path.resolve().relative_to(tree.folder).as_posix()
    if rel not in tree.files:
        raise QuizError(f"Cannot read the demo file {visible(str(demo.path))}: it changed while it was read.")
    folder = write_snapshot(tree)
    return Snapshot(tree, replace(demo, path=folder / rel, shown=demo.shown or demo.path), rel)


# --- approvals --------------------------------------------------------------------------------


def _approvals_file() -> Path:
    return user_dir() / APPROVALS


def approved() -> dict[str, Any]:
    """The approvals recorded under QUIZ_HOME: fingerprint -> {path, files, approved_at}."""
    try:
        data = json.loads(_approvals_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def approve(snapshot: Snapshot) -> None:
    """Remember that the user approved this content (by fingerprint): any change asks again."""
    from datetime import UTC, datetime

    data = approved()
    data[snapshot.fingerprint] = {
        "path": str(snapshot.demo.shown or snapshot.demo.path),
        "folder": str(snapshot.tree.folder),
        "files": sorted(snapshot.tree.files),
        "approved_at": datetime.now(UTC).isoformat(),
    }
    path = _approvals_file()
    tmp = path.with_name(f".{APPROVALS}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise QuizError(f"Cannot record the approval in {path}: {exc.strerror or exc}.") from None


def approve_folder(folder: Path) -> None:
    """Approve a folder as it is now (`quiz new` approves the example it wrote itself)."""
    tree = read_tree(folder)
    approve(Snapshot(tree, Demo("", folder / "_", shown=folder), "_"))


def is_approved(snapshot: Snapshot) -> bool:
    return snapshot.fingerprint in approved()


Ask = Callable[[Snapshot], bool]


def require_approval(demo: Demo, *, trust: bool = False, ask: Ask | None = None) -> Demo:
    """The demo to run: the same one when it is built in or a file the user named; for a bank's
    demo, the demo inside a snapshot of its folder, once that content is approved (or `trust`).

    `ask` (None when there is no terminal to ask in) shows the snapshot to the user; a yes is
    remembered by the fingerprint. QuizError when the demo may not run.
    """
    if demo.builtin or demo.chosen:
        return demo
    snap = take_snapshot(demo)
    if trust or is_approved(snap):
        return snap.demo
    shown = visible(str(demo.shown or demo.path))
    if ask is None:
        raise QuizError(
            f"The demo {shown} comes from the bank, not from quiz, and has not been approved "
            "(or it changed since): run it once in a terminal to approve it, or pass --trust to run it "
            "unasked."
        )
    if not ask(snap):
        raise QuizError(f"Not running the demo {shown}: it was not approved.")
    approve(snap)
    return snap.demo


# --- practice files: what `quiz practice` wrote runs; anything else found there is asked about --

PRACTICE_FILES = "practice-files.json"


def _practice_record() -> dict[str, Any]:
    try:
        data = json.loads((user_dir() / PRACTICE_FILES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_practice_file(path: Path, exercise_id: str) -> None:
    """Remember that `quiz practice` wrote this file (or that the user agreed to run it)."""
    from datetime import UTC, datetime

    data = _practice_record()
    data[os.path.abspath(path)] = {"exercise": exercise_id, "at": datetime.now(UTC).isoformat()}
    target = user_dir() / PRACTICE_FILES
    tmp = target.with_name(f".{PRACTICE_FILES}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise QuizError(f"Cannot record the practice file in {target}: {exc.strerror or exc}.") from None


def written_by_practice(path: Path, exercise_id: str) -> bool:
    """Whether `quiz practice` wrote this file for this exercise (a link is never taken as one)."""
    entry = _practice_record().get(os.path.abspath(path))
    return not path.is_symlink() and isinstance(entry, dict) and entry.get("exercise") == exercise_id
