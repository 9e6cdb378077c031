"""The labelled answer corpora the grader is measured on (bench/bench_grading.py): every file
loads, names only questions of its bank and known labels, and the senior corpus is split as its
header says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from quiz.bank import load_bank
from quiz.model import BUILTIN_BANK, BUILTIN_BANKS

ANSWERS = Path(__file__).parent / "answers"
LABELS = {"strong_spoken", "strong_bullets", "strong_typos", "partial", "wrong", "swapped",
          "other_question", "misconception", "fair_rejection"}
PAIRS = ("strong_spoken", "strong_bullets", "wrong", "misconception")
SINGLES = ("strong_typos", "partial", "swapped", "fair_rejection")


def rows(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(data) == ["answers"], path.name
    return list(data["answers"])


@pytest.mark.parametrize(("folder", "bank"),
                         [("corpus", BUILTIN_BANK), ("corpus-senior", BUILTIN_BANKS["senior"])])
def test_every_answer_names_a_question_of_its_bank_and_a_label(folder: str, bank: Path) -> None:
    ids = {q.id for q in load_bank([bank]).questions}
    files = sorted((ANSWERS / folder).glob("*.yaml"))
    assert {f.name.split("-")[0] for f in files} == {"tune", "heldout"}
    for path in files:
        for i, row in enumerate(rows(path)):
            where = f"{path.name} answer {i + 1}"
            assert row["question"] in ids, where
            assert row["label"] in LABELS, where
            assert set(row) <= {"question", "label", "text", "note"}, where
            assert isinstance(row["text"], str) and row["text"].strip(), where


def test_senior_corpus_halves_split_each_question_as_the_header_says() -> None:
    ids = [q.id for q in load_bank([BUILTIN_BANKS["senior"]]).questions]
    halves = {half: rows(ANSWERS / "corpus-senior" / f"{half}-1.yaml") for half in ("tune", "heldout")}
    both: Counter[tuple[str, str]] = Counter()
    for half, answers in halves.items():
        assert len(answers) == 6 * len(ids), half
        per = Counter((row["question"], row["label"]) for row in answers)
        both += per
        for q in ids:  # one of each pair in each half; the singletons alternate
            assert [per[q, label] for label in PAIRS] == [1, 1, 1, 1], (half, q)
        singles = Counter(row["label"] for row in answers if row["label"] in SINGLES)
        assert singles == {label: len(ids) // 2 for label in SINGLES}, half
        assert all("note" in row for row in answers if row["label"] in ("swapped", "misconception")), half
    assert both == {(q, label): 2 if label in PAIRS else 1 for q in ids for label in PAIRS + SINGLES}
