"""A bank from a stranger: its text never drives the terminal, its demos never run unasked.

1. control characters in a bank's text are made visible everywhere, and validate warns;
2. a bank's demo runs only once the user approved that exact file (or with --trust);
3. demo paths stay inside the bank's folder, and validate reads demo files without running them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import yaml
from typer.testing import CliRunner

from quiz.bank import BUILTIN_BANK, load_bank
from quiz.cli import app
from quiz.model import visible
from tests.test_cache import edit_entry, the_entry

ESCAPES = "\x1b]52;c;aGVsbG8=\x07 \x1b[2J \x1b]0;owned\x07 \x1b[8m \x9b31m"

# Double-quoted YAML escapes: the only way control characters get into a YAML file.
HOSTILE_BANK = r"""deck: "Evil \e]0;title\a deck"
questions:
  - id: clipboard
    question: "What is \e]52;c;aGVsbG8=\a a clipboard?"
    answer: "It is \e[2J cleared and \e[8m hidden \x9b31m text.\n\n\tIndented code stays."
    key_points:
      - point: "Writes the \e]0;owned\a title"
        terms: ["clip\eboard"]
    tags: ["se\ecurity"]
    errata: "Errata \e[2J here"
    follow_ups: ["Follow \e]52;c;eA==\a up?"]
"""


def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "evil" / "bank.yaml"
    path.parent.mkdir()
    path.write_text(HOSTILE_BANK, encoding="utf-8")
    return path


def no_control(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


# --- 1. terminal escape injection ---------------------------------------------------------


def test_control_characters_never_reach_the_terminal_from_show_list_and_drill(
    runner: CliRunner, tmp_path: Path
) -> None:
    bank = str(hostile(tmp_path))
    for args in (["show", "clipboard"], ["list"], ["show", "1", "--json"], ["list", "--json"]):
        result = runner.invoke(app, ["--bank", bank, *args])
        assert result.exit_code == 0, result.output
        no_control(result.output)
    shown = runner.invoke(app, ["--bank", bank, "show", "1"]).stdout
    assert "␛]52;c;aGVsbG8=␇ a clipboard" in shown  # made visible, not dropped
    assert "\tIndented" in visible("\n\tIndented")
    drill = runner.invoke(app, ["--bank", bank, "drill"], input="\n\n")  # an empty answer: the model one
    assert drill.exit_code == 0, drill.output
    no_control(drill.output)
    assert "Errata ␛[2J here" in drill.stdout


def test_a_cached_bank_is_made_visible_too(runner: CliRunner, tmp_path: Path, quiz_home: Path) -> None:
    bank = str(hostile(tmp_path))
    assert runner.invoke(app, ["--bank", bank, "list"]).exit_code == 0  # writes the cache
    edit_entry(the_entry(quiz_home), {"question": "Raw \x1b[2J in the cache"})
    result = runner.invoke(app, ["--bank", bank, "show", "1"])
    assert result.exit_code == 0
    assert "Raw" not in result.stdout  # never trusted: the bank was parsed again
    assert "What is ␛]52;c;aGVsbG8=␇ a clipboard?" in result.stdout
    no_control(result.output)


def test_validate_warns_at_file_line_and_prints_nothing_raw(runner: CliRunner, tmp_path: Path) -> None:
    path = hostile(tmp_path)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output  # warnings only
    no_control(result.output)
    lines = result.stdout.splitlines()
    for line_no, fld in [(1, "deck"), (4, "clipboard.question"), (5, "clipboard.answer"),
                         (7, "clipboard.key_points[0].point"), (10, "clipboard.errata")]:
        found = [line for line in lines if f"bank.yaml:{line_no}:" in line]
        assert any(f"{fld}: control character U+" in line for line in found), (line_no, result.stdout)
    assert runner.invoke(app, ["validate", str(path), "--strict"]).exit_code == 1


def test_the_built_in_bank_is_unchanged_by_the_sanitising() -> None:
    raw = yaml.safe_load((BUILTIN_BANK / "fastapi.yaml").read_text(encoding="utf-8"))
    bank = load_bank()
    for q in raw["questions"]:
        loaded = bank.get(q["id"])
        assert loaded.answer == q["answer"] and loaded.question == q["question"]
        assert [k.point for k in loaded.key_points] == [k["point"] for k in q["key_points"]]


# --- 2. a bank's demo runs only once approved ------------------------------------------------

DEMO = '''"""Middleware: looks just like the built-in demo."""
import pathlib

pathlib.Path({marker!r}).write_text("ran")

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {{"ok": True}}


# --- tour ---
HIDDEN_BELOW_THE_TOUR = "code here runs but the source panel never shows it"


def tour(t):
    t.step("It answers.")
    t.check("200", t.get("/").status_code == 200)
'''

BANK_WITH_DEMO = """\
questions:
  - id: middleware
    question: Explain middleware.
    answer: It wraps every request.
    key_points: [{point: Wraps every request, terms: [wraps]}]
    demo: middleware
