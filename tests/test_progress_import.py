"""`quiz progress import` of a generated log: the cards and after-values are those a replay of
each card's whole log gives, whatever the order of the lines and whatever the store already
held; an import killed or failing midway leaves the database file as it was.

FSRS as shipped (fuzzing on): the fuzz of each review is part of what must come out the same.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest
from fsrs import Scheduler
from typer.testing import CliRunner

from quiz import scheduler as s
from quiz import store as store_module
from quiz.cli import app
from quiz.errors import QuizError
from quiz.grading import Rating
from quiz.scheduler import Replayer
from quiz.store import LogEntry, Store
from quiz.sync import to_lines

from .conftest import rows

CARDS = "SELECT bank_id, question_id, state, step, stability, difficulty, due, last_review, created_at " \
        "FROM cards ORDER BY bank_id, question_id"
REVIEWS = "SELECT uuid, bank_id, question_id, rating, reviewed_at, duration_ms, score, answer, mode, " \
          "state_before, due_after, stability_after, overrides FROM reviews ORDER BY uuid"
START = datetime(2024, 1, 8, 7, 30, tzinfo=UTC)
Rows = list[tuple[object, ...]]


def generated(cards: int = 24, per_card: int = 20, seed: int = 7) -> list[LogEntry]:
    """A log of `cards` cards over two banks, oldest first: learning steps minutes apart, then
    intervals of days (fuzzed), lapses, two reviews of one card at the same time now and then."""
    rng = random.Random(seed)
    entries = []
    for c in range(cards):
        bank = "quiz-fastapi" if c % 3 else "my-bank"
        at = START + timedelta(minutes=rng.randrange(60 * 24 * 20), microseconds=rng.randrange(10**6))
        gap = timedelta(minutes=10)
        for n in range(per_card):
            rating = Rating(rng.choices([1, 2, 3, 4], weights=[10, 15, 60, 15])[0])
            marks = json.dumps([{"point": 0, "said": True, "wording": "a dict"}]) if n % 7 == 3 else None
            entries.append(LogEntry(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)), bank, f"q{c:03d}", rating, at,
                rng.choice([None, rng.randrange(1000, 90_000)]), rng.randrange(101),
                rng.choice(["drill", "exam"]), rng.choice([None, "It wraps each request."]), overrides=marks))
            if rng.random() > 0.1:  # else the next review is at the same time (ties: by uuid)
                at += gap + timedelta(seconds=rng.randrange(3600))
            longer = min(gap * 2.5 + timedelta(days=1), timedelta(days=60))
            gap = timedelta(minutes=10) if rating == Rating.AGAIN else longer
    entries.sort(key=lambda e: (e.reviewed_at, e.uuid))
    return entries


def expected(entries: list[LogEntry]) -> tuple[Rows, Rows]:
    """The cards and review rows that replaying each card's whole log (quiz.scheduler.replay,
    reviews in time order, ties by uuid) gives."""
    iso = lambda t: t.isoformat(timespec="microseconds")  # noqa: E731
    by_card: dict[tuple[str, str], list[LogEntry]] = {}
    for e in sorted(entries, key=lambda e: (e.reviewed_at, e.uuid)):
        by_card.setdefault((e.bank_id, e.question_id), []).append(e)
    cards, reviews = [], []
    for (bank, qid), log in sorted(by_card.items()):
        states = s.replay(qid, [(e.rating, e.reviewed_at, e.duration_ms) for e in log])
        last = states[-1]
        cards.append((bank, qid, int(last.state), last.step, last.stability, last.difficulty, iso(last.due),
                      iso(log[-1].reviewed_at), iso(log[0].reviewed_at)))
        for i, (e, after) in enumerate(zip(log, states, strict=True)):
            reviews.append((e.uuid, bank, qid, int(e.rating), iso(e.reviewed_at), e.duration_ms, e.score,
                            e.answer, e.mode, None if i == 0 else int(states[i - 1].state), iso(after.due),
                            after.stability, e.overrides))
    return cards, sorted(reviews)


def write(path: Path, entries: list[LogEntry]) -> Path:
    path.write_text("".join(to_lines(entries)), encoding="utf-8")
    return path


def imported(runner: CliRunner, home: Path, *logs: Path) -> tuple[Rows, Rows]:
    for log in logs:
        result = runner.invoke(app, ["progress", "import", str(log)], env={"QUIZ_HOME": str(home)})
        assert result.exit_code == 0, result.output
    return rows(home, CARDS), rows(home, REVIEWS)


@pytest.mark.parametrize("chunk", [5000, 37])  # one read, or many (a card's reviews over several)
def test_an_import_gives_the_cards_a_replay_of_each_whole_log_gives(runner: CliRunner, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    chunk: int) -> None:
    monkeypatch.setattr(store_module, "MERGE_CHUNK", chunk)
    entries = generated()
    want = expected(entries)
    assert sum(1 for r in want[1] if r[9] is not None and r[11] is not None) > 400
    log = write(tmp_path / "log.jsonl", entries)
    assert imported(runner, tmp_path / "fresh", log) == want

    rng = random.Random(3)
    repeated = rng.sample(entries, len(entries)) + entries[:40]
    shuffled = write(tmp_path / "shuffled.jsonl", repeated)
    assert imported(runner, tmp_path / "shuffled", shuffled) == want
    assert imported(runner, tmp_path / "reversed", write(tmp_path / "rev.jsonl", entries[::-1])) == want

    # a store holding part of the log (every card, some cards, the oldest, the newest), then all of it
    for name, part in (("some", rng.sample(entries, 150)), ("oldest", entries[:200]),
                       ("cards", [e for e in entries if e.question_id < "q008"]), ("newest", entries[-200:])):
        assert imported(runner, tmp_path / name, write(tmp_path / f"{name}.jsonl", part), log) == want
    # two files that each hold a part of every card's log
    odd, even = write(tmp_path / "odd.jsonl", entries[1::2]), write(tmp_path / "even.jsonl", entries[::2])
    assert imported(runner, tmp_path / "halves", odd, even) == want


def test_an_import_matches_the_reviews_as_they_were_made(tmp_path: Path) -> None:
    """A card drilled on one device (Store.record, scheduler.review), its log imported on another:
    the same card, the same after-values (fuzz included)."""
    made = tmp_path / "made.db"
    with Store.open(made, bank_id="quiz-fastapi") as store:
        when = START
        for n, rating in enumerate([3, 3, 1, 3, 4, 3, 2, 3, 3, 3, 1, 3, 3]):
            store.record(f"q{n % 2}", Rating(rating), when,
                         lambda c, r=rating, w=when: s.review(c, Rating(r), w))
            when += timedelta(days=1 + n * 3, minutes=n)
        log = store.log()
        want = store.db.execute(CARDS).fetchall(), store.db.execute(REVIEWS).fetchall()
    with Store.open(tmp_path / "other.db") as other:
        other.merge(log)
        assert (other.db.execute(CARDS).fetchall(), other.db.execute(REVIEWS).fetchall()) == want


SCHEDULERS = {
    "default": Scheduler(),
    "no fuzz": Scheduler(enable_fuzzing=False),
    "no learning steps": Scheduler(learning_steps=()),
    "one step each": Scheduler(learning_steps=(timedelta(minutes=5),),
                               relearning_steps=(timedelta(hours=1),)),
    "no relearning steps": Scheduler(relearning_steps=(), maximum_interval=40),
    "three relearning steps": Scheduler(relearning_steps=(timedelta(minutes=1), timedelta(minutes=10),
                                                          timedelta(hours=3))),
    "other parameters": Scheduler(parameters=(0.4, 1.1, 3.2, 15.7, 7.1, 0.55, 1.9, 0.01, 1.5, 0.12, 1.0, 1.9,
                                              0.11, 0.29, 2.2, 0.23, 3.0, 0.5, 0.6, 0.2, 0.2),
                                  desired_retention=0.85, maximum_interval=3650),
}


@pytest.mark.parametrize("name", SCHEDULERS)
def test_the_replay_is_fsrs_review_card_to_the_last_bit(name: str) -> None:
    """quiz's replay (fsrs 6's steps written out) against fsrs's own review_card with the same
    fuzz, on random logs: every field of the card after every review is equal."""
    sched = SCHEDULERS[name]
    assert Replayer(sched)._steps is not None  # the written-out steps, not review_card
    rng = random.Random(name)
    seen: set[tuple[int, int, bool]] = set()
    for c in range(150):
        qid, when, card, ours = f"q{c}", START, fsrs.Card(card_id=1, due=START), None
        replayer = Replayer(sched)
        with replayer.fuzzing():
            for _ in range(rng.randrange(1, 30)):
                when += timedelta(seconds=rng.choice([rng.randrange(1, 600), rng.randrange(600, 86_400 * 3),
                                                      rng.randrange(86_400, 86_400 * 400)]),
                                  microseconds=rng.randrange(10**6))
                rating = rng.choices([1, 2, 3, 4], weights=[15, 15, 55, 15])[0]
                ours = replayer.step(ours, qid, rating, when, None, None)
                with s._fuzz() as fuzz:
                    fuzz.question_id, fuzz.when = qid, when
                    before = card.state
                    card, _ = sched.review_card(card, fsrs.Rating(rating), when)
                assert ours == (int(card.state), card.step, card.stability, card.difficulty, card.due,
                                card.last_review), (name, c)
                seen.add((int(before), int(card.state), card.due - when >= timedelta(days=3)))
    # learning, review (fuzzed or not) and relearning, and the ways between them, were all taken
    wanted = {(1, 1, False), (1, 2, True), (2, 2, True), (2, 3, False), (3, 2, True)}
    if name == "no learning steps":
        wanted -= {(1, 1, False)}
    if name == "no relearning steps":
        wanted = wanted - {(2, 3, False), (3, 2, True)} | {(2, 2, False)}
    assert wanted <= seen, sorted(seen)


def test_a_scheduler_of_its_own_is_replayed_by_its_own_review_card() -> None:
    class Own(Scheduler):
        pass

    log = [(e.rating, e.reviewed_at, e.duration_ms) for e in generated(1, 40)]
    assert Replayer(Own())._steps is None
    assert s.replay("q000", log, Own()) == s.replay("q000", log, Scheduler())


def dump(path: Path) -> tuple[object, ...]:
    db = sqlite3.connect(path)
    try:
        return (db.execute(CARDS).fetchall(), db.execute(REVIEWS).fetchall(),
                db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall(),
                db.execute("PRAGMA integrity_check").fetchall())
    finally:
        db.close()


KILLED = """
import os, signal, sys
from pathlib import Path
from quiz import store as store_module
from quiz.store import Store
from quiz.sync import read_log

