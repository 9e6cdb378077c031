"""The cache: a validated bank as JSON, keyed by its files' paths and contents."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from quiz import __version__
from quiz.bank.core import Bank
from quiz.bank.yamlfile import gc_paused
from quiz.model import Question
from quiz.paths import cache_dir

CACHE_KEEP = 8  # bank caches kept, the most recently used first
CACHE_MAX_BYTES = 64 * 1024 * 1024  # and at most this much in all


def cache_file(files: Sequence[Path], roots: Mapping[Path, Path]) -> Path:
    digest = hashlib.sha256(__version__.encode())
    for f in files:
        digest.update(f"\0{f.resolve()}\0{roots.get(f, f.parent).resolve()}\0".encode())
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    return cache_dir() / f"bank-{digest.hexdigest()[:32]}.json"


def read_cache(path: Path) -> Bank | None:
    try:
        with gc_paused():
            data = json.loads(path.read_text(encoding="utf-8"))
        questions = [
            Question.from_dict(q, Path(q["source"]), q["line"], Path(q["root"])) for q in data["questions"]
        ]
        bank = Bank(questions, data["deck"], [Path(p) for p in data["sources"]], data["bank_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return bank


def write_cache(path: Path, bank: Bank) -> None:
    data = {
        "bank_id": bank.bank_id,
        "deck": bank.deck,
        "sources": [str(p) for p in bank.sources],
        "questions": [
            {**q.to_dict(), "source": str(q.source), "line": q.line, "root": str(q.root or q.source.parent)}
            for q in bank
        ],
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only cache folder only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return
    prune_cache(path.parent)


def prune_cache(folder: Path, keep: int = CACHE_KEEP, max_bytes: int = CACHE_MAX_BYTES) -> None:
    """Delete the least recently used bank caches beyond `keep` files or `max_bytes` in all."""
    entries = []
    for f in folder.glob("bank-*"):
        with contextlib.suppress(OSError):
            st = f.stat()
            entries.append((st.st_mtime_ns, st.st_size, f))
    entries.sort(reverse=True)
    total = 0
    for i, (_, size, f) in enumerate(entries):
        total += size
        if i > 0 and (i >= keep or total > max_bytes):
            with contextlib.suppress(OSError):
                f.unlink()
