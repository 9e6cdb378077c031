"""The progress database: migrations, one transaction per review, and files gone wrong."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fsrs import Scheduler

from quiz import scheduler as s
from quiz.errors import QuizError
from quiz.grading import Rating
from quiz.paths import user_dir
from quiz.scheduler import CardState, State
from quiz.store import (
    BUILTIN_BANK_ID,
    MIGRATIONS,
    LogEntry,
    Merged,
    Store,
    applied_migrations,
    db_path,
    migrate,
)

T = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
B = "test-bank"
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
    assert migrate(db) == ["m001_cards", "m002_reviews", "m003_banks", "m004_solved_exercises",
                           "m005_review_overrides"]
    assert columns(db, "cards") == ["id", "bank_id", "question_id", "state", "step", "stability",
                                    "difficulty", "due", "last_review", "created_at"]
    assert columns(db, "reviews") == ["id", "uuid", "bank_id", "question_id", "rating", "reviewed_at",
                                      "duration_ms", "score", "answer", "mode", "state_before",
                                      "due_after", "stability_after", "overrides"]
    assert columns(db, "solved_exercises") == ["bank_id", "exercise_id", "solved_at"]
    assert applied_migrations(db) == [name for name, _ in MIGRATIONS]


def test_migrations_run_once_and_in_order() -> None:
    db = memory()
    migrate(db, MIGRATIONS[:1])
    assert applied_migrations(db) == ["m001_cards"]
    assert "reviews" not in {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert migrate(db) == ["m002_reviews", "m003_banks", "m004_solved_exercises", "m005_review_overrides"]
    assert migrate(db) == []


def test_a_failed_migration_leaves_nothing_behind() -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    db = memory()
    with pytest.raises(RuntimeError):
        migrate(db, [*MIGRATIONS, ("m099_broken", broken)])
    assert applied_migrations(db) == [name for name, _ in MIGRATIONS]
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
    with Store.open(bank_id=B) as store:
        after = store.record("alpha", Rating.GOOD, T, good(), score=80, answer="my answer",
                             duration_ms=1234)
        assert after.due == T + timedelta(minutes=10)
        assert store.cards() == {"alpha": after}
        [row] = store.reviews()
        assert (row.question_id, row.rating, row.reviewed_at, row.score, row.answer,
                row.duration_ms, row.mode, row.state_before, row.due_after) == (
            "alpha", Rating.GOOD, T, 80, "my answer", 1234, "drill", None, after.due)
    with Store.open(bank_id=B) as again:  # and it is on disk
        assert again.cards()["alpha"] == after
        assert again.first_reviews() == {"alpha": T}


def test_record_reviews_the_card_as_it_is_in_the_database() -> None:
    """A second process's review in between is built upon, not overwritten."""
    with Store.open(bank_id=B) as one, Store.open(bank_id=B) as two:
        one.record("alpha", Rating.GOOD, T, good(T))
        two.record("alpha", Rating.GOOD, T + timedelta(minutes=10), good(T + timedelta(minutes=10)))
        card = one.cards()["alpha"]
        assert card.state is State.REVIEW
        assert card.due == T + timedelta(minutes=10, days=2)
        assert [r.state_before for r in one.reviews()] == [None, State.LEARNING]


def test_a_failing_review_writes_nothing() -> None:
    def broken(card: CardState) -> CardState:
        raise ValueError("no")

    with Store.open(bank_id=B) as store:
        with pytest.raises(ValueError):
            store.record("alpha", Rating.GOOD, T, broken)
        assert store.counts() == (0, 0)
        assert not store.db.in_transaction


def test_forget_some_or_all() -> None:
    with Store.open(bank_id=B) as store:
        for qid in ("a", "b", "c"):
            store.record(qid, Rating.GOOD, T, good())
        store.record("a", Rating.GOOD, T + timedelta(minutes=10), good(T + timedelta(minutes=10)))
        assert store.counts(["a"]) == (1, 2)
        assert store.forget(["a", "b", "nope"]) == (2, 3)
        assert set(store.cards()) == {"c"}
        assert store.forget() == (1, 1)
        assert store.counts() == (0, 0)


