"""`quiz new`, an instructor's own demos run through `--bank`, and `quiz validate` on a folder."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app
from quiz.scaffold import BANK_FILE, DEMO_FILE, EXAMPLE_ID


@pytest.fixture
def bank_dir(tmp_path: Path, runner: CliRunner) -> Path:
    folder = tmp_path / "my-bank"
    result = runner.invoke(app, ["new", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_new_writes_a_bank_a_demo_and_a_readme(bank_dir: Path, runner: CliRunner) -> None:
    files = sorted(str(p.relative_to(bank_dir)) for p in bank_dir.rglob("*") if p.is_file())
    assert files == sorted([BANK_FILE, DEMO_FILE, "README.md"])
    readme = (bank_dir / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# My bank\n")
    for command in ("quiz validate", "show 1", f"demo {EXAMPLE_ID}", "export --format apkg"):
        assert command in readme
    demo = (bank_dir / DEMO_FILE).read_text(encoding="utf-8")
    assert "# --- tour ---" in demo and "def tour(t)" in demo and "import quiz" not in demo


def test_new_prints_what_it_wrote_and_what_next(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "b"), "--deck", "FastAPI 101: week 1"])
    assert result.exit_code == 0
    assert f"Wrote {tmp_path / 'b' / BANK_FILE}" in result.stdout
    assert "quiz validate" in result.stdout and f"demo {EXAMPLE_ID}" in result.stdout
    listed = runner.invoke(app, ["--bank", str(tmp_path / "b"), "list", "--json"])
    assert listed.exit_code == 0
    assert [q["id"] for q in json.loads(listed.stdout)] == [EXAMPLE_ID]
    exported = runner.invoke(app, ["--bank", str(tmp_path / "b"), "export", "--format", "json"])
    assert json.loads(exported.stdout)["deck"] == "FastAPI 101: week 1"


def test_the_example_passes_validate_strict(bank_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(bank_dir), "--strict"])
    assert result.exit_code == 0, result.output
    assert "1 question checked: 0 errors, 0 warnings." in result.stdout


def test_show_1_works_on_the_new_bank(bank_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["--bank", str(bank_dir), "show", "1"])
    assert result.exit_code == 0, result.output
    assert "How does FastAPI read and validate a path parameter?" in result.stdout
    assert "Key points" in result.stdout


@pytest.mark.parametrize("ref", [EXAMPLE_ID, "1", "path_parameters"])
def test_the_example_demo_runs_and_passes(bank_dir: Path, runner: CliRunner, ref: str) -> None:
    result = runner.invoke(app, ["--bank", str(bank_dir), "demo", ref])
    assert result.exit_code == 0, result.output
    assert "path_parameters: 5/5 checks passed" in result.stdout
    assert "422 for /items/abc" in result.stdout


def _set_demo(bank_dir: Path, value: str) -> None:
    bank = bank_dir / BANK_FILE
    text = bank.read_text(encoding="utf-8")
    assert f"demo: {EXAMPLE_ID} " in text
    bank.write_text(text.replace(f"demo: {EXAMPLE_ID} ", f"demo: {value} "), encoding="utf-8")


def test_a_demo_named_by_path_relative_to_the_bank_file(bank_dir: Path, runner: CliRunner) -> None:
    _set_demo(bank_dir, DEMO_FILE)
    assert runner.invoke(app, ["validate", str(bank_dir), "--strict"]).exit_code == 0
    result = runner.invoke(app, ["--bank", str(bank_dir), "demo", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "5/5 checks passed" in result.stdout


def test_a_demo_path_is_relative_to_its_bank_file(bank_dir: Path, runner: CliRunner) -> None:
    """A bank file in a subfolder names the same demo as ../demos/...: relative to itself."""
    sub = bank_dir / "week2" / "more.yaml"
    sub.parent.mkdir()
    sub.write_text(textwrap.dedent(f"""\
        questions:
          - id: path-again
            number: 2
            question: Which status answers a path parameter that does not convert?
            answer: The status 422.
            key_points:
              - point: "422"
                terms: ["422"]
            demo: ../{DEMO_FILE}
        """), encoding="utf-8")
    assert runner.invoke(app, ["validate", str(bank_dir), "--strict"]).exit_code == 0
    result = runner.invoke(app, ["--bank", str(bank_dir), "demo", "path-again", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "5/5 checks passed" in result.stdout
    _set_demo(bank_dir, "demos/nowhere.py")
    result = runner.invoke(app, ["validate", str(bank_dir), "--strict"])
    assert result.exit_code == 1
    assert "names no demo file: 'demos/nowhere.py'" in result.stdout


def test_export_names_the_instructors_bank_in_the_demo_command(bank_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["--bank", str(bank_dir), "export", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    # named as a student has the bank (its folder's name), never by the author's path
    assert f"`quiz --bank {bank_dir.name} demo {EXAMPLE_ID}`" in result.stdout
    assert str(bank_dir.parent) not in result.stdout


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path, runner: CliRunner) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["new", str(folder)])
    assert result.exit_code == 1
    assert "not empty" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_new_refuses_a_file_and_accepts_an_empty_folder(tmp_path: Path, runner: CliRunner) -> None:
    a_file = tmp_path / "file.yaml"
    a_file.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["new", str(a_file)])
    assert result.exit_code == 1
    assert "is a file" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["new", str(empty)]).exit_code == 0
    assert (empty / BANK_FILE).is_file()


def test_any_deck_title_survives(tmp_path: Path, runner: CliRunner) -> None:
    deck = 'Week "3": {braces} # not a comment \\ naïve\u2028end'
    result = runner.invoke(app, ["new", str(tmp_path / "b"), "--deck", deck])
    assert result.exit_code == 0
    assert runner.invoke(app, ["validate", str(tmp_path / "b"), "--strict"]).exit_code == 0
    exported = runner.invoke(app, ["--bank", str(tmp_path / "b"), "export", "--format", "json"])
    assert json.loads(exported.stdout)["deck"] == deck


def test_new_help_has_examples(runner: CliRunner) -> None:
    result = runner.invoke(app, ["new", "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.stdout and "quiz new my-bank" in result.stdout


def test_validate_reports_every_problem_of_every_file_at_once(tmp_path: Path, runner: CliRunner) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "a.yaml").write_text(textwrap.dedent("""\
        questions:
          - id: first
            question: What?
            answer: That.
            key_points:
              - point: It
                terms: [it]
            colour: red
          - id: Bad Id
            question: Why?
            answer: Because.
            key_points: none
        """), encoding="utf-8")
    (folder / "b.yaml").write_text("questions:\n  - id: second\n    question: [unclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    found = {(Path(e["file"]).name, e["line"], e["field"]) for e in errors}
    assert ("a.yaml", 8, "first.colour") in found
    assert ("a.yaml", 9, "questions[1].id") in found
    assert ("a.yaml", 12, "questions[1].key_points") in found
    assert any(name == "b.yaml" for name, _, _ in found)
    plain = runner.invoke(app, ["validate", str(folder)])
    assert plain.exit_code == 1
    assert "a.yaml:8:5: first.colour: unknown field" in plain.stdout
    assert "b.yaml:" in plain.stdout and "YAML syntax error" in plain.stdout


def test_new_writes_a_bank_id_so_renaming_the_deck_keeps_the_anki_notes(
    tmp_path: Path, runner: CliRunner
) -> None:
    import re
    import sqlite3
    import zipfile

    import yaml

    folder = tmp_path / "b"
    assert runner.invoke(app, ["new", str(folder), "--deck", "Week 1"]).exit_code == 0
    data = yaml.safe_load((folder / BANK_FILE).read_text(encoding="utf-8"))
    assert re.fullmatch(r"week-1-[0-9a-f]{6}", data["bank_id"])

    def guids() -> list[str]:
        deck = tmp_path / "deck.apkg"
        result = runner.invoke(app, ["--bank", str(folder), "export", "-o", str(deck), "--force"])
        assert result.exit_code == 0, result.output
        with zipfile.ZipFile(deck) as zf:
            (tmp_path / "c.anki2").write_bytes(zf.read("collection.anki2"))
        with sqlite3.connect(tmp_path / "c.anki2") as db:
            return [row[0] for row in db.execute("select guid from notes")]

    before = guids()
    text = (folder / BANK_FILE).read_text(encoding="utf-8")
    text = text.replace('deck: "Week 1"', 'deck: "Week 1 (renamed)"')
    (folder / BANK_FILE).write_text(text, encoding="utf-8")
    assert runner.invoke(app, ["--bank", str(folder), "list", "--json"]).exit_code == 0
    assert guids() == before
    other = tmp_path / "c"
    assert runner.invoke(app, ["new", str(other), "--deck", "Week 1"]).exit_code == 0
    assert yaml.safe_load((other / BANK_FILE).read_text(encoding="utf-8"))["bank_id"] != data["bank_id"]


def test_show_prints_the_demo_command_of_the_bank_in_use(bank_dir: Path, runner: CliRunner) -> None:
    import shlex

    result = runner.invoke(app, ["--bank", str(bank_dir), "show", "1"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.stdout.splitlines() if "See it run:" in ln)
    command = line.split("See it run:", 1)[1].strip()
    assert shlex.split(command) == ["quiz", "--bank", str(bank_dir), "demo", "1"]
    ran = runner.invoke(app, shlex.split(command)[1:] + ["--quiet"])  # approved by `quiz new`
    assert ran.exit_code == 0, ran.output
    builtin = runner.invoke(app, ["show", "1"])
    assert "See it run: quiz demo 1" in builtin.stdout
