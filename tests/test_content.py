"""The built-in banks' content: what `since` says on every pitfall, and the misconception catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "questions" / "fastapi.yaml"
#: Every file of every built-in bank: the rules on pitfalls hold for each.
BANK_FILES = [BANK, *sorted((ROOT / "banks").glob("*/*.yaml"))]
VERSION = re.compile(r"\b\d+\.\d+")  # "FastAPI 0.122.0", "Pydantic 2.0", "uvicorn 0.10.2"
PREDATES = "predates every supported version"


def pitfalls(path: Path = BANK) -> list[tuple[int, dict]]:
    """Every pitfall of a bank file, by its question's number (0 for the bank-wide ones)."""
    bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(0, p) for p in bank.get("pitfalls") or []] + [
        (q["number"], p) for q in bank["questions"] for p in q.get("pitfalls") or []]


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.relative_to(ROOT).as_posix() for p in BANK_FILES])
def test_since_names_the_version_that_changed_or_says_it_predates_them_all(path: Path) -> None:
    # `since` is when the behaviour changed, not a docs page nor the version it was checked on
    wrong = [
        (number, p["since"])
        for number, p in pitfalls(path)
        if not (p["since"].startswith((PREDATES, "never true")) or VERSION.search(p["since"]))
        or re.search(r"\bdocs\b|FastAPI 0\.165|Starlette 1\.10|uvicorn 0\.54|Pydantic 2\.14", p["since"])
    ]
    assert wrong == []


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.relative_to(ROOT).as_posix() for p in BANK_FILES])
def test_every_pitfall_has_claim_terms_correction_since_and_reference(path: Path) -> None:
    missing = [
        (number, p["claim"], key)
        for number, p in pitfalls(path)
        for key in ("terms", "correction", "since", "reference")
        if not p.get(key)
    ]
    assert missing == []


def test_the_misconception_catalogue_covers_every_question() -> None:
    """About 100 misconceptions an interviewer probes, two or more on every question."""
    from quiz.bank import load_bank
    from quiz.grading import grade

    bank = load_bank()
    assert sum(len(q.listed_pitfalls) for q in bank) >= 100
    assert [q.num for q in bank if len(q.listed_pitfalls) < 2] == []
    # the classics, each named when said as an interviewer hears it
    heard = {
        "7": "Bad input comes back as 400 Bad Request.",
        "18": "I set orm_mode = True in the model's Config.",
        "20": "Starlette is an ASGI server, like Uvicorn.",
        "21": "Uvicorn is a web framework like FastAPI.",
        "38": "FastAPI generates a Swagger 2.0 document.",
        "6": "Every def endpoint spawns a new thread for each request.",
        "32": "While it runs, the task reports STARTED by default.",
        "29": "Since it is added last, CORSMiddleware puts its headers on every response.",
    }
    unnamed = {num: text for num, text in heard.items() if not grade(text, bank.get(num)).pitfalls}
    assert unnamed == {}


def test_every_senior_question_has_two_pitfalls_or_more() -> None:
    from quiz.bank import load_bank
    from quiz.model import BUILTIN_BANKS

    bank = load_bank([BUILTIN_BANKS["senior"]])
    assert [q.num for q in bank if len(q.listed_pitfalls) < 2] == []
