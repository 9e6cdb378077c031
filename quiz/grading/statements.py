"""Statements and contrasts: a key point that says something *about* something.

A point with a `subject` is a statement: its `terms` are what it says (the predicate) and its
`subject` terms what it says it of. It is credited only where a clause of the answer says a
predicate term of a subject term; a bare predicate term ("run_in_threadpool", "outermost")
credits nothing on its own.

Contrasts are sets of words or phrases of which one excludes the others (`def`/`async def`,
401/403/422, first/last, before/after, inner/outer, ...): a bank declares them once
(`contrasts:` at the top of a bank file, or on a question), and a point may add its own. A
subject or predicate term that holds a member of a set has a *contrasting* form: the term with
that member swapped for another ("def endpoint" -> "async def endpoint", "after the
response" -> "before the response"). So no author writes an inversion by hand.

Every predicate (or contrasting predicate) is paired with the nearest subject (or contrasting
subject) in its part of the sentence (between commas, and before `and`; a part that starts
with `if`, `when`, `for`, ... runs on past its comma), one before it preferred to one after
it (a subject after the predicate counts three words further away). Then:

- subject and predicate: the point is said;
- a contrasting subject with the predicate ("async def runs in the thread pool"), or the
  subject with a contrasting predicate ("def runs on the event loop"): a **contradiction**,
  unless a word of means stands between them (`with`, `using`, `via`, `offload`, ...) or the
  clause reports it to reject it (as for pitfalls: "some answers say ...", "... is a myth");
- both contrasting ("async def runs on the event loop"): the mirror statement, neither; but
  when both swapped in the same set, the relation is reversed ("Starlette is built on
  FastAPI" for "FastAPI is built on Starlette"): a contradiction.

A predicate with no subject in its part of the sentence is said of the subject in scope: the
last one named before it ("You declare BackgroundTasks. They run after the response"); it
is credited when that is the point's subject, or when no subject was named at all, and
nothing when it is a contrasting one. A negated subject or predicate takes no part ("async
def does not run in the thread pool"). A contradiction earns no point, even when the point is
said elsewhere, and caps the rating at Hard like a pitfall.

Role pairs are read off the question's own texts too (its model answer, key points and pitfalls'
corrections), so a point without a `subject` is a statement as well: where a part of a sentence
(between commas, colons, and before `and`) holds one member of each of two sets, at most six
words apart ("a plain def task runs in the threadpool"), those two members are a role pair,
unless the texts pair one of them with another member of the other set too ("def and async
def both ..."). An answer that says the two sets' members together in the same order, one the
role's and the other not ("async def tasks are sent to the thread pool"), contradicts it; the
mirror ("def tasks run in the thread pool, async def on the event loop") does not. Not a pair:
members side by side ("an ASGI server"), joined as alternatives ("heavy or long"), set
against each other ("the async successor to WSGI"), `before`/`after` said of another thing
than the text's ("right after the endpoint returns" for "before the response is sent"), or a
party of an exchange (client, server, browser, send, receive: "the client gets a 500" and "the
server returns a 500" are both right).

Synonyms (`synonyms:`, groups of words or phrases a candidate uses for one another: call/run/
resolve, thread pool/worker thread) widen every term the same way: a term that holds a member
of a group also matches with that member swapped for another, for key points, subjects and
pitfalls alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from quiz.grading.pitfalls import POST_REJECT, POST_REJECT_REACH, PRE_REJECT, PRE_REJECT_REACH, reported
from quiz.grading.results import Contradiction, FactLike
from quiz.grading.terms import SYNONYMS, Match, Term, _index, is_negated, matches, negated_inside, variants
from quiz.grading.text import _CLAUSE, STOPWORDS, Answer, normalise, shown, stem, stem_all

#: A subject after its predicate counts as this many words further away.
AFTER_PENALTY = 3
#: Between a subject and a predicate, these make the predicate a means, not a claim: "in async
#: def, offload a blocking call with run_in_threadpool" says nothing of where async def runs.
INSTRUMENTS = frozenset("with using via through offload offloads offloading wrap wraps wrapping".split())
#: Before a statement, these report it rather than make it: "some answers return 401 when ...".
REPORTED = frozenset("""people tutorials think believe believes mistake mistakenly wrongly
    incorrectly myth misconception claim claims""".split())
#: At most this many variants of one term from synonyms (the rest are left out).
MAX_VARIANTS = 12

Groups = tuple[tuple[str, ...], ...]


@lru_cache(maxsize=8192)
def _pattern(member: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@.]){re.escape(member)}(?![\w])")


@lru_cache(maxsize=256)
def groups(raw: tuple[tuple[str, ...], ...]) -> Groups:
    """A bank's contrasts or synonyms, each member normalised."""
    return tuple(tuple(dict.fromkeys(normalise(m) for m in g if normalise(m))) for g in raw)


