"""Every demo proves its claim: each of its mutants (an edit that breaks the claim) turns a check red,
without crashing the tour; `quiz validate` checks mutant files; `quiz demo X --mutants` shows it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz import mutants
from quiz.cli import app
from quiz.demo import builtin_demos

DEMOS = builtin_demos()
MUTANTS, PROBLEMS = mutants.collect(DEMOS)


def test_the_built_in_mutant_files_are_valid() -> None:
    assert [str(p) for p in PROBLEMS] == []


def test_every_demo_has_a_mutant() -> None:
    covered = {m.demo.slug for m in MUTANTS}
    assert [d.slug for d in DEMOS if d.slug not in covered] == []
    assert len(DEMOS) >= 37


ISSUE_21 = {  # the claims a reviewer found unchecked: each now has its mutant
    ("middleware", "swapped-order"), ("api_security", "redirect-before-host-check"),
    ("request_logging", "global-request-id"), ("auth", "invalid-token-without-challenge"),
    ("cors", "no-expose-no-max-age"), ("dependencies", "settings-not-cached"),
    ("env_settings", "settings-not-cached"), ("background_tasks", "failing-task-last"),
}


def test_the_mutants_of_the_issue_are_there() -> None:
    assert ISSUE_21 <= {(m.demo.slug, m.id) for m in MUTANTS}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[f"{m.demo.slug}:{m.id}" for m in MUTANTS])
def test_every_mutant_turns_a_check_red(mutant: mutants.Mutant) -> None:
    with warnings.catch_warnings():  # a mutant may bring back a deprecated idiom on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        result = mutants.run(mutant)
    failure = result.result.failure
    assert failure is None, f"the tour crashed instead of failing a check: {failure.trace if failure else ''}"
    assert result.verdict == mutants.RED, "every check passed: the claim this mutant breaks is not checked"


GREET = (
    '"""Greet: a demo."""\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n'
    '@app.get("/")\ndef root():\n    return {"hello": "world"}  # <- the greeting\n\n\n'
    '@app.get("/bye")\ndef bye():\n    return {"bye": "world"}\n\n\n'
    "# --- tour ---\n\n\ndef tour(t):\n    t.step('greet')\n"
    "    t.check('it says hello', t.get('/').text == '{\"hello\":\"world\"}')\n"
)


def _mutant_yaml(line: str, replace: str) -> str:
    edit = f"      - line: '{line}'\n        replace: |\n          {replace}\n"
    return "mutants:\n  - id: m\n    title: t\n    edits:\n" + edit


def write_bank(root: Path, mutant_yaml: str) -> Path:
    (root / "demos" / "mutants").mkdir(parents=True)
    (root / "demos" / "greet.py").write_text(GREET)
    (root / "demos" / "mutants" / "greet.yaml").write_text(mutant_yaml)
    (root / "bank.yaml").write_text(
        "bank_id: mine\nquestions:\n  - id: greet\n    question: q?\n    answer: a.\n"
        "    key_points: [{point: p, terms: [p]}]\n    demo: greet\n"
    )
    return root


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (_mutant_yaml("return nothing", "return {}"),
         "greet.yaml:5:15: m.edits[0].line: no line of the demo contains 'return nothing' (greet.py)"),
        (_mutant_yaml("return {", "return {}"),
         "greet.yaml:5:15: m.edits[0].line: 2 lines of the demo contain 'return {' (greet.py)"),
        (_mutant_yaml('return {"hello": "world"}', "return {"),
         "greet.yaml:7:11: m.edits[0].replace: this line of the replacement is not valid Python"),
        (_mutant_yaml("t.step(", "t.step('x')"),
         "greet.yaml:5:9: m.edits[0]: a mutant edits the app, not the tour"),
        (_mutant_yaml('return {"hello": "world"}', "return {}").replace("title: t", "titel: t"),
         "greet.yaml:3:5: m.titel: unknown field; did you mean `title`?"),
    ],
)
def test_validate_checks_mutant_files(
    runner: CliRunner, tmp_path: Path, yaml_text: str, message: str
) -> None:
    bank = write_bank(tmp_path / "mine", yaml_text)
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    assert message in result.stdout, result.stdout


def test_a_valid_mutant_file_passes_validate(runner: CliRunner, tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "mine", _mutant_yaml('return {"hello": "world"}', 'return {"hello": "you"}'))
    result = runner.invoke(app, ["validate", "--strict", str(bank)])
    assert result.exit_code == 0, result.output


def test_demo_mutants_shows_each_verdict(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "middleware", "--mutants", "--json"])
    assert result.exit_code == 0, result.output
    got = {r["mutant"]: r for r in json.loads(result.stdout)}
    assert got["swapped-order"]["verdict"] == "red"
    assert "watch_errors (added last) wraps add_process_time_header (added first)" in (
        got["swapped-order"]["failed_checks"]
    )
    table = runner.invoke(app, ["demo", "middleware", "--mutants"])
    assert table.exit_code == 0
    assert "red (caught)" in table.stdout and "swapped-order" in table.stdout


def test_a_green_or_crashing_mutant_fails_the_command(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "mutants").mkdir()
    demo = tmp_path / "greet.py"
    demo.write_text(GREET)
    (tmp_path / "mutants" / "greet.yaml").write_text(
        "mutants:\n"
        "  - id: unchecked\n    title: bye says something else\n    edits:\n"
        "      - line: 'return {\"bye\": \"world\"}'\n        replace: 'return {\"bye\": \"you\"}'\n"
        "  - id: caught\n    title: no greeting\n    edits:\n"
        "      - line: 'return {\"hello\": \"world\"}'\n        replace: 'return {}'\n"
        "  - id: raises\n    title: the endpoint raises, a 500, so the check fails\n    edits:\n"
        "      - line: 'return {\"hello\": \"world\"}'\n        replace: 'raise RuntimeError(\"boom\")'\n"
        "  - id: boom\n    title: the module raises as it loads\n    edits:\n"
        "      - line: 'app = FastAPI()'\n        replace: 'raise RuntimeError(\"boom\")'\n"
    )
    result = runner.invoke(app, ["demo", str(demo), "--mutants", "--json"])
    assert result.exit_code == 1
    verdicts = {r["mutant"]: r["verdict"] for r in json.loads(result.stdout)}
    assert verdicts == {"unchecked": "green", "caught": "red", "raises": "red", "boom": "crash"}
    table = runner.invoke(app, ["demo", str(demo), "--mutants"])
    assert "GREEN: every check passed" in table.stdout
    assert "CRASH: the tour raised" in table.stdout and "RuntimeError: boom" in table.stdout


def test_a_demo_without_mutants_says_so(runner: CliRunner, tmp_path: Path) -> None:
    demo = tmp_path / "greet.py"
    demo.write_text(GREET)
    result = runner.invoke(app, ["demo", str(demo), "--mutants"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The greet demo has no mutants yet: write them in ")
    assert "Traceback" not in result.output