store_module.MERGE_CHUNK = 50
store_module.MERGE_CACHE_KIB = -64  # a small cache: pages go to the file before the commit
entries = read_log(Path(sys.argv[2]))

def killed_midway():
    for n, e in enumerate(entries):
        if n == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)
        yield e

with Store.open(Path(sys.argv[1])) as store:
    store.merge(killed_midway())
"""


@pytest.mark.parametrize("held", [0, 120])
def test_an_import_killed_midway_leaves_the_store_as_it_was(tmp_path: Path, held: int) -> None:
    entries = generated()
    path = tmp_path / "progress.db"
    with Store.open(path) as store:
        store.merge(entries[:held])
    before = dump(path)
    assert before[3] == [("ok",)] and len(before[1]) == held
    log = write(tmp_path / "log.jsonl", entries)
    killed = subprocess.run([sys.executable, "-c", KILLED, str(path), str(log), "400"], capture_output=True,
                            text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr  # killed after 8 chunks were written
    assert (path.parent / "progress.db-wal").stat().st_size > 0  # pages it wrote, never committed
    assert dump(path) == before
    with Store.open(path) as store:  # and the next import goes through
        assert store.merge(entries).added == len(entries) - held


def test_an_import_that_fails_midway_leaves_the_store_as_it_was(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MERGE_CHUNK", 50)
    entries = generated()
    path = tmp_path / "progress.db"

    def failing() -> Iterator[LogEntry]:
        yield from entries[:300]
        raise OSError(5, "Input/output error")

    for held in (0, 120):
        with Store.open(path) as store:
            store.merge(entries[:held])
            before = dump(path)
            with pytest.raises(OSError):
                store.merge(failing())
            assert dump(path) == before
        assert dump(path) == before


def test_the_log_written_from_the_rows_is_the_log_line_for_line(tmp_path: Path) -> None:
    """`progress export -o` and sync write each line from the stored row: the same text as the
    log's LogEntry per review gives, for times stored by an older quiz or by hand too."""
    entries = generated(6, 12)
    entries[3] = LogEntry(entries[3].uuid, entries[3].bank_id, entries[3].question_id, entries[3].rating,
                          entries[3].reviewed_at, None, None, "exam", "naïve — “quoted” \\ \"x\"\n二",
                          overrides=json.dumps([{"point": 1, "said": False, "wording": "été"}]))
    path = tmp_path / "progress.db"
    with Store.open(path) as store:
        store.merge(entries)
        store.solve("quiz-fastapi", "process-time", START + timedelta(days=3))
        db = store.db
        # a time without microseconds, one with another offset's spelling, one in ISO week form
        for n, text in enumerate(["2024-01-09T10:00:00+00:00", "2024-01-09T10:00:00.5+00:00",
                                  "2024-W02-2T10:00:00.000001+00:00"]):
            db.execute("UPDATE reviews SET reviewed_at = ? WHERE uuid = ?", (text, entries[n].uuid))
        from quiz.sync import Count, log_lines, store_lines, write_log

        count = Count()
        written = "".join(log_lines(store, count))
        assert written == "".join(to_lines(store_lines(store)))
        assert (count.n, count.solves) == (len(entries), 1)
        assert "2024-01-09T10:00:00.000000Z" in written and "2024-01-09T10:00:00.000001Z" in written
        assert write_log(store, tmp_path / "out.jsonl") == (len(entries), 1)
        assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == written
        db.execute("UPDATE reviews SET reviewed_at = 'yesterday' WHERE uuid = ?", (entries[5].uuid,))
        with pytest.raises(QuizError, match="holds a review that does not read back"):
            write_log(store, tmp_path / "bad.jsonl")
