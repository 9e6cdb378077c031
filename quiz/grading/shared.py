"""The pitfalls an answer is checked for: the question's own, and the bank's (`pitfalls:` at the
top of a bank file), which are looked for in every answer of the bank.

A bank may hold hundreds of pitfalls and an answer touches few, so one of the bank's that is not
listed under the question is looked for only where the answer holds, for one of its terms, the
first and the last word (as written or with another ending: the anchors facts use,
`statements._anchor`), and for a pitfall with a subject, the first word of one of its subject's
terms too. The question's own pitfalls and the bank's listed under it are looked for as always
(misspelt words too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from quiz.grading.statements import Groups, _anchor, _anchors, _held, widen
from quiz.grading.terms import SYNONYMS, Term, variants
from quiz.grading.text import Answer

Anchors = frozenset[str]


def _words(word: str, joined: str | None) -> Anchors:
    return frozenset(_anchor(w) for w in (word, *SYNONYMS.get(word, ()), *([joined] if joined else ())) if w)


def _ends(term: Term) -> tuple[Anchors, Anchors] | None:
    """What an answer must hold for `term` to match: its first word's anchors and its last's (a
    phrase: every match holds both, see terms._Index), or its own (a name, a short word); None
    when it has no words to anchor."""
    if term.kind != "phrase":
        found = _anchors(term)
        return None if found is None else (found, found)
    content = term.content
    if not content:
        return None
    first = _words(content[0], content[0] + content[1] if len(content) > 1 else None)
    last = _words(content[-1], content[-2] + content[-1] if len(content) > 1 else None)
    return first, last


@dataclass(frozen=True)
class _Table:
    """A bank's pitfalls by the anchors of their terms: worked out once per bank."""

    pitfalls: tuple[Any, ...]
    synonyms: Groups
    by_first: dict[str, list[tuple[int, Anchors]]]  # a term's first anchor -> (pitfall, last anchors)
    always: frozenset[int]  # pitfalls with a term that has no anchors
    subjects: tuple[Anchors | None, ...]  # per pitfall: its subject's first words (None: no subject)


_TABLES: dict[tuple[int, int], _Table] = {}  # ids of the pitfalls tuple and the synonyms -> its table


def _table(pitfalls: tuple[Any, ...], synonyms: Groups) -> _Table:
    key = (id(pitfalls), id(synonyms))
    found = _TABLES.get(key)
    if found is not None and found.pitfalls is pitfalls and found.synonyms is synonyms:
        return found
    by_first: dict[str, list[tuple[int, Anchors]]] = {}
    always: set[int] = set()
    subjects: list[Anchors | None] = []
    for i, p in enumerate(pitfalls):
        for term in (t for raw in widen(tuple(p.terms), synonyms) for t in variants(raw, False)):
            ends = _ends(term)
            if ends is None:
                always.add(i)
                continue
            for anchor in ends[0]:
                by_first.setdefault(anchor, []).append((i, ends[1]))
        said = [_anchors(t) for raw in widen(tuple(p.subject), synonyms) for t in variants(raw, True)]
        subjects.append(None if not said or None in said else frozenset().union(*said))  # type: ignore[arg-type]
    if len(_TABLES) > 16:
        _TABLES.clear()
    table = _TABLES[key] = _Table(pitfalls, synonyms, by_first, frozenset(always), tuple(subjects))
    return table


def _likely(table: _Table, held: set[str]) -> list[int]:
    """The pitfalls of the table whose anchors the answer holds, in the bank's order."""
    found = set(table.always)
    for anchor in held.intersection(table.by_first):
        found.update(i for i, last in table.by_first[anchor] if not last.isdisjoint(held))
    subjects = table.subjects
    return sorted(i for i in found if subjects[i] is None or not subjects[i].isdisjoint(held))  # type: ignore[union-attr]


def checked(question: Any, answer: Answer, synonyms: Groups) -> Sequence[Any]:
    """The pitfalls to look for in `answer`: the question's own, the bank's listed under it, then
    the bank's others whose anchors the answer holds."""
    own = tuple(question.pitfalls)
    shared = getattr(question, "bank_pitfalls", ())
    if not shared:
        return own
    claims = {p.claim for p in own}
    listed = tuple(p for p in shared if p.claim not in claims and p.listed_under(question))
    seen = claims.union(p.claim for p in listed)
    table = _table(shared, synonyms)
    others = tuple(p for p in (shared[i] for i in _likely(table, _held(answer))) if p.claim not in seen)
    return own + listed + others
