"""A bank's own pitfalls (issue 19): written once at the top of a bank file, looked for in every
answer of the bank (a misconception is named whichever question it comes up in), listed under
the questions they name by `quiz show`, every export and import."""

from __future__ import annotations

import csv
import io
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

WORKERS = {"claim": "Uvicorn workers share memory, so a global is shared between them.",
           "terms": ["workers share memory", "shared between the workers"],
           "correction": "Each worker is a separate process with its own memory.",
           "since": "predates every supported version",
           "reference": "https://fastapi.tiangolo.com/deployment/server-workers/",
           "questions": ["scaling"]}
ON_EVENT = {"claim": "Startup code goes in an @app.on_event handler.", "terms": ["@app.on_event"],
            "correction": "Use the lifespan context manager.", "tags": ["lifecycle"]}
BANK: dict[str, Any] = {
    "bank_id": "bank-pitfalls-test",
    "pitfalls": [WORKERS, ON_EVENT],
    "questions": [
        {"id": "scaling", "question": "How do you scale a FastAPI app?",
         "answer": "Run several worker processes behind a load balancer.",
         "key_points": [{"point": "Several worker processes", "terms": ["worker processes"]}]},
        {"id": "caching", "question": "How do you cache in FastAPI?",
         "answer": "Keep the cache in Redis so every worker sees it.",
         "key_points": [{"point": "A cache in Redis", "terms": ["redis"]}],
         "pitfalls": [{"claim": "FastAPI caches responses by itself.",
                       "terms": ["caches responses by itself"],
                       "correction": "It does not: add a cache yourself."}]},
        {"id": "lifespan", "question": "Where does startup code go?", "tags": ["lifecycle"],
         "answer": "In the lifespan context manager, before its yield.",
         "key_points": [{"point": "In lifespan", "terms": ["lifespan"]}]},
    ],
}
CACHING = "I keep the cache in Redis. The workers share memory, so a global dict would also do."


