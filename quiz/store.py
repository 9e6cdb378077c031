"""Progress in SQLite: one card per question id, and a log of every review.

The database is `user_dir()/progress.db`, in WAL mode with a busy timeout, so two terminals
drilling at once both get their reviews in. A review is one transaction: the card's new
state and its log row are committed together, the moment the card is rated.

The schema grows by ordered, named migrations (`m001_cards`, `m002_reviews`, ...), each
applied in its own transaction and recorded in the `migrations` table.

A database that is locked, read-only or corrupt raises QuizError with one sentence; the
file is never replaced, truncated or deleted.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.grading import Rating
from quiz.paths import user_dir
from quiz.scheduler import CardState, State, new_card, utc

DB_NAME = "progress.db"
BUSY_TIMEOUT_MS = 5000


def db_path() -> Path:
    return user_dir() / DB_NAME


def _iso(when: datetime) -> str:
    """A UTC time as stored: ISO 8601 with microseconds, so that text order is time order."""
    return utc(when).isoformat(timespec="microseconds")


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


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("m001_cards", m001_cards),
    ("m002_reviews", m002_reviews),
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


_CARD_COLUMNS = "question_id, state, step, stability, difficulty, due, last_review"
_REVIEW_COLUMNS = ("id, question_id, rating, reviewed_at, duration_ms, score, answer, mode, "
                   "state_before, due_after")


def _card(row: Any) -> CardState:
    qid, state, step, stability, difficulty, due, last = row
    return CardState(qid, State(state), step, stability, difficulty, _time(due),
                     None if last is None else _time(last))


def _review(row: Any) -> ReviewRow:
    rid, qid, rating, at, duration, score, answer, mode, before, due = row
    return ReviewRow(rid, qid, Rating(rating), _time(at), duration, score, answer, mode,
                     None if before is None else State(before), _time(due))


class Store:
    """The progress database. Open it with `Store.open()`; close it (or use `with`)."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None, *, timeout_ms: int | None = None,
             write: bool = True) -> Store:
        """Open (creating it if need be) and migrate the database; QuizError when it cannot.

        With `write` (the drill, reset), a file that cannot be written is refused at once,
        before anyone types an answer that could not be saved.
        """
        path = path or db_path()
        timeout_ms = BUSY_TIMEOUT_MS if timeout_ms is None else timeout_ms
        if path.parent.exists() and not path.parent.is_dir():
            raise QuizError(f"{path.parent} is a file, not a folder: progress cannot be kept there "
                            "(set QUIZ_HOME to a folder).")
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
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading

    def cards(self, question_ids: Iterable[str] | None = None) -> dict[str, CardState]:
        """Every card (or those of `question_ids`), by question id."""
        with _guard(self.path):
            rows = self.db.execute(f"SELECT {_CARD_COLUMNS} FROM cards").fetchall()
        cards = {c.question_id: c for c in map(_card, rows)}
        if question_ids is not None:
            wanted = set(question_ids)
            cards = {k: v for k, v in cards.items() if k in wanted}
        return cards

    def first_reviews(self) -> dict[str, datetime]:
        """When each card was first reviewed (from the log): what the new-card quota counts."""
        with _guard(self.path):
            rows = self.db.execute(
                "SELECT question_id, MIN(reviewed_at) FROM reviews GROUP BY question_id").fetchall()
        return {str(q): _time(str(t)) for q, t in rows}

    def reviews(self, since: datetime | None = None,
                question_ids: Iterable[str] | None = None) -> list[ReviewRow]:
        """The review log, oldest first; from `since` on, for `question_ids` only, if given."""
        sql = f"SELECT {_REVIEW_COLUMNS} FROM reviews"
        args: list[object] = []
        if since is not None:
            sql += " WHERE reviewed_at >= ?"
            args.append(_iso(since))
        sql += " ORDER BY reviewed_at, id"
        with _guard(self.path):
            rows = self.db.execute(sql, args).fetchall()
        out = [_review(r) for r in rows]
        if question_ids is not None:
            wanted = set(question_ids)
            out = [r for r in out if r.question_id in wanted]
        return out

    def counts(self, question_ids: Iterable[str] | None = None) -> tuple[int, int]:
        """(cards, reviews) held, for `question_ids` or for everything."""
        if question_ids is None:
            with _guard(self.path):
                cards = self.db.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
                reviews = self.db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
            return int(cards), int(reviews)
        ids = set(question_ids)
        return len(self.cards(ids)), len(self.reviews(question_ids=ids))

    # writing

    def record(self, question_id: str, rating: Rating, now: datetime,
               review: Callable[[CardState], CardState], *, score: int | None = None,
               answer: str | None = None, duration_ms: int | None = None,
               mode: str = "drill") -> CardState:
        """Rate a card and commit its new state with a log row, in one transaction.

        `review` turns the card as it is in the database *now* (it may have been reviewed by
        another process since this one read it) into the card after the rating.
        """
        now = utc(now)
        with _guard(self.path), _transaction(self.db):
            row = self.db.execute(f"SELECT {_CARD_COLUMNS} FROM cards WHERE question_id = ?",
                                  (question_id,)).fetchone()
            before = _card(row) if row else None
            after = review(before or new_card(question_id, now))
            values = (int(after.state), after.step, after.stability, after.difficulty,
                      _iso(after.due), None if after.last_review is None else _iso(after.last_review))
            if before is None:
                self.db.execute(
                    "INSERT INTO cards (question_id, state, step, stability, difficulty, due, "
                    "last_review, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (question_id, *values, _iso(now)))
            else:
                self.db.execute(
                    "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
                    "last_review = ? WHERE question_id = ?", (*values, question_id))
            self.db.execute(
                "INSERT INTO reviews (question_id, rating, reviewed_at, duration_ms, score, answer, "
                "mode, state_before, due_after, stability_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (question_id, int(rating), _iso(now), duration_ms, score, answer, mode,
                 None if before is None else int(before.state), _iso(after.due), after.stability))
        return after

    def check_writable(self) -> None:
        """Take the write lock for a moment (waiting up to the busy timeout): QuizError now,
        before a question is asked, rather than when its answer is to be saved."""
        with _guard(self.path), _transaction(self.db):
            pass

    def undo(self, question_id: str, reviewed_at: datetime, before: CardState | None) -> None:
        """Take back the review of `question_id` made at `reviewed_at`, in one transaction: its
        log row is deleted and the card goes back to `before` (deleted when it was new)."""
        with _guard(self.path), _transaction(self.db):
            row = self.db.execute(
                "SELECT id FROM reviews WHERE question_id = ? AND reviewed_at = ? ORDER BY id DESC LIMIT 1",
                (question_id, _iso(reviewed_at))).fetchone()
            if row is None:
                raise QuizError(f"The last review of '{question_id}' is no longer in the progress "
                                "database: nothing to undo.")
            self.db.execute("DELETE FROM reviews WHERE id = ?", (row[0],))
            if before is None:
                self.db.execute("DELETE FROM cards WHERE question_id = ?", (question_id,))
            else:
                self.db.execute(
                    "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
                    "last_review = ? WHERE question_id = ?",
                    (int(before.state), before.step, before.stability, before.difficulty, _iso(before.due),
                     None if before.last_review is None else _iso(before.last_review), question_id))

    def forget(self, question_ids: Iterable[str] | None = None) -> tuple[int, int]:
        """Delete the cards and review log of `question_ids` (of everything when None).

        Returns (cards, reviews) deleted.
        """
        with _guard(self.path), _transaction(self.db):
            if question_ids is None:
                cards = self.db.execute("DELETE FROM cards").rowcount
                reviews = self.db.execute("DELETE FROM reviews").rowcount
            else:
                ids = sorted(set(question_ids))
                cards = reviews = 0
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    marks = ", ".join("?" * len(chunk))
                    cards += self.db.execute(
                        f"DELETE FROM cards WHERE question_id IN ({marks})", chunk).rowcount
                    reviews += self.db.execute(
                        f"DELETE FROM reviews WHERE question_id IN ({marks})", chunk).rowcount
        return cards, reviews
