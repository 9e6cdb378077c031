"""The progress database: migrations, one transaction per review, and files gone wrong."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Scheduler

from quiz import scheduler as s
from quiz.errors import QuizError
from quiz.grading import Rating
from quiz.paths import user_dir
from quiz.scheduler import CardState, State
from quiz.store import MIGRATIONS, Store, applied_migrations, db_path, migrate

T = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
FSRS = Scheduler(enable_fuzzing=False)


def good(now: datetime = T) -> Callable[[CardState], CardState]:
    def apply(card: CardState) -> CardState:
        return s.review(card, Rating.GOOD, now, None, FSRS)

    return apply


def memory() -> sqlite3.Connection:
    return sqlite3.connect(":memory:", isolation_level=None)


def columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def test_migrations_create_the_tables() -> None:
    db = memory()
    assert migrate(db) == ["m001_cards", "m002_reviews"]
    assert columns(db, "cards") == ["id", "question_id", "state", "step", "stability", "difficulty",
                                    "due", "last_review", "created_at"]
    assert columns(db, "reviews") == ["id", "question_id", "rating", "reviewed_at", "duration_ms",
                                      "score", "answer", "mode", "state_before", "due_after",
                                      "stability_after"]
    assert applied_migrations(db) == [name for name, _ in MIGRATIONS]


def test_migrations_run_once_and_in_order() -> None:
    db = memory()
    migrate(db, MIGRATIONS[:1])
    assert applied_migrations(db) == ["m001_cards"]
    assert "reviews" not in {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert migrate(db) == ["m002_reviews"]
    assert migrate(db) == []


def test_a_failed_migration_leaves_nothing_behind() -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    db = memory()
    with pytest.raises(RuntimeError):
        migrate(db, [*MIGRATIONS, ("m003_broken", broken)])
    assert applied_migrations(db) == ["m001_cards", "m002_reviews"]
    assert "half" not in {r[0] for r in db.execute("SELECT name FROM sqlite_master")}


def test_a_database_from_a_newer_quiz_is_refused() -> None:
    db = memory()
    migrate(db, [*MIGRATIONS, ("m099_future", lambda db: None)])
    with pytest.raises(QuizError, match="newer quiz"):
        migrate(db)


def test_user_dir_follows_quiz_home(quiz_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert user_dir() == quiz_home
    assert db_path() == quiz_home / "progress.db"
    monkeypatch.delenv("QUIZ_HOME")
    import platformdirs

    assert user_dir() == Path(platformdirs.user_data_dir("quiz", appauthor=False))


def test_open_creates_a_wal_database_in_quiz_home(quiz_home: Path) -> None:
    with Store.open() as store:
        assert store.path == quiz_home / "progress.db"
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert (quiz_home / "progress.db").is_file()


def test_record_commits_the_card_and_the_log_together() -> None:
    with Store.open() as store:
        after = store.record("alpha", Rating.GOOD, T, good(), score=80, answer="my answer",
                             duration_ms=1234)
        assert after.due == T + timedelta(minutes=10)
        assert store.cards() == {"alpha": after}
        [row] = store.reviews()
        assert (row.question_id, row.rating, row.reviewed_at, row.score, row.answer,
                row.duration_ms, row.mode, row.state_before, row.due_after) == (
            "alpha", Rating.GOOD, T, 80, "my answer", 1234, "drill", None, after.due)
    with Store.open() as again:  # and it is on disk
        assert again.cards()["alpha"] == after
        assert again.first_reviews() == {"alpha": T}


def test_record_reviews_the_card_as_it_is_in_the_database() -> None:
    """A second process's review in between is built upon, not overwritten."""
    with Store.open() as one, Store.open() as two:
        one.record("alpha", Rating.GOOD, T, good(T))
        two.record("alpha", Rating.GOOD, T + timedelta(minutes=10), good(T + timedelta(minutes=10)))
        card = one.cards()["alpha"]
        assert card.state is State.REVIEW
        assert card.due == T + timedelta(minutes=10, days=2)
        assert [r.state_before for r in one.reviews()] == [None, State.LEARNING]


