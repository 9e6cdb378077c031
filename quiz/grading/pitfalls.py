"""Pitfalls: the wrong or outdated claims a question lists, and whether the answer asserts one.

A pitfall is *asserted* when one of its terms matches (same rules) where the answer does
not reject it. It is rejected when the match is negated ("not uvicorn.workers but ..."),
follows a rejecting word within four words ("avoid", "instead of", "rather than", "the old",
"deprecated", "replaced", "stop using", "without", "older tutorials",
...; after a word of change, with no `to`, `with`, `by` or `for` between: "replaced by X"
asserts X), or is followed within six words by a rejecting word
("X is deprecated", "X was removed", "X was merged into Y", "X is the v1 way", "X is no
longer maintained", "X isn't needed", "X has had no release", "X is a trap", "X is a bad
idea", "X is an anti-pattern"), also in a next clause that starts with `but` or `though`
("X, but it is deprecated", "X, but that's no longer true"). A prose term is also rejected
when the next six content words hold three in a row of the pitfall's correction, not all of
them its claim's ("committing after the yield runs after the response" says the
correction).

The whole sentence is read too (`reported`), back to its start and on to its end but not
across a clause that starts with `but`, `however`, `instead`, ... ("Many think X, so Y" and
"X (or Z)" report Y and Z too; "Some say X, but Y" asserts Y). It reports a claim only to
reject it when before the claim stands
- a word of the past or of others ("the older docs used python-jose and passlib", "some
  people describe Depends as a container", "in Pydantic v1 you imported BaseSettings", "I used
  to think X"), unless a word of change points at the claim ("replaced the old X with Y");
- a belief or saying that someone else holds: "many believe X", "newcomers tend to think X",
  "some say X", "anyone who tells you X", "you'll read that X", "a common mistake is thinking
  X", "the trap of believing X"; the speaker's present belief asserts ("I think X", "I'd say
  X") and a past one rejects ("I thought X"); an authority's saying asserts ("the docs say X");
  a frame closed by the comma of "Contrary to what many think," or "Unlike ...," holds nothing
  after it;
- a frame held up to be judged or denied: "the idea that X", "it's wrong to think X", "it is
  not true that X", "it's no longer the case that X", "never assume X", "nothing says X";
or after it a verdict ("... is deprecated", "... is a myth"), or the sentence is a question not
answered yes ("X? No."), or the next clause denies it: a short "Not so." or "No.", or one that
starts with `but` or points back at it and judges or denies it ("Older answers show
@validator; in v2 that's deprecated", "It's a common belief that X; it isn't"). A claim in
the first part of a clause that opens with "instead of" or "rather than" is the alternative
turned down ("Instead of registering it with @app.on_event("startup"), use lifespan"). A word
written as code is no rejecting word: "deprecated=True removes the route" can be a pitfall. Every
statement that asserts a pitfall (its clause, up to a comma that starts a new one: ", it",
", and", ...), and the clauses of its sentence that go on from it ("X, so they suit heavy
jobs"; not "X, but ..."), earn no key point: the point it contradicts is not credited from there.

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
from quiz.grading.text import FRAMES, STOPWORDS, Answer, prepare, shown, split_words, stem

PRE_REJECT_REACH = 4
POST_REJECT_REACH = 6
CORRECTION_WORDS = 3
#: Before a pitfall's words, within PRE_REJECT_REACH words: the answer rejects them.
PRE_REJECT = frozenset(
    """avoid avoiding avoided instead rather deprecated outdated obsolete legacy old older
    unmaintained abandoned removed replace replaces replaced replacing superseded formerly
    previously stop stopped quit migrate migrated migrating moved switched ditch ditched drop
    dropped without nobody unlike tutorials""".split()
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
#: "X not needed", "X no longer required": a negation right after a pitfall's words, before one of
#: these (but "ORJSONResponse, not JSONResponse" asserts the first).
DENIED_JUDGEMENTS = frozenset("""needed required necessary recommended used supported maintained advised
    advisable true correct right good safe worth""".split())
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
    courses folks myth myths misconception misconceptions belief mistake mistakes mistakenly wrongly
    incorrectly naively erroneously""".split())
