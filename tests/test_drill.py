"""`quiz drill` (and plain `quiz`) driven through the CLI with scripted input."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Scheduler
from typer.testing import CliRunner

from quiz import scheduler, session
from quiz.cli import app

T = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

BANK = """\
deck: Drill test
questions:
  - id: middleware
    number: 1
    question: Explain middleware in FastAPI.
    answer: Middleware runs before and after every request; add it with app.add_middleware.
    key_points:
      - point: Runs before and after every request
        terms: [before and after, every request]
      - point: Registered with app.add_middleware or @app.middleware
        terms: [add_middleware, app.middleware]
    tags: [core, middleware]
  - id: cors
    number: 2
    question: What is CORS and how does FastAPI handle it?
    answer: Browsers block cross-origin requests; CORSMiddleware with allow_origins allows them.
    key_points:
      - point: Browsers block cross-origin requests unless allowed
        terms: [cross-origin, cross origin, same-origin policy]
      - point: Configured with CORSMiddleware and allow_origins
        terms: [CORSMiddleware, allow_origins]
    tags: [security]
  - id: pagination
    number: 3
    question: How do you paginate results?
    answer: With limit and offset query parameters, or a cursor for large tables.
    key_points:
      - point: Limit and offset query parameters
        terms: [limit and offset, offset, skip and limit]
      - point: Cursor pagination for large or changing tables
        terms: [cursor, keyset]
    tags: [data]
    errata: Offset pagination gets slow on large tables.
  - id: async-def
    number: 4
    question: When do you use async def?
    answer: For I/O-bound work with awaitable libraries; plain def runs in a thread pool.
    key_points:
      - point: async def for awaitable I/O
        terms: [await, awaitable, non-blocking]
      - point: def endpoints run in a thread pool
        terms: [thread pool, threadpool]
    tags: [async]
"""

GOOD = {
    "middleware": "It runs before and after every request, added with app.add_middleware.",
    "cors": "Browsers block cross-origin calls; CORSMiddleware with allow_origins opens them.",
    "pagination": "limit and offset parameters, or a cursor.",
    "async-def": "async def when you await I/O; def runs in a thread pool.",
}


def write_bank(folder: Path, text: str = BANK) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bank.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def generated_bank(folder: Path, count: int) -> Path:
    """A bank of `count` questions over a few topics, each with two key points."""
    topics = ["core", "security", "data", "async", "testing"]
    lines = ["deck: Generated", "questions:"]
    for i in range(1, count + 1):
        lines += [
            f"  - id: q{i:05d}",
            f"    number: {i}",
            f"    question: Question number {i} about topic {topics[i % 5]}?",
            f"    answer: The answer to question {i} mentions alpha{i} and beta{i}.",
            "    key_points:",
            f"      - point: Mentions alpha{i}",
            f"        terms: [alpha{i}]",
            f"      - point: Mentions beta{i}",
            f"        terms: [beta{i}]",
            f"    tags: [{topics[i % 5]}]",
        ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bank.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A fixed clock for the commands, and FSRS without fuzzing: exact due dates."""
    c = Clock()
    monkeypatch.setattr(session, "system_clock", c)
    monkeypatch.setattr(scheduler, "_default", Scheduler(enable_fuzzing=False))
    return c


@pytest.fixture
def bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_bank(tmp_path / "bank")
    monkeypatch.setenv("QUIZ_BANK", str(path))
    return path


def db_rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(home / "progress.db")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def flat(text: str) -> str:
    """Text with every run of spaces made one: what a table's padding does not change."""
    return " ".join(text.split())


def script(*steps: str) -> str:
    """Answers and rating lines, joined the way the drill reads them."""
    return "".join(f"{s}\n" for s in steps)


def answer(text: str, rating: str = "") -> str:
    return script(text, "", rating)