"""


def bank_with_demo(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A downloaded bank whose demos/middleware.py leaves a marker when it runs."""
    folder = tmp_path / "downloaded"
    (folder / "demos").mkdir(parents=True)
    marker = tmp_path / "the-demo-ran"
    (folder / "demos" / "middleware.py").write_text(DEMO.format(marker=str(marker)), encoding="utf-8")
    bank = folder / "bank.yaml"
    bank.write_text(BANK_WITH_DEMO, encoding="utf-8")
    return bank, folder / "demos" / "middleware.py", marker


def test_a_banks_demo_is_refused_without_a_terminal(
    runner: CliRunner, tmp_path: Path, monkeypatch: object
) -> None:
    bank, demo, marker = bank_with_demo(tmp_path)
    for args in (["demo", "middleware"], ["demo", "1", "--quiet"], ["demo", "--all"], ["show", "1", "--demo"],
                 ["demo", "middleware", "--serve"]):
        result = runner.invoke(app, ["--bank", str(bank), *args])
        assert result.exit_code == 1, (args, result.output)
        assert "has not been approved" in result.stderr and "--trust" in result.stderr
        assert "Traceback" not in result.output
        assert not marker.exists()


def test_trust_runs_it_and_the_screen_says_where_it_comes_from(runner: CliRunner, tmp_path: Path) -> None:
    bank, demo, marker = bank_with_demo(tmp_path)
    result = runner.invoke(app, ["--bank", str(bank), "demo", "middleware", "--trust", "--quiet"])
    assert result.exit_code == 0, result.output
    assert marker.exists()
    assert f"{demo}, from the bank (not a built-in demo)" in result.stdout.replace("\n", "")
    builtin = runner.invoke(app, ["demo", "middleware", "--quiet"])
    assert builtin.exit_code == 0  # a built-in demo never asks
    assert "a built-in demo of quiz" in builtin.stdout


def test_a_file_named_on_the_command_line_runs_as_asked(runner: CliRunner, tmp_path: Path) -> None:
    _, demo, marker = bank_with_demo(tmp_path)
    result = runner.invoke(app, ["demo", str(demo), "--quiet"])
    assert result.exit_code == 0, result.output
    assert marker.exists()
    assert "the file you named" in result.stdout.replace("\n", "")


def test_the_drills_d_follows_the_same_rule(runner: CliRunner, tmp_path: Path) -> None:
    bank, _, marker = bank_with_demo(tmp_path)
    result = runner.invoke(app, ["--bank", str(bank), "drill"], input="d\nq\n")
    assert result.exit_code == 0, result.output
    assert "has not been approved" in result.output
    assert not marker.exists()


def spawn_demo(bank: Path, home: Path, *args: str) -> pexpect.spawn:
    env = {**os.environ, "QUIZ_HOME": str(home), "TERM": "dumb", "COLUMNS": "160", "LINES": "50"}
    env.pop("QUIZ_BANK", None)
    return pexpect.spawn(sys.executable, ["-m", "quiz", "--bank", str(bank), *args], env=env,
                         encoding="utf-8", dimensions=(50, 160), timeout=60)


