"""A bank's facts (issue 19, item 1): statements checked in every answer of the bank for
contradictions only. Said the other way round they are named and cap the rating at Hard; said
right, or the swap denied, nothing is named; a fact is never credited and never required."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from quiz.bank import load_bank, validate_paths
from quiz.bank.cache import CachedQuestion
from quiz.cli import app
from quiz.grading import Rating, grade

FACTS = [
    {"fact": "The last middleware added is the outermost",
     "subject": ["last added", "added last", "last middleware"], "terms": ["outermost", "runs first"]},
    {"fact": "401 means the credentials are missing or invalid; 403 that they lack permission",
     "subject": ["missing role", "lacks the role", "without permission"], "terms": ["403", "forbidden"]},
]
BANK: dict[str, Any] = {
    "bank_id": "facts-test",
    "contrasts": [["first", "last"], ["outermost", "innermost"], ["401", "403"]],
    "facts": FACTS,
    "questions": [{"id": "order", "question": "In which order does middleware run?",
                   "answer": "Each middleware wraps the app and everything added before it.",
                   "key_points": [{"point": "Middleware wraps the app", "terms": ["wraps the app"]},
                                  {"point": "A middleware can act before and after the endpoint",
                                   "terms": ["before and after"]}]}],
}


WRAPS = "Each middleware wraps the app, before and after the endpoint."


def write(tmp_path: Path, data: dict[str, Any] = BANK) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def exam(runner: CliRunner, bank: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("QUIZ_BANK", str(bank))
    result = runner.invoke(app, ["exam", "--json", "--time", "0", "--seed", "1"], input=text + "\n")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["answers"][0]  # type: ignore[no-any-return]


def test_a_swapped_fact_is_named_in_the_exam_and_caps_the_rating(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = write(tmp_path)
    text = WRAPS + " The first middleware added is the outermost."
    answer = exam(runner, bank, text, monkeypatch)
    assert answer["score"] == 100  # both key points said: a fact is never credited or required
    assert answer["suggested"] == "Hard"
    [said] = answer["contradictions"]
    assert (said["said"], said["instead"]) == ("first", "last")
    assert said["point"] == "The last middleware added is the outermost"
    monkeypatch.setenv("QUIZ_BANK", str(bank))
    screen = runner.invoke(app, ["exam", "--time", "0", "--seed", "1"], input=text + "\n")
    out = " ".join(screen.stdout.split())
    assert "You said: first middleware added is the outermost" in out
    assert "It is last, not first" in out


@pytest.mark.parametrize("text", [
    WRAPS + " The last middleware added is the outermost.",
    WRAPS + " The first middleware added is not the outermost.",
    WRAPS,
])
def test_a_fact_said_right_or_its_swap_denied_is_not_named(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    answer = exam(runner, write(tmp_path), text, monkeypatch)
    assert answer["contradictions"] == []
    assert answer["suggested"] == "Easy"


def test_facts_are_shared_by_every_file_of_a_folder_bank_and_checked_in_every_answer(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    folder.mkdir()
    write(folder)  # the facts
    other = {"questions": [{"id": "auth", "question": "What does a protected endpoint answer?",
                            "answer": "403 when the role is missing.",
                            "key_points": [{"point": "It checks the token", "terms": ["token"]}]}]}
    (folder / "more.yaml").write_text(yaml.safe_dump(other), encoding="utf-8")
    q = load_bank([folder]).get("auth")
    assert [f.fact for f in q.facts] == [f["fact"] for f in FACTS]
    g = grade("It checks the token. It returns 401 when the user is missing the role.", q)
    assert [(c.said, c.instead) for c in g.contradictions] == [("401", "403")]
    assert g.score == 100 and g.suggested == Rating.HARD


def test_a_fact_the_model_answer_contradicts_or_without_a_subject_is_reported(tmp_path: Path) -> None:
    data = json.loads(json.dumps(BANK))
    data["questions"][0]["answer"] = "The first middleware added is the outermost and wraps the app."
    _, problems = validate_paths([write(tmp_path, data)])
    [found] = [p for p in problems if "contradicts the fact" in p.message]
    assert found.severity == "warning" and found.field == "order.answer"
    assert "The last middleware added is the outermost" in found.message
    data["facts"] = [{"fact": "No subject", "subject": [], "terms": ["outermost"]}]
    _, problems = validate_paths([write(tmp_path, data)])
    assert any(p.severity == "error" and "facts" in p.field for p in problems)


def test_facts_come_back_from_the_cache_and_a_tampered_table_is_parsed_again(
        tmp_path: Path, quiz_home: Path) -> None:
    bank = write(tmp_path)
    parsed = load_bank([bank]).get("order")
    cached = load_bank([bank]).get("order")
    assert isinstance(cached, CachedQuestion) and cached.facts == parsed.facts
    [entry] = list((quiz_home / "cache").glob("bank-*"))
    first, rest = entry.read_bytes().split(b"\n", 1)
    header = json.loads(first)
    header["facts"][0][0][2] = []  # a fact without a subject: validation refuses it
    entry.write_bytes(json.dumps(header).encode() + b"\n" + rest)
    again = load_bank([bank]).get("order")
    assert not isinstance(again, CachedQuestion) and again.facts == parsed.facts


def test_the_bank_export_carries_the_facts_at_the_top(runner: CliRunner, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_BANK", str(write(tmp_path)))
    out = tmp_path / "out.yaml"
    result = runner.invoke(app, ["export", "--format", "yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [f["fact"] for f in yaml.safe_load(out.read_text(encoding="utf-8"))["facts"]] == [
        f["fact"] for f in FACTS]
    assert load_bank([out]).get("order").facts == load_bank([write(tmp_path)]).get("order").facts


def test_quiz_new_examples_fact_is_named_when_swapped(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "my-bank")])
    assert result.exit_code == 0, result.output
    (q,) = load_bank([tmp_path / "my-bank"]).questions
    assert q.facts and grade(q.answer, q).contradictions == ()
    g = grade("The value is converted to the annotation. It is validated after the endpoint runs.", q)
    assert [(c.said, c.instead) for c in g.contradictions] == [("after", "before")]
    assert g.suggested <= Rating.HARD
    assert grade("The value is converted to the annotation before the endpoint runs.", q).contradictions == ()


@pytest.mark.parametrize(("bank", "qid", "swapped", "right"), [
    ("fastapi", "testing", "The app calls receive to emit the response.",
     "The app awaits receive for incoming messages and calls send to emit the response."),
    ("fastapi", "middleware", "A user who lacks the role gets 401.", "A user who lacks the role gets 403."),
    ("fastapi", "websockets", "The API answers 401 when the role is missing.",  # "answers": the verb
     "The API answers 403 when the role is missing."),
    ("fastapi", "websockets", "The helper answers 403 when the token is invalid.",
     "The helper answers 401 when the token is invalid."),
    ("fastapi", "caching", "Swagger UI is served at /redoc.", "Swagger UI is served at /docs."),
    ("fastapi", "depends", "The server sends the preflight to the browser.",
     "The browser sends the preflight to the server."),
    ("fastapi", "settings", "Celery workers publish the tasks.", "Celery workers consume the tasks."),
])
def test_the_builtin_facts_name_a_swap_in_any_question_of_the_bank(bank: str, qid: str, swapped: str,
                                                                  right: str) -> None:
    from quiz.model import BUILTIN_BANKS

    q = load_bank([BUILTIN_BANKS[bank]]).get(qid)
    g = grade(swapped, q)  # named as a swap, or as the bank's pitfall of the same claim
    assert (g.contradictions or g.pitfalls) and g.suggested <= Rating.HARD
    assert grade(right, q).contradictions == () and grade(right, q).pitfalls == ()


RIGHT = ("strong_spoken", "strong_bullets", "strong_typos", "partial", "fair_rejection", "other_question")


@pytest.mark.parametrize("bank", ["fastapi", "senior"])
def test_no_right_answer_of_the_tuning_half_is_flagged_by_a_fact(bank: str) -> None:
    """The bank's facts add no contradiction to a right answer of the corpus's tuning half (the
    held-back half is measured by bench/bench_grading.py, never tuned on)."""
    import dataclasses
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from grading_figures import CORPUS, SENIOR_CORPUS, corpus

    from quiz.model import BUILTIN_BANKS

    questions = {q.id: q for q in load_bank([BUILTIN_BANKS[bank]])}
    assert next(iter(questions.values())).facts
    flagged = []
    for row in corpus("tune", CORPUS if bank == "fastapi" else SENIOR_CORPUS):
        if row["label"] in RIGHT:
            q = questions[row["question"]]
            before = grade(row["text"], dataclasses.replace(q, facts=())).contradictions
            added = [c.found for c in grade(row["text"], q).contradictions if c not in before]
            if added:
                flagged.append((row["question"], row["label"], added))
    assert flagged == []


@pytest.mark.parametrize("bank", ["fastapi", "senior"])
def test_no_fact_restates_a_pitfall_of_its_bank(bank: str) -> None:
    """A myth the bank's catalogue holds is a pitfall (a correction, a version, and the rules for
    an answer that names it to reject it), not a fact: no pitfall's claim contradicts a fact."""
    import dataclasses

    from quiz.model import BUILTIN_BANKS

    questions = list(load_bank([BUILTIN_BANKS[bank]]))
    facts_only = dataclasses.replace(questions[0], key_points=(), pitfalls=(), bank_pitfalls=())
    every = dict.fromkeys(p for q in questions for p in q.checked_pitfalls)  # its own and the bank's
    restated = [(p.claim, [c.point for c in grade(p.claim, facts_only).contradictions])
                for p in every if grade(p.claim, facts_only).contradictions]
    assert restated == []
