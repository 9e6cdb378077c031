"""`quiz practice`: every exercise fails as written and passes with its reference solution;
the candidate's file is never overwritten; a solve is recorded and shown in `quiz stats`."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz import exercises
from quiz.bank import load_bank
from quiz.cli import app

from .conftest import rows

EXERCISES = exercises.bank_exercises(load_bank())
MISTAKES = {  # the list: each a mistake candidates really make
    "process-time", "blocking-sleep", "commit-after-yield", "cors-wildcard", "websocket-accept",
    "on-event", "password-leak", "www-authenticate", "streaming-read-all", "dependency-overrides",
    "rate-limit-key", "https-redirect-order", "validator-never-runs", "upload-in-memory",
    "handler-status",
}


def test_the_built_in_exercises() -> None:
    assert {e.id for e in EXERCISES} >= MISTAKES
    assert len(EXERCISES) >= 15


@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_as_written_it_fails_and_the_reference_passes(ex: exercises.Exercise, tmp_path: Path) -> None:
    path, written = exercises.write(ex, tmp_path)
    assert written and "TODO:" in path.read_text()
    with warnings.catch_warnings():  # the on-event exercise uses the deprecated on_event on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        broken = exercises.check(ex, path)
    assert not broken.ok
    path.write_text(ex.solution())
    fixed = exercises.check(ex, path)
    assert fixed.failure is None, fixed.failure.trace if fixed.failure else ""
    assert [c.label for c in fixed.checks if not c.ok] == []
    assert fixed.ok


def test_practice_once_writes_checks_and_never_overwrites(runner: CliRunner, tmp_path: Path,
                                                          quiz_home: Path) -> None:
    folder = tmp_path / "practice"
    result = runner.invoke(app, ["practice", "middleware", "--once", "--dir", str(folder)])
    assert result.exit_code == 1, result.output
    exercise = folder / "process_time.py"
    assert f"Wrote {exercise}" in result.stdout
    assert "✘ the fast endpoint measures less than half of that" in result.stdout
    text = exercise.read_text()
    assert "# TODO:" in text and '"0.123"' in text

    exercise.write_text(text + "\n# my notes\n")
    again = runner.invoke(app, ["practice", "3", "--once", "--dir", str(folder)])  # by question number
    assert again.exit_code == 1
    assert "never overwritten" in again.stdout
    assert exercise.read_text().endswith("# my notes\n")
    assert rows(quiz_home, "SELECT * FROM solved_exercises") == []

    solution = runner.invoke(app, ["practice", "process-time", "--solution"])
    assert solution.exit_code == 0
    assert "+    start = time.perf_counter()" in solution.stdout
    assert '-    response.headers["X-Process-Time"] = "0.123"' in solution.stdout

    exercise.write_text(exercises.find_exercise("process-time", load_bank()).solution())
    solved = runner.invoke(app, ["practice", "middleware", "--once", "--dir", str(folder)])
    assert solved.exit_code == 0, solved.output
    assert re.search(r"process_time: (\d+)/\1 checks passed", solved.stdout), solved.stdout
    assert "Solved: process-time. Recorded in your progress" in solved.stdout
    assert rows(quiz_home, "SELECT bank_id, exercise_id FROM solved_exercises") == [
        ("quiz-fastapi", "process-time")
    ]
    stats = runner.invoke(app, ["stats", "--json"])
    assert stats.exit_code == 0
    assert json.loads(stats.stdout)["exercises"] == {"solved": ["process-time"], "total": len(EXERCISES)}
    assert "Exercises: 1 of" in runner.invoke(app, ["stats"]).stdout
    listed = json.loads(runner.invoke(app, ["practice", "--list", "--json"]).stdout)
    assert {r["id"]: r["solved"] for r in listed}["process-time"] is True


def test_an_exercise_in_the_tour_counts_every_check_of_the_demo(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["practice", "dependency-overrides", "--once", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    path = tmp_path / "dependency_overrides.py"
    text = path.read_text()
    start = text.index("    t.step(\"app.dependency_overrides")  # deleting the failing check does not pass
    end = text.index("    t.step(\"The external API")
    path.write_text(text[:start] + text[end:])
    cheat = runner.invoke(app, ["practice", "dependency-overrides", "--once", "--dir", str(tmp_path)])
    assert cheat.exit_code == 1
    assert "✘ the demo's check is made: the endpoint read the test DB" in cheat.stdout


def test_unknown_exercise_and_demo_without_one(runner: CliRunner) -> None:
    result = runner.invoke(app, ["practice", "process-tim"])
    assert result.exit_code == 1
    assert "Error: There is no exercise 'process-tim'. Did you mean 'process-time'" in result.stderr
    result = runner.invoke(app, ["practice", "pagination"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The pagination demo has no exercise yet")


def write_instructor_bank(root: Path, exercise_yaml: str) -> Path:
    (root / "demos" / "exercises").mkdir(parents=True)
    (root / "demos" / "greet.py").write_text(
        '"""Greet: a demo."""\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n'
        '@app.get("/")\ndef root():\n    return {"hello": "world"}  # <- the greeting\n\n\n'
        "# --- tour ---\n\n\ndef tour(t):\n    t.step('greet')\n"
        "    t.check('it says hello', t.get('/').json() == {'hello': 'world'})\n"
    )
    (root / "demos" / "exercises" / "greet.yaml").write_text(exercise_yaml)
    (root / "bank.yaml").write_text(
        "bank_id: mine\nquestions:\n  - id: greet\n    question: q?\n    answer: a.\n"
        "    key_points: [{point: p, terms: [p]}]\n    demo: greet\n"
    )
    return root


GOOD_EXERCISE = """exercises:
  - id: say-hello
    title: Say hello
    task: Return the greeting.
    edits:
      - line: 'return {"hello": "world"}'
        replace: |
          return {}  # TODO: say hello