def test_in_a_terminal_it_asks_shows_the_whole_file_and_remembers_by_content(
    runner: CliRunner, tmp_path: Path, quiz_home: Path
) -> None:
    bank, demo, marker = bank_with_demo(tmp_path)
    child = spawn_demo(bank, quiz_home, "demo", "middleware", "--quiet")
    child.expect_exact("Run a demo from a bank?")
    child.expect_exact("Run it?")
    assert not marker.exists()
    child.send("v")  # the whole file, the code below the tour marker too
    child.expect_exact("HIDDEN_BELOW_THE_TOUR")
    child.expect_exact("Run it?")
    child.send("y")
    child.expect_exact("checks passed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert marker.exists()

    marker.unlink()
    again = runner.invoke(app, ["--bank", str(bank), "demo", "middleware", "--quiet"])
    assert again.exit_code == 0, again.output  # approved: no terminal needed any more
    assert marker.exists()

    marker.unlink()
    demo.write_text(demo.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = runner.invoke(app, ["--bank", str(bank), "demo", "middleware"])
    assert edited.exit_code == 1  # an edited file asks again
    assert "has not been approved" in edited.stderr
    assert not marker.exists()


def test_no_in_the_terminal_runs_nothing(tmp_path: Path, quiz_home: Path) -> None:
    bank, _, marker = bank_with_demo(tmp_path)
    child = spawn_demo(bank, quiz_home, "demo", "middleware")
    child.expect_exact("Run it?")
    child.send("n")
    child.expect_exact("it was not approved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert not marker.exists()


# --- 3. demo paths stay inside the bank ------------------------------------------------------


def one_question(folder: Path, demo: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    bank = folder / "bank.yaml"
    bank.write_text(
        "questions:\n  - id: q\n    question: Q?\n    answer: A.\n"
        f"    key_points: [{{point: p, terms: [p]}}]\n    demo: {json.dumps(demo)}\n",
        encoding="utf-8",
    )
    return bank


def test_a_demo_path_outside_the_bank_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("app = 1\ntour = 2\n", encoding="utf-8")
    (tmp_path / "b3" / "demos").mkdir(parents=True)
    (tmp_path / "b3" / "demos" / "linked.py").symlink_to(outside)
    for name, demo in [("b1", "../../../../../../etc/passwd"), ("b2", "/etc/passwd"),
                       ("b3", "demos/linked.py")]:
        bank = one_question(tmp_path / name, demo)
        result = runner.invoke(app, ["validate", str(bank)])
        assert result.exit_code == 1, (demo, result.output)
        assert "is outside the bank's folder" in result.stdout
        listed = runner.invoke(app, ["--bank", str(bank), "demo", "--list"])
        assert "root:" not in listed.output and "Traceback" not in listed.output


def test_validate_reads_every_demo_file_without_running_it(runner: CliRunner, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    folder = tmp_path / "bank"
    (folder / "demos").mkdir(parents=True)
    (folder / "demos" / "broken.py").write_text("def tour(t):\n    return (\n", encoding="utf-8")
    (folder / "demos" / "no_tour.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\napp = object()\n", encoding="utf-8"
    )
    (folder / "bank.yaml").write_text(
        "questions:\n"
        "  - id: a\n    question: Q?\n    answer: A.\n    key_points: [{point: p, terms: [p]}]\n"
        "    demo: broken\n"
        "  - id: b\n    question: Q?\n    answer: A.\n    key_points: [{point: p, terms: [p]}]\n"
        "    demo: no_tour\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "bank.yaml:6:11: a.demo: the demo file broken.py is not valid Python (line 2)" \
        in result.stdout
    assert "bank.yaml:11:11: b.demo: the demo file no_tour.py defines no `tour`" in result.stdout
    assert not marker.exists()


def test_demo_list_and_demo_n_never_print_a_traceback(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    (folder / "demos").mkdir(parents=True)
    broken = '"""Broken."""\ndef tour(t):\n    return (\n'
    (folder / "demos" / "broken.py").write_text(broken, encoding="utf-8")
    (folder / "demos" / "latin.py").write_bytes(b'"""Caf\xe9."""\n')
    (folder / "bank.yaml").write_text(
        "questions:\n"
        "  - id: a\n    question: Q?\n    answer: A.\n    key_points: [{point: p, terms: [p]}]\n"
        "    demo: broken\n"
        "  - id: b\n    question: Q?\n    answer: A.\n    key_points: [{point: p, terms: [p]}]\n"
        "    demo: latin\n",
        encoding="utf-8",
    )
    listed = runner.invoke(app, ["--bank", str(folder), "demo", "--list"])
    assert listed.exit_code == 0, listed.output
    assert "not valid Python" in listed.stdout
    for ref in ("1", "2"):
        result = runner.invoke(app, ["--bank", str(folder), "demo", ref, "--trust"])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