@lru_cache(maxsize=16384)
def swaps(term: str, groups: Groups) -> tuple[tuple[str, str, str, int], ...]:
    """Every (new term, member replaced, member put in) from swapping the one member of a group
    that the term holds, on word boundaries, for another member of that group (a term that
    holds two members of a group, "401 then 403", is left as it is)."""
    norm = normalise(term)
    out: list[tuple[str, str, str, int]] = []
    for index, group in enumerate(groups):
        held = [m for m in group if m in norm and _pattern(m).search(norm)]  # `in` first: 10x faster
        if len(held) != 1:  # "401 then 403" has no contrasting form
            continue
        for member in held:
            pattern = _pattern(member)
            for other in group:
                if other != member:
                    out.append((pattern.sub(other, norm), member, other, index))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=16384)
def widen(terms: tuple[str, ...], synonyms: Groups) -> tuple[str, ...]:
    """The terms and their synonym forms (one swap each, MAX_VARIANTS at most per term)."""
    if not synonyms:
        return terms
    out = list(terms)
    for t in terms:
        out += [new for new, _, _, _ in swaps(t, synonyms)[:MAX_VARIANTS]]
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class _Seen:
    start: int
    end: int
    found: str
    contrast: bool  # the contrasting form
    member: str  # for a contrasting form: the member the term has ("def")
    other: str  # ... and the one the answer said ("async def")
    group: int = -1  # ... and the set they belong to


#: A term's form: the compiled term, whether it is a contrasting form, the member it has and the
#: one put in, and the set they belong to.
Form = tuple[Term, bool, str, str, int]


@lru_cache(maxsize=4096)
def forms(terms: tuple[str, ...], contrasts: Groups, synonyms: Groups) -> tuple[Form, ...]:
    """The terms in every wording, then their contrasting forms (swapped first, then widened: a
    synonym never hides that a term holds two members of a set)."""
    plain = widen(terms, synonyms)  # a tuple, not a set: the order decides ties, in every process alike
    raw: list[tuple[str, bool, str, str, int]] = [(t, False, "", "", -1) for t in plain]
    raw += [(wide, True, member, other, index) for t in terms
            for new, member, other, index in swaps(t, contrasts)
            for wide in widen((new,), synonyms) if wide not in plain]
    return tuple((term, contrast, member, other, index) for text, contrast, member, other, index in raw
                 for term in variants(text, True))


def _occurrences(answer: Answer, found: tuple[Form, ...], tainted: frozenset[int]) -> list[_Seen]:
    """Where the forms are said (not negated, outside a tainted statement)."""
    out: list[_Seen] = []
    for term, contrast, member, other, index in found:
        for m in matches(answer, term):
            if m.score < term.threshold or answer.statement[m.start] in tainted:
                continue
            if is_negated(answer, term, m) or negated_inside(answer, term, m):
                continue
            if contrast and not _holds(m.found, other):
                continue  # "for multiple workers" does not say "per worker"
            out.append(_Seen(m.start, m.end, m.found, contrast, member, other, index))
    return out


def _holds(found: str, member: str) -> bool:
    """Whether matched words hold every word of a member (with another ending): a contrasting form
    is said only when the member put in is, stop words and all."""
    said = {stem(w) for w in found.split()}
    return all(stem(w) in said for w in member.split())


