"""The drill as a candidate sees it on a 100x40 terminal (issue 23): pexpect drives the real
program, pyte keeps the screen, and the tests assert what is visible on it."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from .conftest import rows
from .test_drill import GOOD, write_bank

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX terminal")

ROWS, COLS = 40, 100


class Term:
    """A 100x40 terminal running `python -m quiz ARGS`: what it shows, and keys to type."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None,
                 program: list[str] | None = None, cwd: Path | None = None):
        environ = {**os.environ, "QUIZ_HOME": str(home), "TERM": "xterm", "COLUMNS": str(COLS),
                   "LINES": str(ROWS), **(env or {})}
        environ.pop("QUIZ_BANK", None)
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.Stream(self.screen)
        command, *first = program or [sys.executable, "-m", "quiz"]
        self.child = pexpect.spawn(command, [*first, *args], env=environ, cwd=str(cwd) if cwd else None,
                                   encoding="utf-8", dimensions=(ROWS, COLS), timeout=30)
        self.log = ""
        self.seen = 0  # how much of the log `output` has looked at

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def _pump(self) -> bool:
        try:
            data = self.child.read_nonblocking(4096, timeout=0.2)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self.log += data
        self.stream.feed(data)
        return True

    def wait(self, text: str, seconds: float = 30) -> None:
        """Read output until `text` is on the screen (a wait, not a timed assertion)."""
        deadline = time.monotonic() + seconds
        while text not in self.text():
            if not self._pump() or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never showed; the screen:\n{self.text()}")

    def output(self, text: str, seconds: float = 30) -> None:
        """Read until `text` is printed (after what the last call found): for prompts, which
        leave nothing new on the screen when one is drawn on the line of another."""
        deadline = time.monotonic() + seconds
        while (at := self.log.find(text, self.seen)) < 0:
            if not self._pump() or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never printed; the screen:\n{self.text()}")
        self.seen = at + len(text)

    def settle(self) -> None:
        """Read what is pending until nothing new comes for a moment."""
        before = None
        while before != self.log:
            before = self.log
            for _ in range(3):
                self._pump()

    def answer(self, *lines: str) -> None:
        self.output("› ")
        for line in lines:
            self.child.sendline(line)
        self.child.sendline("")

    def close(self) -> int | None:
        while self._pump():
            pass
        self.child.close()
        return self.child.exitstatus


def test_the_misses_and_the_rating_line_stay_on_a_40_line_screen(quiz_home: Path) -> None:
    """Issue 23.1: the built-in bank's first card has a long model answer with code; what was
    missed and the rating line are both on screen when the rating is asked."""
    term = Term(quiz_home, "drill", "--new", "1")
    term.wait("What are dependency injections in FastAPI")
    term.answer("Depends declares what an endpoint needs; FastAPI calls it per request.")
    term.wait("Enter = ")
    term.settle()
    screen = term.lines()
    verdict = next(i for i, line in enumerate(screen) if "Score " in line and "/100" in line)
    rating = next(i for i, line in enumerate(screen) if "Enter = " in line)
    assert verdict < rating
    missed = [line for line in screen[verdict:rating] if "✘" in line]
    said = [line for line in screen[verdict:rating] if "✔" in line]
    assert missed and said  # both kinds of point are visible, next to the rating line
    assert "1 Again" in screen[rating] and "4 Easy" in screen[rating]
    term.child.send("q")
    term.wait("Drill over")
    assert term.close() == 0


