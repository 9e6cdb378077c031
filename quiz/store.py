"""Progress in SQLite: one card per (bank, question id), and a log of every review.

The database is `user_dir()/progress.db`, in WAL mode with a busy timeout, so two terminals
drilling at once both get their reviews in. A review is one transaction: the card's new
state and its log row are committed together, the moment the card is rated.

The schema grows by ordered, named migrations (`m001_cards`, `m002_reviews`, ...), each
applied in its own transaction and recorded in the `migrations` table.

A store is opened for one bank (`bank_id`): its cards, log, quota and reset are that bank's.
Opened for none, it reads every bank's log (`quiz stats --all`, export) but rates nothing.

Every review carries a UUID given when it is written: the key that lets logs from several
devices be merged (`merge`), where each touched card is rebuilt by replaying its reviews.

A database that is locked, read-only or corrupt raises QuizError with one sentence; the
file is never replaced, truncated or deleted.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quiz.errors import QuizError, notice
from quiz.grading import Rating
from quiz.paths import user_dir
from quiz.scheduler import CardState, Memory, Replayer, State, new_card, replay, utc

if TYPE_CHECKING:
    import fsrs

DB_NAME = "progress.db"
BUSY_TIMEOUT_MS = 5000
BUILTIN_BANK_ID = "quiz-fastapi"  # questions/fastapi.yaml's bank_id: progress from before banks
MERGE_CACHE_KIB = -65536  # SQLite's page cache while merging a log (negative: KiB), 64 MiB
MERGE_CHUNK = 5000  # reviews read, looked up and inserted at a time by a merge


def db_path() -> Path:
    return user_dir() / DB_NAME


def _iso(when: datetime) -> str:
    """A UTC time as stored: ISO 8601 with microseconds, so that text order is time order."""
    return utc(when).isoformat(timespec="microseconds")


def _canonical(text: str) -> bool:
    """Whether a stored time is written as `_iso` writes it (then it is the fuzz's seed as is),
    provided it reads back (datetime.fromisoformat)."""
    return (len(text) == 32 and text[4] == text[7] == "-" and text[10] == "T" and text[13] == text[16] == ":"
            and text[19] == "." and text.endswith("+00:00"))


def _time(text: str) -> datetime:
    return utc(datetime.fromisoformat(text))


# --- migrations ---------------------------------------------------------------------------


def m001_cards(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE cards (
            id          INTEGER PRIMARY KEY,
            question_id TEXT NOT NULL UNIQUE,
            state       INTEGER NOT NULL,
            step        INTEGER,
            stability   REAL,
            difficulty  REAL,
            due         TEXT NOT NULL,
            last_review TEXT,
            created_at  TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX cards_due ON cards (due)")


def m002_reviews(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE reviews (
            id              INTEGER PRIMARY KEY,
            question_id     TEXT NOT NULL,
            rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            reviewed_at     TEXT NOT NULL,
            duration_ms     INTEGER,
            score           INTEGER,
            answer          TEXT,
            mode            TEXT NOT NULL DEFAULT 'drill',
            state_before    INTEGER,
            due_after       TEXT NOT NULL,
            stability_after REAL
        )""")
    db.execute("CREATE INDEX reviews_time ON reviews (reviewed_at)")
    db.execute("CREATE INDEX reviews_question ON reviews (question_id, reviewed_at)")


def _legacy_uuid(rowid: int, question_id: str, reviewed_at: str, rating: int) -> str:
    """The UUID given to a review written before reviews had one: derived from the row, so that
    two copies of one old database migrated on two machines give their reviews the same ids."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"quiz:review:{rowid}:{question_id}:{reviewed_at}:{rating}"))


def m003_banks(db: sqlite3.Connection) -> None:
    """Cards and reviews belong to a bank; every review gets a UUID.

    Progress from before (keyed by question id alone) becomes the built-in bank's. SQLite
    cannot change a UNIQUE constraint in place: both tables are rebuilt, rows and ids kept.
    """
    db.create_function("legacy_uuid", 4, _legacy_uuid, deterministic=True)
    db.execute("""
        CREATE TABLE cards_new (
            id          INTEGER PRIMARY KEY,
            bank_id     TEXT NOT NULL,
            question_id TEXT NOT NULL,
            state       INTEGER NOT NULL,
            step        INTEGER,
            stability   REAL,
            difficulty  REAL,
            due         TEXT NOT NULL,
            last_review TEXT,
            created_at  TEXT NOT NULL,
            UNIQUE (bank_id, question_id)
        )""")
    db.execute("""
        INSERT INTO cards_new (id, bank_id, question_id, state, step, stability, difficulty, due,
                               last_review, created_at)
        SELECT id, ?, question_id, state, step, stability, difficulty, due, last_review, created_at
        FROM cards""", (BUILTIN_BANK_ID,))
    db.execute("DROP TABLE cards")
    db.execute("ALTER TABLE cards_new RENAME TO cards")
    db.execute("CREATE INDEX cards_due ON cards (bank_id, due)")
    db.execute("""
        CREATE TABLE reviews_new (
            id              INTEGER PRIMARY KEY,
            uuid            TEXT NOT NULL UNIQUE,
            bank_id         TEXT NOT NULL,
            question_id     TEXT NOT NULL,
            rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            reviewed_at     TEXT NOT NULL,
            duration_ms     INTEGER,
            score           INTEGER,
            answer          TEXT,
            mode            TEXT NOT NULL DEFAULT 'drill',
            state_before    INTEGER,
            due_after       TEXT NOT NULL,
            stability_after REAL
        )""")
    db.execute("""
        INSERT INTO reviews_new (id, uuid, bank_id, question_id, rating, reviewed_at, duration_ms,
                                 score, answer, mode, state_before, due_after, stability_after)
        SELECT id, legacy_uuid(id, question_id, reviewed_at, rating), ?, question_id, rating,
               reviewed_at, duration_ms, score, answer, mode, state_before, due_after, stability_after
        FROM reviews""", (BUILTIN_BANK_ID,))
    db.execute("DROP TABLE reviews")
    db.execute("ALTER TABLE reviews_new RENAME TO reviews")
    db.execute("CREATE INDEX reviews_time ON reviews (bank_id, reviewed_at)")
    db.execute("CREATE INDEX reviews_card ON reviews (bank_id, question_id, reviewed_at)")


def m004_solved_exercises(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE solved_exercises (
            bank_id     TEXT NOT NULL,
            exercise_id TEXT NOT NULL,
            solved_at   TEXT NOT NULL,
            PRIMARY KEY (bank_id, exercise_id)
        )""")