def _rejected(answer: Answer, a: int, b: int) -> bool:
    """Whether the clause reports the statement at [a, b) to reject it: "some answers return
    401 when the role is missing, but ...", "X is a myth", "the old advice was X"."""
    clause = answer.clause[a]
    before = [answer.tokens[i] for i in range(max(0, a - PRE_REJECT_REACH - 2), a)
              if answer.clause[i] == clause]
    after = [answer.tokens[i] for i in range(b, min(len(answer.tokens), b + POST_REJECT_REACH))
             if answer.clause[i] == clause]
    return bool(PRE_REJECT.intersection(before) or REPORTED.intersection(before)
                or POST_REJECT.intersection(after)) or reported(answer, a, b)


def _overlaps(a: _Seen | Match, b: _Seen) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass(frozen=True)
class Verdict:
    """What the answer said of one statement point."""

    said: tuple[int, int, str] | None  # start, end, words of a clause that says it
    contradictions: tuple[Contradiction, ...]
    statements: frozenset[int]  # the statements that contradict it


NOTHING = Verdict(None, (), frozenset())


_RUNS = re.compile(r"[a-z0-9]+")


def _anchor(word: str) -> str:
    """What a word is looked up by: its stem, or a name's longest run of letters and digits
    (`app.mount` by "mount", `"401"` by "401")."""
    return stem(word) if word.isalpha() else stem(max(_RUNS.findall(word) or [word], key=len))


def _anchors(term: Term) -> frozenset[str] | None:
    """Words of which an answer must hold one (as written, or with another ending) for the term
    to match: its first word (and its first two written joined); None when it has none."""
    if term.kind == "short":
        words = [term.norm, term.norm + "s", term.norm.removesuffix("s")]
    elif term.kind == "api":
        words = [term.norm]
    elif term.content:
        first = term.content[0]
        words = [first, *SYNONYMS.get(first, ()), *(first + w for w in term.content[1:2])]
    else:
        return None
    return frozenset(_anchor(w) for w in words if w)


def _held(answer: Answer) -> set[str]:
    """The anchors an answer holds: its words and their stems, the runs of letters and digits of
    its names, and each two words written together (the index `matches` builds anyway)."""
    index = _index(answer)
    runs = [r for t in index.forms if not t.isalpha() for r in _RUNS.findall(t)]
    return {*index.forms, *index.stems, *index.pairs, *runs, *stem_all([r for r in runs if r.isalpha()])}


Anchored = tuple[tuple[Form, frozenset[str] | None], ...]


@lru_cache(maxsize=16)
def fact_forms(facts: tuple[FactLike, ...], contrasts: Groups, synonyms: Groups
               ) -> tuple[tuple[str, Anchored, Anchored], ...]:
    """A bank's facts with their subjects' and terms' forms, each with its anchors (`_anchors`),
    worked out once per bank (not per answer)."""
    out = []
    for f in facts:
        sets = contrasts + groups(tuple(map(tuple, f.contrasts)))
        subject, predicate = (tuple((form, _anchors(form[0])) for form in forms(tuple(terms), sets, synonyms))
                              for terms in (f.subject, f.terms))
        out.append((f.fact, subject, predicate))
    return tuple(out)


def _present(found: Anchored, held: set[str]) -> tuple[Form, ...]:
    return tuple(form for form, anchors in found if anchors is None or not anchors.isdisjoint(held))


def judge_facts(facts: tuple[FactLike, ...], answer: Answer, contrasts: Groups, synonyms: Groups,
                tainted: frozenset[int]) -> list[Verdict]:
    """Every fact of the bank against the answer, for contradictions only: a fact is never
    credited and never required; said the other way round it is a contradiction, as a statement
    point's is. A bank may hold many facts and an answer names the subjects of few, so a
    subject or term is looked for only where the answer holds its first word as written or with
    another ending (a fact's words are not matched misspelt)."""
    if not facts:
        return []
    held = _held(answer)
    out = []
    for fact, subject, predicate in fact_forms(facts, contrasts, synonyms):
        if (said := _present(subject, held)) and (terms := _present(predicate, held)):
            verdict = judge_forms(fact, said, terms, answer, tainted, said_too=False)
            if verdict.contradictions:
                out.append(verdict)
    return out