#: Sources that are verbs or things of their own too ("the helper answers 403", "schema examples"):
#: a source only after one of QUALIFIERS.
VERBS_TOO = frozenset({"answers", "posts", "guides"})
QUALIFIERS = frozenset("some many most older old other several lot lots these those few".split())
#: "in v1", "Pydantic v1", "Pydantic 1": the old version named before the pitfall's words.
OLD_VERSIONS = frozenset({("in", "v1"), ("pydantic", "v1"), ("pydantic", "1"), ("starlette", "0")})
#: Anywhere after a pitfall's words in its clause, or in the next clause when that clause starts
#: with `but`/`though` or points back at it (`that`, `it`, `this`, ...): the answer rejects them.
VERDICTS = frozenset("""deprecated deprecation outdated obsolete legacy unmaintained removed superseded
    myth wrong false misconception antipattern archived anymore mistake mistaken incorrect untrue
    misleading inaccurate nonsense misunderstanding fallacy""".split())
ANAPHORS = frozenset("that this it they those these which".split())
#: A clause of its own that denies the one before: "Some say X. Not so.", "X? Nope."
DENIALS = frozenset("nope nah wrong false untrue incorrect".split())
DENIAL_WORDS = 3
#: After a question, these say yes to it: "Does X block? Yes, ..." asserts X.
YES = frozenset("yes yeah yep yup right correct exactly indeed true sure".split())

#: A verb of belief or of saying before a claim frames it: who holds it decides. Beliefs are
#: someone's ("many think X", "newcomers assume X", "thinking X", "the trap of believing X"),
#: sayings only a person's or a source's ("some say X", "anyone who tells you X", "you'll read that
#: X"; not "Depends tells FastAPI to ..."); the speaker's own present belief asserts ("I think X",
#: "I'd say X") and a past one rejects ("I thought X", "I assumed X"); an authority's saying
#: asserts ("the docs say X").
BELIEFS = frozenset("""think thinks thinking thought believe believes believed believing assume assumes
    assumed assuming imagine imagines imagining suppose reckon""".split())
SAYINGS = frozenset("""say says said saying claim claims claimed claiming tell tells told telling hear
    heard read suggest suggests suggested insist insists argue argues repeat repeats recommend
    recommends recommended write writes wrote teach teaches taught""".split())
FRAME_WORDS = BELIEFS | SAYINGS | STOPWORDS
PAST_BELIEFS = frozenset("thought believed assumed imagined".split())
SPEAKER = frozenset({"i", "we"})
AUTHORITIES = frozenset("""docs doc documentation spec specs specification fastapi starlette pydantic
    uvicorn rfc pep standard manual changelog maintainers""".split())
PERSONS = frozenset("""people person many some most others everyone everybody anyone anybody someone
    somebody newcomers beginners juniors folks developers devs engineers teams candidates colleagues
    they you one lots lot several few tutorials articles blogs posts guides answers examples courses
    books videos internet interviewers source sources""".split())
#: Between a holder and its verb: "people often assume", "newcomers tend to think", "you'll hear".
HOLDER_SKIP = frozenset("""often sometimes still usually always commonly typically generally tend tends
    tended to will ll would d might may could can also even really actually mistakenly wrongly
    incorrectly naively probably who just easily all""".split())
#: "You" holds a belief or a saying in general only with one of these between: "you'll hear that X",
#: "you might think X" (but "you read the body with await", "you tell FastAPI to ...").
GENERIC_YOU = frozenset("ll will might may could often sometimes".split())
#: "the idea that X", "the assumption that X": a claim held up to be judged.
NOUN_FRAMES = frozenset("""idea notion belief assumption impression misconception misunderstanding myth
    claim rumour rumor legend fallacy""".split())
#: "it's wrong to think X", "it is false that X".
VERDICT_FRAMES = frozenset("wrong false untrue incorrect mistaken misleading naive nonsense".split())
#: "Contrary to what many think, X", "Unlike what tutorials say, X": the frame ends at the comma and
#: what follows it is the speaker's own claim.
CONTRAST_INTROS = frozenset({"contrary", "unlike", "despite"})


def _holder(answer: Answer, verb: int) -> tuple[str | None, bool]:
    """Who holds the belief or saying at `verb` (the nearest word before it in its statement,
    past HOLDER_SKIP), and whether a word of HOLDER_SKIP stood between."""
    toks, skipped = answer.prose, False
    for i in range(verb - 1, -1, -1):
        if answer.statement[i] != answer.statement[verb]:
            break
        if toks[i] not in HOLDER_SKIP:
            return toks[i], skipped
        skipped = skipped or toks[i] in GENERIC_YOU
    return None, skipped


