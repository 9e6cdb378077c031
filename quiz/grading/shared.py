"""The pitfalls an answer is checked for: the question's own, and the bank's (`pitfalls:` at the
top of a bank file), which are looked for in every answer of the bank.

A bank may hold many pitfalls and an answer touches few, so one of the bank's that is not listed
under the question is looked for only where the answer holds the first word of one of its terms
(as written or with another ending: the anchors facts use, `statements._anchors`); the
question's own and the bank's listed under it are looked for as always (misspelt words too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quiz.grading.statements import Groups, _anchors, _held, widen
from quiz.grading.terms import variants
from quiz.grading.text import Answer

Anchored = tuple[tuple[Any, frozenset[str] | None], ...]
#: ids of a bank's pitfalls tuple and synonyms -> (both, kept alive so that the ids are not
#: reused; each pitfall with its anchors, None when a term has none): worked out once per bank
_TABLES: dict[tuple[int, int], tuple[Any, Any, Anchored]] = {}


def _anchored(pitfalls: tuple[Any, ...], synonyms: Groups) -> Anchored:
    key = (id(pitfalls), id(synonyms))
    found = _TABLES.get(key)
    if found is not None and found[0] is pitfalls and found[1] is synonyms:
        return found[2]
    table = []
    for p in pitfalls:
        anchors: set[str] | None = set()
        for term in (t for raw in widen(tuple(p.terms), synonyms) for t in variants(raw, False)):
            own = _anchors(term)
            if own is None:
                anchors = None
                break
            anchors |= own  # type: ignore[operator]
        table.append((p, None if anchors is None else frozenset(anchors)))
    if len(_TABLES) > 16:
        _TABLES.clear()
    _TABLES[key] = (pitfalls, synonyms, tuple(table))
    return tuple(table)


def checked(question: Any, answer: Answer, synonyms: Groups) -> Sequence[Any]:
    """The pitfalls to look for in `answer`: the question's own, the bank's listed under it, then
    the bank's others whose anchors the answer holds."""
    own = tuple(question.pitfalls)
    shared = getattr(question, "bank_pitfalls", ())
    if not shared:
        return own
    claims = {p.claim for p in own}
    listed = [p for p in shared if p.claim not in claims and p.listed_under(question)]
    seen = {p.claim for p in listed} | claims
    held = _held(answer)
    others = [p for p, anchors in _anchored(shared, synonyms)
              if p.claim not in seen and (anchors is None or not anchors.isdisjoint(held))]
    return own + tuple(listed) + tuple(others)