def judge_statement(point: str, subject: Sequence[str], predicate: Sequence[str], answer: Answer,
                    contrasts: Groups, synonyms: Groups, tainted: frozenset[int]) -> Verdict:
    """Whether the answer says `predicate` of `subject` somewhere, and where it says it the
    other way round."""
    return judge_forms(point, forms(tuple(subject), contrasts, synonyms),
                       forms(tuple(predicate), contrasts, synonyms), answer, tainted)


def judge_forms(point: str, subject: tuple[Form, ...], predicate: tuple[Form, ...], answer: Answer,
                tainted: frozenset[int], said_too: bool = True) -> Verdict:
    """`judge_statement` with the terms' forms worked out (`forms`); `said_too=False` looks for
    contradictions only (a fact), so an answer that names no subject is done at once."""
    subjects = _occurrences(answer, subject, tainted)
    if not subjects and not said_too:
        return NOTHING
    preds = _occurrences(answer, predicate, tainted)
    said: tuple[int, int, str] | None = None
    contradictions: dict[tuple[int, str, str], Contradiction] = {}  # one a statement and swap
    statements: set[int] = set()
    for p in preds:
        segment = answer.segment[p.start]
        best: tuple[int, _Seen] | None = None
        for s in subjects:
            if answer.segment[s.start] != segment or _overlaps(s, p):
                continue
            distance = p.start - s.end if s.end <= p.start else s.start - p.end + AFTER_PENALTY
            if best is None or distance < best[0]:
                best = (distance, s)
        if best is None:  # no subject in its part of the sentence: the one in scope, named before
            before = [s for s in subjects if s.end <= p.start and not _overlaps(s, p)]
            if not before or not max(before, key=lambda s: s.start).contrast:
                if not p.contrast:
                    said = said or (p.start, p.end, shown(p.found))
            continue
        s = best[1]
        a, b = min(s.start, p.start), max(s.end, p.end)
        words = shown(" ".join(answer.tokens[a:b]))
        if not s.contrast and not p.contrast:
            said = said or (a, b, words)
        elif (s.contrast != p.contrast or s.group == p.group) and not INSTRUMENTS.intersection(
                answer.tokens[a:b]) and not _rejected(answer, a, b):
            wrong = s if s.contrast else p
            key = (answer.statement[p.start], wrong.other, wrong.member)
            found = Contradiction(point, words, shown(wrong.other), shown(wrong.member))
            contradictions.setdefault(key, found)
            statements.add(answer.statement[p.start])
    return Verdict(said, tuple(contradictions.values()), frozenset(statements))


#: A role pair's two members stand at most this many words apart (in the question's text and in
#: the answer alike).
ROLE_REACH = 6
#: Only these between two members make them alternatives, not roles: "heavy or long work".
ALTERNATIVES = frozenset({"or", "and", "nor", "either", "both"})
#: Between two members, these set one against the other rather than say one of the other: "the
#: async successor to WSGI", "unlike def", "faster than the thread pool".
RELATIONS = frozenset("""successor version unlike than instead versus vs compared replaces replaced replacing
    replacement opposite""".split())
#: A member that is one of these is said of what follows it: "before the response" is not
#: "before the endpoint returns".
PREPOSITIONS = frozenset({"before", "after"})
#: The parties of an exchange take no part in a role pair: which one does something turns with the
#: verb ("the client gets a 500" and "the server returns a 500" are both right).
PARTIES = frozenset({"client", "server", "browser", "send", "receive"})
#: A member may be carried over `and` to a member of another set at most this many words on: "an
#: async def endpoint is a coroutine and runs on the event loop".
CARRY_REACH = 10
_FENCE = re.compile(r"```.*?```", re.S)
_MARKUP = re.compile(r"\*\*|`")