"""


def test_an_instructor_adds_exercises_to_a_bank(runner: CliRunner, tmp_path: Path, quiz_home: Path) -> None:
    bank = write_instructor_bank(tmp_path / "mine", GOOD_EXERCISE)
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 0, result.output
    assert "1 question checked: 0 errors" in result.stdout
    folder = tmp_path / "work"
    refused = runner.invoke(app, ["--bank", str(bank), "practice", "greet", "--once", "--dir", str(folder)])
    assert refused.exit_code == 1  # its checks are the bank's code: approval first, as for `quiz demo`
    assert "has not been approved" in refused.stderr
    assert not folder.exists()
    broken = runner.invoke(app, ["--bank", str(bank), "practice", "greet", "--once", "--dir", str(folder),
                                 "--trust"])
    assert broken.exit_code == 1
    assert "✘ it says hello" in broken.stdout
    path = folder / "say_hello.py"
    path.write_text(path.read_text().replace("return {}  # TODO: say hello", 'return {"hello": "world"}'))
    fixed = runner.invoke(app, ["--bank", str(bank), "practice", "say-hello", "--once", "--dir", str(folder),
                                "--trust"])
    assert fixed.exit_code == 0, fixed.output
    assert rows(quiz_home, "SELECT bank_id, exercise_id FROM solved_exercises") == [("mine", "say-hello")]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (GOOD_EXERCISE.replace("'return {\"hello\": \"world\"}'", "'return nothing'"),
         "greet.yaml:6:15: say-hello.edits[0].line: no line of the demo contains 'return nothing' "
         "(greet.py)"),
        (GOOD_EXERCISE.replace("  # TODO: say hello", ""),
         "greet.yaml:2:5: say-hello: no replacement says `TODO:` where the work is"),
        (GOOD_EXERCISE.replace("'return {\"hello\": \"world\"}'", "'app = FastAPI()'"),
         "greet.yaml:2:5: say-hello: no edit touches a `# <-` line of the demo"),
        (GOOD_EXERCISE.replace("exercises:", "exercise:"),
         "greet.yaml:1:1: exercise: the file holds `exercises:` and a list of them (- id: ...), and nothing "
         "else. Did you mean 'exercises'?"),
        (GOOD_EXERCISE.replace("task: Return the greeting.", "tsk: Return the greeting."),
         "greet.yaml:4:5: say-hello.tsk: unknown field; did you mean `task`?"),
        (GOOD_EXERCISE.replace("return {}  # TODO: say hello", "return {  # TODO: say hello"),
         "greet.yaml:8:11: say-hello.edits[0].replace: this line of the replacement is not valid Python: "
         "'{' was never closed"),
    ],
)
def test_validate_checks_exercise_files(
    runner: CliRunner, tmp_path: Path, yaml_text: str, message: str
) -> None:
    bank = write_instructor_bank(tmp_path / "mine", yaml_text)
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    assert message in result.stdout, result.stdout


def test_every_problem_of_an_exercise_file_at_once_in_line_order(runner: CliRunner, tmp_path: Path) -> None:
    """Each entry is checked, whatever is wrong with the others; each problem named by the
    exercise's id, at the YAML line, in plain words, with a guess where one is close."""
    text = GOOD_EXERCISE + """\
  - id: second
    title: Second
    tsk: Return it.
    edits:
      - line: 'return {"helo": "world"}'
        replace: "return {}  # TODO: x"
  - id: third
    title: Third
    task: Return it.
    edits: []
  - title: No id
    task: t
    edits:
      - line: 'return {"hello": "world"}'
        replace: |
          return {}  # TODO: x
          if True:
          pass
"""
    bank = write_instructor_bank(tmp_path / "mine", text)
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    found = [line.split("greet.yaml:", 1)[1] for line in result.stdout.splitlines() if "greet.yaml:" in line]
    assert found == [
        "11:5: second.tsk: unknown field; did you mean `task`?",
        "13:15: second.edits[0].line: no line of the demo contains 'return {\"helo\": \"world\"}' "
        "(greet.py); did you mean 'return {\"hello\": \"world\"}'?",
        "18:12: third.edits: needs at least one entry (`- ...`)",
        "19:5: exercises[3].id: required field is missing",
        "26:11: exercises[3].edits[0].replace: this line of the replacement is not valid Python: "
        "expected an indented block after 'if' statement",
    ], result.stdout
    assert "4 errors" not in result.stdout and "5 errors" in result.stdout