def test_plain_quiz_runs_the_drill(runner: CliRunner, bank: Path, clock: Clock,
                                   quiz_home: Path) -> None:
    result = runner.invoke(app, [], input=answer(GOOD["middleware"]) + answer("no idea", "1"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Today's drill: 4 new" in out
    assert "Explain middleware in FastAPI." in out
    assert "Score 100/100" in out and "suggested: Easy" in out
    assert "Saved: Easy. Next review in 8 days." in out
    assert "Score 0/100" in out and "Saved: Again. Next review in 1 min." in out
    assert "Drill over" in out
    assert db_rows(quiz_home, "SELECT question_id, rating, score, mode FROM reviews ORDER BY id") == [
        ("middleware", 4, 100, "drill"), ("cors", 1, 0, "drill")]
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM cards") == [(2,)]


def test_drill_subcommand_with_bank_option(runner: CliRunner, tmp_path: Path, clock: Clock,
                                           quiz_home: Path) -> None:
    path = write_bank(tmp_path / "other")
    result = runner.invoke(app, ["--bank", str(path), "drill", "--limit", "1"],
                           input=answer(GOOD["middleware"]))
    assert result.exit_code == 0, result.output
    assert "Explain middleware in FastAPI." in result.stdout
    assert "new · left: 0 new · 0 learning · 0 due" in result.stdout
    result = runner.invoke(app, ["--bank", str(path)], input="q\n")  # plain quiz honours --bank
    assert result.exit_code == 0, result.output
    assert "What is CORS" in result.stdout


@pytest.mark.parametrize(
    ("rating_line", "rating"),
    [("", 4), ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("again", 1), ("h", 2), ("Good", 3)],
)
def test_rating_lines(runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path,
                      rating_line: str, rating: int) -> None:
    result = runner.invoke(app, ["drill", "--limit", "1"], input=answer(GOOD["middleware"], rating_line))
    assert result.exit_code == 0, result.output
    assert db_rows(quiz_home, "SELECT rating FROM reviews") == [(rating,)]


def test_a_bad_rating_line_is_an_error(runner: CliRunner, bank: Path, clock: Clock,
                                       quiz_home: Path) -> None:
    result = runner.invoke(app, ["drill"], input=answer(GOOD["middleware"]) + answer("x", "7"))
    assert result.exit_code == 1
    assert "Error: Expected a rating line (empty to accept Again, 1-4" in result.stderr
    assert "got '7'" in result.stderr
    assert "Cards done 1" in flat(result.stdout)  # the summary, with the card rated before
    assert db_rows(quiz_home, "SELECT question_id FROM reviews") == [("middleware",)]


def test_empty_answer_shows_the_answer(runner: CliRunner, bank: Path, clock: Clock,
                                       quiz_home: Path) -> None:
    result = runner.invoke(app, ["drill", "--limit", "1"], input=script("", ""))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "The answer, and what a good one mentions" in out
    assert "Middleware runs before and after every request" in out  # the model answer
    assert "• Registered with app.add_middleware" in out
    assert "Enter = Again" in out
    assert db_rows(quiz_home, "SELECT rating, score, answer FROM reviews") == [(1, 0, "")]


def test_multi_line_answers(runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path) -> None:
    text = script("It runs before and after", "every request.", "Use app.add_middleware.", "", "")
    result = runner.invoke(app, ["drill", "--limit", "1"], input=text)
    assert result.exit_code == 0, result.output
    assert db_rows(quiz_home, "SELECT score, answer FROM reviews") == [
        (100, "It runs before and after\nevery request.\nUse app.add_middleware.")]


def test_keys_help_skip_quit(runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path) -> None:
    result = runner.invoke(app, ["drill"], input=script("?", "s") + answer(GOOD["cors"], "3") + "q\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "A blank line (or Ctrl-D) submits it" in out
    assert "Skipped." in out
    assert "How do you paginate results?" in out  # the third card was shown, then q
    assert "Cards done 1 (skipped 1)" in flat(out)
    assert db_rows(quiz_home, "SELECT question_id, rating FROM reviews") == [("cors", 3)]


def test_end_of_input_at_the_rating_rates_nothing(runner: CliRunner, bank: Path, clock: Clock,
                                                  quiz_home: Path) -> None:
    result = runner.invoke(app, ["drill"], input=GOOD["middleware"] + "\n")
    assert result.exit_code == 0, result.output
    assert "Score 100/100" in result.stdout
    assert "Cards done 0" in flat(result.stdout)
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(0,)]


def test_ctrl_c_keeps_rated_cards_and_prints_the_summary(
        runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from quiz.ui import prompt

    real = prompt.LineReader.answer
    calls = []

    def answer_then_interrupt(self: prompt.LineReader) -> prompt.Typed:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(prompt.LineReader, "answer", answer_then_interrupt)
    result = runner.invoke(app, ["drill"], input=answer(GOOD["middleware"], "3"))
    assert result.exit_code == 130
    assert "Traceback" not in result.output
    assert "Drill interrupted: every rated card is saved" in result.stdout
    assert "Cards done 1" in flat(result.stdout)
    assert "Interrupted." in result.stderr
    assert db_rows(quiz_home, "SELECT question_id FROM cards") == [("middleware",)]


def test_new_cards_a_day_then_nothing_due(runner: CliRunner, bank: Path, clock: Clock) -> None:
    first = runner.invoke(app, ["drill", "--new", "2"],
                          input=answer(GOOD["middleware"], "4") + answer(GOOD["cors"], "4"))
    assert first.exit_code == 0, first.output
    assert "Today's drill: 2 new" in first.stdout
    clock.advance(hours=1)
    again = runner.invoke(app, ["drill", "--new", "2"], input="")
    assert again.exit_code == 0, again.output
    assert "Nothing is due now." in again.stdout
    assert "The next card is due in 8 days" in again.stdout
    assert "quiz drill --ahead" in again.stdout
    more = runner.invoke(app, ["drill", "--new", "3"], input="q\n")  # a bigger quota: one more
    assert "Today's drill: 1 new" in more.stdout
    clock.advance(days=1)  # a new day: new cards again
    tomorrow = runner.invoke(app, ["drill", "--new", "2"], input="q\n")
    assert "Today's drill: 2 new" in tomorrow.stdout


def test_due_cards_come_first_most_overdue_first(runner: CliRunner, bank: Path, clock: Clock,
                                                 quiz_home: Path) -> None:
    runner.invoke(app, ["drill", "--new", "2"],
                  input=answer(GOOD["middleware"], "3") + answer(GOOD["cors"], "1"))
    clock.advance(hours=2)  # both learning cards are due; cors (1 min) is the more overdue
    result = runner.invoke(app, ["drill", "--new", "3"], input="s\ns\ns\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Today's drill: 2 due · 1 new" in out
    assert out.index("What is CORS") < out.index("Explain middleware") < out.index("paginate")


def test_topic_filter_and_unknown_topic(runner: CliRunner, bank: Path, clock: Clock) -> None:
    result = runner.invoke(app, ["drill", "--topic", "security"], input=answer(GOOD["cors"]))
    assert result.exit_code == 0, result.output
    assert "Today's drill: 1 new" in result.stdout
    assert "Explain middleware" not in result.stdout
    bad = runner.invoke(app, ["drill", "--topic", "securty"])
    assert bad.exit_code == 1
    assert "Error: There is no topic 'securty'. Did you mean 'security'?" in bad.stderr


def test_ahead_studies_early(runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path) -> None:
    runner.invoke(app, ["drill", "--new", "1"], input=answer(GOOD["middleware"], "4"))
    clock.advance(hours=1)
    result = runner.invoke(app, ["drill", "--new", "0", "--ahead"], input=answer(GOOD["middleware"], "3"))
    assert result.exit_code == 0, result.output
    assert "1 early" in result.stdout and "early (due in 8 days) · left: 0 new" in result.stdout
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(2,)]


def test_a_card_due_again_comes_back_in_the_same_drill(runner: CliRunner, bank: Path,
                                                        clock: Clock, quiz_home: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from quiz.ui import prompt

    real = prompt.LineReader.answer

    def slow_typist(self: prompt.LineReader) -> prompt.Typed:
        clock.advance(minutes=2)  # every answer takes two minutes
        return real(self)

    monkeypatch.setattr(prompt.LineReader, "answer", slow_typist)
    result = runner.invoke(app, ["drill", "--new", "2"],
                           input=answer("no idea", "1") + answer(GOOD["cors"], "4")
                           + answer(GOOD["middleware"], "3"))
    assert result.exit_code == 0, result.output
    assert "again · left: 0 new · 0 learning · 0 due" in result.stdout
    assert "Its model answer shown earlier in this drill: the suggestion is at most Good." in result.stdout
    assert db_rows(quiz_home, "SELECT question_id, rating FROM reviews ORDER BY id") == [
        ("middleware", 1), ("cors", 4), ("middleware", 3)]


def test_limit(runner: CliRunner, bank: Path, clock: Clock, quiz_home: Path) -> None:
    result = runner.invoke(app, ["drill", "--limit", "1"], input=answer(GOOD["middleware"]) + answer("x"))
    assert result.exit_code == 0, result.output
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(1,)]


def test_progress_is_keyed_by_id(runner: CliRunner, tmp_path: Path, clock: Clock,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_bank(tmp_path / "b")
    monkeypatch.setenv("QUIZ_BANK", str(path))
    runner.invoke(app, ["drill", "--new", "1"], input=answer(GOOD["middleware"], "4"))
    path.write_text(BANK.replace("Explain middleware in FastAPI.", "What does middleware do?"))
    clock.advance(days=9)
    result = runner.invoke(app, ["drill", "--new", "0"], input="q\n")
    assert "Today's drill: 1 due" in result.stdout
    assert "What does middleware do?" in result.stdout


def test_demo_key_without_a_demo(runner: CliRunner, bank: Path, clock: Clock) -> None:
    result = runner.invoke(app, ["drill", "--limit", "1"], input="d\n" + answer(GOOD["middleware"]))
    assert result.exit_code == 0, result.output
    assert "Question 1 (middleware) has no demo yet." in result.stderr
    assert "Score 100/100" in result.stdout
    assert "suggested: Easy" in result.stdout  # no demo ran: no cap


def test_demo_key_runs_the_builtin_demo(runner: CliRunner, clock: Clock) -> None:
    """Smoke test on the built-in bank: `d` runs the middleware demo inline."""
    from quiz.bank import load_bank

    ids = [q.id for q in load_bank().questions]
    if "middleware" not in ids:
        pytest.skip("the built-in bank has no middleware question yet")
    keys = "s\n" * ids.index("middleware") + "d\n" + "q\n"
    result = runner.invoke(app, ["drill", "--new", str(len(ids))], input=keys)
    assert result.exit_code == 0, result.output
    assert "Explain Middleware in FastAPI." in result.stdout
    assert "checks passed" in result.stdout
    assert "Back to the question" in result.stdout


def test_drill_never_imports_the_web_stack(tmp_path: Path, quiz_home: Path) -> None:
    path = write_bank(tmp_path / "b")
    code = textwrap.dedent("""
        import sys
        from quiz.cli import app
        try:
            app(["--bank", sys.argv[1], "drill"])
        except SystemExit:
            pass
        web = {"fastapi", "httpx2", "uvicorn", "starlette", "pydantic"}
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in web)
        print("HEAVY", heavy, file=sys.stderr)
    """)
    env = {**os.environ, "QUIZ_HOME": str(quiz_home)}
    for _ in range(2):  # first run: the bank is read and cached; second: from the cache
        done = subprocess.run([sys.executable, "-c", code, str(path)], input=answer(GOOD["middleware"]),
                              capture_output=True, text=True, env=env, timeout=60)
        assert "Score " in done.stdout, done.stderr
        heavy = done.stderr.strip().splitlines()[-1]
        assert heavy.startswith("HEAVY")
        assert not any(m in heavy for m in ("fastapi", "httpx2", "uvicorn", "starlette"))
    assert heavy == "HEAVY []"  # a cached bank: not even pydantic


def test_no_color(tmp_path: Path, quiz_home: Path) -> None:
    path = write_bank(tmp_path / "b")
    base = {**os.environ, "QUIZ_HOME": str(quiz_home), "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    base.pop("NO_COLOR", None)
    colour = "\x1b[3"  # an SGR foreground colour code: 31-37, 38;5;...

    def run(env: dict[str, str], *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "quiz", "--bank", str(path), *args, "drill"],
                              input=answer(GOOD["middleware"], "q"), capture_output=True, text=True,
                              env=env, timeout=60)
        return done.stdout

    assert colour in run(base)
    assert colour not in run({**base, "NO_COLOR": "1"})
    assert colour not in run(base, "--no-color")


@pytest.mark.parametrize("command", ["drill", "exam", "stats", "due", "reset"])
def test_every_command_has_help_with_examples(runner: CliRunner, command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.stdout
    assert f"quiz {command}" in result.stdout or command == "drill"


def test_drill_help_documents_scripted_input(runner: CliRunner) -> None:
    result = runner.invoke(app, ["drill", "--help"])
    assert result.exit_code == 0
    assert "Scripted input" in result.stdout
    assert "quiz drill --topic security" in result.stdout


def test_json_outputs_are_json(runner: CliRunner, bank: Path, clock: Clock) -> None:
    for command in (["stats", "--json"], ["due", "--json"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        assert isinstance(json.loads(result.stdout), dict)


def test_the_session_flow_without_a_terminal(tmp_path: Path) -> None:
    """session.Drill on its own: the UI only feeds answers and ratings in."""
    from quiz.bank import load_bank
    from quiz.grading import Rating
    from quiz.store import Store

    questions = load_bank([write_bank(tmp_path / "b")]).questions
    clock = Clock()
    fsrs = Scheduler(enable_fuzzing=False)
    with Store.open(bank_id="drill-test") as store:
        drill = session.Drill(questions, store, clock=clock, new_per_day=2, scheduler=fsrs)
        assert drill.plan.new == ("middleware", "cors") and drill.planned == 2
        q = drill.next()
        assert q is not None and q.id == "middleware" and drill.kind(q) == "new"
        graded = drill.grade(q, GOOD["middleware"])
        assert graded.grade.score == 100
        assert graded.previews[Rating.GOOD] == T + timedelta(minutes=10)
        assert store.counts() == (0, 0)  # grading saves nothing
        outcome = drill.rate(graded, Rating.GOOD, 4200)
        assert outcome.card.due == T + timedelta(minutes=10)
        assert store.counts() == (1, 1)
        assert drill.learning == {"middleware"}  # its 10-minute step comes back in this drill
        q = drill.next()
        assert q is not None and q.id == "cors"
        drill.skip(q)
        clock.advance(minutes=1)  # nothing else left: the learning card comes back early
        again = drill.next()
        assert again is not None and again.id == "middleware" and drill.kind(again) == "again"
        drill.rate(drill.grade(again, GOOD["middleware"]), Rating.GOOD)
        assert drill.next() is None  # graduated: due in days, not within the drill
        summary = drill.summary()
    assert len(summary.done) == 2 and summary.skipped == 1
    assert summary.average == 100 and summary.ratings == {Rating.GOOD: 2}
    assert [(t.topic, t.cards, t.average) for t in summary.topics] == [("core", 2, 100.0)]
    assert summary.streak == 1
    assert summary.next_due is not None and summary.next_due > T + timedelta(days=1)


def test_the_exam_flow_and_its_clock(tmp_path: Path) -> None:
    from quiz.bank import load_bank

    questions = load_bank([write_bank(tmp_path / "b")]).questions
    clock = Clock()
    exam = session.Exam(questions, count=3, seconds=600, seed=5, clock=clock)
    assert len(exam.questions) == 3 and exam.time_left() == 600
    first = exam.next()
    assert first is not None
    result = exam.answer(first, GOOD[first.id])
    assert result.score == 100 and not result.late
    clock.advance(minutes=11)
    second = exam.next()
    assert second is None and exam.time_up and exam.time_left() == 0
    card = exam.scorecard()
    assert card.answered == 1 and card.time_up
    assert round(card.score, 1) == 33.3  # the two questions not reached count 0
    assert card.recorded == 0


def test_nothing_due_says_why(runner: CliRunner, bank: Path, clock: Clock) -> None:
    first = runner.invoke(app, ["drill", "--new", "1"], input=answer(GOOD["middleware"], "4"))
    assert first.exit_code == 0, first.output
    result = runner.invoke(app, ["drill", "--new", "1"], input="")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Nothing is due now." in out
    assert ("3 unseen questions are held back by the daily limit of 1: quiz drill --new 4, "
            "or quiz drill --cram.") in out
    assert "The next card is due in 8 days" in out
    assert "is due now" not in out.replace("Nothing is due now", "")
    topic = runner.invoke(app, ["drill", "--topic", "Core", "--new", "1"], input="")
    out = flat(topic.stdout)
    assert "Nothing in core is due now." in out
    assert "The next card in core is due in 8 days" in out
    assert "quiz drill --topic core --cram" in out
    tagged = runner.invoke(app, ["drill", "--tag", "SECURITY", "--new", "1"], input="")
    assert ("1 unseen tagged security question is held back by the daily limit of 1: "
            "quiz drill --tag security --new 2") in flat(tagged.stdout)


def test_cram_drills_chosen_questions_whatever_their_schedule(runner: CliRunner, bank: Path, clock: Clock,
                                                              quiz_home: Path) -> None:
    runner.invoke(app, ["drill", "--new", "4"], input=answer(GOOD["middleware"], "4") + "q\n")
    result = runner.invoke(app, ["drill", "--cram", "--topic", "core", "--new", "0"],
                           input=answer(GOOD["middleware"], "3"))
    assert result.exit_code == 0, result.output
    assert "early (due in 8 days)" in result.stdout
    assert db_rows(quiz_home, "SELECT question_id, rating FROM reviews ORDER BY id") == [
        ("middleware", 4), ("middleware", 3)]


def test_hints_and_undo_in_scripted_input(runner: CliRunner, bank: Path, clock: Clock,
                                          quiz_home: Path) -> None:
    steps = script("h", "h") + answer(GOOD["middleware"]) + script("u", "4")
    result = runner.invoke(app, ["drill", "--limit", "2"], input=steps + "q\n")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Hint 1 of 2: Runs before and after every request" in out
    assert "Hint 2 of 2: Registered with app.add_middleware or @app.middleware" in out
    assert "2 hints taken: the suggestion is at most Hard." in out
    assert "Saved: Hard." in out
    assert "Undone: Hard on #1 middleware. Rate it again." in out
    assert "Your answer, kept: rate it again. " + GOOD["middleware"] in out  # not typed again
    assert out.count("2 hints taken: the suggestion is at most Hard.") == 2  # the same answer, as taken
    assert "Saved: Easy." in out
    assert db_rows(quiz_home, "SELECT question_id, rating FROM reviews") == [("middleware", 4)]


def test_q_at_the_rating_says_the_card_was_not_rated(runner: CliRunner, bank: Path, clock: Clock,
                                                      quiz_home: Path) -> None:
    result = runner.invoke(app, ["drill"], input=answer(GOOD["middleware"], "q"))
    assert result.exit_code == 0, result.output
    assert "#1 middleware was not rated: it stays as it was." in result.stdout
    assert db_rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(0,)]


@pytest.mark.parametrize("command", [["drill", "--limit", "1"], ["exam", "--count", "1", "--record"]])
def test_scripted_input_that_is_not_utf8(tmp_path: Path, quiz_home: Path, command: list[str]) -> None:
    path = write_bank(tmp_path / "b")
    env = {**os.environ, "QUIZ_HOME": str(quiz_home)}
    data = "Caf\xe9 runs before and after every request, add_middleware.\n\n\n".encode("latin-1")
    done = subprocess.run([sys.executable, "-m", "quiz", "--bank", str(path), *command], input=data,
                          capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    [(saved,)] = db_rows(quiz_home, "SELECT answer FROM reviews")
    assert saved == "Caf\ufffd runs before and after every request, add_middleware."


def test_global_options_after_the_command(tmp_path: Path, quiz_home: Path) -> None:
    path = write_bank(tmp_path / "b")
    env = {**os.environ, "QUIZ_HOME": str(quiz_home), "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    done = subprocess.run([sys.executable, "-m", "quiz", "show", "1", "--no-color", "--bank", str(path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Explain middleware in FastAPI." in done.stdout
    assert "\x1b[3" not in done.stdout


def test_the_demo_seen_first_caps_the_suggestion_at_hard(tmp_path: Path) -> None:
    from quiz.bank import load_bank
    from quiz.grading import Rating
    from quiz.store import Store

    bank = load_bank([write_bank(tmp_path / "b")])
    with Store.open(bank_id=bank.bank_id) as store:
        drill = session.Drill(bank.questions, store, clock=Clock())
        q = drill.next()
        assert q is not None
        drill.saw_demo(q)
        graded = drill.grade(q, GOOD["middleware"])
        assert graded.grade.score == 100 and graded.grade.suggested is Rating.HARD
        assert graded.capped == "The demo seen first: the suggestion is at most Hard."
        drill.hint(q)
        assert drill.grade(q, GOOD["middleware"]).capped == (
            "1 hint taken and the demo seen first: the suggestion is at most Hard.")
        drill.rate(graded, Rating.HARD)
        # rated: hints and demo start afresh, but the model answer was just read (recognition)
        assert drill.cap(q) == (Rating.GOOD, "Its model answer shown earlier in this drill: the "
                                "suggestion is at most Good.")


def test_a_question_without_key_points_is_rated_by_the_candidate(runner: CliRunner, tmp_path: Path,
                                                                 clock: Clock, quiz_home: Path) -> None:
    path = tmp_path / "imported.yaml"
    path.write_text(textwrap.dedent("""\
        bank_id: imported
        questions:
          - id: capital
            question: What is the capital of France?
            answer: Paris.
            key_points: []
    """), encoding="utf-8")
    result = runner.invoke(app, ["--bank", str(path), "drill"], input=answer("Paris, I think", "2"))
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "No key points to grade against: compare your answer with the model answer" in out
    assert "Rate yourself · suggested: Good" in out and "Score" not in out
    assert "Saved: Hard." in out and "Average score 40/100" in out
    assert db_rows(quiz_home, "SELECT question_id, rating, score FROM reviews") == [("capital", 2, 40)]
