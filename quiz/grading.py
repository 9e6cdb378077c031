"""A typed answer against a question's key points: what was covered, a score, a rating.

Pure: no I/O, no clock. `grade(answer, question)` judges each key point on its own.

How a key point is judged
-------------------------
Both the answer and the terms are normalised: casefolded, every punctuation mark but
`_ . @ /` turned into a space, dots at the end of a word dropped, spaces collapsed. Then a
point is *hit* when any of its terms is found in the answer:

- an API name (a term written with `_ . @ / ( ) " '` or in camelCase, such as
  `add_middleware`, `@app.middleware`, `Depends()`) must appear as written, or within one
  typo of it (rapidfuzz ratio >= 90 against a window of the answer's words);
- a short term (4 characters or fewer: `cors`, `jwt`, `orm`) must be a whole word of the
  answer (a plural `s` allowed); no fuzziness, or "orm" would match "form";
- any other word or phrase is compared with every window of as many words of the answer
  (one more and one fewer too) with rapidfuzz's ratio; the threshold rises as the term
  gets shorter (80 for 20+ characters, 85 from 10, 88 below), so a typo or a different
  ending still counts ("midleware", "wrapping each request") but another word does not.

When no term matches, the point's own wording counts weakly: the point is hit if at least
three quarters of its content words (three at least) appear in the answer.

Score and rating
----------------
The score is the share of key points hit, 0 to 100. The suggested rating:

    score < 40  -> Again   (most of the answer is missing)
    score < 65  -> Hard    (about half of it)
    score < 90  -> Good    (all but one point, for 4 or 5 points)
    otherwise   -> Easy    (every point)

An empty answer means "show me": score 0, Again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Protocol


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

API_RATIO = 90
SHORT_TERM = 4
POINT_SHARE = 0.75
POINT_MIN_WORDS = 3

STOPWORDS = frozenset(
    """a an the and or but if then than so of to in on at by for with from into onto as is are
    was were be been being it its this that these those there their they them you your we our
    not no can could should would will may might must do does did done has have had how what
    when where which who why all any each every some such only also just more most less very
    instead via per use used uses using""".split()
)

_PUNCT = re.compile(r"[^\w\s.@/]")
_API_CHARS = re.compile(r"[_.@/()\"'\[\]=]|[a-z][A-Z]")
_SPACES = re.compile(r"\s+")


class KeyPointLike(Protocol):
    @property
    def point(self) -> str: ...

    @property
    def terms(self) -> Sequence[str]: ...


class Gradable(Protocol):
    """What grading needs of a question: its key points."""

    @property
    def key_points(self) -> Sequence[KeyPointLike]: ...


@dataclass(frozen=True)
class PointResult:
    """One key point: hit or missed, and what in the answer showed it."""

    point: str
    hit: bool
    matched: str | None = None  # the term that matched, or "(the point's own words)"
    found: str | None = None  # the words of the answer it matched
    similarity: int = 0  # 0-100


@dataclass(frozen=True)
class Grade:
    points: tuple[PointResult, ...]
    score: int
    suggested: Rating
    empty: bool = False

    @property
    def hits(self) -> list[PointResult]:
        return [p for p in self.points if p.hit]

    @property
    def missed(self) -> list[PointResult]:
        return [p for p in self.points if not p.hit]


def normalise(text: str) -> str:
    """Casefold, punctuation (but `_ . @ /`) to spaces, trailing dots dropped, spaces collapsed."""
    words = _PUNCT.sub(" ", text.casefold()).split()
    return " ".join(w for w in (w.rstrip(".") for w in words) if w)


def suggest(score: int) -> Rating:
    for bound, rating in RATING_BOUNDS:
        if score < bound:
            return rating
    return Rating.EASY


@dataclass(frozen=True)
class _Term:
    text: str  # as written
    norm: str
    words: int
    kind: str  # "api", "short" or "phrase"
    threshold: int


@lru_cache(maxsize=4096)
def _compile(term: str) -> _Term | None:
    norm = normalise(term)
    if not norm:
        return None
    words = norm.count(" ") + 1
    if _API_CHARS.search(term):
        return _Term(term, norm, words, "api", API_RATIO)
    if words == 1 and len(norm) <= SHORT_TERM:
        return _Term(term, norm, words, "short", 100)
    threshold = 80 if len(norm) >= 20 else 85 if len(norm) >= 10 else 88
    return _Term(term, norm, words, "phrase", threshold)


@lru_cache(maxsize=4096)
def _content_words(point: str) -> tuple[str, ...]:
    words = normalise(point).replace(".", " ").replace("/", " ").split()
    return tuple(dict.fromkeys(w for w in words if len(w) > 2 and w not in STOPWORDS))


class _Answer:
    """The normalised answer, with its word windows built once and reused for every term."""

    def __init__(self, text: str):
        self.norm = normalise(text)
        self.padded = f" {self.norm} "
        self.words = self.norm.split()
        self.wordset = frozenset(self.words)
        # the pieces of dotted names too: `app.add_middleware` holds `add_middleware`
        parts = {p for w in self.words for p in re.split(r"[.@/]", w) if p}
        self.parts = sorted(parts - self.wordset)
        self._windows: dict[int, list[str]] = {}

    def windows(self, size: int) -> list[str]:
        if size not in self._windows:
            w = self.words
            size = max(1, min(size, len(w)))
            self._windows[size] = [" ".join(w[i:i + size]) for i in range(len(w) - size + 1)]
        return self._windows[size]

    def best(self, term: _Term) -> tuple[int, str | None]:
        """The best similarity of a term to any window of the answer, and that window."""
        from rapidfuzz import fuzz, process

        best_score, best_text = 0, None
        for size in {max(1, term.words - 1), term.words, term.words + 1}:
            choices = self.windows(size)
            if size == 1 and term.kind == "api":
                choices = choices + self.parts
            found = process.extractOne(term.norm, choices, scorer=fuzz.ratio,
                                       score_cutoff=term.threshold)
            if found is not None and found[1] > best_score:
                best_score, best_text = int(round(found[1])), found[0]
        return best_score, best_text

    def match(self, term: _Term) -> tuple[int, str | None]:
        if term.kind == "short":
            for w in (term.norm, term.norm + "s"):
                if w in self.wordset:
                    return 100, w
            return 0, None
        if term.kind == "api" and term.norm in self.norm:
            return 100, term.norm
        return self.best(term)


def _judge(point: KeyPointLike, answer: _Answer) -> PointResult:
    best = PointResult(point.point, False)
    for raw in point.terms:
        term = _compile(raw)
        if term is None:
            continue
        similarity, found = answer.match(term)
        if similarity >= term.threshold and similarity > best.similarity:
            best = PointResult(point.point, True, raw, found, similarity)
            if similarity == 100:
                break
    if best.hit:
        return best
    words = _content_words(point.point)
    if len(words) >= POINT_MIN_WORDS:
        present = [w for w in words if w in answer.wordset]
        share = len(present) / len(words)
        if share >= POINT_SHARE:
            return PointResult(point.point, True, "(the point's own words)", " ".join(present),
                               int(round(share * 100)))
    return best


def grade(answer: str, question: Gradable) -> Grade:
    """Judge every key point of `question` against `answer`; an empty answer scores 0."""
    points = question.key_points
    if not answer.strip():
        return Grade(tuple(PointResult(p.point, False) for p in points), 0, Rating.AGAIN, True)
    text = _Answer(answer)
    results = tuple(_judge(p, text) for p in points)
    score = round(100 * sum(r.hit for r in results) / len(results)) if results else 0
    return Grade(results, score, suggest(score))