def test_reviews_since() -> None:
    with Store.open(bank_id=B) as store:
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
        with Store.open(bank_id=B, timeout_ms=100) as store:
            with pytest.raises(QuizError, match="is locked by another program"):
                store.record("a", Rating.GOOD, T, good())
            assert store.cards() == {}  # reading still works (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store.open(bank_id=B) as store:
        store.record("a", Rating.GOOD, T, good())


def test_a_read_only_database_is_reported() -> None:
    Store.open().close()
    readonly = sqlite3.connect(f"file:{db_path()}?mode=ro", uri=True, isolation_level=None)
    store = Store(readonly, db_path(), B)
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
    with Store.open(bank_id=B) as store:
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


# --- banks: the migration of a database made before them, and cards per bank ------------

OLD_CARDS = [  # rows as quiz wrote them before m003 (question id alone)
    ("middleware", 2, None, 8.29, 2.11, "2025-01-14T09:00:00.000000+00:00",
     "2025-01-06T09:00:00.000000+00:00", "2025-01-06T08:50:00.000000+00:00"),
    ("cors", 1, 0, 0.21, 6.4, "2025-01-06T09:11:00.000000+00:00",
     "2025-01-06T09:10:00.000000+00:00", "2025-01-06T09:10:00.000000+00:00"),
]
OLD_REVIEWS = [
    ("middleware", 3, "2025-01-06T08:50:00.000000+00:00", 4200, 80, "wraps requests", "drill", None,
     "2025-01-06T09:00:00.000000+00:00", 2.3),
    ("middleware", 4, "2025-01-06T09:00:00.000000+00:00", 3100, 100, "before and after", "drill", 1,
     "2025-01-14T09:00:00.000000+00:00", 8.29),
    ("cors", 1, "2025-01-06T09:10:00.000000+00:00", None, 0, None, "exam", None,
     "2025-01-06T09:11:00.000000+00:00", 0.21),
]