def m005_review_overrides(db: sqlite3.Connection) -> None:
    """A review keeps the candidate's "I said this" marks: JSON, a list of {point, said, wording}."""
    db.execute("ALTER TABLE reviews ADD COLUMN overrides TEXT")


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("m001_cards", m001_cards),
    ("m002_reviews", m002_reviews),
    ("m003_banks", m003_banks),
    ("m004_solved_exercises", m004_solved_exercises),
    ("m005_review_overrides", m005_review_overrides),
]


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").fetchone()
    if not exists:
        return []
    return [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY rowid")]


def migrate(db: sqlite3.Connection,
            migrations: Sequence[tuple[str, Callable[[sqlite3.Connection], None]]] = MIGRATIONS,
            ) -> list[str]:
    """Apply the migrations not applied yet, in order, each in its own transaction.

    Another process may migrate the same file at the same moment: each step checks again,
    inside its write transaction, that it still has to run. Returns the names applied.
    """
    done = set(applied_migrations(db))
    unknown = done - {name for name, _ in migrations}
    if unknown:
        raise QuizError(f"The progress database was written by a newer quiz (it has migration "
                        f"{sorted(unknown)[-1]}): upgrade quiz to use it.")
    ran = []
    for name, step in migrations:
        if name in done:
            continue
        with _transaction(db):
            db.execute("CREATE TABLE IF NOT EXISTS migrations "
                       "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                continue
            step(db)
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                       (name, _iso(datetime.now(UTC))))
        ran.append(name)
    return ran


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction taken at once (BEGIN IMMEDIATE), committed or rolled back whole."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# --- errors in words ------------------------------------------------------------------------


def explain(exc: sqlite3.Error, path: Path) -> str:
    """One sentence for what went wrong with the database file."""
    msg = str(exc).lower()
    if "locked" in msg or "busy" in msg:
        return (f"The progress database {path} is locked by another program "
                "(another quiz still saving?): try again in a moment.")
    if "readonly" in msg or "read-only" in msg:
        return (f"The progress database {path} is read-only, so progress cannot be saved: "
                "check the permissions of the file and its folder, or set QUIZ_HOME to a "
                "writable folder.")
    if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
        return (f"The progress database {path} is not a valid SQLite database (corrupt?); "
                "it was left untouched: move it away to start afresh, or restore a backup.")
    if "unable to open" in msg:
        return (f"Cannot open the progress database {path}: check that its folder exists "
                "and is writable, or set QUIZ_HOME to another folder.")
    if "disk is full" in msg or "database or disk is full" in msg or (
        "disk i/o error" in msg and disk_full(path.parent)
    ):
        return f"The disk holding the progress database {path} is full: nothing was saved."
    return f"The progress database {path} failed: {exc}."


def disk_full(folder: Path) -> bool:
    """Whether writing into `folder` fails for want of space (SQLite says only "disk I/O error")."""
    import errno
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"\0" * 65536)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return False