Anchors = frozenset[str] | None
#: A member of a contrast set said in a text: start, end, the set, the member.
Held = tuple[int, int, int, str]


@dataclass(frozen=True)
class Role:
    """A role pair read off a question's own text: one member of each of two contrast sets said
    together ("a plain def endpoint runs in the thread pool": `def` with `thread pool`)."""

    said: str  # the clause it was read from, shown with a contradiction
    members: tuple[tuple[int, str], tuple[int, str]]  # (set, member) twice
    objects: tuple[str, str] = ("", "")  # what a member that is a preposition is said of


@lru_cache(maxsize=64)
def _member_terms(contrasts: Groups, synonyms: Groups) -> tuple[tuple[int, str, Term, Anchors], ...]:
    """Every member of every set in each of its wordings, compiled, with its anchors (`_anchors`)."""
    return tuple((index, member, term, _anchors(term)) for index, group in enumerate(contrasts)
                 for member in group for wording in widen((member,), synonyms)
                 for term in variants(wording, True))


def _members(answer: Answer, contrasts: Groups, synonyms: Groups, tainted: frozenset[int]) -> list[Held]:
    """Every member of a contrast set the text says (in any of its synonyms, its first word as
    written or with another ending, never another number of words: "a sync" is not "async"), not
    negated, outside a tainted statement; one said inside a longer one is the longer one's."""
    out: list[Held] = []
    held = _held(answer)
    for index, member, term, anchors in _member_terms(contrasts, synonyms):
        if anchors is not None and anchors.isdisjoint(held):
            continue
        size = len(term.norm.split())
        for m in matches(answer, term):
            if m.score < term.threshold or answer.statement[m.start] in tainted \
                    or m.end - m.start != size or m.found[:1] != term.norm[:1]:
                continue
            if not (is_negated(answer, term, m) or negated_inside(answer, term, m)):
                out.append((m.start, m.end, index, member))
    out = list(dict.fromkeys(out))
    return sorted(h for h in out if not any(o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0]
                                            for o in out))


def _pairs(answer: Answer, held: list[Held]) -> list[tuple[Held, Held]]:
    """The pairs of members of two sets said together: in one part of a sentence (between commas,
    colons, and before `and`) that holds one member of each of the two sets, at most ROLE_REACH
    words apart but not side by side ("an ASGI server" is a name), nor joined as alternatives
    ("heavy or long") or set against each other ("the async successor to WSGI"); or a member of
    a part carried over the `and` that starts the next one, to a member of another set at most
    CARRY_REACH words on, when that part says no member of the carried one's set and the first
    part none of the other's ("sync ones in the thread pool and async ones on the loop" carries
    nothing: the second part has a subject of its own)."""
    parts: dict[int, list[Held]] = {}
    for h in held:
        parts.setdefault(answer.part[h[0]], []).append(h)
    out = []
    for part in parts.values():
        members: dict[int, set[str]] = {}
        for _, _, index, member in part:
            members.setdefault(index, set()).add(member)
        sole = [h for h in part if len(members[h[2]]) == 1]
        for a, x in enumerate(sole):
            for y in sole[a + 1:]:
                if x[2] == y[2] or x[3] == y[3] or y[0] <= x[1] or y[0] - x[1] > ROLE_REACH:
                    continue
                between = answer.tokens[x[1]:y[0]]
                if all(w in ALTERNATIVES for w in between) or RELATIONS.intersection(between):
                    continue
                out.append((x, y))
    keys = sorted(parts)
    for n, key in enumerate(keys[1:], 1):  # "X is ... and runs on Y": X carried over the `and`
        before, part = parts[keys[n - 1]], parts[key]
        start = part[0][0]
        while start and answer.part[start - 1] == key:
            start -= 1
        if answer.tokens[start] != "and" or answer.statement[start] != answer.statement[before[-1][0]] \
                or answer.commas[start] != answer.commas[before[-1][0]]:
            continue
        for x in before:
            if any(h[2] == x[2] for h in part) or sum(h[2] == x[2] for h in before) != 1:
                continue
            out += [(x, y) for y in part if y[2] != x[2] and y[3] != x[3] and y[0] - x[1] <= CARRY_REACH
                    and sum(h[2] == y[2] for h in part) == 1 and all(h[2] != y[2] for h in before)]
    return out