def _framed(answer: Answer, before: list[int]) -> bool:
    """Whether a belief or saying of others (see BELIEFS), a noun frame ("the idea that") or a
    verdict frame ("it's wrong to think") stands at one of `before` (the words before a claim)."""
    toks = answer.prose
    for i in before:
        w, nxt = toks[i], toks[i + 1]
        if w in NOUN_FRAMES and nxt == "that" or w in VERDICT_FRAMES and nxt in {"that", "to"}:
            return True
        if w not in BELIEFS and w not in SAYINGS or w in {"think", "thought"} and nxt in {"of", "about"}:
            continue
        holder, generic = _holder(answer, i)
        if w.endswith("ing") and holder not in PERSONS and holder not in SPEAKER:
            holder = None  # "the trap of believing X", "a common mistake is thinking X"
        if holder in SPEAKER:
            return w in PAST_BELIEFS
        if holder in AUTHORITIES:
            return False
        if holder == "you" and not generic:
            continue
        if holder in PERSONS or holder in SOURCES or holder in QUALIFIERS or holder is None and w in BELIEFS:
            return True
    return False


#: A clause that starts with one of these says something of its own: what a sentence reports
#: before it ("Some say X, but Y") does not reach into it, nor the other way round. (Not `while`:
#: "a retry that arrives while the first is still running"; `however` only before a comma: not
#: "however deep the page".)
CONTRASTIVE = frozenset("but however though although whereas instead rather yet".split())


def _contrasts(answer: Answer, clause: int) -> bool:
    """Whether the clause opens with a contrastive word."""
    start, end, _ = answer.clauses[clause]
    word = answer.prose[start]
    return word in CONTRASTIVE and (word != "however" or end - start < 2
                                    or answer.commas[start + 1] != answer.commas[start])


def _reach(answer: Answer, clause: int) -> tuple[int, int]:
    """The clauses of the sentence around `clause` that one report spans: back to the sentence's
    start and on to its end, but not across a clause that starts with a contrastive word ("Many
    think X, so Y" reports Y too; "... (or Z)", Z)."""
    first = last = clause
    sentence = answer.sentence
    while first > 0 and sentence[first - 1] == sentence[first] and not _contrasts(answer, first):
        first -= 1
    while (last + 1 < len(answer.clauses) and sentence[last + 1] == sentence[last]
           and not _contrasts(answer, last + 1)):
        last += 1
    return first, last


def reported(answer: Answer, start: int, end: int) -> bool:
    """Whether the sentence holding [start, end) reports its statement only to reject it (within
    `_reach`: the clauses of its sentence up to one that starts with `but`, `however`, ...): a
    word of the past or of others anywhere before it (unless a word of change points at it:
    "replaced by X"), a belief or saying of others that holds it ("many assume X", `_framed`), a
    verdict anywhere after it, a question (not answered yes), or a next clause that denies it (a
    short "Not so.", or one that starts with `but` or points back at it and gives a verdict or
    denies it: "...; that's deprecated in v2", "...; it isn't")."""
    toks, clause = answer.prose, answer.clause[start]
    first, last = _reach(answer, clause)
    before = list(range(start - 1, max(answer.clauses[first][0], start - 60) - 1, -1))
    if before and toks[before[-1]] in CONTRAST_INTROS:
        before = [i for i in before if answer.commas[i] == answer.commas[start]]  # the intro is no source
    moved = any(toks[i] in MOVES for i in before)  # "replaced the old X with Y": Y is the new thing
    towards = False
    for i in before:
        towards = towards or (moved and toks[i] in TOWARDS)
        source = toks[i] in SOURCES and (toks[i] not in VERBS_TOO or i and toks[i - 1] in QUALIFIERS)
        if source and not towards:
            return True
        if i and (toks[i - 1], toks[i]) in OLD_VERSIONS:
            return True
    opening = answer.clauses[first][0]
    if (tuple(toks[opening:opening + 2]) in {("instead", "of"), ("rather", "than")} and clause == first
            and answer.commas[start] == answer.commas[opening]):
        return True  # "Instead of registering it with @app.on_event, ...": the alternative turned down
    if _framed(answer, before) or any(toks[i] in FRAMES and answer.negated[i] for i in before):
        return True  # ... or a denied frame: "it is not true that X, so Y", "nothing says X (or Z)"
    if any(toks[i] == "used" and toks[i + 1] == "to" for i in before):
        return True  # "I used to think X", "we used to put it in X": the past
    if any(toks[i] in VERDICTS for i in range(end, answer.clauses[last][1])):
        return True
    if clause in answer.asked:
        after = next((c for c in range(last + 1, len(answer.clauses))
                      if answer.sentence[c] != answer.sentence[clause]), None)
        return after is None or toks[answer.clauses[after][0]] not in YES
    if last + 1 >= len(answer.clauses):
        return False
    begin, stop, _ = answer.clauses[last + 1]
    nxt = list(range(begin, min(stop, begin + 8)))
    lead = begin + (toks[begin] in _FOLLOWING and stop - begin > 1)  # "..., but no."
    if stop - begin <= DENIAL_WORDS and (answer.is_cue[lead] or toks[lead] in DENIALS):
        return True
    if not (toks[begin] in _FOLLOWING or ANAPHORS.intersection(toks[j] for j in nxt[:4])):
        return False
    return any(toks[j] in VERDICTS or toks[j] in {"true", "case", "longer", "needed"} and answer.negated[j]
               or answer.is_cue[j] and j - begin <= 3 for j in nxt)


