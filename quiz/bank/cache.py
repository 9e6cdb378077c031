"""The cache: a validated bank, keyed by its files' paths and contents, read back without parsing
or re-checking every text, and only as much of it as a command uses.

An entry is one file. Its first line is JSON: the key, the bank's name and files, the word
groups its files declare (contrasts, synonyms: once, not once a question), the bank's facts and
bank-wide pitfalls (once), every question's id and number, and where each chunk of rows is.
Then each question's rest (answer, key points, errata, pitfalls, ...) and each chunk of CHUNK
rows (question, tags, difficulty, demo, where the question's rest is), zlib-compressed JSON,
read the first time a command uses them: `quiz show 7` or the drill's first question on a bank
of 100,000 questions reads the first line, one chunk and one rest; `quiz list` reads every
chunk and no rest.

What validation refuses is refused here too: the first line is checked when the entry is read,
a chunk or a rest when it is read. Validation made every control character visible, so one in an
entry (raw, or as a JSON escape), a text beyond the bounds, or anything out of shape is an entry
edited on disk or written by a broken quiz: the entry is deleted and the bank parsed again.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import weakref
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from quiz import __version__
from quiz.bank.core import Bank
from quiz.bank.limits import gc_paused
from quiz.model import (
    CONTROL,
    MAX_NUMBER,
    MAX_TEXT,
    SLUG,
    Choice,
    Fact,
    KeyPoint,
    Pitfall,
    Question,
    demo_escapes,
)
from quiz.paths import cache_dir, sha256

CACHE_FORMAT = 9  # raised when the same files load into another bank or the layout changes
# (2: the vocabulary is bank-wide; 3: rows first, each question's rest read on first use; 4: the
# rows as columns; 5: a pitfall's subject; 6: the bank's facts; 7: the bank's pitfalls; 8: a key
# point's core mark; 9: rows in chunks read on first use)
CHUNK = 1000  # rows a chunk: the drill's first question on 100,000 questions reads one chunk
CACHE_KEEP = 8  # bank caches kept, the most recently used first
CACHE_MAX_BYTES = 256 * 1024 * 1024  # and at most this much in all; the entry in use always stays
MAX_HEADER = 64 * 1024 * 1024  # the first line: rows of at most 20 banks files' questions
FREEZE_FROM = 2000  # questions: a larger bank read back is frozen (gc.freeze), a smaller one need not be
MAX_REST = 64 * MAX_TEXT  # the rest of a question: far more than validation lets through

# A control character written as a JSON escape: a `\u001b`, or the short forms of backspace, form
# feed and carriage return (when an even number of backslashes stand before it: `\\r` is text).
_ESCAPE = re.compile(r"\\(?:[bfr]|u(?:00[01][0-9a-fA-F]|007[fF]|00[89][0-9a-fA-F]|202[a-eA-E]|206[6-9]))")


def _clean(raw: str) -> bool:
    """Whether a line of an entry holds no control character, raw or escaped (a raw one below
    U+0020 is refused by the JSON reader too; ASCII text has only DEL left to look for)."""
    if ("\x7f" in raw) if raw.isascii() else CONTROL.search(raw) is not None:
        return False
    for found in _ESCAPE.finditer(raw):
        at = start = found.start()
        while at and raw[at - 1] == "\\":
            at -= 1
        if (start - at) % 2 == 0:
            return False
    return True


def _text(value: object) -> bool:
    return type(value) is str and len(value) <= MAX_TEXT


def _texts(values: object) -> bool:
    return type(values) is list and all(type(t) is str and len(t) <= MAX_TEXT for t in values)


def _strs(values: list[Any]) -> bool:
    """Whether every value is a text within the bounds (a column: no Python loop)."""
    return set(map(type, values)) <= {str} and (not values or max(map(len, values)) <= MAX_TEXT)


def _ints(values: list[Any], low: int, high: int) -> bool:
    return set(map(type, values)) <= {int} and (not values or (min(values) >= low and max(values) <= high))


# A chunk of rows, a column each (checked a column at a time); the ids and numbers are on the first line.
CHUNK_COLUMNS = ("question", "tags", "difficulty", "demo", "file", "line", "at", "size")
_IDS = re.compile(r"(?:[a-z0-9][a-z0-9_-]{0,79}\n)*")  # ids one a line: SLUG, at most 80 characters


def _groups(values: object) -> bool:
    return type(values) is list and all(_texts(g) for g in values)


def _facts(table: object) -> tuple[Fact, ...]:
    """A table of facts from an entry's first line, checked as validation would; ValueError if not."""
    if type(table) is not list:
        raise ValueError("facts")
    out = []
    for fact, terms, subject, contrasts in table:
        if not (_text(fact) and fact and _texts(terms) and terms and _texts(subject) and subject
                and _groups(contrasts)):
            raise ValueError("facts")
        out.append(Fact(fact, tuple(terms), tuple(subject), tuple(map(tuple, contrasts))))
    return tuple(out)


