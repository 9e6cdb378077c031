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
- `results`: what comes back (`Grade`, `PointResult`, `PitfallHit`) and the rating bounds.
"""

from quiz.grading.results import (
    RATING_BOUNDS,
    Contradiction,
    Gradable,
    Grade,
    PitfallHit,
    PointResult,
    Rating,
    rated_score,
    suggest,
)
from quiz.grading.score import grade
from quiz.grading.text import normalise

__all__ = ["RATING_BOUNDS", "Contradiction", "Gradable", "Grade", "PitfallHit", "PointResult", "Rating",
           "grade", "normalise", "rated_score", "suggest"]