def test_an_empty_answer_shows_the_model_answer_then_what_a_good_one_mentions(
        tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    term = Term(quiz_home, "--bank", str(bank), "drill", "--limit", "1")
    term.wait("Explain middleware")
    term.output("› ")
    time.sleep(0.3)  # a Ctrl-D sent before readline waits for keys is lost
    term.child.sendeof()
    term.wait("Enter = Again")
    text = term.text()
    assert text.index("Model answer") < text.index("The answer, and what a good one mentions")
    assert "• Registered with app.add_middleware" in text
    term.child.send("\r")
    term.wait("Drill over")
    assert term.close() == 0
    assert rows(quiz_home, "SELECT question_id, rating FROM reviews") == [("middleware", 1)]


def test_good_answer_rated_with_one_key(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    term = Term(quiz_home, "--bank", str(bank), "drill", "--limit", "1")
    term.answer(GOOD["middleware"])
    term.wait("Enter = Easy")
    assert "Score 100/100 · 2 of 2 key points" in term.text()
    term.child.send("3")
    term.wait("Saved: Good")
    assert term.close() == 0


def test_the_exam_line_wraps_has_one_clock_and_leaves_nothing_behind(tmp_path: Path,
                                                                     quiz_home: Path) -> None:
    """Issue 23.4: a long answer wraps (its beginning stays on screen), the clock is on the
    prompt only, no clock line is left after an answer; from the scorecard, m shows the model
    answers of the questions missed."""
    bank = write_bank(tmp_path / "bank")
    term = Term(quiz_home, "--bank", str(bank), "exam", "--id", "middleware", "--id", "cors",
                "--time", "10m")
    term.wait("Explain middleware in FastAPI.")
    term.output("] › ")
    long = ("It runs before and after every request and wraps the endpoint like an onion, so the "
            "first thing it sees is the raw request and the last thing it touches is the response "
            "going out, which is why timing and logging and headers belong there.")
    term.child.send(long)
    term.wait("headers belong there.")
    text = term.text()
    assert "› It runs before and after every request" in text  # the beginning has not scrolled away
    assert "left" not in text.split("Explain middleware")[1]  # the panel has no second clock
    assert "[" in text and "] › It runs" in text  # the prompt's clock
    term.child.send("\r")
    term.output("]   ")  # the second line's prompt
    term.child.send("\r")  # a blank line submits
    term.wait("What is CORS")
    term.output("] › ")
    before_cors = term.text().split("What is CORS")[0]
    assert "› It runs before and after every request" in before_cors  # the answer stays, unclocked
    assert "] › It runs" not in before_cors
    term.child.send("\r")  # an empty answer skips
    term.wait("Scorecard")
    term.wait("the model answers of the 2 questions missed")
    assert not [line for line in term.lines() if re.match(r"\[\d+:\d\d\]", line)]  # no clock left
    term.child.send("m")
    term.wait("Model answer")
    term.wait("any other key: next")  # an answered question's points can be marked (issue 19)
    term.child.send(" ")
    term.wait("Browsers block cross-origin requests; CORSMiddleware")
    assert term.close() == 0


def test_i_said_this_changes_the_rating_and_the_wording_is_credited_next_time(
        tmp_path: Path, quiz_home: Path) -> None:
    """Issue 19 item 5: on the graded screen a key marks a missed point as said; score and
    suggestion change at once; the mark is stored with the review; the next drill credits the
    same wording ("your wording"); progress export --overrides lists it."""
    bank = write_bank(tmp_path / "bank")
    said = "It wraps each call to the app like an onion"
    term = Term(quiz_home, "--bank", str(bank), "drill", "--id", "middleware")
    term.answer(f"{said}. Register it with app.add_middleware.")
    term.wait("Enter = ")
    text = term.text()
    assert "Score 50/100 · 1 of 2 key points" in text
    assert "a ✘ Runs before and after every request" in text
    assert "b ✔ Registered with app.add_middleware" in text
    assert "Enter = Hard" in text
    term.child.send("a")  # I said this
    term.wait("Score 100/100")
    text = term.text()
    assert "a ✔ Runs before and after every request  (you said it)" in text
    assert text.rindex("Enter = Easy") > text.rindex("Score 100/100")  # the new rating line, below
    term.child.send("\r")
    term.wait("Saved: Easy")
    assert term.close() == 0
    assert rows(quiz_home, "SELECT rating, score FROM reviews") == [(4, 100)]

    again = Term(quiz_home, "--bank", str(bank), "drill", "--id", "middleware")
    again.answer(f"{said}; you add it with add_middleware.")
    again.wait("Enter = ")
    text = again.text()
    assert "Score 100/100 · 2 of 2 key points" in text
    assert "a ✔ Runs before and after every request  (your wording: “It wraps each call to the app" in text
    again.child.send("q")
    assert again.close() == 0

    import subprocess

    out = subprocess.run([sys.executable, "-m", "quiz", "progress", "export", "--overrides"],
                         capture_output=True, text=True, env={**os.environ, "QUIZ_HOME": str(quiz_home)})
    assert out.returncode == 0, out.stderr
    import json

    assert [json.loads(line) | {"reviewed_at": None} for line in out.stdout.splitlines()] == [
        {"bank_id": "drill-test", "question_id": "middleware", "point": "Runs before and after every request",
         "said": True, "wording": said, "reviewed_at": None}]


def test_the_marks_travel_with_the_review_through_export_and_import(tmp_path: Path,
                                                                    quiz_home: Path) -> None:
    """Issue 19 item 5: a review's "I said this" marks go into `progress export` and come back
    with `progress import` on another device, where the same wording is credited."""
    import subprocess

    bank = write_bank(tmp_path / "bank")
    script = "It wraps each call to the app like an onion. Added with app.add_middleware.\n\na\n\n"
    env = {**os.environ, "QUIZ_HOME": str(quiz_home)}
    quiz = [sys.executable, "-m", "quiz", "--bank", str(bank)]
    done = subprocess.run([*quiz, "drill", "--id", "middleware"], input=script, capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "(you said it)" in done.stdout and "Saved: Easy" in done.stdout
    log = tmp_path / "laptop.jsonl"
    assert subprocess.run([*quiz, "progress", "export", "-o", str(log)], env=env).returncode == 0
    assert '"overrides":[{"point":"Runs before and after every request","said":true' in log.read_text()

    other = {**env, "QUIZ_HOME": str(tmp_path / "desktop")}
    assert subprocess.run([*quiz, "progress", "import", str(log)], env=other).returncode == 0
    same = "It wraps each call to the app like an onion; add_middleware.\n\nq\n"
    again = subprocess.run([*quiz, "drill", "--id", "middleware"], capture_output=True, text=True,
                           env=other, input=same)
    assert again.returncode == 0, again.stderr
    assert "✔ Runs before and after every request (your wording: “It wraps each call to the app" in " ".join(
        again.stdout.split())


def test_under_uv_run_the_commands_on_screen_read_uv_run_quiz(quiz_home: Path) -> None:
    """Issue 23.6: started as `uv run quiz` (uv's marker in the environment, the project's own
    script), the commands quiz prints are the ones to type: `uv run quiz ...`."""
    root = Path(__file__).resolve().parent.parent
    assert Path(sys.prefix) == root / ".venv", "run the tests through uv, from the project's .venv"
    term = Term(quiz_home, "drill", "--new", "0", program=[str(Path(sys.executable).with_name("quiz"))],
                env={"UV_RUN_RECURSION_DEPTH": "1"}, cwd=root)
    term.wait("Nothing is due now.")
    assert term.close() == 0
    said = "".join(term.screen.display)  # a command longer than the terminal wraps at its edge, uncut
    assert "limit of 0: uv run quiz drill --new 40, or uv run quiz drill --cram." in said


def test_practice_moves_on_with_the_solve_still_on_screen(tmp_path: Path, quiz_home: Path) -> None:
    """Issue 23.7: once an exercise is solved the next unsolved one is written and watched, and
    the screen still shows that the first was solved and what the next one asks."""
    folder = tmp_path / "practice"
    term = Term(quiz_home, "practice", "cors", "--dir", str(folder))
    term.wait("Watching cors_wildcard.py")
    time.sleep(0.5)  # the watcher is up
    path = folder / "cors_wildcard.py"
    path.write_text(path.read_text().replace(
        'allow_origins=["*"],', 'allow_origins=["https://app.example.com", "http://localhost:5173"],'))
    term.wait("Watching streaming_read_all.py", seconds=60)
    term.settle()
    screen = term.text()
    assert "Solved: cors-wildcard. Recorded in your progress" in screen
    assert "On to the next exercise: streaming-read-all" in screen
    assert "Exercise streaming-read-all" in screen  # its task, above its first run
    assert "streaming_read_all: " in screen and "— FAILED" in screen  # its file as written
    term.child.sendintr()
    term.output("Stopped watching.")
    assert term.close() == 0
    assert (folder / ".gitignore").is_file() and (folder / "streaming_read_all.py").is_file()


def test_solves_made_on_one_device_show_on_the_other_after_a_sync(tmp_path: Path) -> None:
    """Issue 23.5: "3 of 15 solved" on one laptop, "0 of 15" on the other after a sync."""
    import subprocess

    from quiz import exercises
    from quiz.bank import load_bank

    laptop, desktop, folder = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "sync"
    folder.mkdir()

    def quiz(home: Path, *args: str) -> int:
        env = {**os.environ, "QUIZ_HOME": str(home)}
        env.pop("QUIZ_BANK", None)
        return subprocess.run([sys.executable, "-m", "quiz", *args], env=env, capture_output=True,
                              timeout=120).returncode

    ex = exercises.find_exercise("process-time", load_bank())
    practice = tmp_path / "practice"
    assert quiz(laptop, "practice", ex.id, "--once", "--dir", str(practice)) == 1  # written
    (practice / ex.file_name).write_text(ex.solution())
    assert quiz(laptop, "practice", ex.id, "--once", "--dir", str(practice)) == 0  # solved
    assert quiz(laptop, "progress", "sync", str(folder)) == 0
    assert quiz(desktop, "progress", "sync", str(folder)) == 0
    term = Term(desktop, "stats")
    term.wait("Exercises: ")
    assert term.close() == 0
    total = len(exercises.bank_exercises(load_bank()))
    assert f"Exercises: 1 of {total} solved" in term.text()


def test_i_said_this_in_the_exam_review_changes_the_score_and_is_kept_with_the_review(
        tmp_path: Path, quiz_home: Path) -> None:
    """Issue 19 item 5, the exam review: a key marks a missed point as said; score and
    suggestion change at once; a recorded exam keeps the mark, score and rating in its review;
    the next drill credits the same wording."""
    bank = write_bank(tmp_path / "bank")
    said = "It wraps each call to the app like an onion"
    term = Term(quiz_home, "--bank", str(bank), "exam", "--id", "middleware", "--record")
    term.answer(f"{said}. Register it with app.add_middleware.")
    term.output("the model answers of the 1 question missed")
    term.child.send("m")
    term.wait("any other key: next")
    text = term.text()
    assert "Score 50/100 · 1 of 2 key points" in text and "suggested: Hard" in text
    assert "a ✘ Runs before and after every request" in text
    assert "b ✔ Registered with app.add_middleware" in text
    term.child.send("a")  # I said this
    term.wait("Score 100/100")
    text = term.text()
    assert "a ✔ Runs before and after every request  (you said it)" in text
    assert "suggested: Easy" in text[text.rindex("Score 100/100"):]
    term.child.send("x")
    assert term.close() == 0
    assert rows(quiz_home, "SELECT rating, score, mode FROM reviews") == [(4, 100, "exam")]
    (marks,) = rows(quiz_home, "SELECT overrides FROM reviews")[0]
    import json

    point = "Runs before and after every request"
    assert json.loads(marks) == [{"point": point, "said": True, "wording": said}]

    again = Term(quiz_home, "--bank", str(bank), "drill", "--id", "middleware")
    again.answer(f"{said}; you add it with add_middleware.")
    again.wait("Enter = ")
    assert f"a ✔ {point}  (your wording: “It wraps each call to the app" in again.text()
    again.child.send("q")
    assert again.close() == 0


CORE_BANK = """\
bank_id: core-screen
questions:
  - id: depends
    question: What is dependency injection in FastAPI?
    answer: Depends() declares a dependency; FastAPI calls it per request; sub-dependencies chain.
    key_points:
      - point: Declared with Depends()
        terms: [Depends]
        core: true
      - point: Called for each request
        terms: [per request, each request]
        core: true
      - point: Dependencies have sub-dependencies
        terms: [sub-dependencies]
      - point: Overridden in tests with dependency_overrides
        terms: [dependency_overrides]
      - point: A dependency with yield cleans up after the response
        terms: [yield]
      - point: Reusable for DB sessions and auth
        terms: [db session, auth]
"""


def test_core_points_are_marked_and_a_terse_answer_saying_them_is_good(tmp_path: Path,
                                                                       quiz_home: Path) -> None:
    """Core key points: ★ on the graded screen with what it means; both said and one more in a
    terse answer (3 of 6 points) suggests Good; a core point marked as not said drops it at once."""
    bank = write_bank(tmp_path / "bank", CORE_BANK)
    term = Term(quiz_home, "--bank", str(bank), "drill", "--limit", "1")
    term.answer("- Depends in the params", "- called per request", "- sub-dependencies chain")
    term.wait("Enter = ")
    text = term.text()
    assert "Score 50/100 · 3 of 6 key points · suggested: Good" in text
    assert "a ✔ ★ Declared with Depends()" in text
    assert "d ✘ Overridden in tests with dependency_overrides" in text
    assert "★ core: say every one, and one point more, for at least Good" in text
    term.child.send("b")  # I did not say this: a core point; 2 of 6 by the share
    term.wait("Enter = Again")
    assert "Score 33/100 · 2 of 6 key points · suggested: Again" in term.text()
    term.child.send("2")
    term.wait("Saved: Hard")
    assert term.close() == 0
    assert rows(quiz_home, "SELECT rating, score FROM reviews") == [(2, 33)]
