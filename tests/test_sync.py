"""`quiz progress export | import | sync` with two QUIZ_HOMEs (two devices) and a fixed clock.

FSRS fuzzing stays on here: the due dates two devices agree on are the fuzzed ones.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quiz import session
from quiz.bank import BUILTIN_BANK
from quiz.cli import app

from .conftest import rows
from .test_drill import GOOD, Clock, T, answer, write_bank

CARDS = "SELECT bank_id, question_id, state, step, stability, difficulty, due, last_review, created_at " \
        "FROM cards ORDER BY bank_id, question_id"
REVIEWS = "SELECT uuid, bank_id, question_id, rating, reviewed_at, duration_ms, score, answer, mode, " \
          "state_before, due_after, stability_after FROM reviews ORDER BY uuid"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A fixed clock for the commands; FSRS as shipped (fuzzing on)."""
    c = Clock()
    monkeypatch.setattr(session, "system_clock", c)
    return c


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("QUIZ_BANK", str(write_bank(tmp_path / "bank")))
    return tmp_path / "laptop", tmp_path / "desktop"


def on(runner: CliRunner, home: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    """A command run on the device whose QUIZ_HOME is `home`: exit code, stdout, stderr."""
    result = runner.invoke(app, list(args), input=input, env={"QUIZ_HOME": str(home)})
    return result.exit_code, result.stdout, result.stderr


def drill(runner: CliRunner, home: Path, ratings: str, new: int = 2) -> None:
    """A drill answering every card well, rated with the next of `ratings` each."""
    code, out, err = on(runner, home, "drill", "--new", str(new),
                        input="".join(answer(" ".join(GOOD.values()), r) for r in ratings))
    assert code == 0, out + err


def test_export_is_json_lines_with_utc_times_and_stable_ids(runner: CliRunner, homes: tuple[Path, Path],
                                                             clock: Clock, tmp_path: Path) -> None:
    laptop, _ = homes
    drill(runner, laptop, "31")
    code, out, _ = on(runner, laptop, "progress", "export")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert sorted((r["bank_id"], r["question_id"], r["rating"], r["score"], r["mode"]) for r in lines) == [
        ("drill-test", "cors", 1, 100, "drill"), ("drill-test", "middleware", 3, 100, "drill")]
    assert lines[0]["reviewed_at"] == "2025-01-06T09:00:00.000000Z"
    assert all(re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", r["review_id"]) for r in lines)
    assert set(lines[0]) == {"review_id", "bank_id", "question_id", "rating", "score", "duration_ms",
                             "reviewed_at", "mode", "answer"}
    code, again, _ = on(runner, laptop, "progress", "export")
    assert again == out  # the ids were given once, when the reviews were made

    target = tmp_path / "backup.jsonl"
    code, _, err = on(runner, laptop, "progress", "export", "-o", str(target))
    assert code == 0 and "Wrote 2 reviews to" in err
    assert target.read_text(encoding="utf-8") == out
    target.write_text("mine")
    code, _, err = on(runner, laptop, "progress", "export", "-o", str(target))
    assert code == 1 and "already exists: not overwriting it" in err
    assert target.read_text() == "mine"
    assert on(runner, laptop, "progress", "export", "-o", str(target), "--force")[0] == 0
    assert target.read_text(encoding="utf-8") == out


def test_two_devices_that_drilled_apart_end_with_the_same_cards(
        runner: CliRunner, homes: tuple[Path, Path], clock: Clock, tmp_path: Path) -> None:
    laptop, desktop = homes
    drill(runner, laptop, "33")  # day 1 on the laptop, then the desktop takes it over
    on(runner, laptop, "progress", "export", "-o", str(tmp_path / "day1.jsonl"))
    code, out, _ = on(runner, desktop, "progress", "import", str(tmp_path / "day1.jsonl"))
    assert code == 0 and "2 new reviews, 0 already here; 2 cards rebuilt." in out
    assert rows(desktop, CARDS) == rows(laptop, CARDS)

    for day in range(1, 25):  # apart: each drills on its own, at its own hours
        clock.advance(days=1)
        drill(runner, laptop, "3434"[day % 4] * 4, new=1)
        clock.advance(hours=5)
        drill(runner, desktop, "4323"[day % 4] * 4, new=1)
        clock.advance(hours=-5)
    assert rows(laptop, CARDS) != rows(desktop, CARDS)
    assert any(d for (d,) in rows(laptop, "SELECT julianday(due) - julianday(last_review) > 3 FROM cards"))

    on(runner, laptop, "progress", "export", "-o", str(tmp_path / "laptop.jsonl"))
    on(runner, desktop, "progress", "export", "-o", str(tmp_path / "desktop.jsonl"))
    code, out, err = on(runner, laptop, "progress", "import", str(tmp_path / "desktop.jsonl"))
    assert code == 0, err
    assert re.search(r"desktop.jsonl: \d+ new reviews, 2 already here; 4 cards rebuilt.", out)
    assert on(runner, desktop, "progress", "import", str(tmp_path / "laptop.jsonl"))[0] == 0
    assert rows(laptop, CARDS) == rows(desktop, CARDS)
    assert rows(laptop, REVIEWS) == rows(desktop, REVIEWS)
    assert on(runner, laptop, "due", "--json")[1] == on(runner, desktop, "due", "--json")[1]

    # a third device that imports both logs from nothing holds the same cards
    fresh = tmp_path / "tablet"
    code, _, _ = on(runner, fresh, "progress", "import", str(tmp_path / "laptop.jsonl"),
                    str(tmp_path / "desktop.jsonl"))
    assert code == 0 and rows(fresh, CARDS) == rows(laptop, CARDS)

    before = rows(laptop, CARDS), rows(laptop, REVIEWS)
    code, out, _ = on(runner, laptop, "progress", "import", str(tmp_path / "desktop.jsonl"))
    assert code == 0 and "0 new reviews" in out and "0 cards rebuilt." in out  # twice: nothing changes
    assert (rows(laptop, CARDS), rows(laptop, REVIEWS)) == before


@pytest.mark.parametrize(("line", "message"), [
    ('{"review_id": "x"', "not a JSON object (EOF while parsing"),
    ("[1, 2]", "not a JSON object"),
    ('{"review_id": "0b7d5c62-4b1e-4f3e-9a51-2f8c5b6a1d20", "bank_id": "b", "question_id": "q", '
     '"rating": 7, "reviewed_at": "2025-01-06T09:00:00Z"}',
     "rating: Input should be less than or equal to 4"),
    ('{"review_id": "0b7d5c62-4b1e-4f3e-9a51-2f8c5b6a1d20", "bank_id": "b", "question_id": "q", '
     '"rating": 3, "reviewed_at": "2025-01-06T09:00:00"}', "reviewed_at: Input should have timezone info"),
    ('{"review_id": "not-a-uuid", "bank_id": "b", "question_id": "q", "rating": 3, '
     '"reviewed_at": "2025-01-06T09:00:00Z"}', "review_id: Input should be a valid UUID"),
    ('{"bank_id": "b", "question_id": "q", "rating": 3, "reviewed_at": "2025-01-06T09:00:00Z"}',
     "review_id: Field required"),
])
def test_a_bad_line_is_named_and_nothing_of_its_file_is_imported(
        runner: CliRunner, homes: tuple[Path, Path], clock: Clock, tmp_path: Path, line: str,
        message: str) -> None:
    laptop, desktop = homes
    drill(runner, laptop, "33")
    good = tmp_path / "good.jsonl"
    on(runner, laptop, "progress", "export", "-o", str(good))
    first, second = good.read_text().splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(f"{first}\n\n{line}\n{second}\n")
    code, out, err = on(runner, desktop, "progress", "import", str(bad))
    assert code == 1
    assert f"Error: {bad}:3: {message}" in " ".join(err.split())
    assert f"nothing was imported from {bad}." in " ".join(err.split())
    assert "Traceback" not in out + err
    assert rows(desktop, "SELECT COUNT(*) FROM reviews") == [(0,)]
    code, out, err = on(runner, desktop, "progress", "import", str(bad), str(good))  # the good file is
    assert code == 1 and "good.jsonl: 2 new reviews" in out and "bad.jsonl:3:" in err
    assert rows(desktop, "SELECT COUNT(*) FROM reviews") == [(2,)]


def test_import_of_a_missing_file_is_one_sentence(runner: CliRunner, homes: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    code, _, err = on(runner, homes[0], "progress", "import", str(tmp_path / "nope.jsonl"))
    assert code == 1
    missing = tmp_path / "nope.jsonl"
    assert f"Error: Cannot read {missing}: No such file or directory." in " ".join(err.split())


def test_unknown_keys_are_ignored_and_other_banks_come_in(runner: CliRunner, homes: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    log = tmp_path / "newer.jsonl"
    log.write_text('{"review_id": "0B7D5C62-4B1E-4F3E-9A51-2F8C5B6A1D20", "bank_id": "someone-else", '
                   '"question_id": "q1", "rating": 3, "reviewed_at": "2025-01-06T10:00:00+01:00", '
                   '"device": "a newer field"}\n')
    code, out, _ = on(runner, homes[0], "progress", "import", str(log), "--json")
    assert code == 0
    assert json.loads(out) == [{"file": str(log), "added": 1, "skipped": 0, "cards": 1, "solved": 0,
                                "error": None, "ignored": None}]
    assert rows(homes[0], "SELECT uuid, bank_id, reviewed_at FROM reviews") == [
        ("0b7d5c62-4b1e-4f3e-9a51-2f8c5b6a1d20", "someone-else", "2025-01-06T09:00:00.000000+00:00")]
    assert rows(homes[0], "SELECT question_id, due FROM cards") == [
        ("q1", "2025-01-06T09:10:00.000000+00:00")]


def test_sync_through_a_folder(runner: CliRunner, homes: tuple[Path, Path], clock: Clock,
                               tmp_path: Path) -> None:
    laptop, desktop = homes
    folder = tmp_path / "Dropbox" / "quiz"
    code, _, err = on(runner, laptop, "progress", "sync", str(folder))
    assert code == 1 and f"The sync folder {folder} is not there: create the folder" in " ".join(err.split())
    folder.mkdir(parents=True)

    def days(home: Path, topic: str) -> None:  # a card reviewed on one device only, for weeks
        for _ in range(6):
            code, out, err = on(runner, home, "drill", "--ahead", "--topic", topic,
                                input=answer(" ".join(GOOD.values()), "3"))
            assert code == 0 and "Saved: Good" in out, out + err
            clock.advance(days=5)

    days(laptop, "core")
    code, out, _ = on(runner, laptop, "progress", "sync", str(folder))
    assert code == 0
    laptop_id = (laptop / "device-id").read_text().strip()
    assert f"This device ({laptop_id}): 6 reviews in {folder / f'quiz-progress-{laptop_id}.jsonl'}." \
        in " ".join(out.split())
    clock.advance(hours=-29 * 24)
    days(desktop, "security")
    code, out, _ = on(runner, desktop, "progress", "sync", str(folder))
    assert code == 0 and "6 new reviews, 0 already here; 1 card rebuilt." in out
    desktop_id = (desktop / "device-id").read_text().strip()
    assert desktop_id != laptop_id
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"quiz-progress-{d}.jsonl" for d in (laptop_id, desktop_id))
    assert on(runner, laptop, "progress", "sync", str(folder))[0] == 0
    # the laptop's middleware card comes from its drills, the desktop's from replaying its log
    assert rows(laptop, CARDS) == rows(desktop, CARDS)
    assert [q for _, q, *_ in rows(laptop, CARDS)] == ["cors", "middleware"]
    assert all(state == 2 for _, _, state, *_ in rows(laptop, CARDS))  # Review: intervals are fuzzed
    files = {p.name: p.read_text() for p in folder.iterdir()}
    assert len(set(files.values())) == 1  # every device's file now holds the merged log

    own = folder / f"quiz-progress-{laptop_id}.jsonl"
    stamp = own.stat().st_mtime_ns
    code, out, _ = on(runner, laptop, "progress", "sync", str(folder), "--json")
    report = json.loads(out)
    assert (code, report["device"], report["written"]) == (0, laptop_id, 12)
    assert own.stat().st_mtime_ns == stamp  # nothing new: the file is left alone

    own.write_text("torn write\n")  # this device's own file, damaged: reported, never overwritten
    code, _, err = on(runner, laptop, "progress", "sync", str(folder))
    assert code == 1 and f"{own}:1: not a JSON object" in " ".join(err.split())
    assert "was left as it is" in err
    assert own.read_text() == "torn write\n"


def test_the_device_id_is_made_once(runner: CliRunner, homes: tuple[Path, Path], tmp_path: Path) -> None:
    from quiz.sync import device_id

    first = device_id(tmp_path / "home")
    assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{8}", first)
    assert device_id(tmp_path / "home") == first
    (tmp_path / "home" / "device-id").write_text("../../etc\n")
    from quiz.errors import QuizError

    with pytest.raises(QuizError, match="does not hold a device id"):
        device_id(tmp_path / "home")


def test_progress_of_an_old_database_travels_with_its_ids(runner: CliRunner, homes: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    from .test_store import OLD_REVIEWS, old_database

    laptop, desktop = homes
    old_database(laptop / "progress.db")
    code, out, _ = on(runner, laptop, "progress", "export")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(OLD_REVIEWS) and {r["bank_id"] for r in lines} == {"quiz-fastapi"}
    (tmp_path / "old.jsonl").write_text(out)
    assert on(runner, desktop, "progress", "import", str(tmp_path / "old.jsonl"))[0] == 0
    code, stats, _ = on(runner, desktop, "stats", "--json")  # the bank in force: the test bank
    assert code == 0 and json.loads(stats)["reviews"] == 0
    code, builtin, _ = on(runner, desktop, "--bank", str(BUILTIN_BANK), "stats", "--json")
    assert json.loads(builtin)["reviews"] == 3


# --- a peer's bad log (issue 20, items 7-10, 12) ------------------------------------------------

REVIEW = ('{{"review_id":"{uid}","bank_id":"quiz-fastapi","question_id":"middleware","rating":{rating},'
          '"reviewed_at":"{at}"{more}}}')


def review_line(at: str = "2025-01-06T08:00:00Z", rating: int = 3, more: str = "",
                uid: str = "0b7d5c62-4b1e-4f3e-9a51-2f8c5b6a1d20") -> str:
    return REVIEW.format(uid=uid, rating=rating, at=at, more=more)


OVERFLOWS = [  # (the line's fields, the message it gets)
    ({"at": "9999-12-31T23:59:59-23:59"}, "reviewed_at: 9999-12-31T23:59:59-23:59 is out of range once "
                                           "converted to UTC"),
    ({"at": "0001-01-01T00:00:00+23:59"}, "reviewed_at: 0001-01-01T00:00:00+23:59 is out of range once "
                                           "converted to UTC"),
    ({"at": "9999-12-31T00:00:00Z", "rating": 4}, "reviewed_at: 9999-12-31T00:00:00+00:00 is more than a day "
                                                "in the future"),
    ({"more": ',"duration_ms":' + str(10**30)}, "duration_ms: Input should be less than or equal to"),
    ({"more": ',"duration_ms":' + str(2**63)}, "duration_ms: Input should be less than or equal to"),
]


@pytest.mark.parametrize(("fields", "message"), OVERFLOWS)
def test_a_line_that_overflows_is_named_not_a_traceback(runner: CliRunner, homes: tuple[Path, Path],
                                                        clock: Clock, tmp_path: Path, fields: dict[str, Any],
                                                        message: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(review_line(**fields) + "\n")
    code, out, err = on(runner, homes[0], "progress", "import", str(bad))
    assert code == 1, out + err
    assert f"Error: {bad}:1: {message}" in " ".join(err.split())
    assert f"nothing was imported from {bad}." in " ".join(err.split())
    assert rows(homes[0], "SELECT COUNT(*) FROM reviews") == [(0,)]


@pytest.mark.parametrize(("fields", "message"), OVERFLOWS)
def test_one_peers_bad_line_never_stops_a_sync(runner: CliRunner, homes: tuple[Path, Path], clock: Clock,
                                              tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    laptop, desktop = homes
    folder = tmp_path / "sync"
    folder.mkdir()
    drill(runner, desktop, "33")
    assert on(runner, desktop, "progress", "sync", str(folder))[0] == 0
    broken = folder / "quiz-progress-broken-peer.jsonl"
    broken.write_text(review_line(**fields) + "\n")
    code, out, err = on(runner, laptop, "progress", "sync", str(folder))
    assert code == 1
    assert f"Error: {broken}:1: {message}" in " ".join(err.split())
    assert "2 new reviews, 0 already here; 2 cards rebuilt." in out  # the desktop's file is merged
    laptop_id = (laptop / "device-id").read_text().strip()
    own = folder / f"quiz-progress-{laptop_id}.jsonl"
    assert f"This device ({laptop_id}): 2 reviews in {own}." in " ".join(out.split())
    assert len(own.read_text().splitlines()) == 2  # and this device's file is written
    assert "Traceback" not in out + err


def test_a_review_more_than_a_day_ahead_is_refused(runner: CliRunner, homes: tuple[Path, Path], clock: Clock,
                                                   tmp_path: Path) -> None:
    log = tmp_path / "clock.jsonl"  # the fixed clock says 2025-01-06T09:00Z
    log.write_text(review_line("2025-01-07T08:59:00Z") + "\n")  # 23 h 59 min ahead: a time zone, a clock
    assert on(runner, homes[0], "progress", "import", str(log))[0] == 0
    log.write_text(review_line("2100-01-01T00:00:00Z", uid=str(uuid.uuid4())) + "\n")
    code, _, err = on(runner, homes[0], "progress", "import", str(log))
    assert code == 1 and f"{log}:1: reviewed_at: 2100-01-01T00:00:00+00:00 is more than a day in the " \
        "future" in " ".join(err.split())
    assert rows(homes[0], "SELECT COUNT(*) FROM reviews") == [(1,)]


def test_an_answer_over_the_banks_limit_is_refused(runner: CliRunner, homes: tuple[Path, Path],
                                                   clock: Clock, tmp_path: Path) -> None:
    from quiz.model import MAX_TEXT

    log = tmp_path / "long.jsonl"
    log.write_text(review_line(more=',"answer":"' + "x" * (MAX_TEXT + 1) + '"') + "\n")
    code, _, err = on(runner, homes[0], "progress", "import", str(log))
    assert code == 1 and f"{log}:1: answer: String should have at most {MAX_TEXT} characters" in err
    log.write_text(review_line(more=',"answer":"' + "x" * MAX_TEXT + '"') + "\n")
    assert on(runner, homes[0], "progress", "import", str(log))[0] == 0


def test_the_same_review_id_with_other_content_is_a_conflict(runner: CliRunner, homes: tuple[Path, Path],
                                                             clock: Clock, tmp_path: Path) -> None:
    held, other = review_line(rating=3), review_line(rating=1)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(held + "\n")
    second.write_text(review_line(uid=str(uuid.uuid4())) + "\n" + other + "\n")
    assert on(runner, homes[0], "progress", "import", str(first))[0] == 0
    code, out, err = on(runner, homes[0], "progress", "import", str(second))
    assert code == 1 and "already here" not in out
    said = " ".join(err.split())
    assert f"Error: {second}:2: review_id: 0b7d5c62-4b1e-4f3e-9a51-2f8c5b6a1d20 is already held with other " \
           "content" in said
    assert '"rating":3' in said and '"rating":1' in said  # both lines
    assert f"nothing was imported from {second}." in said
    assert rows(homes[0], "SELECT rating FROM reviews") == [(3,)]
    both = tmp_path / "both.jsonl"  # within one file too
    both.write_text(review_line(uid=str(uuid.uuid4()), at="2025-01-05T08:00:00Z") + "\n" + held + "\n")
    both.write_text(both.read_text().replace("0b7d5c62", "1b7d5c62").replace('"rating":3}', '"rating":3}')
                    + review_line(uid="1b7d5c62-4b1e-4f3e-9a51-2f8c5b6a1d20", rating=2) + "\n")
    code, _, err = on(runner, homes[0], "progress", "import", str(both))
    assert code == 1 and f"{both}:3: review_id: 1b7d5c62" in " ".join(err.split())


QUIZ = str(Path(sys.executable).with_name("quiz"))


def test_a_fifo_is_refused_not_waited_on(tmp_path: Path, quiz_home: Path) -> None:
    fifo = tmp_path / "peer.jsonl"
    os.mkfifo(fifo)
    result = subprocess.run([QUIZ, "progress", "import", str(fifo)], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "QUIZ_HOME": str(quiz_home)})
    assert result.returncode == 1
    assert f"Error: {fifo} is not a regular file (a FIFO, device or socket): not reading it" in \
        " ".join(result.stderr.split())


def test_a_sync_folder_skips_fifos_and_links_that_lead_outside(runner: CliRunner, homes: tuple[Path, Path],
                                                              clock: Clock, tmp_path: Path) -> None:
    laptop, desktop = homes
    folder = tmp_path / "sync"
    folder.mkdir()
    drill(runner, desktop, "33")
    assert on(runner, desktop, "progress", "sync", str(folder))[0] == 0
    os.mkfifo(folder / "quiz-progress-fifo.jsonl")
    (folder / "quiz-progress-environ.jsonl").symlink_to("/proc/self/environ")
    secret = tmp_path / "secret.jsonl"
    secret.write_text(review_line() + "\n")  # a valid log, but outside the folder
    (folder / "quiz-progress-outside.jsonl").symlink_to(secret)
    inside = folder / "quiz-progress-alias.jsonl"
    (desktop_file,) = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]
    inside.symlink_to(desktop_file.name)  # a link inside the folder is read
    code, out, err = on(runner, laptop, "progress", "sync", str(folder))
    assert code == 0, out + err
    said = " ".join(err.split())
    assert f"Skipped {folder / 'quiz-progress-fifo.jsonl'}: not a regular file" in said
    assert f"Skipped {folder / 'quiz-progress-environ.jsonl'}: a link to a file outside the sync folder." \
        in said
    assert f"Skipped {folder / 'quiz-progress-outside.jsonl'}: a link to a file outside the sync folder." \
        in said
    assert f"{inside}: 2 new reviews, 0 already here" in " ".join(out.split())
    assert rows(laptop, "SELECT COUNT(*) FROM reviews") == [(2,)]  # not the one outside


@pytest.mark.parametrize("name", ["progress.db", "progress.db-wal", "progress.db-shm", "approved-demos.json",
                                  "practice-files.json", "device-id"])
@pytest.mark.parametrize("command", [["export", "--format", "json"], ["progress", "export"]])
def test_quizs_own_files_are_never_written_over(runner: CliRunner, homes: tuple[Path, Path], clock: Clock,
                                                tmp_path: Path, name: str, command: list[str]) -> None:
    laptop, _ = homes
    drill(runner, laptop, "33")
    on(runner, laptop, "progress", "sync", str(tmp_path))  # makes the device id
    (laptop / "approved-demos.json").write_text("{}")
    target = laptop / name
    before = target.read_bytes() if target.exists() else None
    code, out, err = on(runner, laptop, *command, "-o", str(target), "--force")
    assert code == 1, out + err
    said = " ".join(err.split())
    assert f"Error: {target} is quiz's own {name}: never written over, --force or not" in said
    assert (target.read_bytes() if target.exists() else None) == before
    assert rows(laptop, "SELECT COUNT(*) FROM reviews") == [(2,)]
    snapshot = laptop / "snapshots" / "0123abcd" / "demo.py"  # the code an approval runs
    snapshot.parent.mkdir(parents=True)
    snapshot.write_text("print('approved')\n")
    code, _, err = on(runner, laptop, *command, "-o", str(snapshot), "--force")
    assert code == 1 and f"is inside quiz's own folder {laptop / 'snapshots'}: never written over" in \
        " ".join(err.split())
    assert snapshot.read_text() == "print('approved')\n"
    link = tmp_path / "hard-link.db"  # the same file by another name
    if name == "progress.db":
        os.link(laptop / name, link)
        code, _, err = on(runner, laptop, *command, "-o", str(link), "--force")
        assert code == 1 and f"is quiz's own {name}" in err


def test_a_progress_bar_on_a_terminal_only(tmp_path: Path, quiz_home: Path) -> None:
    import pexpect

    from quiz.grading import Rating
    from quiz.store import LogEntry
    from quiz.sync import to_lines

    start = T - timedelta(days=400)
    log = tmp_path / "big.jsonl"
    log.write_text("".join(to_lines(
        LogEntry(str(uuid.UUID(int=i)), "quiz-fastapi", f"q{i % 500}", Rating.GOOD,
                 start + timedelta(minutes=i)) for i in range(20_000))))
    env = {**os.environ, "QUIZ_HOME": str(quiz_home), "TERM": "xterm-256color"}
    child = pexpect.spawn(sys.executable, ["-m", "quiz", "progress", "import", str(log)], env=env,
                          encoding="utf-8", dimensions=(40, 100), timeout=120)
    child.expect_exact("Reading big.jsonl")  # the bar, on the terminal
    child.expect_exact("20000 new reviews, 0 already here; 500 cards rebuilt.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    piped = subprocess.run([sys.executable, "-m", "quiz", "progress", "import", str(log)], env=env,
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "20000 already here" in piped.stdout
    assert piped.stderr == ""  # no bar in a pipe or a log


def test_many_bad_lines_name_the_first_three_and_count_the_rest(runner: CliRunner, homes: tuple[Path, Path],
                                                                clock: Clock, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(review_line(at="2100-01-01T00:00:00Z", uid=str(uuid.uuid4())) + "\n"
                           for _ in range(1000)))
    code, _, err = on(runner, homes[0], "progress", "import", str(bad))
    said = " ".join(err.split())
    assert code == 1 and said.count("is more than a day in the future") == 3
    assert f"(and 997 more bad lines); nothing was imported from {bad}." in said


def solve(runner: CliRunner, home: Path, exercise: str, folder: Path) -> None:
    """The built-in exercise `exercise` solved with `quiz practice --once` on the device at `home`."""
    from quiz import exercises
    from quiz.bank import load_bank

    ex = exercises.find_exercise(exercise, load_bank())
    practice = ("--bank", str(BUILTIN_BANK), "practice", exercise, "--once", "--dir", str(folder))
    assert on(runner, home, *practice)[0] == 1  # written, not solved yet
    (folder / ex.file_name).write_text(ex.solution())
    code, out, err = on(runner, home, *practice)
    assert code == 0 and f"Solved: {exercise}." in out, out + err


def solved_on(runner: CliRunner, home: Path) -> list[str]:
    code, out, err = on(runner, home, "--bank", str(BUILTIN_BANK), "practice", "--list", "--json")
    assert code == 0, out + err
    return sorted(r["id"] for r in json.loads(out) if r["solved"])


def test_solved_exercises_travel_with_the_log(runner: CliRunner, homes: tuple[Path, Path], clock: Clock,
                                              tmp_path: Path) -> None:
    laptop, desktop = homes
    folder = tmp_path / "Dropbox"
    folder.mkdir()
    drill(runner, laptop, "33")
    solve(runner, laptop, "process-time", tmp_path / "laptop-practice")
    clock.advance(hours=1)
    solve(runner, laptop, "cors-wildcard", tmp_path / "laptop-practice")
    clock.advance(hours=1)
    solve(runner, desktop, "cors-wildcard", tmp_path / "desktop-practice")  # later: the laptop's counts
    solve(runner, desktop, "on-event", tmp_path / "desktop-practice")
    assert solved_on(runner, laptop) == ["cors-wildcard", "process-time"]
    assert solved_on(runner, desktop) == ["cors-wildcard", "on-event"]

    code, out, err = on(runner, laptop, "progress", "sync", str(folder))
    assert code == 0, out + err
    assert "2 reviews and 2 exercises solved in" in " ".join(out.split())
    code, out, err = on(runner, desktop, "progress", "sync", str(folder))
    assert code == 0, out + err
    assert "2 new reviews, 0 already here; 2 cards rebuilt; 1 more exercise solved." in " ".join(out.split())
    assert on(runner, laptop, "progress", "sync", str(folder))[0] == 0
    assert solved_on(runner, laptop) == solved_on(runner, desktop) == ["cors-wildcard", "on-event",
                                                                       "process-time"]
    solves = "SELECT bank_id, exercise_id, solved_at FROM solved_exercises ORDER BY exercise_id"
    assert rows(laptop, solves) == rows(desktop, solves)
    assert rows(laptop, solves)[0][2] == (T + timedelta(hours=1)).isoformat(timespec="microseconds")
    files = {p.read_text() for p in folder.iterdir()}
    assert len(files) == 1  # both devices' files hold the same log, solves included
    lines = [json.loads(x) for x in files.pop().splitlines()]
    assert [x.get("exercise_id") for x in lines] == [None, None, "process-time", "cors-wildcard", "on-event"]
    assert lines[2] == {"bank_id": "quiz-fastapi", "exercise_id": "process-time",
                        "solved_at": "2025-01-06T09:00:00.000000Z"}

    # export and import: a third device gets the solves; stats and a class report read the file
    backup = tmp_path / "backup.jsonl"
    code, _, err = on(runner, desktop, "progress", "export", "-o", str(backup))
    assert code == 0 and "Wrote 2 reviews and 3 exercises solved to" in err
    third = tmp_path / "third"
    code, out, err = on(runner, third, "progress", "import", str(backup))
    assert code == 0 and "3 more exercises solved" in out, out + err
    code, out, err = on(runner, third, "--bank", str(BUILTIN_BANK), "stats")
    assert code == 0 and "Exercises: 3 of" in out, out + err
    code, out, err = on(runner, third, "progress", "import", str(backup))  # twice: nothing changes
    assert code == 0 and "0 new reviews, 2 already here; 0 cards rebuilt." in out, out + err
    report = runner.invoke(app, ["class", "report", str(folder), "--json"])
    assert report.exit_code == 0, report.output
    assert "bad line" not in report.stdout


def test_a_bad_solve_line_is_named_and_old_logs_still_import(runner: CliRunner, homes: tuple[Path, Path],
                                                             clock: Clock, tmp_path: Path) -> None:
    laptop, _ = homes
    log = tmp_path / "in.jsonl"
    log.write_text(review_line() + "\n" + '{"bank_id":"quiz-fastapi","exercise_id":"Not An Id",'
                   '"solved_at":"2025-01-06T08:00:00Z"}\n')
    code, _, err = on(runner, laptop, "progress", "import", str(log))
    assert code == 1
    assert f"{log}:2: exercise_id: String should match pattern" in " ".join(err.split())
    assert rows(laptop, "SELECT COUNT(*) FROM reviews") == [(0,)]
    log.write_text(review_line())  # a log without solves, as older quiz versions wrote
    code, out, err = on(runner, laptop, "progress", "import", str(log))
    assert code == 0 and "1 new review, 0 already here; 1 card rebuilt." in out, out + err
    assert rows(laptop, "SELECT COUNT(*) FROM solved_exercises") == [(0,)]
