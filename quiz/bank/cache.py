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
from quiz.model import MAX_NUMBER, MAX_TEXT, SLUG, Question, demo_escapes
from quiz.paths import cache_dir

CACHE_FORMAT = 2  # raised when the same files load into another bank (2: the vocabulary is bank-wide)
CACHE_KEEP = 8  # bank caches kept, the most recently used first
CACHE_MAX_BYTES = 64 * 1024 * 1024  # and at most this much in all


def cache_key(files: Sequence[Path], roots: Mapping[Path, Path], contents: Mapping[Path, bytes]) -> str:
    """The key of a bank: quiz's version, each file's path and folder, and the bytes read (the
    same bytes that are parsed on a miss)."""
    digest = hashlib.sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
    for f in files:
        digest.update(f"\0{f.resolve()}\0{roots.get(f, f.parent).resolve()}\0".encode())
        digest.update(hashlib.sha256(contents[f]).digest())
    return digest.hexdigest()


def cache_path(key: str) -> Path:
    return cache_dir() / f"bank-{key[:32]}.json"


def _too_long(*texts: object) -> bool:
    return any(not isinstance(t, str) or len(t) > MAX_TEXT for t in texts)


def unsound(bank: Bank, files: Sequence[Path], roots: Mapping[Path, Path]) -> str | None:
    """What in a bank read back from the cache validation would have refused (an entry edited
    on disk, or written by a broken quiz): the bounds on sizes, numbers, ids and demo paths."""
    if [str(p) for p in bank.sources] != [str(f) for f in files]:
        return "sources"
    folders = {f.resolve(): roots.get(f, f.parent).resolve() for f in files}
    if not SLUG.match(bank.bank_id) or len(bank.bank_id) > 80 or _too_long(bank.deck):
        return "bank"
    ids: set[str] = set()
    numbers: set[int] = set()
    for q in bank.questions:
        if folders.get(q.source) != q.root or q.root is None:
            return f"{q.id}: source"
        if not isinstance(q.id, str) or not SLUG.match(q.id) or len(q.id) > 80 or q.id in ids:
            return f"{q.id}: id"
        if type(q.number) is not int or not 1 <= q.number <= MAX_NUMBER or q.number in numbers:
            return f"{q.id}: number"
        if type(q.difficulty) is not int or q.difficulty not in (1, 2, 3):
            return f"{q.id}: difficulty"
        if not q.question or not q.answer or not q.key_points:
            return f"{q.id}: empty"
        texts = [q.question, q.answer, q.errata or "", q.demo or "", *q.tags, *q.follow_ups, *q.references]
        texts += [t for k in q.key_points for t in (k.point, *k.terms)]
        for p in q.pitfalls:
            texts += [p.claim, p.correction, p.since or "", p.reference or "", *p.terms]
        if _too_long(*texts):
            return f"{q.id}: text"
        if q.demo and demo_escapes(q.demo, q.source.parent, q.root):
            return f"{q.id}: demo"
        ids.add(q.id)
        numbers.add(q.number)
    return None


def read_cache(path: Path, key: str, files: Sequence[Path], roots: Mapping[Path, Path]) -> Bank | None:
    """The bank stored under `key`, or None: missing, unreadable, stored for other content, or
    holding what validation refuses (then the files are parsed and validated again)."""
    try:
        with gc_paused():
            data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        questions = [
            Question.from_dict(q, Path(q["source"]), q["line"], Path(q["root"])) for q in data["questions"]
        ]
        bank = Bank(questions, data["deck"], [Path(p) for p in data["sources"]], data["bank_id"])
        if unsound(bank, files, roots) is not None:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return bank


def write_cache(path: Path, bank: Bank, key: str) -> None:
    data = {
        "key": key,
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