def test_practice_watches_the_file_until_it_is_solved(tmp_path: Path, quiz_home: Path) -> None:
    """In a real terminal: red, save the fix, green and recorded, Ctrl-C."""
    import os
    import sys
    import time

    import pexpect

    env = {**os.environ, "QUIZ_HOME": str(quiz_home), "TERM": "dumb", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "quiz", "practice", "cors", "--dir", str(tmp_path)],
                          env=env, encoding="utf-8", dimensions=(50, 150), timeout=60)
    try:
        child.expect_exact("✘ 400 Disallowed CORS origin")
        child.expect_exact("Watching cors_wildcard.py: save it to check again (Ctrl-C stops).")
        time.sleep(0.5)  # the watcher is up
        path = tmp_path / "cors_wildcard.py"
        fixed = path.read_text().replace(
            'allow_origins=["*"],', 'allow_origins=["https://app.example.com", "http://localhost:5173"],'
        )
        path.write_text(fixed)
        child.expect_exact("run 2")
        child.expect_exact("checks passed")
        child.expect_exact("Solved: cors-wildcard. Recorded in your progress")
        # on to the next exercise by itself, as rustlings does: written, checked, watched
        following = exercises.next_unsolved(EXERCISES, exercises.find_exercise("cors-wildcard", load_bank()),
                                            {"cors-wildcard"})[0]
        child.expect_exact(f"On to the next exercise: {following.id} ({following.title})")
        child.expect_exact("Wrote ")  # its path (cut at 80 columns), then its title and task
        child.expect_exact(f"Exercise {following.id}")
        child.expect_exact("— FAILED")
        child.expect_exact(f"Watching {following.file_name}: save it to check again")
        assert "Solved:" not in child.before  # its file as written fails
        child.sendintr()
        child.expect_exact("Stopped watching.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert rows(quiz_home, "SELECT exercise_id FROM solved_exercises") == [("cors-wildcard",)]
    # --stay: a solved exercise is watched on
    child = pexpect.spawn(sys.executable, ["-m", "quiz", "practice", "cors-wildcard", "--stay", "--dir",
                                           str(tmp_path)], env=env, encoding="utf-8", dimensions=(50, 150),
                          timeout=60)
    try:
        child.expect_exact("Solved: cors-wildcard.")
        child.expect_exact(f"-m quiz practice {following.id}")  # as it was started: python -m quiz
        child.expect_exact("Watching cors_wildcard.py: save it to check again")
        child.sendintr()
        child.expect_exact("Stopped watching.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_a_tour_that_stops_says_how_many_checks_ran(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "practice"
    assert runner.invoke(app, ["practice", "middleware", "--once", "--dir", str(folder)]).exit_code == 1
    path = folder / "process_time.py"
    path.write_text(path.read_text().replace("calls: list[str] = []", "calls = None"))  # the tour's list
    result = runner.invoke(app, ["practice", "middleware", "--once", "--trust", "--dir", str(folder)])
    assert result.exit_code == 1, result.output
    said = " ".join(result.stdout.split())
    assert "✘ the tour stopped: AttributeError: 'NoneType' object has no attribute 'clear'" in said
    assert re.search(r"process_time: the tour stopped with an error before any check ran in [\d.]+ s "
                     "— FAILED", said), said
    assert "checks passed" not in said


def test_the_practice_folder_stays_out_of_git_status(runner: CliRunner, tmp_path: Path) -> None:
    import subprocess

    repo = tmp_path / "notes"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "mine.md").write_text("my notes\n")
    folder = repo / "practice"
    assert runner.invoke(app, ["practice", "cors", "--once", "--dir", str(folder)]).exit_code == 1
    assert (folder / "cors_wildcard.py").is_file()
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo,
                            capture_output=True, text=True, check=True)
    assert status.stdout.splitlines() == ["?? mine.md"]
    own = tmp_path / "own"  # a folder that was there is left as it is
    own.mkdir()
    assert runner.invoke(app, ["practice", "cors", "--once", "--dir", str(own)]).exit_code == 1
    assert sorted(p.name for p in own.iterdir()) == ["cors_wildcard.py"]


