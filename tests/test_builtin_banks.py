"""The built-in banks: `--bank senior` (and QUIZ_BANK=senior) picks the second one, `quiz list
--banks` lists them, each keeps its own progress, and each passes `validate --strict`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.bank import load_bank
from quiz.cli import app
from quiz.commands._common import complete_bank
from quiz.model import BUILTIN_BANKS, BUILTIN_DEMOS

from .test_drill import Clock, answer, clock, db_rows

__all__ = ["clock"]  # fixture shared with test_drill


@pytest.mark.parametrize("name", BUILTIN_BANKS)
def test_every_builtin_bank_passes_validate_strict(runner: CliRunner, name: str) -> None:
    result = runner.invoke(app, ["validate", "--strict", "--json", str(BUILTIN_BANKS[name])])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["errors"] == [] and data["warnings"] == []
    assert data["questions"] == len(load_bank([BUILTIN_BANKS[name]]))


@pytest.mark.parametrize("name", BUILTIN_BANKS)
def test_every_question_of_a_builtin_bank_has_a_builtin_demo(name: str) -> None:
    bank = load_bank([BUILTIN_BANKS[name]])
    missing = [q.id for q in bank if q.demo_path() is None
               or not q.demo_path().is_relative_to(BUILTIN_DEMOS.resolve())]  # type: ignore[union-attr]
    assert missing == []


def test_list_banks_names_each_builtin_bank(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--banks", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert list(rows) == ["fastapi", "senior"]
    assert rows["fastapi"] == {"name": "fastapi", "bank_id": "quiz-fastapi",
                               "deck": "FastAPI Advanced Interview", "questions": 40, "default": True}
    senior = rows["senior"]
    assert senior["bank_id"] == "quiz-fastapi-senior" and senior["deck"] == "FastAPI Senior Interview"
    assert senior["default"] is False and senior["questions"] == len(load_bank([BUILTIN_BANKS["senior"]]))
    table = runner.invoke(app, ["list", "--banks"])
    assert table.exit_code == 0
    assert "fastapi (default)" in table.stdout and "quiz-fastapi-senior" in table.stdout


def test_bank_senior_and_quiz_bank_senior_select_it_and_the_default_stays_the_40(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = json.loads(runner.invoke(app, ["list", "--json"]).stdout)
    assert len(default) == 40
    senior_ids = [q.id for q in load_bank([BUILTIN_BANKS["senior"]])]
    for args in (["--bank", "senior", "list", "--json"], ["list", "--json", "--bank", "senior"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert [q["id"] for q in json.loads(result.stdout)] == senior_ids
    monkeypatch.setenv("QUIZ_BANK", "senior")
    result = runner.invoke(app, ["list", "--json"])
    assert [q["id"] for q in json.loads(result.stdout)] == senior_ids
    result = runner.invoke(app, ["show", "1", "--no-answer"])
    assert result.exit_code == 0 and "request.state" in result.stdout


def test_a_path_named_like_a_builtin_bank_is_still_that_path(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "senior"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "bank_id: mine\ndeck: Mine\nquestions:\n  - id: only\n    question: Q?\n    answer: A.\n"
        "    key_points:\n      - point: A\n        terms: [a]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--bank", "senior", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert [q["id"] for q in json.loads(result.stdout)] == ["only"]


def test_an_unknown_name_says_which_builtin_banks_there_are(runner: CliRunner, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--bank", "seniro", "list"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: No bank at seniro: no such file or folder (the built-in banks "
                                     "are fastapi, senior).")


def test_the_senior_bank_keeps_its_own_progress(runner: CliRunner, clock: Clock, quiz_home: Path) -> None:
    result = runner.invoke(app, ["--bank", "senior", "drill", "--limit", "1"], input=answer("x", "1"))
    assert result.exit_code == 0, result.output
    assert "Saved: Again." in result.stdout
    assert db_rows(quiz_home, "SELECT DISTINCT bank_id FROM cards") == [("quiz-fastapi-senior",)]
    senior = json.loads(runner.invoke(app, ["--bank", "senior", "stats", "--json"]).stdout)
    builtin = json.loads(runner.invoke(app, ["stats", "--json"]).stdout)
    assert senior["reviews"] == 1 and builtin["reviews"] == 0


def test_completion_offers_the_builtin_names_then_bank_files(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my-bank").mkdir()
    (tmp_path / "extra.yaml").write_text("", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ctx = None
    assert [v for v, _ in complete_bank(ctx, "se")] == ["senior"]  # type: ignore[arg-type]
    assert [v for v, _ in complete_bank(ctx, "")] == ["fastapi", "senior", "extra.yaml", "my-bank/"]  # type: ignore[arg-type]
    assert [v for v, _ in complete_bank(ctx, "my")] == ["my-bank/"]  # type: ignore[arg-type]


def test_shell_completion_of_bank_through_the_cli(runner: CliRunner) -> None:
    env = {**os.environ, "_QUIZ_COMPLETE": "complete_bash", "COMP_WORDS": "quiz --bank sen",
           "COMP_CWORD": "2"}
    result = runner.invoke(app, [], env=env, prog_name="quiz")
    assert "senior" in result.stdout.split()


def test_a_headerless_second_file_shares_the_banks_vocabulary(tmp_path: Path) -> None:
    """The header's contrasts serve every file of a folder bank: a statement of the second file's
    question said with the contrasting member is a contradiction there too."""
    from quiz.grading import grade

    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "1.yaml").write_text(
        "bank_id: two-files\ndeck: Two files\ncontrasts:\n  - [first, last]\nquestions:\n"
        "  - id: one\n    question: Q?\n    answer: A.\n"
        "    key_points:\n      - point: A\n        terms: [a]\n",
        encoding="utf-8")
    (folder / "2.yaml").write_text(
        "questions:\n  - id: order\n    question: Which middleware runs outermost?\n"
        "    answer: The last added.\n    key_points:\n      - point: The last added is outermost\n"
        "        subject: [last added]\n        terms: [outermost]\n", encoding="utf-8")
    q = load_bank([folder]).get("order")
    assert ("first", "last") in q.contrasts
    assert grade("The last added is outermost.", q).score == 100
    assert grade("The first added is outermost.", q).contradictions
