"""A bank from its paths: the files of each path, read back from the cache, or parsed
(quiz.bank.parsing, imported then: a cached bank needs neither YAML nor the problems' code)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from quiz.bank.cache import (
    cache_key,
    cache_path,
    file_stamps,
    known_key,
    read_cache,
    remember,
    where_path,
    write_cache,
)
from quiz.bank.core import Bank
from quiz.bank.limits import read_bounded
from quiz.errors import QuizError
from quiz.model import (
    BUILTIN_BANK,
    BUILTIN_BANKS,
    visible,
)

BANK_SUFFIXES = (".yaml", ".yml")


def bank_files(path: Path) -> list[Path]:
    """The YAML files of a bank path (a file, or a folder read recursively in name order)."""
    if not path.exists():
        raise QuizError(f"No bank at {path}: no such file or folder (the built-in banks are "
                        f"{', '.join(BUILTIN_BANKS)}).")
    if path.is_file():
        return [path]
    files = sorted(
        p
        for p in path.rglob("*")
        if p.suffix in BANK_SUFFIXES and p.is_file() and "demos" not in p.relative_to(path).parts[:-1]
    )  # a bank's demos/ folder holds code and exercises (demos/exercises/*.yaml), not questions
    if not files:
        raise QuizError(f"No bank files (*.yaml, *.yml) in {path}.")
    return files


def _bank_roots(paths: Sequence[Path]) -> tuple[list[Path], dict[Path, Path]]:
    """The files of bank paths, and each file's bank folder (the folder named, or the file's own)."""
    files: list[Path] = []
    roots: dict[Path, Path] = {}
    for path in paths:
        found = bank_files(path)
        files.extend(found)
        for f in found:
            roots[f] = path if path.is_dir() else f.parent
    return files, roots


def builtin_or_path(path: Path) -> Path:
    """A built-in bank's name (`senior`) as its folder; any other value, or a name that is also
    an existing file or folder here, as the path it is."""
    name = str(path)
    if name in BUILTIN_BANKS and not path.exists():
        return BUILTIN_BANKS[name]
    return path


def bank_paths(explicit: Sequence[Path] | None = None) -> list[Path]:
    """The bank paths in force: `--bank` options, else QUIZ_BANK, else the built-in bank.

    Either may name a built-in bank (`senior`) instead of a path."""
    if explicit:
        return [builtin_or_path(p) for p in explicit]
    env = os.environ.get("QUIZ_BANK", "").strip()
    if env:
        paths = [builtin_or_path(Path(p).expanduser()) for p in env.split(os.pathsep) if p.strip()]
        if not paths:
            raise QuizError(f"QUIZ_BANK names no bank ('{visible(env)}'): give a bank file or folder, "
                            "or unset it for the built-in bank.")
        return paths
    return [BUILTIN_BANK]


def load_bank(paths: Sequence[Path] | None = None) -> Bank:
    """Load the bank in force; any error (not a warning) raises BankError with all of them.

    A bank that loaded cleanly before is read back from the cache (no YAML, no pydantic)
    until the content of one of its files changes; while its files stat the same (device,
    inode, size, modification and change times), without reading them (`cache.known_key`).
    """
    files, roots = _bank_roots(bank_paths(paths))
    where = where_path(files, roots)
    before = time.time_ns()  # the stat comes before the read: a later change is a later stat
    try:
        stamps: list[list[int]] | None = file_stamps(files)
    except OSError:
        stamps = None
    tried = known_key(where, stamps) if stamps is not None else None
    if tried is not None:
        bank = read_cache(cache_path(tried), tried, files, roots, lambda: load_bank(paths))
        if bank is not None:
            return bank
    try:  # each file is read once: the key is hashed from the very bytes that are parsed
        contents: dict[Path, bytes] | None = {f: read_bounded(f) for f in files}
    except OSError:  # parsing reports it, in the file's own words
        contents = None
    key = cache_key(files, roots, contents) if contents is not None else None
    cached = cache_path(key) if key is not None else None
    if cached is not None and key is not None and key != tried:
        bank = read_cache(cached, key, files, roots, lambda: load_bank(paths))
        if bank is not None:
            if stamps is not None:
                remember(where, stamps, before, key)
            return bank
    from quiz.bank.parsing import load_files
    from quiz.bank.problems import BankError

    bank, problems = load_files(files, roots, contents=contents)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BankError(errors)
    if cached is not None and key is not None:
        write_cache(cached, bank, key, roots)
        if stamps is not None:
            remember(where, stamps, before, key)
    return bank


def __getattr__(name: str) -> Any:
    """What quiz.bank.parsing defines, as this module gave it before (`loading.load_files`)."""
    if name in ("load_files", "validate_paths", "demo_file_problem"):
        from quiz.bank import parsing

        return getattr(parsing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