def test_tab_offers_the_exercise_ids(runner: CliRunner) -> None:
    def offered(line: str) -> list[str]:
        env = {"_QUIZ_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
        result = runner.invoke(app, [], env=env, prog_name="quiz")
        assert result.exit_code == 0, result.output
        return re.findall(r'"([\w-]+)":', result.stdout)  # zsh: "value":"help"

    everything = offered("quiz practice ")
    assert {e.id for e in EXERCISES} <= set(everything)
    from quiz.demo import builtin_demos

    with_exercises = {e.demo.slug for e in EXERCISES}
    without = {d.slug for d in builtin_demos()} - with_exercises
    assert len(without) > 10 and not without & set(everything)  # a demo with no exercise is not offered
    assert with_exercises <= set(everything)  # a demo with exercises is
    assert offered("quiz practice cors") == ["cors-wildcard", "cors"]


def test_practice_alone_starts_the_first_exercise_not_solved(runner: CliRunner, tmp_path: Path,
                                                              quiz_home: Path) -> None:
    folder = tmp_path / "practice"
    first, second = EXERCISES[0], EXERCISES[1]
    result = runner.invoke(app, ["practice", "--once", "--dir", str(folder)])
    assert result.exit_code == 1, result.output  # as written, it fails
    assert f"Exercise {first.id}" in result.stdout
    (folder / first.file_name).write_text(first.solution())
    assert runner.invoke(app, ["practice", "--once", "--dir", str(folder)]).exit_code == 0
    result = runner.invoke(app, ["practice", "--once", "--dir", str(folder)])
    assert result.exit_code == 1 and f"Exercise {second.id}" in result.stdout