def _pitfall(row: list[Any]) -> Pitfall:
    """A pitfall from its row (a bank-wide one's with where it is listed), checked as validation
    would; ValueError if not."""
    claim, terms, correction, since, reference, subject, *placed = row
    questions, tags = placed or ([], [])
    if not (_text(claim) and claim and _texts(terms) and terms and _text(correction) and correction
            and _texts(subject) and (since is None or _text(since))
            and (reference is None or _text(reference))
            and _texts(questions) and all(SLUG.match(i) for i in questions) and _texts(tags)):
        raise ValueError("pitfall")
    return Pitfall(claim, tuple(terms), correction, since, reference, tuple(subject), tuple(questions),
                   tuple(tags))


def _pitfall_row(p: Pitfall, placed: bool = False) -> list[Any]:
    row = [p.claim, list(p.terms), p.correction, p.since, p.reference, list(p.subject)]
    return row + [list(p.questions), list(p.tags)] if placed else row


def cache_key(files: Sequence[Path], roots: Mapping[Path, Path], contents: Mapping[Path, bytes]) -> str:
    """The key of a bank: quiz's version, each file's path and folder, and the bytes read (the
    same bytes that are parsed on a miss)."""
    digest = sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
    for f in files:
        digest.update(f"\0{f.resolve()}\0{roots.get(f, f.parent).resolve()}\0".encode())
        digest.update(sha256(contents[f]).digest())
    return str(digest.hexdigest())


def cache_path(key: str) -> Path:
    return cache_dir() / f"bank-{key[:32]}.cache"


# --- which entry, without reading the files: their stat, as make and Python's .pyc use it ---------
#
# A bank's files read, hashed and found in the cache leave a note beside the entries (`where-...`,
# named by the files' paths): each file's device, inode, size, modification and change times, and
# the entry's key. While every file stats the same, the key is taken from the note and no file is
# read. Any write changes the change time (which, unlike the modification time, no user can set
# back); a file swapped for another has another inode. A file changed in the last RACY_NS before
# its stat could change again within the same timestamp (file times move in ticks of a few
# milliseconds), so no note is written for it then: the next command reads and hashes it again.

RACY_NS = 2_000_000_000
_KEY = re.compile(r"[0-9a-f]{64}")


def where_path(files: Sequence[Path], roots: Mapping[Path, Path]) -> Path:
    """The note of the bank made of these files (each with its bank folder)."""
    digest = sha256(f"where\0{__version__}\0{CACHE_FORMAT}".encode())
    for f in files:
        digest.update(f"\0{f.resolve()}\0{roots.get(f, f.parent).resolve()}\0".encode())
    return cache_dir() / f"where-{digest.hexdigest()[:32]}"


def file_stamps(files: Sequence[Path]) -> list[list[int]]:
    """Each file's device, inode, size, modification and change times (ns); OSError if one fails."""
    stamps = []
    for f in files:
        st = os.stat(f)
        stamps.append([st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return stamps


def known_key(where: Path, stamps: list[list[int]]) -> str | None:
    """The key the note gives for files that stat as `stamps`, or None (no note, other stamps)."""
    try:
        with open(where, "rb") as f:
            data = json.loads(f.read(1 << 20))
        key = data["key"]
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if data.get("stamps") != stamps or type(key) is not str or not _KEY.fullmatch(key):
        return None
    return key


def remember(where: Path, stamps: list[list[int]], before_ns: int, key: str) -> None:
    """Note that files stat'ed as `stamps` (at `before_ns`, before they were read) hold the
    content of `key`; not when one of them changed within RACY_NS of that moment."""
    if any(max(mtime, ctime) >= before_ns - RACY_NS for *_, mtime, ctime in stamps):
        with contextlib.suppress(OSError):
            where.unlink(missing_ok=True)
        return
    tmp = where.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"stamps": stamps, "key": key}), encoding="utf-8")
        os.replace(tmp, where)
    except OSError:  # a read-only cache folder only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


