"""How a key point is judged.

A point is *hit* when any of its terms is found in the answer (see `terms`), outside a
negated stretch (unless the term says the negation itself, "client does not wait", "no
retries", or the point does: "The file is never loaded whole into memory" is said by "it
doesn't load the whole file into memory", while "built on HTTPX, not requests" is not said by
"not HTTPX") and outside a statement that asserts a pitfall.

When no term matches, the point's own wording counts weakly: the point is hit if at least
three quarters of its content words (three at least) appear in the answer, outside negated
stretches.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from quiz.grading.results import KeyPointLike, PointResult
from quiz.grading.terms import Match, Term, first_match, is_negated, negated_inside
from quiz.grading.text import NEGATIONS, STOPWORDS, Answer, content_words, prepare, shown, split_words, stem

POINT_SHARE = 0.75
POINT_MIN_WORDS = 3


@lru_cache(maxsize=4096)
def _point_words(point: str) -> tuple[tuple[str, ...], bool]:
    words = split_words(prepare(point))
    return content_words(w for p in words for w in p.split(".") if w), any(w in NEGATIONS for w in words)


@lru_cache(maxsize=4096)
def _negated_in_point(point: str) -> tuple[frozenset[str], frozenset[str]]:
    """The stems the point's own text negates ("never loaded whole into memory"), and the
    ones it states plainly."""
    text = Answer(point)
    said = [(stem(w), neg) for w, neg in zip(text.tokens, text.negated, strict=True)]
    return frozenset(w for w, neg in said if neg), frozenset(w for w, neg in said if not neg)


def _says_the_negation(point: str, term: Term) -> bool:
    """Whether the point itself negates what the term names: then a negated answer says it."""
    negated, plain = _negated_in_point(point)
    stems = {stem(w) for w in term.norm.split() if w not in STOPWORDS}
    return bool(stems & negated) and not stems & plain


def judge(point: KeyPointLike, answer: Answer, tainted: frozenset[int],
          own: Sequence[str] = (), terms: Sequence[str] | None = None) -> PointResult:
    """One key point against the answer: its terms, then the candidate's own wordings for it
    (`own`: what they marked as said before), then the point's own words."""

    def accept(term: Term, m: Match) -> bool:
        if answer.statement[m.start] in tainted:
            return False
        return not (is_negated(answer, term, m) or negated_inside(answer, term, m)) \
            or _says_the_negation(point.point, term)

    found = first_match(answer, point.terms if terms is None else terms, True, accept)
    if found is not None:
        raw, m = found
        return PointResult(point.point, True, raw, shown(m.found), m.score)
    found = first_match(answer, own, True, accept)
    if found is not None:
        raw, m = found
        return PointResult(point.point, True, raw, shown(m.found), m.score, own=True)
    words, negative = _point_words(point.point)
    if len(words) >= POINT_MIN_WORDS:
        usable = {stem(w) for i, w in enumerate(answer.tokens)
                  if answer.statement[i] not in tainted and (negative or not answer.negated[i])}
        present = [w for w in words if stem(w) in usable]
        share = len(present) / len(words)
        if share >= POINT_SHARE:
            return PointResult(point.point, True, "(the point's own words)", " ".join(present),
                               int(round(share * 100)))
    return PointResult(point.point, False)


#: A missed point's nearest clause must hold at least this many of its content words.
NEAR_WORDS = 2
#: At most this many of the point's words are named as lacking, and this many of the clause's shown.
LACKED_WORDS = 4
NEAR_SHOWN = 12


def closest(point: str, answer: Answer, tainted: frozenset[int]) -> tuple[str, str] | None:
    """For a missed point: the clause of the answer that holds most of the point's content words
    (NEAR_WORDS at least, not all), and the words of the point it lacks."""
    words, _ = _point_words(point)
    stems = {stem(w): w for w in words}
    best: tuple[int, int, int, list[str]] | None = None
    for start, end, _ in answer.clauses:
        said = {stem(answer.tokens[i]) for i in range(start, end)}
        present = [s for s in stems if s in said]
        if len(present) >= NEAR_WORDS and (best is None or len(present) > best[0]):
            best = (len(present), start, end, [w for s, w in stems.items() if s not in said])
    if best is None or not best[3]:
        return None
    _, start, end, lacked = best
    shown_words = answer.tokens[start:min(end, start + NEAR_SHOWN)]
    near = shown(" ".join(shown_words)) + (" ..." if end - start > NEAR_SHOWN else "")
    return near, ", ".join(lacked[:LACKED_WORDS])
