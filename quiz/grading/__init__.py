"""A typed answer against a question's key points and pitfalls: what was covered, what was
wrong, a score, a rating.

Pure: no I/O, no clock. `grade(answer, question)` judges each key point on its own, then
looks for the question's pitfalls (wrong or outdated claims) the answer asserts. The rules,
one part per module, each in its docstring:

- `text`: reading the answer into clauses, statements and words, and what a negation covers;
- `terms`: how one term (an API name, a short word, a phrase) matches the answer's words;
- `points`: how a key point is judged (its terms, then its own wording);
- `pitfalls`: when an answer asserts a pitfall, and when it names one only to reject it;
- `score`: `grade()` itself, empty answers and non-answers;
- `results`: what comes back (`Grade`, `PointResult`, `PitfallHit`) and the rating rule (`rate`).

The results are imported with the package; `grade` and `normalise` (rapidfuzz, the stemmer,
every rule) only when first asked for (PEP 562), so that what needs only a `Rating` (the
scheduler, the store, the drill's first screen) does not load the grader.
"""

from typing import TYPE_CHECKING, Any

from quiz.grading.results import (
    RATING_BOUNDS,
    Contradiction,
    Gradable,
    Grade,
    PitfallHit,
    PointResult,
    Rating,
    rate,
    rated_score,
    suggest,
)

if TYPE_CHECKING:
    from quiz.grading.score import grade
    from quiz.grading.text import normalise

__all__ = ["RATING_BOUNDS", "Contradiction", "Gradable", "Grade", "PitfallHit", "PointResult", "Rating",
           "grade", "normalise", "rate", "rated_score", "suggest"]


def __getattr__(name: str) -> Any:
    """`grade` and `normalise`, imported on first use."""
    if name == "grade":
        from quiz.grading.score import grade

        globals()["grade"] = grade
        return grade
    if name == "normalise":
        from quiz.grading.text import normalise

        globals()["normalise"] = normalise
        return normalise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