def rejects(answer: Answer, term: Term, m: Match,
            correction: frozenset[tuple[str, ...]] = frozenset()) -> bool:
    """Whether the answer rejects what it says at `m` (negated, "avoid X", "X is deprecated",
    or X followed by what the pitfall's correction says: "X runs after the response")."""
    first, own = m.start, term.norm.split()  # a window one word longer may take in the frame: "think X"
    while first < m.end - 1 and answer.tokens[first] in FRAME_WORDS and answer.tokens[first] not in own:
        first += 1
    if is_negated(answer, term, m) or reported(answer, first, m.end):
        return True
    if negated_inside(answer, term, m):
        return True  # a negation inside the claim's words ("def endpoints do not block the loop")
    clause = answer.clause[m.start]
    toks = answer.prose  # a word written as code rejects nothing: `deprecated=True`
    end = min(m.end, m.start + term.words)  # a window one word longer than the term still ends there
    words = answer.tokens
    following = [stem(words[i]) for i in range(end, min(len(toks), end + 2 * POST_REJECT_REACH))
                 if answer.clause[i] == clause and words[i] not in STOPWORDS and words[i].isalpha()]
    following = following[:POST_REJECT_REACH]
    said = {tuple(following[i:i + CORRECTION_WORDS])
            for i in range(len(following) - CORRECTION_WORDS + 1)}
    if term.kind == "phrase" and said & correction:
        return True  # prose only: "from jose import jwt" names APIs its correction names too
    # a rejecting word the window took in with the term
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
    after = [i for i in range(end, min(len(toks), end + POST_REJECT_REACH))
             if answer.clause[i] == clause]
    if any(toks[i] in POST_REJECT or tuple(toks[i:i + 2]) in POST_REJECT_PAIRS for i in after):
        return True
    # "X is not ...", "X has had no release": auxiliaries, then a negation; "(X not needed)"
    lead = 0
    while lead < min(2, len(after)) and toks[after[lead]] in AUX:
        lead += 1
    if lead < len(after) and answer.is_cue[after[lead]] and (
            lead or lead + 1 < len(after) and toks[after[lead + 1]] in DENIED_JUDGEMENTS):
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
                        statements.update(_consequences(answer, m.start))
                        if best is None or m.score > best[1].score:
                            best = (raw, m)
                    elif rejected is not None and m.score >= term.threshold:
                        rejected.add(answer.statement[m.start])
        if best is not None:
            raw, m = best
            hits.append(PitfallHit(p.claim, p.correction, raw, shown(m.found), p.since, p.reference))
    return hits, statements


def _consequences(answer: Answer, start: int) -> set[int]:
    """The statement at `start` and those of its sentence's clauses after it that go on from it
    (`_reach`: "X, so they suit heavy jobs", "X (which Y)"; not "X, but Y")."""
    _, last = _reach(answer, answer.clause[start])
    later = range(answer.clauses[answer.clause[start]][1], answer.clauses[last][1])
    return {answer.statement[start], *(answer.statement[i] for i in later)}


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