def test_a_failing_review_writes_nothing() -> None:
    def broken(card: CardState) -> CardState:
        raise ValueError("no")

    with Store.open() as store:
        with pytest.raises(ValueError):
            store.record("alpha", Rating.GOOD, T, broken)
        assert store.counts() == (0, 0)
        assert not store.db.in_transaction


def test_forget_some_or_all() -> None:
    with Store.open() as store:
        for qid in ("a", "b", "c"):
            store.record(qid, Rating.GOOD, T, good())
        store.record("a", Rating.GOOD, T + timedelta(minutes=10), good(T + timedelta(minutes=10)))
        assert store.counts(["a"]) == (1, 2)
        assert store.forget(["a", "b", "nope"]) == (2, 3)
        assert set(store.cards()) == {"c"}
        assert store.forget() == (1, 1)
        assert store.counts() == (0, 0)


def test_reviews_since() -> None:
    with Store.open() as store:
        store.record("a", Rating.GOOD, T, good())
        store.record("b", Rating.GOOD, T + timedelta(days=1), good(T + timedelta(days=1)))
        assert [r.question_id for r in store.reviews(since=T + timedelta(hours=1))] == ["b"]
        assert [r.question_id for r in store.reviews(question_ids=["a"])] == ["a"]


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 200])
def test_a_corrupt_database_is_reported_and_left_alone(quiz_home: Path, content: bytes) -> None:
    quiz_home.mkdir()
    path = quiz_home / "progress.db"
    path.write_bytes(content)
    message = r"is not a valid SQLite database \(corrupt\?\); it was left untouched"
    with pytest.raises(QuizError, match=message):
        Store.open()
    assert path.read_bytes() == content
    assert sorted(p.name for p in quiz_home.iterdir()) == ["progress.db"]


def test_a_locked_database_is_reported() -> None:
    Store.open().close()
    holder = sqlite3.connect(db_path(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store.open(timeout_ms=100) as store:
            with pytest.raises(QuizError, match="is locked by another program"):
                store.record("a", Rating.GOOD, T, good())
            assert store.cards() == {}  # reading still works (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store.open() as store:
        store.record("a", Rating.GOOD, T, good())


def test_a_read_only_database_is_reported() -> None:
    Store.open().close()
    readonly = sqlite3.connect(f"file:{db_path()}?mode=ro", uri=True, isolation_level=None)
    store = Store(readonly, db_path())
    with pytest.raises(QuizError, match="is read-only, so progress cannot be saved"):
        store.record("a", Rating.GOOD, T, good())
    store.close()


def test_a_read_only_file_is_refused_before_the_drill(monkeypatch: pytest.MonkeyPatch) -> None:
    from quiz import store

    Store.open().close()
    monkeypatch.setattr(store.os, "access", lambda path, mode: False)
    with pytest.raises(QuizError, match="is read-only, so progress cannot be saved"):
        Store.open()
    Store.open(write=False).close()  # reading is fine


def test_a_folder_in_the_way_is_reported(quiz_home: Path) -> None:
    (quiz_home / "progress.db").mkdir(parents=True)
    with pytest.raises(QuizError, match="is a folder"):
        Store.open()


def test_times_come_back_as_utc(quiz_home: Path) -> None:
    with Store.open() as store:
        store.record("a", Rating.EASY, T, lambda c: s.review(c, Rating.EASY, T, None, FSRS))
        card = store.cards()["a"]
    assert card.due.tzinfo is UTC and card.last_review == T
    raw = sqlite3.connect(quiz_home / "progress.db").execute("SELECT due FROM cards").fetchone()[0]
    assert raw == "2025-01-14T09:00:00.000000+00:00"


def test_busy_setup_is_tried_again() -> None:
    """Switching a new file to WAL can fail at once when another process opens it too."""
    from quiz.store import _retry_busy

    calls = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")

    _retry_busy(flaky, 5)
    assert len(calls) == 3

    def broken() -> None:
        raise sqlite3.OperationalError("no such table: cards")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        _retry_busy(broken, 5)

    def always_busy() -> None:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _retry_busy(always_busy, 0.05)