def old_database(path: Path) -> None:
    """A progress file as the previous schema (m001, m002) made it, with a drill's rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    migrate(db, MIGRATIONS[:2])
    db.executemany("INSERT INTO cards (question_id, state, step, stability, difficulty, due, last_review, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", OLD_CARDS)
    db.executemany("INSERT INTO reviews (question_id, rating, reviewed_at, duration_ms, score, answer, mode, "
                   "state_before, due_after, stability_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   OLD_REVIEWS)
    db.close()


def test_the_migration_gives_old_progress_to_the_builtin_bank(tmp_path: Path) -> None:
    from quiz.bank import load_bank

    assert load_bank().bank_id == BUILTIN_BANK_ID  # the id the migration uses is the bank's
    old_database(db_path())
    with Store.open(bank_id=BUILTIN_BANK_ID) as store:
        assert "m003_banks" in applied_migrations(store.db)
        cards = store.cards()
        assert set(cards) == {"middleware", "cors"}
        assert cards["middleware"] == CardState("middleware", State.REVIEW, None, 8.29, 2.11,
                                                T + timedelta(days=8), T)
        reviews = store.reviews()
        kept = [(r.question_id, int(r.rating), r.duration_ms, r.score, r.answer, r.mode) for r in reviews]
        assert kept == [(q, rating, d, sc, a, m) for q, rating, _, d, sc, a, m, *_ in OLD_REVIEWS]
        assert {r.bank_id for r in reviews} == {BUILTIN_BANK_ID}
        ids = [r.uuid for r in reviews]
        assert len(set(ids)) == 3 and all(str(uuid.UUID(i)) == i for i in ids)
        assert store.first_reviews() == {"middleware": T - timedelta(minutes=10),
                                         "cors": T + timedelta(minutes=10)}
    with Store.open(bank_id="another-bank") as other:
        assert other.cards() == {} and other.counts() == (0, 0)
    # a copy of the same old file migrated elsewhere gives its reviews the same ids
    old_database(tmp_path / "copy" / "progress.db")
    with Store.open(tmp_path / "copy" / "progress.db") as copy:
        assert [r.uuid for r in copy.reviews()] == ids


def test_cards_belong_to_their_bank() -> None:
    with Store.open(bank_id="one") as one, Store.open(bank_id="two") as two:
        one.record("middleware", Rating.GOOD, T, good())
        assert two.cards() == {} and two.first_reviews() == {}
        two.record("middleware", Rating.AGAIN, T, lambda c: s.review(c, Rating.AGAIN, T, None, FSRS))
        assert one.cards()["middleware"].due == T + timedelta(minutes=10)
        assert two.cards()["middleware"].due == T + timedelta(minutes=1)
        assert two.forget() == (1, 1)
        assert one.counts() == (1, 1)
    with Store.open() as every:
        assert [b for b, _ in every.all_cards()] == ["one"]
        with pytest.raises(ValueError, match="reads every bank"):
            every.record("x", Rating.GOOD, T, good())


def test_merge_skips_what_it_holds_and_replays_in_time_order() -> None:
    with Store.open(bank_id=B) as store:
        store.record("a", Rating.GOOD, T, good(T))
        later = T + timedelta(days=3)
        store.record("a", Rating.GOOD, later, good(later))
        log = store.log()
        assert store.merge(log, FSRS) == Merged(0, 2, 0)  # nothing new: nothing touched
        # a review made elsewhere between the two: the card is rebuilt from all three
        between = LogEntry(str(uuid.uuid4()), B, "a", Rating.AGAIN, T + timedelta(days=1))
        assert store.merge([between, between], FSRS) == Merged(1, 1, 1)
        expected = s.replay("a", [(Rating.GOOD, T, None), (Rating.AGAIN, between.reviewed_at, None),
                                  (Rating.GOOD, later, None)], FSRS)
        assert store.cards()["a"] == expected[-1]
        assert [(r.rating, r.state_before, r.due_after) for r in store.reviews()] == [
            (Rating.GOOD, None, expected[0].due), (Rating.AGAIN, expected[0].state, expected[1].due),
            (Rating.GOOD, expected[1].state, expected[2].due)]


def test_replay_gives_the_card_the_live_reviews_gave() -> None:
    """With fuzzing on: the fuzz of a review depends on the card and the time, nothing else."""
    times = [T + timedelta(days=d) for d in (0, 0.01, 1, 4, 15, 40, 90)]
    card = s.new_card("q", T)
    for when in times:
        card = s.review(card, Rating.GOOD, when)
    assert s.replay("q", [(Rating.GOOD, when, None) for when in times])[-1] == card
    assert card.state is State.REVIEW and (card.due - times[-1]).days > 30


def test_rebuild_after_a_review_is_taken_out() -> None:
    with Store.open(bank_id=B) as store:
        store.record("a", Rating.GOOD, T, good(T))
        first = store.cards()["a"]
        store.record("a", Rating.AGAIN, T + timedelta(minutes=10),
                     lambda c: s.review(c, Rating.AGAIN, T + timedelta(minutes=10), None, FSRS))
        store.db.execute("DELETE FROM reviews WHERE id = (SELECT MAX(id) FROM reviews)")
        store.rebuild(["a"], FSRS)
        assert store.cards()["a"] == first
        store.db.execute("DELETE FROM reviews")
        store.rebuild(["a"], FSRS)
        assert store.cards() == {}


def test_undo_takes_the_review_out_of_the_log_and_replays_the_rest() -> None:
    """Undo and merge agree: after an undo the card is what its remaining log replays to,
    even when a review from another device arrived in between."""
    with Store.open(bank_id=B) as store:
        store.record("a", Rating.GOOD, T, good(T))
        elsewhere = LogEntry(str(uuid.uuid4()), B, "a", Rating.EASY, T + timedelta(minutes=5))
        store.merge([elsewhere], FSRS)
        later = T + timedelta(minutes=20)
        store.record("a", Rating.AGAIN, later, lambda c: s.review(c, Rating.AGAIN, later, None, FSRS))
        card = store.undo("a", later, FSRS)
        expected = s.replay("a", [(Rating.GOOD, T, None), (Rating.EASY, elsewhere.reviewed_at, None)], FSRS)
        assert card == store.cards()["a"] == expected[-1]
        assert [r.rating for r in store.reviews()] == [Rating.GOOD, Rating.EASY]
        with pytest.raises(QuizError, match="nothing to undo"):
            store.undo("a", later, FSRS)
    with Store.open(bank_id="other") as other:  # another bank's card of the same id is not touched
        with pytest.raises(QuizError, match="nothing to undo"):
            other.undo("a", T, FSRS)


# --- a card that does not read back; read-only media (issue 20, items 11 and 18) -----------------

CARD_ROW = "SELECT bank_id, question_id, state, step, stability, difficulty, due, last_review FROM cards"


def _drilled(runner: Any) -> list[tuple[object, ...]]:
    from quiz.cli import app

    from .conftest import rows
    from .test_drill import answer

    result = runner.invoke(app, ["drill", "--limit", "1"], input=answer("It runs before and after every "
                                                                         "request", "3"))
    assert result.exit_code == 0, result.output
    card = rows(user_dir(), CARD_ROW)
    assert len(card) == 1
    return card


@pytest.mark.parametrize("corruption", ["state = 99", "due = 'garbage'", "stability = 'x'"])
@pytest.mark.parametrize("command", [["stats"], ["due"], ["drill", "--limit", "1"]])
def test_a_card_that_does_not_read_back_is_rebuilt_from_its_reviews(runner: Any, corruption: str,
                                                                    command: list[str]) -> None:
    from quiz.cli import app

    from .conftest import rows

    card = _drilled(runner)
    db = sqlite3.connect(db_path())
    db.execute(f"UPDATE cards SET {corruption}")
    db.commit()
    db.close()
    result = runner.invoke(app, command, input="")
    assert "Traceback" not in result.output and result.exception is None or isinstance(
        result.exception, SystemExit), result.output
    qid = card[0][1]
    notes = [line for line in result.stderr.splitlines() if "did not read back" in line]
    assert len(notes) == 1 and f"The card '{qid}' of bank quiz-fastapi did not read back from {db_path()} (" \
        in notes[0] and notes[0].endswith("): rebuilt from its reviews.")
    assert rows(user_dir(), CARD_ROW) == card  # the same card its review made


def test_a_card_that_cannot_be_rebuilt_is_one_sentence(runner: Any) -> None:
    from quiz.cli import app

    card = _drilled(runner)
    db = sqlite3.connect(db_path())
    db.execute("UPDATE cards SET state = 99")
    db.execute("UPDATE reviews SET reviewed_at = 'garbage'")
    db.commit()
    db.close()
    for command in (["stats"], ["due"], ["drill"]):
        result = runner.invoke(app, command, input="")
        assert result.exit_code == 1, result.output
        assert result.stderr.count("Error:") == 1 and "Traceback" not in result.output
        assert f"Error: The card '{card[0][1]}' of bank quiz-fastapi does not read back from {db_path()} " \
            "(state 99" in result.stderr
        assert "and cannot be rebuilt from its reviews: a review cannot be replayed" in result.stderr
    result = runner.invoke(app, ["progress", "export"])  # the log itself, in one sentence
    assert result.exit_code == 1 and result.stderr.count("Error:") == 1
    assert f"Error: The progress database {db_path()} holds a review that does not read back" in result.stderr


def _read_only(home: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """`quiz COMMAND` with QUIZ_HOME on read-only media: a read-only bind mount in a mount
    namespace of its own (root writes through permissions), else a folder without write permission."""
    quiz = str(Path(sys.executable).with_name("quiz"))
    env = {**os.environ, "QUIZ_HOME": str(home)}
    if os.geteuid() != 0:
        home.chmod(0o555)
        try:
            return subprocess.run([quiz, *command], env=env, capture_output=True, text=True, timeout=60)
        finally:
            home.chmod(0o755)
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(home), quiz, *command], env=env,
                          capture_output=True, text=True, timeout=60)


def test_progress_on_read_only_media_can_be_viewed(runner: Any) -> None:
    card = _drilled(runner)
    home = user_dir()
    probe = _read_only(home, "progress", "export")
    assert probe.returncode == 0, probe.stderr
    assert f'"question_id":"{card[0][1]}"' in probe.stdout
    stats = _read_only(home, "stats")
    assert stats.returncode == 0, stats.stderr
    assert "seen" in stats.stdout and "1/" in stats.stdout
    due = _read_only(home, "due")
    assert due.returncode == 0 and "Today:" in due.stdout, due.stderr
    drill = _read_only(home, "drill")  # writing is still refused, in one sentence
    assert drill.returncode == 1
    assert f"Error: The progress database {db_path()} is read-only, so progress cannot be saved" in \
        " ".join(drill.stderr.split())
    empty = _read_only(home.parent, "stats")  # QUIZ_HOME/progress.db not there and cannot be made
    assert empty.returncode == 0, empty.stderr
