"""`grade(answer, question)`: every key point judged on its own, then the pitfalls (the
question's own and the bank's: `quiz.grading.shared`), and the
bank's facts for contradictions only (a fact said the other way round caps the rating at Hard
as a contradicted key point does; a fact is never credited and never required).

An empty answer means "show me": score 0, Again. So does a non-answer ("I don't know", "no
idea", "not sure", "skip", "pass", "?") with nothing else of substance (two content words at
least that the question itself does not contain).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from quiz.grading.pitfalls import find_pitfalls
from quiz.grading.points import closest, judge
from quiz.grading.results import (
    PITFALL_CAP,
    Contradiction,
    Gradable,
    Grade,
    KeyPointLike,
    PointResult,
    Rating,
    rate,
    rated_score,
)
from quiz.grading.shared import checked
from quiz.grading.statements import (
    Groups,
    Role,
    Verdict,
    groups,
    judge_facts,
    judge_roles,
    judge_statement,
    roles,
    widen,
)
from quiz.grading.text import STOPWORDS, Answer, content_words, prepare, split_words, stem

SUBSTANCE = 2
#: Said anywhere, these make a non-answer unless the rest has substance.
NON_ANSWERS = (
    "i do not know", "do not know", "dont know", "dunno", "idk", "no idea", "not sure",
    "no clue", "not a clue", "can not remember", "do not remember", "i forgot", "never heard",
)
#: Alone (with fillers), these are a non-answer: "skip", "pass", "n/a".
NON_ANSWER_WORDS = frozenset("skip skipped pass next nothing none no n a forgot answer".split())
NON_ANSWER_FILLERS = frozenset(
    """sorry really honestly um umm uh uhh hmm er erm well think guess maybe know idea sure
    anything something about yet exactly much clue remember question""".split()
)


def _is_non_answer(answer: Answer, question: str) -> bool:
    """"I don't know", "no idea", "skip", "?" and nothing else of substance."""
    text = " ".join(answer.tokens)
    said = False
    for phrase in NON_ANSWERS:
        padded = f" {text} "
        if f" {phrase} " in padded:
            text = padded.replace(f" {phrase} ", " ").strip()
            said = True
    if all(w in NON_ANSWER_WORDS or w in NON_ANSWER_FILLERS or w in STOPWORDS for w in text.split()):
        return True
    asked = {stem(w) for w in split_words(prepare(question))}
    rest = [w for w in content_words(text.split())
            if w not in NON_ANSWER_FILLERS and stem(w) not in asked]
    return said and len(rest) < SUBSTANCE


def grade(answer: str, question: Gradable, *, own: Mapping[str, Sequence[str]] | None = None) -> Grade:
    """Judge every key point and pitfall of `question` against `answer`.

    `own` maps a key point's `point` text to wordings this candidate used for it and marked as
    said: a point matched by one of them (same rules as a term) is hit, with `own` set."""
    points = question.key_points
    if not answer.strip():
        return Grade(_unsaid(points), 0, Rating.AGAIN, True)
    text = Answer(answer)
    if _is_non_answer(text, question.question):
        return Grade(_unsaid(points), 0, Rating.AGAIN,
                     non_answer=True)
    contrasts = groups(tuple(tuple(g) for g in getattr(question, "contrasts", ())))
    synonyms = groups(tuple(tuple(g) for g in getattr(question, "synonyms", ())))
    rejected: set[int] = set()  # statements that name a pitfall only to reject it
    pitfalls = checked(question, text, synonyms)  # its own and the bank's
    asserted, pitfall_statements = find_pitfalls(pitfalls, text, lambda t: widen(t, synonyms), rejected)
    said = frozenset(pitfall_statements | rejected)  # a myth named to reject it is no swap
    facts = judge_roles(question_roles(question, contrasts, synonyms), text, contrasts, synonyms, said)
    facts += judge_facts(tuple(getattr(question, "facts", ())), text, contrasts, synonyms, said)
    if not points:  # nothing to grade against (an imported question): the candidate rates, as in Anki
        swapped = _once((), [c for v in facts for c in v.contradictions])
        suggested = min(Rating.GOOD, PITFALL_CAP) if asserted or swapped else Rating.GOOD
        return Grade((), rated_score(suggested), suggested, pitfalls=tuple(asserted), self_rated=True,
                     contradictions=swapped)
    tainted = frozenset(pitfall_statements)
    verdicts: dict[int, Verdict] = {}
    for i, p in enumerate(points):
        if subject := tuple(getattr(p, "subject", ())):
            own_contrasts = groups(tuple(tuple(g) for g in getattr(p, "contrasts", ())))
            verdicts[i] = judge_statement(p.point, subject, tuple(p.terms), text, contrasts + own_contrasts,
                                          synonyms, tainted)
    contradictions = tuple(c for v in verdicts.values() for c in v.contradictions)
    contradictions += _once(contradictions, [c for v in facts for c in v.contradictions])
    every = (*verdicts.values(), *facts)
    tainted = tainted.union(*(v.statements for v in every))  # voids its own statement only
    mine = own or {}
    results = tuple(_point(p, verdicts.get(i), text, tainted, mine.get(p.point, ()), synonyms)
                    for i, p in enumerate(points))
    results = tuple(replace(r if r.hit else _why_missed(r, text, tainted),
                            core=bool(getattr(p, "core", False)))
                    for r, p in zip(results, points, strict=True))
    score, suggested = rate(results, bool(asserted or contradictions))
    return Grade(results, score, suggested, pitfalls=tuple(asserted), contradictions=contradictions)


def _unsaid(points: Sequence[KeyPointLike]) -> tuple[PointResult, ...]:
    return tuple(PointResult(p.point, False, core=bool(getattr(p, "core", False))) for p in points)


def question_roles(question: Gradable, contrasts: Groups, synonyms: Groups) -> tuple[Role, ...]:
    """The role pairs the question's own texts state: its model answer, its key points and the
    corrections of its pitfalls (and of the bank's listed under it): `statements.roles`."""
    listed = [p for p in getattr(question, "bank_pitfalls", ()) if p.listed_under(question)]
    texts = (getattr(question, "answer", ""), *(p.point for p in question.key_points),
             *(p.correction for p in (*question.pitfalls, *listed)))
    return roles(texts, contrasts, synonyms)


def _once(named: tuple[Contradiction, ...], more: list[Contradiction]) -> tuple[Contradiction, ...]:
    """The facts' contradictions but those of words already named (by a key point or another
    fact: "async def runs in the thread pool" swaps two facts at once)."""
    out: list[Contradiction] = []
    for c in more:
        if not any(c.found in n.found or n.found in c.found for n in (*named, *out)):
            out.append(c)
    return tuple(out)


def _point(point: KeyPointLike, verdict: Verdict | None, text: Answer, tainted: frozenset[int],
           own: Sequence[str], synonyms: Groups) -> PointResult:
    """A statement point from its verdict (a contradicted one is missed), then the candidate's
    own wording; any other point by its terms."""
    if verdict is None:
        return judge(point, text, tainted, widen(tuple(own), synonyms) if own else (),
                     widen(tuple(point.terms), synonyms))
    if verdict.said and not verdict.contradictions:
        return PointResult(point.point, True, "(said of its subject)", verdict.said[2], 100)
    if own and not verdict.contradictions:
        result = judge(point, text, tainted, widen(tuple(own), synonyms), ())
        if result.own:
            return result
    return PointResult(point.point, False)


def _why_missed(result: PointResult, text: Answer, tainted: frozenset[int]) -> PointResult:
    """A missed point with the part of the answer that came closest and what it lacked."""
    near = closest(result.point, text, tainted)
    return result if near is None else replace(result, near=near[0], lacked=near[1])
