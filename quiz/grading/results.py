"""What grading hands back: the rating, one result per key point, the pitfalls asserted.

Score and rating
----------------
The score is the share of key points hit, 0 to 100. The suggested rating:

    score < 40  -> Again   (most of the answer is missing)
    score < 65  -> Hard    (about half of it)
    score < 90  -> Good    (all but one point, for 4 or 5 points)
    otherwise   -> Easy    (every point)

A question may mark some key points `core: true`: what an interviewer must hear. An answer that
says every core point and at least one other point is at least Good, whatever the share: a
terse answer that says what matters and something more. Otherwise the share decides, as for a
question without core points. (A missed core point does not cap the rating: measured on the
blind corpus, the cap cost more strong answers, whose core point the grader missed in other
words, than it held wrong ones; and core points alone do not lift, since an answer with one
wrong claim the bank does not know often says them.)

And at most Hard when the answer asserts a pitfall or contradicts a key point. An empty
answer means "show me": score 0, Again. So does a non-answer (see `score`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol


class Rating(IntEnum):
    """The four FSRS ratings (same values as `fsrs.Rating`)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @classmethod
    def parse(cls, text: str) -> Rating | None:
        """`1`-`4`, or a rating's name or its first letter (any case); None otherwise."""
        word = text.strip().casefold()
        if word in {"1", "2", "3", "4"}:
            return cls(int(word))
        for r in cls:
            if word and (word == r.name.casefold() or word == r.name[0].casefold()):
                return r
        return None


#: Score thresholds of the suggested rating (a score below the bound gets the rating).
RATING_BOUNDS: tuple[tuple[int, Rating], ...] = (
    (40, Rating.AGAIN),
    (65, Rating.HARD),
    (90, Rating.GOOD),
)
#: The best suggested rating of an answer that asserts a pitfall.
PITFALL_CAP = Rating.HARD


# --- results ---------------------------------------------------------------------------------


class KeyPointLike(Protocol):
    @property
    def point(self) -> str: ...

    @property
    def terms(self) -> Sequence[str]: ...

    # optional (read with getattr): subject: Sequence[str], contrasts: Sequence[Sequence[str]],
    # core: bool


class FactLike(Protocol):
    """A bank's fact: a statement checked for contradictions only (quiz.grading.statements)."""

    @property
    def fact(self) -> str: ...

    @property
    def terms(self) -> Sequence[str]: ...

    @property
    def subject(self) -> Sequence[str]: ...

    @property
    def contrasts(self) -> Sequence[Sequence[str]]: ...


class PitfallLike(Protocol):
    @property
    def claim(self) -> str: ...

    @property
    def terms(self) -> Sequence[str]: ...

    @property
    def correction(self) -> str: ...

    @property
    def since(self) -> str | None: ...

    @property
    def reference(self) -> str | None: ...


class Gradable(Protocol):
    """What grading needs of a question: its text, key points and pitfalls."""

    @property
    def question(self) -> str: ...

    @property
    def key_points(self) -> Sequence[KeyPointLike]: ...

    @property
    def pitfalls(self) -> Sequence[PitfallLike]: ...


@dataclass(frozen=True)
class PointResult:
    """One key point: hit or missed, and what in the answer showed it."""

    point: str
    hit: bool
    matched: str | None = None  # the term that matched, or "(the point's own words)"
    found: str | None = None  # the words of the answer it matched
    similarity: int = 0  # 0-100
    own: bool = False  # hit by a wording this candidate marked as said ("your wording")
    near: str | None = None  # missed: the part of the answer that came closest
    lacked: str | None = None  # missed: what that part lacked, a few words
    core: bool = False  # a core point: the rating needs it (see the module docstring)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"point": self.point, "hit": self.hit}
        for name in ("matched", "found", "near", "lacked"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("own", "core"):
            if getattr(self, name):
                out[name] = True
        return out


@dataclass(frozen=True)
class PitfallHit:
    """A pitfall the answer asserts: the bank's claim and correction, and what showed it."""

    claim: str
    correction: str
    matched: str  # the pitfall's term that matched
    found: str  # the words of the answer it matched
    since: str | None = None
    reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"claim": self.claim, "correction": self.correction,
                               "matched": self.matched, "found": self.found}
        for name in ("since", "reference"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


@dataclass(frozen=True)
class Contradiction:
    """A statement of the answer that says a key point the other way round: the point's
    predicate of a contrasting subject, or its subject with a contrasting predicate."""

    point: str  # the key point it contradicts
    found: str  # the words of the answer that say it
    said: str  # the contrasting word the answer used ("async def")
    instead: str  # the word the point has there ("def")

    @property
    def correction(self) -> str:
        """"It is def, not async def: <the point>"."""
        return f"It is {self.instead}, not {self.said}: {self.point}"

    def to_dict(self) -> dict[str, Any]:
        return {"point": self.point, "found": self.found, "said": self.said, "instead": self.instead,
                "correction": self.correction}


@dataclass(frozen=True)
class Grade:
    points: tuple[PointResult, ...]
    score: int
    suggested: Rating
    empty: bool = False  # nothing typed: "show me"
    pitfalls: tuple[PitfallHit, ...] = ()
    non_answer: bool = False  # "I don't know" and nothing of substance
    self_rated: bool = False  # the question has no key points: the candidate rates the answer
    contradictions: tuple[Contradiction, ...] = ()

    @property
    def hits(self) -> list[PointResult]:
        return [p for p in self.points if p.hit]

    @property
    def missed(self) -> list[PointResult]:
        return [p for p in self.points if not p.hit]

    @property
    def shown_as_empty(self) -> bool:
        """An empty answer or a non-answer: the screen shows the answer, not a verdict."""
        return self.empty or self.non_answer


def rated_score(rating: Rating) -> int:
    """The score a self-rated answer is recorded with: the lowest that suggests `rating`."""
    return (0, *(bound for bound, _ in RATING_BOUNDS))[int(rating) - 1]


def suggest(score: int) -> Rating:
    """The rating of a share of key points alone (no core points, nothing flagged)."""
    for bound, rating in RATING_BOUNDS:
        if score < bound:
            return rating
    return Rating.EASY


def rate(points: Sequence[PointResult], flagged: bool) -> tuple[int, Rating]:
    """The score and the suggested rating of judged key points, by the rule of this module's
    docstring: the share of points hit; every core point (if any) and one other point hit: at
    least Good; `flagged` (a pitfall asserted or a key point contradicted) caps at Hard."""
    score = round(100 * sum(p.hit for p in points) / len(points)) if points else 0
    suggested = suggest(score)
    core = [p for p in points if p.core]
    if core and all(p.hit for p in core) and any(p.hit and not p.core for p in points):
        suggested = max(suggested, Rating.GOOD)
    if flagged:
        suggested = min(suggested, PITFALL_CAP)
    return score, suggested