@contextlib.contextmanager
def _guard(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise QuizError(explain(exc, path)) from exc


def _setup(db: sqlite3.Connection) -> None:
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    migrate(db)


def _retry_busy(step: Callable[[], None], seconds: float) -> None:
    """Run `step`, again while the database is busy, for up to `seconds`.

    Switching a new file to WAL fails at once, without waiting for the busy timeout, when
    another process opens it at the same moment (a lock SQLite will not wait for); waiting
    a little and trying again resolves it.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(0.02)


def _writable(path: Path) -> bool:
    """Whether the database (and its -wal and -shm beside it) can be written, or made."""
    if path.exists():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)


def _open_read_only(path: Path, timeout_ms: int) -> sqlite3.Connection:
    """The database opened to read only: as it is (another process may write it), else as a file
    nobody writes (read-only media, where SQLite cannot make the -shm it needs); an empty
    progress when there is no file."""
    if not path.exists():
        db = sqlite3.connect(":memory:", isolation_level=None)
        migrate(db)
        return db
    uri = path.absolute().as_uri()
    failure: sqlite3.Error | None = None
    for query in ("?mode=ro", "?immutable=1"):
        db = sqlite3.connect(uri + query, uri=True, timeout=timeout_ms / 1000, isolation_level=None)
        try:
            done = applied_migrations(db)
        except sqlite3.OperationalError as exc:
            db.close()
            failure = failure or exc
            continue
        except sqlite3.Error as exc:
            db.close()
            raise QuizError(explain(exc, path)) from None
        break
    else:
        assert failure is not None
        raise QuizError(explain(failure, path))
    names = [name for name, _ in MIGRATIONS]
    if set(done) - set(names):
        try:
            migrate(db)  # refuses it, naming the newer quiz's migration
        finally:
            db.close()
    if set(done) != set(names):
        db.close()
        raise QuizError(f"The progress database {path} was written by an older quiz and cannot be written "
                        "here, so it cannot be upgraded: make it writable and run quiz once.")
    return db


# --- the store ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    """One line of the review log."""

    id: int
    question_id: str
    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None
    score: int | None
    answer: str | None
    mode: str
    state_before: State | None  # None: the card was new
    due_after: datetime
    uuid: str
    bank_id: str


@dataclass(frozen=True)
class LogEntry:
    """One review as it travels between devices (`quiz progress export`, import, sync)."""

    uuid: str
    bank_id: str
    question_id: str
    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None = None
    score: int | None = None
    mode: str = "drill"
    answer: str | None = None
    line: int | None = field(default=None, compare=False)  # where a log file holds it, if it came from one
    overrides: str | None = None  # the candidate's "I said this" marks, JSON (quiz.session.Mark)


@dataclass(frozen=True)
class Solve:
    """An exercise solved (`quiz practice`), as it travels with the log: the first time counts."""

    bank_id: str
    exercise_id: str
    solved_at: datetime


class ReplayError(QuizError):
    """A card's reviews that cannot be replayed (a time that does not read back): nothing changed."""

    def __init__(self, bank: str, question_id: str, path: Path, reason: str):
        self.bank, self.question_id, self.reason = bank, question_id, reason
        super().__init__(f"The card '{question_id}' of bank {bank} cannot be rebuilt from its reviews in "
                         f"{path} ({reason}); nothing was changed.")


class MergeConflict(QuizError):
    """Reviews with the UUID of a review already held but other content: nothing was merged."""

    def __init__(self, conflicts: Sequence[tuple[LogEntry, LogEntry]], total: int):
        self.conflicts = list(conflicts)  # (incoming, held): the first few
        self.total = total  # all of them
        super().__init__(f"{total} review(s) have the id of a review already held "
                         "with other content: nothing was merged.")


@dataclass(frozen=True)
class Merged:
    """What a merge did: reviews added, reviews already there, cards rebuilt, exercises newly
    solved."""

    added: int
    skipped: int
    cards: int
    solved: int = 0


_INSERTED = "uuid, bank_id, question_id, rating, reviewed_at, duration_ms, score, answer, mode"
_LOG_COLUMNS = "uuid, bank_id, question_id, rating, reviewed_at, duration_ms, score, mode, answer, overrides"
_CARD_COLUMNS = "question_id, state, step, stability, difficulty, due, last_review"
_REVIEW_COLUMNS = ("id, question_id, rating, reviewed_at, duration_ms, score, answer, mode, "
                   "state_before, due_after, uuid, bank_id")
_CARD_UPSERT = (
    "INSERT INTO cards (bank_id, question_id, state, step, stability, difficulty, due, last_review, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bank_id, question_id) DO UPDATE SET "
    "state = excluded.state, step = excluded.step, stability = excluded.stability, "
    "difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review, "
    "created_at = excluded.created_at")
_REVIEW_INSERT = (
    "INSERT INTO reviews (uuid, bank_id, question_id, rating, reviewed_at, duration_ms, score, answer, "
    "mode, state_before, due_after, stability_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_MERGED_INSERT = (
    "INSERT INTO reviews (uuid, bank_id, question_id, rating, reviewed_at, duration_ms, score, answer, "
    "mode, state_before, due_after, stability_after, overrides) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _held(row: Any) -> LogEntry:
    """A review of the log as `_LOG_COLUMNS` reads it."""
    u, b, q, r, t, d, s, m, a, o = row
    return LogEntry(str(u), str(b), str(q), Rating(r), _time(str(t)), d, s, m, a, overrides=o)


def _card(row: Any) -> CardState:
    """A card as stored; ValueError naming the first value that does not read back."""
    qid, state, step, stability, difficulty, due, last = row
    for name, value, types in (("step", step, int), ("stability", stability, (int, float)),
                               ("difficulty", difficulty, (int, float))):
        if value is not None and not isinstance(value, types):
            raise ValueError(f"{name} {value!r}")
    try:
        State(state)
        _time(due)
        if last is not None:
            _time(last)
    except (ValueError, TypeError):
        raise ValueError(f"state {state!r}, due {due!r}, last review {last!r}") from None
    return CardState(qid, State(state), step, stability, difficulty, _time(due),
                     None if last is None else _time(last))


def _review(row: Any) -> ReviewRow:
    rid, qid, rating, at, duration, score, answer, mode, before, due, uid, bank = row
    try:
        _time(due)
        if before is not None:
            State(before)
    except (ValueError, TypeError):
        raise ValueError(f"state before {before!r}, due after {due!r}") from None
    return ReviewRow(rid, qid, Rating(rating), _time(at), duration, score, answer, mode,
                     None if before is None else State(before), _time(due), uid, bank)


def _card_values(card: CardState) -> tuple[object, ...]:
    return (int(card.state), card.step, card.stability, card.difficulty, _iso(card.due),
            None if card.last_review is None else _iso(card.last_review))


class Store:
    """The progress database. Open it with `Store.open()`; close it (or use `with`).

    `bank_id` is the bank whose progress this store reads and writes; None reads every
    bank's log and cards (`all_cards`, `reviews`, `log`) but cannot rate a card.
    """

    def __init__(self, db: sqlite3.Connection, path: Path, bank_id: str | None = None):
        self.db = db
        self.path = path
        self.bank_id = bank_id

    @classmethod
    def open(cls, path: Path | None = None, *, bank_id: str | None = None,
             timeout_ms: int | None = None, write: bool = True) -> Store:
        """Open (creating it if need be) and migrate the database; QuizError when it cannot.

        With `write` (the drill, reset), a file that cannot be written is refused at once,
        before anyone types an answer that could not be saved.
        """
        path = path or db_path()
        timeout_ms = BUSY_TIMEOUT_MS if timeout_ms is None else timeout_ms
        if path.parent.exists() and not path.parent.is_dir():
            raise QuizError(f"{path.parent} is a file, not a folder: progress cannot be kept there "
                            "(set QUIZ_HOME to a folder).")
        if not write and not _writable(path):  # progress on read-only media can still be viewed
            return cls(_open_read_only(path, timeout_ms), path, bank_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise QuizError(f"Cannot create the folder {path.parent} for progress: "
                            f"{exc.strerror or exc}.") from exc
        if path.is_dir():
            raise QuizError(f"The progress database {path} is a folder, not a file.")
        if write and path.exists() and not os.access(path, os.W_OK):
            raise QuizError(explain(sqlite3.OperationalError("readonly"), path))
        with _guard(path):
            db = sqlite3.connect(path, timeout=timeout_ms / 1000, isolation_level=None)
            try:
                db.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
                _retry_busy(lambda: _setup(db), timeout_ms / 1000)
            except BaseException:
                db.close()
                raise
        return cls(db, path, bank_id)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _bank(self) -> str:
        if self.bank_id is None:
            raise ValueError("this store reads every bank: open it with bank_id= to use one bank's cards")
        return self.bank_id

    def _scope(self, word: str = "WHERE") -> tuple[str, list[object]]:
        """The SQL that keeps this store's bank (nothing when it reads every bank)."""
        return ("", []) if self.bank_id is None else (f" {word} bank_id = ?", [self.bank_id])

    # reading

    def cards(self, question_ids: Iterable[str] | None = None) -> dict[str, CardState]:
        """The bank's cards (or those of `question_ids`), by question id."""
        with _guard(self.path):
            rows = self.db.execute(f"SELECT bank_id, {_CARD_COLUMNS} FROM cards WHERE bank_id = ?",
                                   (self._bank(),)).fetchall()
        cards = {c.question_id: c for _, c in self._read_cards(rows)}
        if question_ids is not None:
            wanted = set(question_ids)
            cards = {k: v for k, v in cards.items() if k in wanted}
        return cards

    def all_cards(self) -> list[tuple[str, CardState]]:
        """(bank id, card) for every card this store reads, in bank order."""
        where, args = self._scope()
        with _guard(self.path):
            rows = self.db.execute(f"SELECT bank_id, {_CARD_COLUMNS} FROM cards{where} "
                                   "ORDER BY bank_id, question_id", args).fetchall()
        return sorted(self._read_cards(rows), key=lambda bc: (bc[0], bc[1].question_id))

    def _read_cards(self, rows: Sequence[Any]) -> list[tuple[str, CardState]]:
        """(bank id, card) of each row. The review log is the truth: a card that does not read
        back (a state or date no quiz writes) is rebuilt from its reviews, saying so in one line."""
        out: list[tuple[str, CardState]] = []
        bad: dict[tuple[str, str], str] = {}
        for row in rows:
            try:
                out.append((str(row[0]), _card(row[1:])))
            except ValueError as exc:
                bad[(str(row[0]), str(row[1]))] = str(exc)
        if not bad:
            return out
        self._repair(bad)
        with _guard(self.path):
            for bank, qid in sorted(bad):
                row = self.db.execute(f"SELECT bank_id, {_CARD_COLUMNS} FROM cards WHERE bank_id = ? AND "
                                      "question_id = ?", (bank, qid)).fetchone()
                if row is not None:
                    out.append((bank, _card(row[1:])))
        return out

    def _repair(self, bad: dict[tuple[str, str], str], transaction: bool = True) -> None:
        """Rebuild the cards of `bad` (key -> what did not read back) from their reviews."""
        try:
            with _guard(self.path), (_transaction(self.db) if transaction else contextlib.nullcontext()):
                gone = self._rebuild(set(bad), None)
        except QuizError as exc:
            (bank, qid), what = next(iter(bad.items()))
            if isinstance(exc, ReplayError):
                bank, qid, what = exc.bank, exc.question_id, bad.get((exc.bank, exc.question_id), what)
                reason = exc.reason
            else:
                reason = str(exc)
            raise QuizError(f"The card '{qid}' of bank {bank} does not read back from {self.path} ({what}) "
                            f"and cannot be rebuilt from its reviews: {reason}") from None
        for (bank, qid), what in sorted(bad.items()):
            how = "it had no review: it is new again" if (bank, qid) in gone else "rebuilt from its reviews"
            notice(f"The card '{qid}' of bank {bank} did not read back from {self.path} ({what}): {how}.")

    def first_reviews(self) -> dict[str, datetime]:
        """When each card was first reviewed (from the log): what the new-card quota counts."""
        with _guard(self.path):
            rows = self.db.execute(
                "SELECT question_id, MIN(reviewed_at) FROM reviews WHERE bank_id = ? "
                "GROUP BY question_id", (self._bank(),)).fetchall()
        with self._readable():
            return {str(q): _time(str(t)) for q, t in rows}

    @contextlib.contextmanager
    def _readable(self) -> Iterator[None]:
        """A review whose time does not read back, in one sentence: no card can be rebuilt
        from it (what the log says of it is lost)."""
        try:
            yield
        except ValueError as exc:
            raise QuizError(f"The progress database {self.path} holds a review that does not read back "
                            f"({exc}): restore a backup, or move the file away to start afresh.") from None

    def reviews(self, since: datetime | None = None,
                question_ids: Iterable[str] | None = None) -> list[ReviewRow]:
        """The review log, oldest first; from `since` on, for `question_ids` only, if given."""
        where, args = self._scope()
        sql = f"SELECT {_REVIEW_COLUMNS} FROM reviews{where}"
        if since is not None:
            sql += " AND" if where else " WHERE"
            sql += " reviewed_at >= ?"
            args.append(_iso(since))
        sql += " ORDER BY reviewed_at, uuid"
        with _guard(self.path):
            rows = self.db.execute(sql, args).fetchall()
        bad: dict[tuple[str, str], str] = {}
        for r in rows:
            try:
                _review(r)
            except (ValueError, KeyError) as exc:
                bad[(str(r[11]), str(r[1]))] = f"a review's {exc}"
        if bad:  # after-values that do not read back: the replay writes them again
            self._repair(bad)
            with _guard(self.path):
                rows = self.db.execute(sql, args).fetchall()
        out = [_review(r) for r in rows]
        if question_ids is not None:
            wanted = set(question_ids)
            out = [r for r in out if r.question_id in wanted]
        return out

    def log(self) -> list[LogEntry]:
        """The review log as it travels: oldest first (ties by UUID, so two devices agree)."""
        return list(self.iter_log())

    def iter_log(self) -> Iterator[LogEntry]:
        """`log`, read as it is used (the whole log is never in memory): write nothing to the
        database until it is exhausted."""
        where, args = self._scope()
        with _guard(self.path):
            rows = self.db.execute(f"SELECT {_LOG_COLUMNS} FROM reviews{where} ORDER BY reviewed_at, uuid",
                                   args)
            with self._readable():
                yield from map(_held, rows)

    def log_rows(self) -> Iterator[tuple[Any, ...]]:
        """`iter_log`'s rows as stored (`_LOG_COLUMNS`), unchecked: for a writer that checks
        and formats each field itself (`quiz.sync.log_lines`)."""
        where, args = self._scope()
        with _guard(self.path):
            yield from self.db.execute(
                f"SELECT {_LOG_COLUMNS} FROM reviews{where} ORDER BY reviewed_at, uuid", args)

    def counts(self, question_ids: Iterable[str] | None = None) -> tuple[int, int]:
        """(cards, reviews) held, for `question_ids` or for everything this store reads."""
        if question_ids is None:
            where, args = self._scope()
            with _guard(self.path):
                cards = self.db.execute(f"SELECT COUNT(*) FROM cards{where}", args).fetchone()[0]
                reviews = self.db.execute(f"SELECT COUNT(*) FROM reviews{where}", args).fetchone()[0]
            return int(cards), int(reviews)
        ids = set(question_ids)
        return len(self.cards(ids)), len(self.reviews(question_ids=ids))

    def solved(self, bank_id: str) -> dict[str, datetime]:
        """The exercises of a bank solved so far, with when each was first solved."""
        with _guard(self.path):
            rows = self.db.execute("SELECT exercise_id, solved_at FROM solved_exercises WHERE bank_id = ?",
                                   (bank_id,)).fetchall()
        return {str(e): _time(str(t)) for e, t in rows}

    def iter_solves(self) -> Iterator[Solve]:
        """Every exercise solved, of every bank, oldest first (as the log carries them)."""
        with _guard(self.path):
            rows = self.db.execute("SELECT bank_id, exercise_id, solved_at FROM solved_exercises "
                                   "ORDER BY solved_at, bank_id, exercise_id").fetchall()
        return (Solve(str(b), str(e), _time(str(t))) for b, e, t in rows)

    # writing

    def solve(self, bank_id: str, exercise_id: str, now: datetime) -> bool:
        """Record an exercise as solved (the first time counts); True when it was new."""
        with _guard(self.path), _transaction(self.db):
            cur = self.db.execute(
                "INSERT OR IGNORE INTO solved_exercises (bank_id, exercise_id, solved_at) VALUES (?, ?, ?)",
                (bank_id, exercise_id, _iso(now)))
        return cur.rowcount == 1

    def record(self, question_id: str, rating: Rating, now: datetime,
               review: Callable[[CardState], CardState], *, score: int | None = None,
               answer: str | None = None, duration_ms: int | None = None,
               mode: str = "drill", overrides: str | None = None) -> CardState:
        """Rate a card and commit its new state with a log row, in one transaction.

        `review` turns the card as it is in the database *now* (it may have been reviewed by
        another process since this one read it) into the card after the rating.
        """
        now = utc(now)
        bank = self._bank()
        with _guard(self.path), _transaction(self.db):
            row = self.db.execute(f"SELECT {_CARD_COLUMNS} FROM cards WHERE bank_id = ? AND question_id = ?",
                                  (bank, question_id)).fetchone()
            try:
                before = _card(row) if row else None
            except ValueError as exc:
                self._repair({(bank, question_id): str(exc)}, transaction=False)
                row = self.db.execute(f"SELECT {_CARD_COLUMNS} FROM cards WHERE bank_id = ? AND "
                                      "question_id = ?", (bank, question_id)).fetchone()
                before = _card(row) if row else None
            after = review(before or new_card(question_id, now))
            if before is None:
                self.db.execute(
                    "INSERT INTO cards (bank_id, question_id, state, step, stability, difficulty, due, "
                    "last_review, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (bank, question_id, *_card_values(after), _iso(now)))
            else:
                self.db.execute(
                    "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
                    "last_review = ? WHERE bank_id = ? AND question_id = ?",
                    (*_card_values(after), bank, question_id))
            self.db.execute(_REVIEW_INSERT, (
                str(uuid.uuid4()), bank, question_id, int(rating), _iso(now), duration_ms, score, answer,
                mode, None if before is None else int(before.state), _iso(after.due), after.stability))
            if overrides is not None:
                self.db.execute("UPDATE reviews SET overrides = ? WHERE id = last_insert_rowid()",
                                (overrides,))
        return after

    def overrides(self, question_id: str | None = None) -> list[tuple[str, str, str, datetime]]:
        """(bank_id, question_id, overrides JSON, reviewed_at) of the reviews that have marks
        (this store's bank, or every bank), oldest first."""
        where, args = self._scope()
        sql = f"SELECT bank_id, question_id, overrides, reviewed_at FROM reviews{where}"
        sql += " AND" if where else " WHERE"
        sql += " overrides IS NOT NULL"
        if question_id is not None:
            sql += " AND question_id = ?"
            args = [*args, question_id]
        with _guard(self.path):
            rows = self.db.execute(sql + " ORDER BY reviewed_at", args).fetchall()
        return [(str(b), str(q), str(o), _time(str(t))) for b, q, o, t in rows]

    def check_writable(self) -> None:
        """Take the write lock for a moment (waiting up to the busy timeout): QuizError now,
        before a question is asked, rather than when its answer is to be saved."""
        with _guard(self.path), _transaction(self.db):
            pass

    def amend(self, question_id: str, reviewed_at: datetime, rating: Rating, score: int | None,
              overrides: str | None, scheduler: fsrs.Scheduler | None = None) -> CardState | None:
        """Change the rating, score and marks of the review of `question_id` made at
        `reviewed_at` (the exam review's "I said this"), and rebuild the card from its log, in
        one transaction. The card as it is now."""
        bank = self._bank()
        with _guard(self.path), _transaction(self.db):
            row = self.db.execute(
                "SELECT id FROM reviews WHERE bank_id = ? AND question_id = ? AND reviewed_at = ? "
                "ORDER BY id DESC LIMIT 1", (bank, question_id, _iso(utc(reviewed_at)))).fetchone()
            if row is None:
                raise QuizError(f"The review of '{question_id}' is no longer in the progress database: "
                                "the mark is not saved.")
            self.db.execute("UPDATE reviews SET rating = ?, score = ?, overrides = ? WHERE id = ?",
                            (int(rating), score, overrides, row[0]))
            self._rebuild({(bank, question_id)}, scheduler)
        return self.cards([question_id]).get(question_id)

    def undo(self, question_id: str, reviewed_at: datetime,
             scheduler: fsrs.Scheduler | None = None) -> CardState | None:
        """Take back the review of `question_id` made at `reviewed_at`, in one transaction: its
        log row is deleted and the card rebuilt by replaying the reviews left (the log is the
        source of truth, as for a merge). The card as it is now; None when no review is left."""
        bank = self._bank()
        with _guard(self.path), _transaction(self.db):
            row = self.db.execute(
                "SELECT id FROM reviews WHERE bank_id = ? AND question_id = ? AND reviewed_at = ? "
                "ORDER BY id DESC LIMIT 1", (bank, question_id, _iso(reviewed_at))).fetchone()
            if row is None:
                raise QuizError(f"The last review of '{question_id}' is no longer in the progress "
                                "database: nothing to undo.")
            self.db.execute("DELETE FROM reviews WHERE id = ?", (row[0],))
            self._rebuild({(bank, question_id)}, scheduler)
        return self.cards([question_id]).get(question_id)

    def merge(self, entries: Iterable[LogEntry], scheduler: fsrs.Scheduler | None = None, *,
              progress: Callable[[int, int], None] | None = None,
              solves: Callable[[], Iterable[Solve]] | None = None) -> Merged:
        """Add the reviews not held yet (by UUID), then rebuild every card they touch by
        replaying all its reviews in time order; one transaction. Any bank, whatever the store's.

        `entries` is read a chunk at a time (memory does not grow with the log). A card of
        which the store holds no review is replayed as its reviews come, each review written
        once with its after-values; a card with reviews held, or whose reviews come out of time
        order, is rebuilt from its whole log once all are in (`_rebuild`). A review held
        with other content under the same UUID is a conflict: MergeConflict, nothing merged.
        `progress(cards_done, cards)` is called as the cards of the second kind are rebuilt.
        `solves()`, called once the entries are read, gives exercises solved: each is added, or
        its time moved earlier (the first solve counts on every device), in the same transaction.
        """
        conflicts: list[tuple[LogEntry, LogEntry]] = []
        clashes = 0
        added = skipped = 0
        touched: set[tuple[str, str]] = set()
        # cards replayed as their reviews come: (memory, last review's time text and uuid,
        # first review's time text); the others are rebuilt from the log at the end
        live: dict[tuple[str, str], tuple[Memory, str, str, str]] = {}
        later: set[tuple[str, str]] = set()
        replayer: Replayer | None = None  # fsrs is imported when a review is new
        db = self.db
        with _guard(self.path), _transaction(db):
            db.execute(f"PRAGMA cache_size = {MERGE_CACHE_KIB}")  # indexes in memory: 2x faster inserts
            # into a store with no review (a first import, a restore), every card is new, and the
            # index of a card's reviews is built once at the end (sorted: faster than kept up to
            # date row by row); the transaction restores it if the import goes no further
            card_index = None
            empty = db.execute("SELECT 1 FROM reviews LIMIT 1").fetchone() is None
            if empty:
                card_index = db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                                        "name = 'reviews_card'").fetchone()
                if card_index is not None:
                    db.execute("DROP INDEX reviews_card")
            it = iter(entries)
            while chunk := list(itertools.islice(it, MERGE_CHUNK)):
                marks = ", ".join("?" * len(chunk))
                held = {r[0]: r[1:] for r in db.execute(
                    f"SELECT {_INSERTED} FROM reviews WHERE uuid IN ({marks})", [e.uuid for e in chunk])}
                new: list[tuple[LogEntry, datetime, tuple[Any, ...]]] = []
                for e in chunk:
                    when = e.reviewed_at if e.reviewed_at.tzinfo is UTC else utc(e.reviewed_at)
                    at = when.isoformat(timespec="microseconds")  # as _iso writes it
                    content = (e.bank_id, e.question_id, int(e.rating), at, e.duration_ms, e.score, e.answer,
                               e.mode)
                    before = held.get(e.uuid)
                    if before is None:
                        held[e.uuid] = content
                        new.append((e, when, content))
                    elif before == content:
                        skipped += 1
                    else:
                        b, q, r, t, d, sc, a, m = before
                        clashes += 1
                        if len(conflicts) < 10:
                            conflicts.append((e, LogEntry(e.uuid, b, q, Rating(r), _time(t), d, sc, m, a)))
                if not new:
                    continue
                if not empty:  # a card seen for the first time, whose reviews the store holds: rebuilt later
                    for key in {(e.bank_id, e.question_id) for e, _, _ in new} - live.keys() - later:
                        if db.execute("SELECT 1 FROM reviews WHERE bank_id = ? AND question_id = ? LIMIT 1",
                                      key).fetchone():
                            later.add(key)
                rows: list[tuple[object, ...]] = []
                replayer = replayer or Replayer(scheduler)
                with replayer.fuzzing():
                    for e, when, content in new:
                        key = (e.bank_id, e.question_id)
                        touched.add(key)
                        at = content[3]
                        card = live.get(key)
                        if key in later or (card is not None and (at, e.uuid) <= (card[1], card[2])):
                            if card is not None:  # out of time order: rebuilt at the end
                                del live[key]
                                later.add(key)
                            rows.append((e.uuid, *content, None, "", None, e.overrides))
                            continue
                        after = replayer.step(None if card is None else card[0], e.question_id, e.rating,
                                              when, at, e.duration_ms)
                        due = after[4].isoformat(timespec="microseconds")
                        rows.append((e.uuid, *content, None if card is None else card[0][0], due, after[2],
                                     e.overrides))
                        live[key] = (after, at, e.uuid, at if card is None else card[3])
                db.executemany(_MERGED_INSERT, rows)
                added += len(rows)
            if clashes:
                raise MergeConflict(conflicts, clashes)
            if card_index is not None:
                db.execute(card_index[0])
            db.executemany(_CARD_UPSERT, [
                (bank, qid, *memory[:4], memory[4].isoformat(timespec="microseconds"), last, first)
                for (bank, qid), (memory, last, _, first) in live.items()])
            self._rebuild(later & touched, scheduler, progress)
            solved = self._merge_solves(solves() if solves is not None else ())
        return Merged(added, skipped, len(touched), solved)

    def _merge_solves(self, solves: Iterable[Solve]) -> int:
        """Within a transaction: add the solves not held, keep the earlier time of those held;
        how many exercises are newly solved."""
        before = self.db.execute("SELECT COUNT(*) FROM solved_exercises").fetchone()[0]
        self.db.executemany(
            "INSERT INTO solved_exercises (bank_id, exercise_id, solved_at) VALUES (?, ?, ?) "
            "ON CONFLICT (bank_id, exercise_id) DO UPDATE SET solved_at = excluded.solved_at "
            "WHERE excluded.solved_at < solved_at",
            [(s.bank_id, s.exercise_id, _iso(s.solved_at)) for s in solves])
        return int(self.db.execute("SELECT COUNT(*) FROM solved_exercises").fetchone()[0]) - int(before)

    def rebuild(self, question_ids: Iterable[str], scheduler: fsrs.Scheduler | None = None) -> None:
        """Replay the log of this bank's `question_ids` into their cards (a card with no
        review left is deleted): what to call after taking a review out of the log."""
        bank = self._bank()
        with _guard(self.path), _transaction(self.db):
            self._rebuild({(bank, q) for q in question_ids}, scheduler)

    def _rebuild(self, keys: set[tuple[str, str]], scheduler: fsrs.Scheduler | None,
                 progress: Callable[[int, int], None] | None = None) -> set[tuple[str, str]]:
        """Within a transaction: replay every card of `keys` from its whole log, and bring the
        stored after-values of its reviews up to date.

        The log is read a card at a time, in time order; the after-values go to a temporary
        table and into `reviews` once it has been read: memory holds one card's log. The keys
        that had no review left (their cards are deleted).
        """
        if not keys:
            return set()
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS touched (bank_id TEXT, question_id TEXT)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS derived "
                   "(id INTEGER PRIMARY KEY, state_before INTEGER, due_after TEXT, stability_after REAL)")
        db.executemany("INSERT INTO temp.touched VALUES (?, ?)", sorted(keys))
        rows = db.execute(
            "SELECT bank_id, question_id, reviewed_at, uuid, rating, duration_ms, id, state_before, "
            "due_after, stability_after FROM reviews JOIN temp.touched USING (bank_id, question_id) "
            "ORDER BY bank_id, question_id, reviewed_at, uuid")
        ratings = {int(r): r for r in Rating}
        updates: list[tuple[object, ...]] = []
        cards: list[tuple[object, ...]] = []
        seen = 0
        for (bank, qid), group in itertools.groupby(rows, key=lambda r: (r[0], r[1])):
            items = list(group)
            keys.discard((bank, qid))
            try:
                # every time here is UTC, stored as _iso writes it: no need for _time's checks
                states = replay(qid, [(ratings[r[4]], datetime.fromisoformat(r[2]).replace(tzinfo=UTC), r[5],
                                       r[2] if _canonical(r[2]) else "") for r in items], scheduler)
            except (ValueError, OverflowError, KeyError) as exc:
                raise ReplayError(bank, qid, self.path, f"a review cannot be replayed: {exc}") from None
            previous: CardState | None = None
            for r, after in zip(items, states, strict=True):
                derived = (None if previous is None else int(previous.state),
                           after.due.isoformat(timespec="microseconds"), after.stability)
                if tuple(r[7:]) != derived:
                    updates.append((r[6], *derived))
                previous = after
            cards.append((bank, qid, *_card_values(states[-1]), items[0][2]))
            if len(updates) >= MERGE_CHUNK:
                db.executemany("INSERT INTO temp.derived VALUES (?, ?, ?, ?)", updates)
                updates.clear()
            if len(cards) >= MERGE_CHUNK:
                db.executemany(_CARD_UPSERT, cards)
                cards.clear()
            seen += 1
            if progress is not None:
                progress(seen, seen + len(keys))
        db.executemany("INSERT INTO temp.derived VALUES (?, ?, ?, ?)", updates)
        db.executemany(_CARD_UPSERT, cards)
        db.execute("UPDATE reviews SET state_before = d.state_before, due_after = d.due_after, "
                   "stability_after = d.stability_after FROM temp.derived AS d WHERE reviews.id = d.id")
        # the keys left had no review left: no card either
        db.executemany("DELETE FROM cards WHERE bank_id = ? AND question_id = ?", sorted(keys))
        db.execute("DELETE FROM temp.derived")
        db.execute("DELETE FROM temp.touched")
        return keys

    def forget(self, question_ids: Iterable[str] | None = None) -> tuple[int, int]:
        """Delete the cards and review log of `question_ids` (of the whole bank when None;
        of every bank when the store reads every bank).

        Returns (cards, reviews) deleted.
        """
        where, args = self._scope()
        with _guard(self.path), _transaction(self.db):
            if question_ids is None:
                cards = self.db.execute(f"DELETE FROM cards{where}", args).rowcount
                reviews = self.db.execute(f"DELETE FROM reviews{where}", args).rowcount
            else:
                bank = self._bank()
                ids = sorted(set(question_ids))
                cards = reviews = 0
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    marks = ", ".join("?" * len(chunk))
                    cards += self.db.execute(
                        f"DELETE FROM cards WHERE bank_id = ? AND question_id IN ({marks})",
                        (bank, *chunk)).rowcount
                    reviews += self.db.execute(
                        f"DELETE FROM reviews WHERE bank_id = ? AND question_id IN ({marks})",
                        (bank, *chunk)).rowcount
        return cards, reviews
