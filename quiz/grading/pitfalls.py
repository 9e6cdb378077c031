"""Pitfalls: the wrong or outdated claims a question lists, and whether the answer asserts one.

A pitfall is *asserted* when one of its terms matches (same rules) where the answer does
not reject it. It is rejected when the match is negated ("not uvicorn.workers but ..."),
follows a rejecting word within four words ("avoid", "instead of", "rather than", "the old",
"deprecated", "replaced", "stop using", "without", "the source says", "older tutorials",
...; after a word of change, with no `to`, `with`, `by` or `for` between: "replaced by X"
asserts X),
comes after "used to" in its clause, or is followed within six words by a rejecting word
("X is deprecated", "X was removed", "X was merged into Y", "X is the v1 way", "X is no
longer maintained", "X isn't needed", "X has had no release", "X is a trap", "X is a bad
idea", "X is an anti-pattern"), also in a next clause that starts with `but` or `though`
("X, but it is deprecated", "X, but that's no longer true"). A prose term is also rejected
when the next six content words hold three in a row of the pitfall's correction, not all of
them its claim's ("committing after the yield runs after the response" says the
correction). The whole clause is read too: it reports a claim only to reject it when a word of
the past or of others stands anywhere before the pitfall's words ("the older docs used python-jose
and passlib", "some people describe Depends as a container", "in Pydantic v1 you imported
BaseSettings"), a verdict anywhere after them ("... is deprecated", "... is a myth"), or the next
clause starts with `but` or points back at them and judges or denies them ("Older answers show
@validator; in v2 that's deprecated", "It's a common belief that X; it isn't"). Every statement that
asserts a pitfall (its clause, up to a comma that starts a new one: ", it", ", and", ...)
earns no key point: the point it contradicts is not credited from there.

A pitfall with a `subject` is a statement, as a key point can be: its terms are what it claims
and its subject what it claims it of ("Starlette" -> "an ASGI server", "a missing token" ->
"403"). It is asserted only where a term is said in the same part of a sentence as a subject
(between commas, and before `and`), or in the part right after one when that part starts with
a pronoun ("Starlette, it is the server"); so "Uvicorn is the ASGI server" is not "Starlette is
an ASGI server", and any wording of the subject with any wording of the claim names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from quiz.grading.results import PitfallHit, PitfallLike
from quiz.grading.terms import Match, Term, is_negated, matches, negated_inside, variants
from quiz.grading.text import STOPWORDS, Answer, prepare, shown, split_words, stem

PRE_REJECT_REACH = 4
POST_REJECT_REACH = 6
CORRECTION_WORDS = 3
#: Before a pitfall's words, within PRE_REJECT_REACH words: the answer rejects them.
PRE_REJECT = frozenset(
    """avoid avoiding avoided instead rather deprecated outdated obsolete legacy old older
    unmaintained abandoned removed replace replaces replaced replacing superseded formerly
    previously stop stopped quit migrate migrated migrating moved switched ditch ditched drop
    dropped without nobody unlike says say said claims claimed tutorials""".split()
)
#: After a pitfall's words, within POST_REJECT_REACH words: the answer rejects them.
POST_REJECT = frozenset(
    """deprecated deprecation outdated obsolete legacy unmaintained abandoned removed replaced
    superseded dead gone wrong myth false discouraged dropped archived anymore eol fails
    raises merged old older v1 barely maintenance overstates overstated trap traps mistake mistaken
    misconception antipattern pitfall dangerous risky unsafe oversimplification oversimplified""".split()
)
#: After a pitfall's words, these pairs reject them too: "X is a bad idea", "X is an anti-pattern".
POST_REJECT_PAIRS = frozenset({("bad", "idea"), ("bad", "practice"), ("bad", "pattern"), ("anti", "pattern")})
#: "X is not ...", "X isn't ...", right after a pitfall's words.
AUX = frozenset("is are was were be been has have had does do did should must".split())
#: Between a word of change and the pitfall's words, these make the pitfall the new thing:
#: "replaced by X", "switched to X", "replace it with X".
TOWARDS = frozenset({"to", "with", "by", "for", "into"})
MOVES = frozenset("""replace replaces replaced replacing migrate migrated migrating moved switched
    drop dropped ditch ditched stop stopped quit""".split())
_FOLLOWING = frozenset({"but", "though", "although", "however"})
#: Anywhere before a pitfall's words in its clause: the clause reports a claim of the past or of
#: others ("the older docs used python-jose and passlib", "some people describe Depends as ...",
#: "many examples still import aioredis", "in Pydantic v1 you imported BaseSettings").
SOURCES = frozenset("""old older outdated obsolete legacy deprecated unmaintained abandoned superseded
    formerly previously unlike people answers tutorials guides articles examples blogs posts
    courses folks myth myths misconception misconceptions belief mistake mistakes""".split())
#: Sources that are verbs or things of their own too ("the helper answers 403", "schema examples"):
#: a source only after one of QUALIFIERS.
VERBS_TOO = frozenset({"answers", "posts", "guides"})
QUALIFIERS = frozenset("some many most older old other several lot lots these those few".split())
#: "in v1", "Pydantic v1", "Pydantic 1": the old version named before the pitfall's words.
OLD_VERSIONS = frozenset({("in", "v1"), ("pydantic", "v1"), ("pydantic", "1"), ("starlette", "0")})
#: Anywhere after a pitfall's words in its clause, or in the next clause when that clause starts
#: with `but`/`though` or points back at it (`that`, `it`, `this`, ...): the answer rejects them.
VERDICTS = frozenset("""deprecated deprecation outdated obsolete legacy unmaintained removed superseded
    myth wrong false misconception antipattern archived anymore mistake""".split())
ANAPHORS = frozenset("that this it they those these which".split())


def reported(answer: Answer, start: int, end: int) -> bool:
    """Whether the clause holding [start, end) reports its statement only to reject it: a word
    of the past or of others anywhere before it in the clause (unless a word of change points at
    it: "replaced by X"), a verdict anywhere after it, or a next clause that starts with `but` or
    points back at it and gives a verdict or denies it ("...; that's deprecated in v2", "...; it
    isn't")."""
    toks, clause = answer.tokens, answer.clause[start]
    before = [i for i in range(start - 1, max(-1, start - 40), -1) if answer.clause[i] == clause]
    moved = any(toks[i] in MOVES for i in before)  # "replaced the old X with Y": Y is the new thing
    towards = False
    for i in before:
        towards = towards or (moved and toks[i] in TOWARDS)
        source = toks[i] in SOURCES and (toks[i] not in VERBS_TOO or i and toks[i - 1] in QUALIFIERS)
        if source and not towards:
            return True
        if i and (toks[i - 1], toks[i]) in OLD_VERSIONS:
            return True
    i = end
    while i < len(toks) and answer.clause[i] == clause:
        if toks[i] in VERDICTS:
            return True
        i += 1
    nxt = [j for j in range(i, min(len(toks), i + 8)) if answer.clause[j] == clause + 1]
    if not nxt or not (toks[nxt[0]] in _FOLLOWING or ANAPHORS.intersection(toks[j] for j in nxt[:4])):
        return False
    return any(toks[j] in VERDICTS or toks[j] in {"true", "case", "longer", "needed"} and answer.negated[j]
               or answer.is_cue[j] and j - nxt[0] <= 3 for j in nxt)


def rejects(answer: Answer, term: Term, m: Match,
            correction: frozenset[tuple[str, ...]] = frozenset()) -> bool:
    """Whether the answer rejects what it says at `m` (negated, "avoid X", "X is deprecated",
    or X followed by what the pitfall's correction says: "X runs after the response")."""
    if is_negated(answer, term, m) or reported(answer, m.start, m.end):
        return True
    if negated_inside(answer, term, m):
        return True  # a negation inside the claim's words ("def endpoints do not block the loop")
    clause = answer.clause[m.start]
    toks = answer.tokens
    end = min(m.end, m.start + term.words)  # a window one word longer than the term still ends there
    following = [stem(toks[i]) for i in range(end, min(len(toks), end + 2 * POST_REJECT_REACH))
                 if answer.clause[i] == clause and toks[i] not in STOPWORDS and toks[i].isalpha()]
    following = following[:POST_REJECT_REACH]
    said = {tuple(following[i:i + CORRECTION_WORDS])
            for i in range(len(following) - CORRECTION_WORDS + 1)}
    if term.kind == "phrase" and said & correction:
        return True  # prose only: "from jose import jwt" names APIs its correction names too
    own = set(term.norm.split())  # a rejecting word the window took in with the term
    if any(t not in own and (t in PRE_REJECT or t in POST_REJECT) for t in toks[m.start:m.end]):
        return True
    before = range(max(0, m.start - PRE_REJECT_REACH), m.start)
    towards = False
    for i in reversed(before):
        if answer.clause[i] != clause:
            break
        towards = towards or toks[i] in TOWARDS
        if toks[i] in PRE_REJECT and not (towards and toks[i] in MOVES):
            return True
    # "I used to put it in X": the past, for the whole clause
    if any(toks[i:i + 2] == ["used", "to"] and answer.clause[i] == clause for i in range(m.start - 1)):
        return True
    after = [i for i in range(m.end, min(len(toks), m.end + POST_REJECT_REACH))
             if answer.clause[i] == clause]
    if any(toks[i] in POST_REJECT or tuple(toks[i:i + 2]) in POST_REJECT_PAIRS for i in after):
        return True
    # "X is not ...", "X has had no release": auxiliaries, then a negation
    lead = 0
    while lead < min(2, len(after)) and toks[after[lead]] in AUX:
        lead += 1
    if lead and lead < len(after) and answer.is_cue[after[lead]]:
        return True
    if any(toks[i] == "no" and i + 1 < len(toks) and toks[i + 1] == "longer" for i in after):
        return True
    # "X, but it is deprecated", "X, but that's no longer true": the next clause, when it
    # starts with but/though
    nxt = [i for i in range(m.end, min(len(toks), m.end + POST_REJECT_REACH + 2))
           if answer.clause[i] == clause + 1]
    return bool(nxt) and toks[nxt[0]] in _FOLLOWING and any(
        toks[i] in POST_REJECT or toks[i] in {"true", "longer", "case"} and answer.negated[i] for i in nxt)


@lru_cache(maxsize=4096)
def correction_words(correction: str, claim: str) -> frozenset[tuple[str, ...]]:
    """Every run of CORRECTION_WORDS content words of a correction (as stems) that says
    something its claim does not."""
    def stems(text: str) -> list[str]:
        return [stem(w) for w in split_words(prepare(text)) if w not in STOPWORDS and w.isalpha()]
    said, claimed = stems(correction), set(stems(claim))
    runs = (tuple(said[i:i + CORRECTION_WORDS]) for i in range(len(said) - CORRECTION_WORDS + 1))
    return frozenset(r for r in runs if not claimed.issuperset(r))


def find_pitfalls(pitfalls: Sequence[PitfallLike], answer: Answer,
                  widen: Callable[[tuple[str, ...]], tuple[str, ...]] = lambda t: t,
                  rejected: set[int] | None = None) -> tuple[list[PitfallHit], set[int]]:
    """The pitfalls the answer asserts, and every statement that asserts one (`widen` gives
    a term's other wordings: the bank's synonyms); `rejected` receives the statements that name
    a pitfall only to reject it."""
    hits, statements = [], set()
    for p in pitfalls:
        best: tuple[str, Match] | None = None
        subject = tuple(getattr(p, "subject", ()))
        said_of = _subjects(answer, widen(subject)) if subject else None
        for raw in widen(tuple(p.terms)):
            for term in variants(raw, False):
                for m in matches(answer, term):
                    if said_of is not None and not _of_subject(answer, m, said_of):
                        continue
                    if not rejects(answer, term, m, correction_words(p.correction, p.claim)):
                        statements.add(answer.statement[m.start])
                        if best is None or m.score > best[1].score:
                            best = (raw, m)
                    elif rejected is not None and m.score >= term.threshold:
                        rejected.add(answer.statement[m.start])
        if best is not None:
            raw, m = best
            hits.append(PitfallHit(p.claim, p.correction, raw, shown(m.found), p.since, p.reference))
    return hits, statements


#: A part of a sentence that starts with one of these says its claim of the subject named just before.
PRONOUNS = frozenset("it they this that which these those its".split())


def _subjects(answer: Answer, subject: tuple[str, ...]) -> set[int]:
    """The parts of sentences (`Answer.segment`) that name the subject, not negated."""
    out = set()
    for raw in subject:
        for term in variants(raw, True):
            for m in matches(answer, term):
                if (m.score >= term.threshold and answer.segment[m.start] == answer.segment[m.end - 1]
                        and not is_negated(answer, term, m)):
                    out.add(answer.segment[m.start])
    return out


def _of_subject(answer: Answer, m: Match, said_of: set[int]) -> bool:
    """Whether the claim at `m` is said of the subject: named in its part of the sentence, or in
    the part just before when its own starts with a pronoun ("Starlette? It is a server")."""
    segment = answer.segment[m.start]
    if segment in said_of:
        return True
    first = next(i for i in range(m.start, -1, -1) if i == 0 or answer.segment[i - 1] != segment)
    return answer.tokens[first] in PRONOUNS and segment - 1 in said_of
