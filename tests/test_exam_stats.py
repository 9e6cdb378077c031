"""`quiz exam`, `quiz stats`, `quiz due` and `quiz reset`, through the CLI with fixed clocks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz import ui
from quiz.cli import app
from quiz.commands.drill_cmds import parse_duration
from quiz.ui import prompt

from .test_drill import BANK, GOOD, Clock, answer, bank, clock, db_rows, flat, script, write_bank

__all__ = ["bank", "clock"]  # fixtures shared with test_drill

ORDER_SEED = 7
EVERYTHING = " ".join(GOOD.values())  # an answer that covers every question's key points


def said(text: str) -> str:
    """An exam answer: its lines, then the blank line that submits it (no rating line)."""
    return script(text, "")


def exam_json(runner: CliRunner, args: list[str], text: str) -> dict[str, object]:
    result = runner.invoke(app, ["exam", "--json", *args], input=text)
    assert result.exit_code == 0, result.output
    assert "Mock interview" in result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def order(runner: CliRunner, seed: int) -> list[str]:
    data = exam_json(runner, ["--count", "4", "--seed", str(seed)], "q\n")
    return [a["id"] for a in data["answers"]]  # type: ignore[attr-defined,index]


def test_exam_scorecard_and_weakest_topic(runner: CliRunner, bank: Path, clock: Clock,
                                          quiz_home: Path) -> None:
    ids = order(runner, ORDER_SEED)
    text = "".join(said(GOOD[i]) if i != "cors" else said("no idea at all") for i in ids)
    result = runner.invoke(app, ["exam", "--count", "4", "--seed", str(ORDER_SEED)], input=text)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Mock interview: 4 questions, 20:00 on the clock." in out
    assert "Scorecard" in out and "By topic" in out
    assert "Overall 75/100 · 4 of 4 answered" in out
    assert "Weakest: security (0)" in out
    assert "Drill them now: quiz drill --cram --topic security" in out
    assert "key points" not in result.stdout  # no grading screen during the exam: no hints
    assert not (quiz_home / "progress.db").exists()  # the schedule is not touched


def test_exam_order_is_reproducible_with_a_seed(runner: CliRunner, bank: Path, clock: Clock) -> None:
    assert order(runner, 1) == order(runner, 1)
    assert sorted(order(runner, 1)) == sorted(GOOD)
    assert len({tuple(order(runner, s)) for s in range(6)}) > 1


def test_exam_asks_the_questions_named_with_id_in_that_order(
    runner: CliRunner, bank: Path, clock: Clock
) -> None:
    chosen = list(GOOD)[:2][::-1]
    data = exam_json(runner, ["--id", chosen[0], "--id", chosen[1], "--time", "0"],
                     said(GOOD[chosen[0]]) + said("no idea"))
    assert [a["id"] for a in data["answers"]] == chosen  # type: ignore[attr-defined,index]
    assert [a["score"] for a in data["answers"]][1] == 0  # type: ignore[attr-defined,index]
    assert data["questions"] == 2


def test_exam_with_an_unknown_id_is_one_sentence(runner: CliRunner, bank: Path) -> None:
    result = runner.invoke(app, ["exam", "--id", "nope"], input="")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: There is no question 'nope'.")


def test_exam_json_skips_and_stop(runner: CliRunner, bank: Path, clock: Clock) -> None:
    ids = order(runner, 3)
    data = exam_json(runner, ["--count", "4", "--seed", "3"], "s\n" + said(GOOD[ids[1]]) + "q\n")
    assert data["answered"] == 1 and data["questions"] == 4
    assert data["score"] == 25.0
    answers = data["answers"]
    assert [a["answered"] for a in answers] == [False, True, False, False]  # type: ignore[attr-defined]
    assert data["recorded"] == 0


def test_exam_empty_answer_is_a_skip(runner: CliRunner, bank: Path, clock: Clock) -> None:
    data = exam_json(runner, ["--count", "1", "--topic", "core"], "\n")
    assert data["answered"] == 0
    assert data["weakest"] == ["core"]


def test_exam_record_rates_the_cards(runner: CliRunner, bank: Path, clock: Clock,
                                     quiz_home: Path) -> None:
    result = runner.invoke(app, ["exam", "--count", "2", "--topic", "core", "--topic", "data",
                                 "--record", "--seed", "1"],
                           input=said(GOOD["middleware"]) + said(GOOD["pagination"]))
    assert result.exit_code == 0, result.output
    assert "2 answers recorded in your schedule." in result.stdout
    rows = db_rows(quiz_home, "SELECT question_id, rating, mode FROM reviews ORDER BY question_id")
    assert rows == [("middleware", 4, "exam"), ("pagination", 4, "exam")]


def test_exam_time_runs_out(runner: CliRunner, bank: Path, clock: Clock,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    real = prompt.LineReader.answer

    def six_minutes_each(self: prompt.LineReader, time_left: object = None) -> prompt.Typed:
        clock.advance(minutes=6)
        return real(self)

    monkeypatch.setattr(prompt.LineReader, "answer", six_minutes_each)
    text = "".join(said(g) for g in GOOD.values())
    result = runner.invoke(app, ["exam", "--count", "4", "--time", "10m", "--seed", "2"], input=text)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Time is up: this answer counts, and the exam ends here." in out
    assert "2 of 4 answered in 12:00 · time ran out" in out
    assert "late ·" in out
    assert "4:00 left" in out  # the timer on the second question


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("20m", 1200.0), ("1h30m", 5400.0), ("90s", 90.0), ("45", 2700.0), ("0", None), ("none", None)],
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_exam_bad_time_is_a_usage_error(runner: CliRunner, bank: Path) -> None:
    result = runner.invoke(app, ["exam", "--time", "soon"])
    assert result.exit_code == 2
    assert "'soon' is not a duration" in result.stderr


def test_exam_ctrl_c_prints_the_scorecard(runner: CliRunner, bank: Path, clock: Clock,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(self: prompt.LineReader, time_left: object = None) -> prompt.Typed:
        raise KeyboardInterrupt

    monkeypatch.setattr(prompt.LineReader, "answer", interrupt)
    result = runner.invoke(app, ["exam", "--count", "2"])
    assert result.exit_code == 130
    assert "Scorecard" in result.stdout
    assert "Traceback" not in result.output


def drill_days(runner: CliRunner, clock: Clock, days: int) -> None:
    """A drill a day: every card due (or new) answered well."""
    for _ in range(days):
        result = runner.invoke(app, ["drill", "--new", "2"],
                               input=answer(EVERYTHING, "3") * 4)
        assert result.exit_code == 0, result.output
        clock.advance(days=1)


def test_stats_json(runner: CliRunner, bank: Path, clock: Clock) -> None:
    drill_days(runner, clock, 3)
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["streak"] == 3 and data["longest_streak"] == 3
    assert data["states"]["new"] == 0
    assert sum(data["states"].values()) == 4
    assert data["reviews"] == sum(h["reviews"] for h in data["heatmap"])
    assert data["reviews_today"] == 0
    assert len(data["forecast"]) == 14
    assert sum(f["due"] for f in data["forecast"]) <= 4
    topics = {t["topic"]: t for t in data["topics"]}
    assert set(topics) == {"core", "security", "data", "async"}
    assert all(t["seen"] == 1 and 0 < t["mastery"] <= 1 for t in topics.values())
    assert data["weekly"][-1]["average_score"] == 100.0


def test_stats_screen(runner: CliRunner, bank: Path, clock: Clock) -> None:
    drill_days(runner, clock, 2)
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    for heading in ("Mastery by topic", "Cards: New 0", "Due in the next 14 days",
                    "Reviews, last 12 weeks", "Streak: 2 days (longest 2)", "Average score by week"):
        assert heading in out
    assert "Mon" in out and "Sun" in out


def test_stats_on_a_fresh_home(runner: CliRunner, bank: Path, clock: Clock) -> None:
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0, result.output
    assert "Cards: New 4 · Learning 0 · Review 0 · Relearning 0" in flat(result.stdout)


def test_a_removed_question_keeps_its_history(runner: CliRunner, tmp_path: Path, clock: Clock,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_bank(tmp_path / "b")
    monkeypatch.setenv("QUIZ_BANK", str(path))
    runner.invoke(app, ["drill", "--new", "1"], input=answer(GOOD["middleware"], "3"))
    start = BANK.index("  - id: middleware")
    path.write_text(BANK[:start] + BANK[BANK.index("  - id: cors"):])
    data = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert data["not_in_bank"] == 1 and data["reviews"] == 1
    assert data["states"]["new"] == 3
    path.write_text(BANK)  # back in the bank: its progress is still there
    data = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert data["states"]["learning"] == 1 and data["not_in_bank"] == 0


def test_due_today_and_this_week(runner: CliRunner, bank: Path, clock: Clock) -> None:
    runner.invoke(app, ["drill", "--new", "3"],
                  input=answer("x", "1") + answer(GOOD["cors"], "4") + answer("x", "3"))
    clock.advance(minutes=5)
    result = runner.invoke(app, ["due"], env={"COLUMNS": "60"})  # a narrow terminal cuts the text only
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert lines[0] == "Today: 2 due"
    assert lines[1].startswith("overdue 4 min #1 middleware core · Explain")
    assert lines[2].startswith("today ") and "#3 pagination" in lines[2]
    assert lines[3] == "This week: 0 more"  # cors, Easy: 8 days away
    assert lines[4] == "New questions today: 1"
    data = json.loads(runner.invoke(app, ["due", "--json"]).stdout)
    assert [d["id"] for d in data["today"]] == ["middleware", "pagination"]
    assert data["week"] == [] and data["new_today"] == 1
    clock.advance(days=5)
    data = json.loads(runner.invoke(app, ["due", "--json"]).stdout)
    assert [d["id"] for d in data["week"]] == ["cors"]


def test_reset_without_a_terminal_needs_yes(runner: CliRunner, bank: Path, clock: Clock,
                                            quiz_home: Path) -> None:
    runner.invoke(app, ["drill", "--new", "2"], input=answer("x", "1") + answer("y", "1"))
    piped = runner.invoke(app, ["reset"], input="y\n")  # a "y" from a pipe is never an answer
    assert piped.exit_code == 2
    assert "Error: quiz reset asks first, and there is no terminal to ask in: add --yes" in piped.stderr
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM cards") == [(2,)]
    yes = runner.invoke(app, ["reset", "--yes"])
    assert yes.exit_code == 0, yes.output
    assert "Forgot 2 cards and 2 reviews." in yes.stdout
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM cards") == [(0,)]
    again = runner.invoke(app, ["reset", "--yes"])
    assert again.exit_code == 0 and "No progress to reset." in again.stdout


def test_reset_a_topic_or_a_question(runner: CliRunner, bank: Path, clock: Clock,
                                     quiz_home: Path) -> None:
    runner.invoke(app, ["drill", "--new", "3"], input=answer("x", "1") * 3)
    result = runner.invoke(app, ["reset", "--topic", "Security", "--yes"])  # any case
    assert result.exit_code == 0, result.output
    assert "Forgot 1 card and 1 review." in result.stdout
    result = runner.invoke(app, ["reset", "--id", "1", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Forgot 1 card and 1 review." in result.stdout
    assert db_rows(quiz_home, "SELECT question_id FROM cards") == [("pagination",)]
    bad = runner.invoke(app, ["reset", "--id", "paginaton", "--yes"])
    assert bad.exit_code == 1
    assert "There is no question 'paginaton' in the bank or the progress. Did you mean 'pagination'?" \
        in bad.stderr


def test_reset_a_question_no_longer_in_the_bank(runner: CliRunner, tmp_path: Path, clock: Clock,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_bank(tmp_path / "b")
    monkeypatch.setenv("QUIZ_BANK", str(path))
    runner.invoke(app, ["drill", "--new", "1"], input=answer("x", "1"))
    path.write_text(BANK.replace("id: middleware", "id: middleware-v2"))
    result = runner.invoke(app, ["reset", "--id", "middleware", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Forgot 1 card and 1 review." in result.stdout


def test_a_corrupt_database_is_an_error_for_every_command(runner: CliRunner, bank: Path,
                                                          quiz_home: Path) -> None:
    quiz_home.mkdir()
    (quiz_home / "progress.db").write_bytes(b"garbage" * 200)
    for command in (["drill"], ["stats"], ["due"], ["reset", "--yes"], ["exam", "--record"]):
        result = runner.invoke(app, command, input="")
        assert result.exit_code == 1, command
        assert "is not a valid SQLite database (corrupt?); it was left untouched" in result.stderr
        assert "Traceback" not in result.output
    assert (quiz_home / "progress.db").read_bytes() == b"garbage" * 200


def test_a_read_only_database_stops_the_drill_before_a_question(
        runner: CliRunner, bank: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quiz import store

    store.Store.open().close()
    monkeypatch.setattr(store.os, "access", lambda path, mode: False)
    result = runner.invoke(app, ["drill"], input=answer(GOOD["middleware"]))
    assert result.exit_code == 1
    assert "is read-only, so progress cannot be saved" in result.stderr
    assert "Explain middleware" not in result.stdout
    stats = runner.invoke(app, ["stats"])  # reading still works
    assert stats.exit_code == 0, stats.output


def test_a_locked_database_during_a_drill(runner: CliRunner, bank: Path, clock: Clock,
                                          quiz_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from quiz import store

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 100)
    store.Store.open().close()
    holder = sqlite3.connect(quiz_home / "progress.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = runner.invoke(app, ["drill"], input=answer(GOOD["middleware"]))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "is locked by another program (another quiz still saving?): try again in a moment." \
        in result.stderr
    assert "Explain middleware" not in result.stdout  # said before any question is asked
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(0,)]


def test_a_database_locked_mid_drill_keeps_the_answer_and_retries(
        runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from quiz import store
    from quiz.ui import prompt

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 100)
    store.Store.open().close()
    holder = sqlite3.connect(quiz_home / "progress.db", isolation_level=None, check_same_thread=False)
    real_rating, real_retry = prompt.LineReader.rating, prompt.LineReader.retry

    def lock_then_rate(self: prompt.LineReader, suggested: object, marks: str = "") -> object:
        holder.execute("BEGIN IMMEDIATE")  # another program takes the lock while the grade shows
        return real_rating(self, suggested, marks)  # type: ignore[arg-type]

    def release_then_retry(self: prompt.LineReader) -> bool:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        return real_retry(self)

    monkeypatch.setattr(prompt.LineReader, "rating", lock_then_rate)
    monkeypatch.setattr(prompt.LineReader, "retry", release_then_retry)
    try:
        result = runner.invoke(app, ["drill", "--limit", "1"], input=answer(GOOD["middleware"], "3") + "\n")
    finally:
        holder.close()
    assert result.exit_code == 0, result.output
    assert "Not saved yet:" in result.stderr and "is locked by another program" in result.stderr
    assert "Your answer is kept. Enter (or r) tries again; q gives up." in result.stdout
    assert "Saved: Good." in result.stdout
    assert db_rows(quiz_home, "SELECT question_id, rating, answer FROM reviews") == [
        ("middleware", 3, GOOD["middleware"])]


def test_giving_up_on_a_locked_database_prints_the_answer(
        runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from quiz import store
    from quiz.ui import prompt

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 100)
    store.Store.open().close()
    holder = sqlite3.connect(quiz_home / "progress.db", isolation_level=None, check_same_thread=False)
    real_rating = prompt.LineReader.rating

    def lock_then_rate(self: prompt.LineReader, suggested: object, marks: str = "") -> object:
        holder.execute("BEGIN IMMEDIATE")
        return real_rating(self, suggested, marks)  # type: ignore[arg-type]

    monkeypatch.setattr(prompt.LineReader, "rating", lock_then_rate)
    try:
        result = runner.invoke(app, ["drill"], input=answer("My own words about call_next", "3") + "q\n")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "Your answer, to keep:" in result.stdout and "My own words about call_next" in result.stdout
    assert "is locked by another program" in result.stderr
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(0,)]


def test_rendering_times() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    assert ui.relative(now + timedelta(seconds=10), now) == "now"
    assert ui.relative(now + timedelta(minutes=10), now) == "in 10 min"
    assert ui.relative(now + timedelta(hours=3), now) == "in 3 h"
    assert ui.relative(now + timedelta(days=1), now) == "in 1 day"
    assert ui.relative(now - timedelta(days=2), now) == "2 days ago"
    assert ui.clock_text(125) == "2:05"


def test_a_narrow_terminal_cuts_the_question_never_the_time(
        runner: CliRunner, bank: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(app, ["drill", "--new", "3"], input=answer("x", "1") * 3)
    monkeypatch.setattr(ui.out, "_width", 60)
    due = runner.invoke(app, ["due"])
    assert due.exit_code == 0, due.output
    rows = [line for line in due.stdout.splitlines() if line.startswith("today ")]
    assert len(rows) == 3 and all(len(line) <= 60 for line in rows)
    assert any(line.rstrip().endswith("…") for line in rows)  # the question text, cut
    stats = runner.invoke(app, ["stats"])
    assert stats.exit_code == 0, stats.output
    bars = [line for line in stats.stdout.splitlines() if "░" in line or "█" in line]
    assert bars and all("…" not in line and len(line) <= 60 for line in bars)


def test_prose_stops_at_100_columns_on_wide_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui.out, "_width", 200)
    assert ui.out.width == 100
    monkeypatch.setattr(ui.out, "_width", 60)
    assert ui.out.width == 60


def test_a_topic_just_failed_is_learning_not_recalled(runner: CliRunner, bank: Path, clock: Clock) -> None:
    """Issue 23: "recall of seen 100%" for a topic failed a minute ago; columns without headers;
    a heatmap without months or legend."""
    result = runner.invoke(app, ["drill", "--id", "middleware"], input=answer("no idea", "1"))
    assert result.exit_code == 0, result.output
    clock.advance(seconds=30)
    data = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    core = next(t for t in data["topics"] if t["seen"])
    assert (core["seen"], core["learning"], core["recall"], core["mastery"]) == (1, 1, None, 0)
    screen = runner.invoke(app, ["stats"])
    assert screen.exit_code == 0, screen.output
    lines = screen.stdout.splitlines()
    header = next(line for line in lines if "topic" in line and "seen" in line)
    cells = [c.strip() for c in header.strip("┃ ").split("┃")]
    assert cells == ["topic", "seen", "mastery", "recall", "learning"]  # every column named
    row = next(line for line in lines if line.startswith("│ core"))
    assert [c.strip() for c in row.strip("│ ").split("│")][-2:] == ["—", "1"]  # no recall: 1 learning
    months = lines[lines.index(next(line for line in lines if line.startswith("Mon"))) - 1]
    # 12 weeks up to Monday 6 Jan 2025: Nov 1 falls in the 2nd week, Dec 1 in the 6th, Jan 1 in the 11th
    assert months == "      Nov     Dec       Jan"
    assert "less · 0 ░ 1-2 ▒ 3-5 ▓ 6-10 █ 11+ more (reviews a day)" in flat(screen.stdout)
    weekly = next(line for line in lines if "week of" in line)
    assert flat(weekly) == "week of ┃ reviews ┃ average score"