# --- a question read from the cache: its row and its rest read when first used ---------------------

T = TypeVar("T")
#: A question's fields in its chunk of rows (what a list shows), and in its rest.
ROW = ("question", "tags", "difficulty", "demo", "source", "line", "root")
REST = ("answer", "key_points", "errata", "pitfalls", "follow_ups", "references", "choices", "contrasts",
        "synonyms", "facts", "bank_pitfalls")


class _Lazy(Generic[T]):
    """A field of a cached question, read from the entry the first time it is used; then kept in
    the question's `__dict__`, which Python reads before this (non-data) descriptor."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        obj._entry.fill(obj, self.name)
        return obj.__dict__[self.name]  # type: ignore[no-any-return]


class CachedQuestion(Question):
    """A question of a cached bank: its id and number at once, its row (what a list shows) and
    its rest on first use. It is equal to (and hashes as) the parsed question with the same
    content. Each entry read makes a subclass of its own, whose `_entry` it reads from."""

    _entry: _Entry
    question: str = _Lazy()  # type: ignore[assignment]
    tags: tuple[str, ...] = _Lazy()  # type: ignore[assignment]
    difficulty: int = _Lazy()  # type: ignore[assignment]
    demo: str | None = _Lazy()  # type: ignore[assignment]
    source: Path = _Lazy()  # type: ignore[assignment]
    line: int = _Lazy()  # type: ignore[assignment]
    root: Path | None = _Lazy()  # type: ignore[assignment]
    answer: str = _Lazy()  # type: ignore[assignment]
    key_points: tuple[KeyPoint, ...] = _Lazy()  # type: ignore[assignment]
    errata: str | None = _Lazy()  # type: ignore[assignment]
    pitfalls: tuple[Pitfall, ...] = _Lazy()  # type: ignore[assignment]
    follow_ups: tuple[str, ...] = _Lazy()  # type: ignore[assignment]
    references: tuple[str, ...] = _Lazy()  # type: ignore[assignment]
    choices: tuple[Choice, ...] = _Lazy()  # type: ignore[assignment]
    contrasts: tuple[tuple[str, ...], ...] = _Lazy()  # type: ignore[assignment]
    synonyms: tuple[tuple[str, ...], ...] = _Lazy()  # type: ignore[assignment]
    facts: tuple[Fact, ...] = _Lazy()  # type: ignore[assignment]
    bank_pitfalls: tuple[Pitfall, ...] = _Lazy()  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Question):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _COMPARED)

    __hash__ = Question.__hash__


_COMPARED = [f for f, d in Question.__dataclass_fields__.items() if d.compare]


class _Entry:
    """An open cache entry: where each chunk of rows and each question's rest is, read on demand."""

    def __init__(self, path: Path, fd: int, start: int, reparse: Callable[[], Bank]) -> None:
        self.path, self.fd, self.start = path, fd, start
        self.groups: list[tuple[tuple[str, ...], ...]] = []
        self.facts: list[tuple[Fact, ...]] = []
        self.pitfalls: list[tuple[Pitfall, ...]] = []
        self.chunks: list[tuple[int, int]] = []
        self.ids: list[str] = []
        self.questions: list[CachedQuestion] = []
        self.resolved: list[Path] = []
        self.folders: list[Path] = []
        self.reparse = reparse
        self.fresh: dict[str, Question] | None = None  # the bank parsed again, once an entry failed
        self.close = weakref.finalize(self, os.close, fd)

    def fill(self, q: CachedQuestion, name: str) -> None:
        """Give `q` its row (with its chunk's questions) or its rest, read from the entry; from
        the bank parsed again when what is read is not what validation lets through."""
        found = q.__dict__
        if "question" not in found:
            self._rows(q)
            if name in found:
                return
        rest = None if self.fresh is not None else self._read(*found["_at"])
        if rest is None:
            parsed = self._parsed(q)
            rest = {field: getattr(parsed, field) for field in REST}
        found.update(rest)

    def _parsed(self, q: Question) -> Question:
        if self.fresh is None:
            with contextlib.suppress(OSError):
                self.path.unlink()  # never served again
            self.fresh = {p.id: p for p in self.reparse()}
        parsed = self.fresh.get(q.id)
        if parsed is None:
            from quiz.errors import QuizError

            raise QuizError(f"The bank changed while quiz read it (question '{q.id}' is gone): "
                            "run the command again.")
        return parsed

    def _rows(self, q: CachedQuestion) -> None:
        """The rows of the chunk `q` is in, into each of its questions."""
        c = self.ids.index(q.id) // CHUNK  # the very string: found by identity, without a dict of them all
        members = self.questions[c * CHUNK:(c + 1) * CHUNK]
        rows = None if self.fresh is not None else self._chunk(c, len(members))
        if rows is None:
            for m in members:
                parsed = self._parsed(m)
                m.__dict__.update({field: getattr(parsed, field) for field in ROW})
            return
        resolved, folders = self.resolved, self.folders
        for m, text, tags, level, demo, f, line, at, size in zip(members, *rows, strict=True):
            m.__dict__.update(question=text, tags=tuple(tags), difficulty=level, demo=demo,
                              source=resolved[f], line=line, root=folders[f], _at=(at, size))

    def _chunk(self, c: int, count: int) -> list[list[Any]] | None:
        """A chunk's columns, checked as validation would; None when they are not sound."""
        try:
            at, size = self.chunks[c]
            unzip = zlib.decompressobj()
            raw = unzip.decompress(os.pread(self.fd, size, self.start + at), MAX_HEADER).decode("utf-8")
            if not unzip.eof or unzip.unconsumed_tail or not _clean(raw):
                return None
            columns = json.loads(raw)
            every = [columns[name] for name in CHUNK_COLUMNS]
            texts, tags, levels, demos, files_at, lines, ats, sizes = every
            if not all(type(column) is list and len(column) == count for column in every):
                return None
            if not (_strs(texts) and (not texts or min(map(len, texts)) > 0) and _ints(levels, 1, 3)
                    and set(map(type, tags)) <= {list} and _strs([t for ts in tags for t in ts])):
                return None
            named = [(d, f) for d, f in zip(demos, files_at, strict=True) if d is not None]
            if not (_ints(files_at, 0, len(self.resolved) - 1) and _ints(lines, 0, 2**31)
                    and _ints(ats, 0, 2**62) and _ints(sizes, 1, MAX_REST) and _strs([d for d, _ in named])):
                return None
            for demo, f in set(named):
                if demo_escapes(demo, self.resolved[f].parent, self.folders[f]):
                    return None
            return every
        except (OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError, zlib.error):
            return None

    def _read(self, at: int, size: int) -> dict[str, Any] | None:
        """A question's rest from the entry, or None when it is not what validation lets through."""
        try:
            unzip = zlib.decompressobj()
            raw = unzip.decompress(os.pread(self.fd, size, self.start + at), MAX_REST).decode("utf-8")
            if not unzip.eof or unzip.unconsumed_tail or not _clean(raw):
                return None
            d = json.loads(raw)
            answer, kps, errata, pits = d["answer"], d["key_points"], d["errata"], d["pitfalls"]
            if not (_text(answer) and answer and type(kps) is list and kps and type(pits) is list
                    and (errata is None or _text(errata)) and _texts(d["follow_ups"])
                    and _texts(d["references"])):
                return None
            key_points = []
            for point, terms, subject, contrasts, core in kps:
                if not (_text(point) and _texts(terms) and _texts(subject) and _groups(contrasts)
                        and type(core) is bool):
                    return None
                key_points.append(KeyPoint(point, tuple(terms), tuple(subject), tuple(map(tuple, contrasts)),
                                           core))
            pitfalls = [_pitfall(row) for row in pits if len(row) == 6]
            if len(pitfalls) < len(pits):
                return None
            choices = []
            for text, correct, feedback in d["choices"]:
                if not (_text(text) and text and type(correct) is bool and _text(feedback)):
                    return None
                choices.append(Choice(text, correct, feedback))
            if choices and not 0 < sum(c.correct for c in choices) < len(choices):
                return None
            return {"answer": answer, "key_points": tuple(key_points), "errata": errata,
                    "pitfalls": tuple(pitfalls), "follow_ups": tuple(d["follow_ups"]),
                    "references": tuple(d["references"]), "choices": tuple(choices),
                    "contrasts": self.groups[d["contrasts"]], "synonyms": self.groups[d["synonyms"]],
                    "facts": self.facts[d["facts"]], "bank_pitfalls": self.pitfalls[d["bank_pitfalls"]]}
        except (OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError, zlib.error):
            return None