def _object(answer: Answer, held: Held) -> str:
    """What a member that is a preposition is said of: the stem of the next word of substance in
    its part of the sentence ("before the response" -> "respons"); "" for any other member."""
    if held[3] not in PREPOSITIONS:
        return ""
    for i in range(held[1], len(answer.tokens)):
        if answer.part[i] != answer.part[held[0]]:
            break
        if answer.tokens[i] not in STOPWORDS:
            return stem(answer.tokens[i])
    return ""


@lru_cache(maxsize=1024)
def roles(texts: tuple[str, ...], contrasts: Groups, synonyms: Groups) -> tuple[Role, ...]:
    """The role pairs of a question's own texts (its model answer, key points, the pitfalls'
    corrections): two members of two sets said together (`_pairs`). A member the texts pair with
    two members of one set ("def and async def both ...") has no role in that set, nor has a
    preposition said of nothing ("... and after") or a party of an exchange (PARTIES)."""
    found: dict[tuple[tuple[int, str], tuple[int, str]], tuple[str, tuple[str, str]]] = {}
    partners: dict[tuple[tuple[int, str], int], set[str]] = {}
    for text in texts:
        for clause in _CLAUSE.split(_MARKUP.sub("", _FENCE.sub(" ", text))):
            answer = Answer(clause)
            for x, y in _pairs(answer, _members(answer, contrasts, synonyms, frozenset())):
                objects = (_object(answer, x), _object(answer, y))
                if x[3] in PARTIES or y[3] in PARTIES or any(
                        h[3] in PREPOSITIONS and not o for h, o in zip((x, y), objects, strict=True)):
                    continue
                found.setdefault(((x[2], x[3]), (y[2], y[3])), (" ".join(clause.split()), objects))
                partners.setdefault(((x[2], x[3]), y[2]), set()).add(y[3])
                partners.setdefault(((y[2], y[3]), x[2]), set()).add(x[3])
    return tuple(Role(said, (a, b), objects) for (a, b), (said, objects) in found.items()
                 if len(partners[(a, b[0])]) == 1 and len(partners[(b, a[0])]) == 1)


def judge_roles(found: tuple[Role, ...], answer: Answer, contrasts: Groups, synonyms: Groups,
                tainted: frozenset[int]) -> list[Verdict]:
    """The question's role pairs against the answer, for contradictions only: where the answer
    says two members of the two sets together (`_pairs`), one the role's and the other not
    ("async def ... thread pool" for "def ... thread pool"), a contradiction, unless a word of
    means stands between them or the clause reports it to reject it; both the other way round
    ("async def ... event loop") is the mirror statement, nothing."""
    if not found:
        return []
    out = []
    for x, y in _pairs(answer, _members(answer, contrasts, synonyms, tainted)):
        said = {x[2]: x, y[2]: y}
        for role in found:
            (i, a), (j, b) = role.members
            if (x[2], y[2]) != (i, j):  # in the order the text said them: "a client from redis" is not
                continue  # "redis is a separate server"
            sa, sb = said[i], said[j]
            if (sa[3] == a) == (sb[3] == b) or any(
                    o and _object(answer, h) != o for h, o in zip((sa, sb), role.objects, strict=True)):
                continue
            start, end = min(x[0], y[0]), max(x[1], y[1])
            if INSTRUMENTS.intersection(answer.tokens[start:end]) or _rejected(answer, start, end):
                continue
            wrong, right = (sa, a) if sa[3] != a else (sb, b)
            words = shown(" ".join(answer.tokens[start:end]))
            out.append(Verdict(None, (Contradiction(role.said, words, shown(wrong[3]), shown(right)),),
                               frozenset({answer.statement[start]})))
            break  # one contradiction a pair of words: "async def ... thread pool" swaps two roles at once
    return out
