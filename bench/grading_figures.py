"""The grading corpus's figures against issue 19's targets: shared by bench_grading.py (which
prints them) and tests/test_grading.py (which holds them).

The corpus (`tests/answers/corpus/`, for the built-in bank) is split once: `tune-*.yaml` may be
read to improve the grader, `heldout-*.yaml` never is (only its figures are looked at). The
senior corpus (`tests/answers/corpus-senior/`, for the built-in `senior` bank, 12 answers per
question, no other_question) is split the same way and measured the same way. Labels and what
is measured:

    strong_spoken, strong_bullets, strong_typos   rated Good or Easy          >= 95% each
    wrong                                          rated Again                 >= 90%, never Good
    swapped                                        named (a contradiction or a pitfall)  >= 90%
    misconception                                  named >= 80%, rated Hard or below >= 95%
    fair_rejection                                 flagged (contradiction or pitfall)  none
    other_question, partial                        reported (rated Again, mean score)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from quiz.grading import Grade, Rating, grade

CORPUS = Path(__file__).parents[1] / "tests" / "answers" / "corpus"
SENIOR_CORPUS = CORPUS.with_name("corpus-senior")
STRONG = ("strong_spoken", "strong_bullets", "strong_typos")

#: figure name -> (target, "min" when the figure must be at least the target, "max" at most).
TARGETS: dict[str, tuple[float, str]] = {
    **{f"{s} Good or Easy": (0.95, "min") for s in STRONG},
    "wrong Again": (0.90, "min"),
    "wrong Good or Easy": (0.0, "max"),
    "swapped named": (0.90, "min"),
    "misconception named": (0.80, "min"),
    "misconception Hard or below": (0.95, "min"),
    "fair_rejection flagged": (0.0, "max"),
}


def corpus(half: str, root: Path = CORPUS) -> list[dict[str, Any]]:
    """Every labelled answer of one half ("tune" or "heldout") of the corpus in `root`."""
    rows: list[dict[str, Any]] = []
    for path in sorted(root.glob(f"{half}-*.yaml")):
        rows += yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]
    return rows


def _named(g: Grade) -> bool:
    return bool(g.pitfalls or g.contradictions)


def figures(rows: Iterable[Mapping[str, Any]], questions: Mapping[str, Any]) -> dict[str, float]:
    """Shares (0-1) per figure, and `n <label>` counts."""
    graded: dict[str, list[Grade]] = {}
    for row in rows:
        q = questions.get(row["question"])
        if q is not None:
            graded.setdefault(row["label"], []).append(grade(row["text"], q))

    def share(label: str, test: Any) -> float:
        gs = graded.get(label, [])
        return sum(1 for g in gs if test(g)) / len(gs) if gs else float("nan")

    out: dict[str, float] = {f"n {label}": len(gs) for label, gs in graded.items()}
    for s in STRONG:
        out[f"{s} Good or Easy"] = share(s, lambda g: g.suggested >= Rating.GOOD)
    out["wrong Again"] = share("wrong", lambda g: g.suggested == Rating.AGAIN)
    out["wrong Good or Easy"] = share("wrong", lambda g: g.suggested >= Rating.GOOD)
    out["swapped named"] = share("swapped", _named)
    out["swapped Hard or below"] = share("swapped", lambda g: g.suggested <= Rating.HARD)
    out["misconception named"] = share("misconception", _named)
    out["misconception Hard or below"] = share("misconception", lambda g: g.suggested <= Rating.HARD)
    out["fair_rejection flagged"] = share("fair_rejection", _named)
    out["fair_rejection Good or Easy"] = share("fair_rejection", lambda g: g.suggested >= Rating.GOOD)
    out["other_question Again"] = share("other_question", lambda g: g.suggested == Rating.AGAIN)
    out["partial Again or Hard"] = share("partial", lambda g: g.suggested <= Rating.HARD)
    return out


def verdict(name: str, value: float) -> str:
    if name not in TARGETS:
        return ""
    target, kind = TARGETS[name]
    ok = value >= target if kind == "min" else value <= target
    return f"{'>=' if kind == 'min' else '<='} {target:.0%} {'ok' if ok else 'MISSED'}"