def _rest(q: Question, groups: dict[tuple[tuple[str, ...], ...], int],
          facts: dict[tuple[Fact, ...], int], pitfalls: dict[tuple[Pitfall, ...], int]) -> dict[str, Any]:
    return {
        "answer": q.answer,
        "key_points": [[k.point, list(k.terms), list(k.subject), [list(c) for c in k.contrasts], k.core]
                       for k in q.key_points],
        "errata": q.errata,
        "pitfalls": [_pitfall_row(p) for p in q.pitfalls],
        "follow_ups": list(q.follow_ups),
        "references": list(q.references),
        "choices": [[c.text, c.correct, c.feedback] for c in q.choices],
        "contrasts": groups.setdefault(q.contrasts, len(groups)),
        "synonyms": groups.setdefault(q.synonyms, len(groups)),
        "facts": facts.setdefault(q.facts, len(facts)),
        "bank_pitfalls": pitfalls.setdefault(q.bank_pitfalls, len(pitfalls)),
    }


# --- reading and writing entries --------------------------------------------------------------------


def read_cache(path: Path, key: str, files: Sequence[Path], roots: Mapping[Path, Path],
               reparse: Callable[[], Bank]) -> Bank | None:
    """The bank stored under `key`, or None: missing, unreadable, stored for other content, or
    holding what validation refuses (then the files are parsed and validated again). `reparse`
    gives the bank parsed again, for a chunk of rows or a question's rest that turns out damaged
    when first read."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    entry = None
    try:
        with os.fdopen(os.dup(fd), "rb") as f:
            line = f.readline(MAX_HEADER)
        raw = line.decode("utf-8")
        if not raw.endswith("\n") or not _clean(raw):
            raise ValueError("header")
        with gc_paused():
            data = json.loads(raw)
            if data.get("format") != CACHE_FORMAT or data.get("key") != key:
                raise ValueError("key")
            entry = _Entry(path, fd, len(line), reparse)
            bank = _bank(data, entry, files, roots)
            del data
            if len(bank) > FREEZE_FROM:  # it lives as long as the command: out of the collector's
                gc.freeze()  # sight before the collector runs again (it would walk every object once)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, UnicodeDecodeError):
        entry.close() if entry is not None else os.close(fd)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return bank


def _bank(data: dict[str, Any], entry: _Entry, files: Sequence[Path], roots: Mapping[Path, Path]) -> Bank:
    """The bank of an entry's first line, checked as validation would; ValueError if not. Its
    questions hold their id and number; the rest is read when used (`_Entry.fill`)."""
    sources = data["sources"]  # as written: the same files, perhaps named another way (`./bank`, `bank`)
    entry.resolved = [f.resolve() for f in files]
    if type(sources) is not list or [Path(s).resolve() for s in sources] != entry.resolved:
        raise ValueError("sources")
    entry.folders = [roots.get(f, f.parent).resolve() for f in files]
    if data["roots"] != [str(r) for r in entry.folders]:
        raise ValueError("roots")
    bank_id, deck, written = data["bank_id"], data["deck"], data["written"]
    if type(bank_id) is not str or not SLUG.match(bank_id) or len(bank_id) > 80 or not _text(deck) \
            or type(written) is not int:
        raise ValueError("bank")
    groups = data["groups"]
    if type(groups) is not list or not all(_groups(g) for g in groups):
        raise ValueError("groups")
    entry.groups = [tuple(tuple(g) for g in group) for group in groups]
    entry.facts = [_facts(table) for table in data["facts"]]
    tables = data["pitfalls"]
    if type(tables) is not list or not all(type(t) is list and all(type(r) is list and len(r) == 8 for r in t)
                                           for t in tables):
        raise ValueError("pitfalls")
    entry.pitfalls = [tuple(map(_pitfall, table)) for table in tables]
    ids, numbers, chunks = data["ids"], data["numbers"], data["chunks"]
    count = len(ids) if type(ids) is list else -1
    if not (type(numbers) is list and len(numbers) == count and type(chunks) is list
            and len(chunks) == -(-count // CHUNK)):
        raise ValueError("columns")
    if not (_strs(ids) and _IDS.fullmatch("\n".join(ids) + "\n" if ids else "") and len(set(ids)) == count):
        raise ValueError("id")
    if not (_ints(numbers, 1, MAX_NUMBER) and len(set(numbers)) == count):
        raise ValueError("number")
    if not all(type(c) is list and len(c) == 2 and _ints(c, 0, 2**62) for c in chunks):
        raise ValueError("chunks")
    entry.ids, entry.chunks = ids, [(at, size) for at, size in chunks]
    kind: type[CachedQuestion] = type("CachedQuestion", (CachedQuestion,), {"_entry": entry,
                                                                            "__module__": __name__})
    new, put = object.__new__, object.__setattr__
    questions = entry.questions
    for qid, number in zip(ids, numbers, strict=True):
        q: CachedQuestion = new(kind)
        put(q, "id", qid)
        put(q, "number", number)
        questions.append(q)
    return Bank(list(questions), deck, list(files), bank_id, written=written)


def write_cache(path: Path, bank: Bank, key: str, roots: Mapping[Path, Path]) -> None:
    """Store a bank that validated under `key`: the first line, each question's rest, then the
    chunks of rows."""
    file_of = {f.resolve(): i for i, f in enumerate(bank.sources)}
    groups: dict[tuple[tuple[str, ...], ...], int] = {}
    facts: dict[tuple[Fact, ...], int] = {}
    pitfalls: dict[tuple[Pitfall, ...], int] = {}
    blobs, chunks, at = [], [], 0
    for first in range(0, len(bank), CHUNK):
        columns: dict[str, list[Any]] = {c: [] for c in CHUNK_COLUMNS}
        for q in bank.questions[first:first + CHUNK]:
            rest = _rest(q, groups, facts, pitfalls)
            blob = zlib.compress(json.dumps(rest, ensure_ascii=False).encode("utf-8"))
            for c, value in zip(CHUNK_COLUMNS, (q.question, list(q.tags), q.difficulty, q.demo,
                                                file_of[q.source], q.line, at, len(blob)), strict=True):
                columns[c].append(value)
            blobs.append(blob)
            at += len(blob)
        chunks.append(zlib.compress(json.dumps(columns, ensure_ascii=False).encode("utf-8")))
    places = []
    for chunk in chunks:
        places.append([at, len(chunk)])
        at += len(chunk)
    header = {
        "format": CACHE_FORMAT,
        "key": key,
        "bank_id": bank.bank_id,
        "deck": bank.deck,
        "written": bank.written,
        "sources": [str(p) for p in bank.sources],
        "roots": [str(roots.get(f, f.parent).resolve()) for f in bank.sources],
        "groups": [[list(g) for g in group] for group in groups],
        "facts": [[[f.fact, list(f.terms), list(f.subject), [list(c) for c in f.contrasts]] for f in table]
                  for table in facts],
        "pitfalls": [[_pitfall_row(p, True) for p in table] for table in pitfalls],
        "ids": [q.id for q in bank],
        "numbers": [q.number for q in bank],
        "chunks": places,
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            f.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
            f.writelines(blobs)
            f.writelines(chunks)
        os.replace(tmp, path)
    except OSError:  # a read-only cache folder only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return
    prune_cache(path.parent, in_use=path)


def prune_cache(folder: Path, keep: int = CACHE_KEEP, max_bytes: int = CACHE_MAX_BYTES,
                in_use: Path | None = None) -> None:
    """Delete the least recently used bank caches beyond `keep` files or `max_bytes` in all;
    never `in_use` (the bank the command works with), whatever its size."""
    notes = []
    for f in folder.glob("where-*"):  # the notes of which entry a bank's files are: a few lines each
        with contextlib.suppress(OSError):
            notes.append((f.stat().st_mtime_ns, f))
    for _, f in sorted(notes, reverse=True)[4 * keep:]:
        with contextlib.suppress(OSError):
            f.unlink()
    entries = []
    for f in folder.glob("bank-*"):
        with contextlib.suppress(OSError):
            st = f.stat()
            entries.append((f == in_use, st.st_mtime_ns, st.st_size, f))
    entries.sort(reverse=True)  # the entry in use first, then the most recently used
    total = 0
    for i, (used, _, size, f) in enumerate(entries):
        total += size
        if not used and i > 0 and (i >= keep or total > max_bytes):
            with contextlib.suppress(OSError):
                f.unlink()