def write(folder: Path, data: dict[str, Any] = BANK, name: str = "bank.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def exam(runner: CliRunner, bank: Path, qid: str, text: str,
         monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("QUIZ_BANK", str(bank))
    result = runner.invoke(app, ["exam", "--json", "--time", "0", "--id", qid], input=text + "\n")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["answers"][0]  # type: ignore[no-any-return]


def test_a_misconception_listed_under_one_question_is_named_in_an_answer_to_another(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = exam(runner, write(tmp_path), "caching", CACHING, monkeypatch)
    assert [(p["claim"], p["correction"]) for p in answer["pitfalls"]] == [
        (WORKERS["claim"], WORKERS["correction"])]
    assert answer["suggested"] == "Hard"
    monkeypatch.setenv("QUIZ_BANK", str(write(tmp_path)))
    screen = runner.invoke(app, ["exam", "--time", "0", "--id", "caching"], input=CACHING + "\n")
    out = " ".join(screen.stdout.split())
    assert WORKERS["claim"] in out and WORKERS["correction"] in out


@pytest.mark.parametrize("text", [
    "I keep the cache in Redis: the workers do not share memory.",
    "I keep the cache in Redis; the old advice that workers share memory is a myth.",
])
def test_a_bank_pitfall_rejected_is_not_named(runner: CliRunner, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    answer = exam(runner, write(tmp_path), "caching", text, monkeypatch)
    assert answer["pitfalls"] == [] and answer["suggested"] == "Easy"


def test_quiz_show_lists_a_bank_pitfall_under_the_questions_and_tags_it_names(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_BANK", str(write(tmp_path)))

    def listed(qid: str) -> list[str]:
        result = runner.invoke(app, ["show", qid, "--json"])
        assert result.exit_code == 0, result.output
        return [p["claim"] for p in json.loads(result.stdout)["pitfalls"]]

    assert listed("scaling") == [WORKERS["claim"]]
    assert listed("caching") == ["FastAPI caches responses by itself."]  # checked there, not listed
    assert listed("lifespan") == [ON_EVENT["claim"]]  # by its tag
    result = runner.invoke(app, ["show", "scaling"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Pitfalls" in out and "Uvicorn workers share memory" in out


def test_the_exports_list_a_bank_pitfall_under_its_question(runner: CliRunner, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_BANK", str(write(tmp_path / "bank")))

    def export(fmt: str, name: str) -> str:
        out = tmp_path / name
        result = runner.invoke(app, ["export", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8")

    markdown = export("markdown", "bank.md")
    scaling, caching = markdown.index("### 1. How do you scale"), markdown.index("### 2. How do you cache")
    assert scaling < markdown.index("Uvicorn workers share memory") < caching
    assert markdown.count("Uvicorn workers share memory") == 1
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(export("csv", "bank.csv")))}
    assert [p["claim"] for p in json.loads(rows["scaling"]["pitfalls"])] == [WORKERS["claim"]]
    assert rows["lifespan"]["pitfalls"] and not rows["caching"]["pitfalls"].count("Uvicorn")
    html = export("html", "bank.html")
    assert html.count("Uvicorn workers share memory") == 1


def test_the_bank_export_keeps_a_bank_pitfall_once_and_import_brings_it_back(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_BANK", str(write(tmp_path / "bank")))
    out = tmp_path / "out.yaml"
    result = runner.invoke(app, ["export", "--format", "yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [(p["claim"], p.get("questions"), p.get("tags")) for p in data["pitfalls"]] == [
        (WORKERS["claim"], ["scaling"], None), (ON_EVENT["claim"], None, ["lifecycle"])]
    assert [len(q.get("pitfalls", [])) for q in data["questions"]] == [0, 1, 0]
    assert validate_paths([out])[1] == []
    result = runner.invoke(app, ["import", str(out), "-o", str(tmp_path / "imported")])
    assert result.exit_code == 0, result.output
    imported = load_bank([tmp_path / "imported"])
    assert [p.claim for p in imported.get("scaling").listed_pitfalls] == [WORKERS["claim"]]
    assert [h.claim for h in grade(CACHING, imported.get("caching")).pitfalls] == [WORKERS["claim"]]


def test_bank_pitfalls_are_shared_by_every_file_of_a_folder_bank(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    write(folder, {**BANK, "questions": BANK["questions"][:1]}, "1.yaml")
    write(folder, {"questions": BANK["questions"][1:]}, "2.yaml")
    q = load_bank([folder]).get("caching")
    g = grade(CACHING, q)
    assert [h.claim for h in g.pitfalls] == [WORKERS["claim"]] and g.suggested == Rating.HARD


def test_validate_refuses_a_question_or_tag_no_question_has_and_warns_of_copies(tmp_path: Path) -> None:
    data = json.loads(json.dumps(BANK))
    data["pitfalls"][0]["questions"] = ["scalling"]
    data["pitfalls"][1]["tags"] = ["nowhere"]
    data["questions"][1]["pitfalls"].append({k: WORKERS[k] for k in ("claim", "terms", "correction")})
    data["questions"][0]["answer"] += " The workers share memory."
    path = write(tmp_path, data)
    _, problems = validate_paths([path])
    found = {(p.severity, p.field): p for p in problems}
    unknown = found["error", "pitfalls[0].questions"]
    assert "no question has the id 'scalling'" in unknown.message and "scaling" in unknown.message
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "scalling" in lines[unknown.line - 1]
    assert "no question has the tag 'nowhere'" in found["error", "pitfalls[1].tags"].message
    assert "also a pitfall of the whole bank" in found["warning", "caching.pitfalls[1]"].message
    said = found["warning", "scaling.answer"].message
    assert "says the bank's pitfall" in said and WORKERS["claim"] in said
    with pytest.raises(Exception, match="no question has the id 'scalling'"):
        load_bank([path])


def test_bank_pitfalls_come_back_from_the_cache_and_a_tampered_table_is_parsed_again(
        tmp_path: Path, quiz_home: Path) -> None:
    bank = write(tmp_path)
    parsed = load_bank([bank]).get("caching")
    cached = load_bank([bank]).get("caching")
    assert isinstance(cached, CachedQuestion) and cached.bank_pitfalls == parsed.bank_pitfalls
    assert [h.claim for h in grade(CACHING, cached).pitfalls] == [WORKERS["claim"]]
    [entry] = list((quiz_home / "cache").glob("bank-*"))
    first, rest = entry.read_bytes().split(b"\n", 1)
    header = json.loads(first)
    header["pitfalls"][0][0][1] = []  # a pitfall without terms: validation refuses it
    entry.write_bytes(json.dumps(header).encode() + b"\n" + rest)
    again = load_bank([bank]).get("caching")
    assert not isinstance(again, CachedQuestion) and again.bank_pitfalls == parsed.bank_pitfalls


def test_quiz_new_examples_bank_pitfall_is_named(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["new", str(tmp_path / "my-bank")])
    assert result.exit_code == 0, result.output
    (q,) = load_bank([tmp_path / "my-bank"]).questions
    assert q.bank_pitfalls and q.bank_pitfalls[0] in q.listed_pitfalls
    g = grade("It is converted to the type annotation; I read it back with .dict().", q)
    assert [h.claim for h in g.pitfalls] == [q.bank_pitfalls[0].claim] and g.suggested <= Rating.HARD
