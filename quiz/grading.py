"""A typed answer against a question's key points and pitfalls: what was covered, what was
wrong, a score, a rating.

Pure: no I/O, no clock. `grade(answer, question)` judges each key point on its own, then
looks for the question's pitfalls (wrong or outdated claims) the answer asserts.

Reading the answer
------------------
The answer is cut into clauses: at sentence ends, `;`, blank lines and list items (a line
that only wraps a sentence does not cut it), spaced dashes, brackets, and before `but`,
`instead`, `rather`, `whereas`, `however`, `although`, `though`, `because` and `while`
(and a comma before `not`, `no`, `never`, `now`, `so`). A term never matches across two
clauses. Each clause is normalised: casefolded, `n't` written `not`, every punctuation mark
but `_ . @ /` turned into a space, a `/` between two words or numbers too (`nginx/gateway`
is two words, `409/422` two numbers), `async def` one word (so `def ...` never matches
inside `async def ...`), trailing dots dropped.

Negation: `not`, `no`, `never`, `neither`, `nor` (and `doesn't`, `isn't`, `can't`, `cannot`,
...) negate the next six words of their clause, up to a comma that starts a new statement
(`, it`, `, now`, `, and`, ...): "a value that does not convert is rejected before the
endpoint runs: it answers 422" still says 422. "not X but Y" negates X only: `but` starts
a new clause. A negation before a word that is itself negative ("does not block", "doesn't
wait") negates nothing (but "never blocking calls" does: a negative word before `calls`,
`code`, `I/O`, ... is an adjective), and neither do "not only", "not just", "no matter".

How a key point is judged
-------------------------
A point is *hit* when any of its terms is found in the answer, outside a negated stretch
(unless the term says the negation itself, "client does not wait", "no retries", or the
point does: "The file is never loaded whole into memory" is said by "it doesn't load the
whole file into memory", while "built on HTTPX, not requests" is not said by "not HTTPX")
and outside a statement that asserts a pitfall:

- an API name (a term written with `_ . @ / ( ) " ' [ ] =`, in camelCase or as a
  `--flag`, such as `add_middleware`, `@app.middleware`, `Depends()`, `--workers`) must
  appear as written on word boundaries (`accept()` is not in "unacceptable";
  `add_middleware` is in `app.add_middleware`), or within one typo of it (rapidfuzz ratio
  >= 90 against a word, a dotted part of a word, or a window of the answer's words) with
  the same first letter, the same `_` and `.`, and the `@` of a decorator (`JSONResponse`
  is not `ORJSONResponse`, "validators" is not `@validator`);
- a short term (4 characters or fewer: `cors`, `jwt`, `orm`) must be a whole word of the
  answer, singular or plural; no fuzziness, or "orm" would match "form";
- any other word or phrase is compared with every window of as many words of the answer
  (one more and one fewer too) with rapidfuzz's ratio; the threshold rises as the term
  gets shorter (80 for 20+ characters, 85 from 10, 88 below), so a typo or a different
  ending still counts ("midleware", "wrapping each request") but another word does not.
  The window must also hold the term's first and last content words, in that order (typos
  and endings allowed, never the first letter: "sync" is not "async"), and all the others but one when
  there are four or more; "only", "just", "always", "all", "every", "more", "most" and
  "less" count as content words. So "def endpoints run on the event loop" does not match
  "async def endpoints run on the event loop", nor "only for type checking" "a type
  checker"; a word missing with its opposite in its place (`before`/`after`,
  `inside`/`outside`, `same`/`different`, `sync`/`async`) says the opposite. Words written
  joined or apart match ("thread pool" is "threadpool"), "several" and "many" are
  "multiple", and another number is another word ("401" is not "403"). A phrase also
  matches when its content words come in order in one clause, at most four words apart
  ("commit inside the dependency" in "commit or roll back inside the session dependency").
  A term of a generic verb and a noun ("send email", "write logs") also matches the noun
  alone, and one of a verb or `with` and an API name ("use @validator", "with
  ORJSONResponse") the API name alone.

When no term matches, the point's own wording counts weakly: the point is hit if at least
three quarters of its content words (three at least) appear in the answer, outside negated
stretches.

Pitfalls
--------
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
correction). Every statement that
asserts a pitfall (its clause, up to a comma that starts a new one: ", it", ", and", ...)
earns no key point: the point it contradicts is not credited from there.

Score and rating
----------------
The score is the share of key points hit, 0 to 100. The suggested rating:

    score < 40  -> Again   (most of the answer is missing)
    score < 65  -> Hard    (about half of it)
    score < 90  -> Good    (all but one point, for 4 or 5 points)
    otherwise   -> Easy    (every point)

and at most Hard when the answer asserts a pitfall. An empty answer means "show me": score
0, Again. So does a non-answer ("I don't know", "no idea", "not sure", "skip", "pass", "?")
with nothing else of substance (two content words at least that the question itself does
not contain).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any, Protocol

from rapidfuzz import fuzz, process


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

API_RATIO = 90
SHORT_TERM = 4
POINT_SHARE = 0.75
POINT_MIN_WORDS = 3
WORD_RATIO = 80
PRE_REJECT_REACH = 4
POST_REJECT_REACH = 6
SUBSTANCE = 2
GAP = 4
NEGATION_REACH = 4
CORRECTION_WORDS = 3

STOPWORDS = frozenset(
    """a an the and or but if then than so of to in on at by for with from into onto as is are
    was were be been being it its this that these those there their they them you your we our
    not no can could should would will may might must do does did done has have had how what
    when where which who why all any each every some such only also just more most less very
    instead via per use used uses using""".split()
)
NEGATIONS = frozenset({"not", "no", "never", "neither", "nor"})
#: Stop words a phrase still needs: "only for type checking" is not "a type checker".
QUANTIFIERS = frozenset({"only", "just", "always", "all", "every", "more", "most", "less"})
#: "not only", "no matter": no negation.
NOT_NEGATING = frozenset({"only", "just", "merely", "matter", "doubt", "least", "sure"})
#: A negation before one of these is a positive statement: "does not block", "doesn't wait".
NEGATIVE_WORDS = frozenset(
    """block blocks blocking blocked wait waits waiting stall stalls stalling freeze freezes hang
    hangs lose loses leak leaks fail fails crash crashes break breaks slow halt halts""".split()
)
#: After a negative word, these make it an adjective the negation applies to: "never blocking calls".
BLOCKED_THINGS = frozenset(
    """call calls code io i/o operation operations function functions library libraries driver drivers
    work sleep sleeps stuff things api apis task tasks""".split()
)
#: Words that may stand between a negation and the word it applies to.
FILLERS = frozenset({"ever", "really", "actually", "even", "need", "needed", "to", "have", "be"})
#: After a comma, these start a new statement: a negation before the comma stops there.
SCOPE_BREAKERS = frozenset(
    """it they this that we you i he she there now use so and which instead but rather then
    also yet though although whereas while because since""".split()
)
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
    misconception antipattern pitfall dangerous risky unsafe""".split()
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
#: "send email" also matches "emails", "write logs" also "logs".
GENERIC_VERBS = frozenset({"send", "sending", "write", "writing", "do", "doing", "make", "making"})
#: "use @validator", "with ORJSONResponse", "import BaseSettings" also match the name alone.
LEAD_WORDS = frozenset({"use", "using", "with", "import", "call", "calling", "add", "enable", "run"})

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

_PUNCT = re.compile(r"[^\w\s.@/]")
_API_CHARS = re.compile(r"[_.@/()\"'\[\]=]|[a-z][A-Z]|^--")
_FLAG = re.compile(r"--\w")
_DIGITS = re.compile(r"\D")
_CONTRACTIONS = [
    (re.compile(r"\bcan['’]t\b"), "can not"),
    (re.compile(r"\bwon['’]t\b"), "will not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"n['’]t\b"), " not"),
]
_ASYNC_DEF = re.compile(r"\basync\s+def\b")
_WORD_SLASH = re.compile(r"(?<=[a-z0-9])/(?=[a-z0-9.])")
_CONNECTIVES = "but|instead|rather|whereas|however|although|though|because|while"
_CLAUSE = re.compile(
    r"[.!?]+(?=\s|$)|;|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)|\s[-–—]+\s|\s\(|\)(?=[\s.,;:!?]|$)"
    rf"|,?\s+(?=(?:{_CONNECTIVES})\b)"
    r"|,\s*(?=(?:not|no|never|now|so)\b)",
    re.IGNORECASE,
)
_FOLLOWING = frozenset({"but", "though", "although", "however"})


# --- results ---------------------------------------------------------------------------------


class KeyPointLike(Protocol):
    @property
    def point(self) -> str: ...

    @property
    def terms(self) -> Sequence[str]: ...


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
class Grade:
    points: tuple[PointResult, ...]
    score: int
    suggested: Rating
    empty: bool = False  # nothing typed: "show me"
    pitfalls: tuple[PitfallHit, ...] = ()
    non_answer: bool = False  # "I don't know" and nothing of substance
    self_rated: bool = False  # the question has no key points: the candidate rates the answer

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
    for bound, rating in RATING_BOUNDS:
        if score < bound:
            return rating
    return Rating.EASY


# --- words -----------------------------------------------------------------------------------


def _prepare(text: str) -> str:
    text = text.casefold()
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


def _words(text: str) -> list[str]:
    """Already prepared text to normalised words (a command-line flag keeps its `--`)."""
    text = _WORD_SLASH.sub(" ", _ASYNC_DEF.sub("async_def", text))
    out: list[str] = []
    for raw in text.split():
        words = [w for w in (w.rstrip(".") for w in _PUNCT.sub(" ", raw).split()) if w]
        if words and _FLAG.match(raw):
            words[0] = "--" + words[0]
        out += words
    return out


def normalise(text: str) -> str:
    """Casefold, `n't` to `not`, punctuation (but `_ . @ /`) to spaces, `word/word` to two
    words, `async def` to `async_def`, trailing dots dropped, spaces collapsed."""
    return " ".join(_words(_prepare(text)))


def _skeleton(text: str) -> str:
    """The `.` and `_` of a name, in order: `add_middleware` is `_`, `app.state` is `.`."""
    return "".join(c for c in text if c in "._")


def _shown(found: str) -> str:
    """Matched words as the candidate wrote them (`async_def` is only how they are read)."""
    return found.replace("async_def", "async def")


def _stem(word: str) -> str:
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


#: A phrase missing one of these words, with its opposite in its place, says the opposite.
OPPOSITES = {"before": "after", "after": "before", "inside": "outside", "outside": "inside",
             "same": "different", "different": "same", "sync": "async", "async": "sync"}
#: Words a candidate uses for one another: "several workers" is "multiple workers".
SYNONYMS = {w: group for group in (frozenset({"multiple", "several", "many"}),) for w in group}


@lru_cache(maxsize=65536)
def _same_word(a: str, b: str) -> bool:
    """The same word, give or take an ending or a typo (or a synonym of it)."""
    if a == b or b in SYNONYMS.get(a, ()):
        return True
    if _DIGITS.sub("", a) != _DIGITS.sub("", b):  # another number: 401 is not 403, httpx not httpx2
        return False
    sa, sb = _stem(a), _stem(b)
    if sa == sb:
        return True
    return sa[:1] == sb[:1] and min(len(sa), len(sb)) >= 4 and fuzz.ratio(sa, sb) >= WORD_RATIO


def _content(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in words if len(w) > 2 and w not in STOPWORDS))


def _required(words: Iterable[str]) -> tuple[str, ...]:
    """The words a phrase's match must hold: its content words and its quantifiers."""
    return tuple(dict.fromkeys(w for w in words if w in QUANTIFIERS or (len(w) > 2 and w not in STOPWORDS)))


@dataclass(frozen=True)
class _Term:
    text: str  # as written
    norm: str
    words: int
    kind: str  # "api", "short" or "phrase"
    threshold: int
    negative: bool  # the term says a negation itself ("no retries")
    content: tuple[str, ...]  # content words the matched window must hold (phrases)
    skeleton: str  # the `_` and `.` of an API name
    pattern: re.Pattern[str] | None  # word-bounded exact match of an API name


@lru_cache(maxsize=8192)
def _compile(term: str, alone: bool = True) -> _Term | None:
    words = _words(_prepare(term))
    if not words:
        return None
    norm = " ".join(words)
    negative = any(w in NEGATIONS for w in words)
    if _API_CHARS.search(term):
        pattern = re.compile(rf"(?<![\w]){re.escape(norm)}(?![\w])")
        return _Term(term, norm, len(words), "api", API_RATIO, negative, (),
                     _skeleton(norm), pattern)
    if len(words) == 1 and len(norm) <= SHORT_TERM:
        return _Term(term, norm, 1, "short", 100, negative, (), "", None)
    threshold = 80 if len(norm) >= 20 else 85 if len(norm) >= 10 else 88
    return _Term(term, norm, len(words), "phrase", threshold, negative, _required(words), "", None)


@lru_cache(maxsize=8192)
def _variants(term: str, key_point: bool) -> tuple[_Term, ...]:
    """The term; for a key point's "send email" the noun alone too, and for "use @validator"
    or "with ORJSONResponse" the API name alone."""
    compiled = _compile(term)
    if compiled is None:
        return ()
    out = [compiled]
    words = compiled.norm.split()
    if key_point and compiled.kind == "phrase" and len(words) == 2 and words[0] in GENERIC_VERBS:
        out.append(_compile(words[1]) or compiled)
    parts = term.split(maxsplit=1)
    if len(parts) == 2 and parts[0].casefold() in LEAD_WORDS and " " not in parts[1].strip():
        name = _compile(parts[1])
        if name is not None and name.kind == "api":
            out.append(name)
    return tuple(dict.fromkeys(out))


# --- the answer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    score: int
    start: int  # token index
    end: int  # token index, exclusive
    found: str


class _Answer:
    """The answer as tokens in clauses, each token knowing whether a negation covers it."""

    def __init__(self, text: str):
        self.tokens: list[str] = []
        self.clause: list[int] = []
        self.negated: list[bool] = []
        self.is_cue: list[bool] = []
        self.statement: list[int] = []  # a clause, or the part of it after ", it"/", and"...
        self._statements = 0
        self.clauses: list[tuple[int, int, str]] = []  # start, end, text
        for raw in _CLAUSE.split(_prepare(text)):
            self._add_clause(raw)
        self._windows: dict[int, list[tuple[str, int, int]]] = {}
        self._chains: list[tuple[str, int, int]] | None = None
        self._initials: dict[str, list[int]] | None = None
        self._choices: dict[tuple[int, bool], tuple[list[tuple[str, int, int]], list[str]]] = {}

    def _add_clause(self, raw: str) -> None:
        start = len(self.tokens)
        index = len(self.clauses)
        reach = 0  # how many more words the last negation covers
        self._statements += 1
        for n, segment in enumerate(raw.split(",")):
            words = _words(segment)
            if n and words and (words[0] in SCOPE_BREAKERS):
                reach = 0
                self._statements += 1
            for i, w in enumerate(words):
                self.tokens.append(w)
                self.clause.append(index)
                self.statement.append(self._statements)
                self.negated.append(reach > 0)
                reach = max(0, reach - 1)
                cue = w in NEGATIONS and self._negates(words, i)
                self.is_cue.append(cue)
                if cue:
                    reach = NEGATION_REACH
        end = len(self.tokens)
        if end > start:
            self.clauses.append((start, end, " ".join(self.tokens[start:end])))

    @staticmethod
    def _negates(words: list[str], i: int) -> bool:
        """Whether the negation at words[i] negates what follows it."""
        rest = words[i + 1:]
        if not rest or rest[0] in NOT_NEGATING:
            return False
        for j, w in enumerate(rest[:3]):
            if w in NEGATIVE_WORDS:
                return j + 1 < len(rest) and rest[j + 1] in BLOCKED_THINGS
            if w not in FILLERS and w not in {"does", "do", "will", "can", "is", "are"}:
                break
        return True

    def windows(self, size: int) -> list[tuple[str, int, int]]:
        """Every run of `size` tokens inside one clause: (text, start, end)."""
        if size not in self._windows:
            out = []
            for start, end, _ in self.clauses:
                toks = self.tokens
                n = min(size, end - start)
                out += [(" ".join(toks[i:i + n]), i, i + n) for i in range(start, end - n + 1)]
            self._windows[size] = out
        return self._windows[size]

    def choices(self, size: int, chained: bool) -> tuple[list[tuple[str, int, int]], list[str]]:
        """The windows of `size` words (and the dotted parts of words, for a one-word term:
        `app.add_middleware` holds `add_middleware`, `schemas.py` holds `schemas`), and their texts."""
        key = (size, chained and size == 1)
        if key not in self._choices:
            choices = self.windows(size) + (self.chains() if key[1] else [])
            self._choices[key] = (choices, [c[0] for c in choices])
        return self._choices[key]

    def chains(self) -> list[tuple[str, int, int]]:
        """The dotted parts of each token: `app.add_middleware` holds `add_middleware`."""
        if self._chains is None:
            out = []
            for i, tok in enumerate(self.tokens):
                names = [n for n in re.split(r"[.@/]", tok) if n]
                if len(names) < 2:
                    continue
                for a in range(len(names)):
                    for b in range(a + 1, len(names) + 1):
                        if b - a < len(names):
                            out.append((".".join(names[a:b]), i, i + 1))
            self._chains = out
        return self._chains

    def token_at(self, clause_start: int, text: str, offset: int) -> int:
        return clause_start + text.count(" ", 0, offset)

    def matches(self, term: _Term) -> list[_Match]:
        """Every place the term matches, best first."""
        if term.kind == "short":
            forms = {term.norm, term.norm + "s", term.norm.removesuffix("s")}
            return [_Match(100, i, i + 1, w) for i, w in enumerate(self.tokens) if w in forms]
        found: list[_Match] = []
        if term.pattern is not None:
            for start, _, text in self.clauses:
                for m in term.pattern.finditer(text):
                    i = self.token_at(start, text, m.start())
                    found.append(_Match(100, i, self.token_at(start, text, m.end() - 1) + 1, m.group()))
        sizes = {max(1, term.words - 1), term.words, term.words + 1}
        for size in sorted(sizes):
            choices, texts = self.choices(size, term.kind == "api" or term.words == 1)
            for text, score, idx in process.extract(term.norm, texts, scorer=fuzz.ratio,
                                                    score_cutoff=term.threshold, limit=None):
                _, start, end = choices[idx]
                if term.kind == "api" and (text.lstrip("@")[:1] != term.norm.lstrip("@")[:1]
                                           or _skeleton(text) != term.skeleton
                                           or "@" in term.norm and "@" not in text):
                    continue
                if term.kind == "phrase" and not self._anchored(term, start, end):
                    continue
                found.append(_Match(int(round(score)), start, end, text))
        if term.kind == "phrase" and len(term.content) >= 2:
            found += self._scattered(term)
        if term.negative:  # "not authentication" needs its "not"
            found = [m for m in found if any(t in NEGATIONS for t in self.tokens[max(0, m.start - 2):m.end])]
        found.sort(key=lambda m: (-m.score, m.start))
        return found

    def _scattered(self, term: _Term) -> list[_Match]:
        """The term's content words in order in one clause, at most GAP words apart."""
        toks, first, rest = self.tokens, term.content[0], term.content[1:]
        if self._initials is None:
            self._initials = {}
            for i, tok in enumerate(toks):
                self._initials.setdefault(tok[:1], []).append(i)
        out = []
        initials = {w[:1] for w in SYNONYMS.get(first, {first})}  # the same word starts with the same letter
        starts = sorted(i for letter in initials for i in self._initials.get(letter, ()))
        for i in starts:
            if not _same_word(first, toks[i]):
                continue
            pos = i
            for word in rest:
                nxt = next((j for j in range(pos + 1, min(len(toks), pos + GAP + 2))
                            if self.clause[j] == self.clause[i] and _same_word(word, toks[j])), None)
                if nxt is None:  # written apart: "thread pool" for "threadpool"
                    nxt = next((j + 1 for j in range(pos + 1, min(len(toks) - 1, pos + GAP + 1))
                                if self.clause[j + 1] == self.clause[i]
                                and _same_word(word, toks[j] + toks[j + 1])), None)
                if nxt is None:
                    break
                pos = nxt
            else:
                out.append(_Match(term.threshold, i, pos + 1, " ".join(toks[i:pos + 1])))
        return out

    def _anchored(self, term: _Term, start: int, end: int) -> bool:
        """The window holds the term's first and last content words, in that order, and all but
        one of the others when there are four or more. A word written joined or apart counts
        ("thread pool" is "threadpool", "set up" is "setup"), and so does a dotted part of a
        word ("schemas" in `schemas.py`)."""
        content = term.content
        if not content:
            return True
        window = self.tokens[start:end]
        words = [(i, part) for i, w in enumerate(window) for part in {w, *(p for p in w.split(".") if p)}]
        words += [(i, a + b) for i, (a, b) in enumerate(zip(window, window[1:], strict=False))]
        joined = {c + d for c, d in zip(content, content[1:], strict=False)}

        def where(c: str) -> list[int]:
            return [i for i, w in words if _same_word(c, w)] or [
                i for i, w in words if any(c in j and _same_word(j, w) for j in joined)]

        places = [where(c) for c in content]
        if not places[0] or not places[-1]:
            return False
        said = set(window)
        if any(not p and OPPOSITES.get(c, "") in said for c, p in zip(content, places, strict=True)):
            return False  # "runs after the response" is not "runs before the response"
        if len(content) >= 2 and min(places[0]) > max(places[-1]):
            return False  # in order: "403 if not authenticated" is not "401 if not authenticated, 403"
        return sum(not p for p in places) <= (1 if len(content) >= 4 else 0)

    def is_negated(self, term: _Term, m: _Match) -> bool:
        if term.negative:  # "no retries": only a negation before it counts
            return self.negated[m.start]
        return any(self.negated[i] for i in range(m.start, m.end))

    def rejects(self, term: _Term, m: _Match, correction: frozenset[tuple[str, ...]] = frozenset()) -> bool:
        """Whether the answer rejects what it says at `m` (negated, "avoid X", "X is deprecated",
        or X followed by what the pitfall's correction says: "X runs after the response")."""
        if self.is_negated(term, m):
            return True
        clause = self.clause[m.start]
        toks = self.tokens
        end = min(m.end, m.start + term.words)  # a window one word longer than the term still ends there
        following = [_stem(toks[i]) for i in range(end, min(len(toks), end + 2 * POST_REJECT_REACH))
                     if self.clause[i] == clause and toks[i] not in STOPWORDS and toks[i].isalpha()]
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
            if self.clause[i] != clause:
                break
            towards = towards or toks[i] in TOWARDS
            if toks[i] in PRE_REJECT and not (towards and toks[i] in MOVES):
                return True
        # "I used to put it in X": the past, for the whole clause
        if any(toks[i:i + 2] == ["used", "to"] and self.clause[i] == clause for i in range(m.start - 1)):
            return True
        after = [i for i in range(m.end, min(len(toks), m.end + POST_REJECT_REACH))
                 if self.clause[i] == clause]
        if any(toks[i] in POST_REJECT or tuple(toks[i:i + 2]) in POST_REJECT_PAIRS for i in after):
            return True
        # "X is not ...", "X has had no release": auxiliaries, then a negation
        lead = 0
        while lead < min(2, len(after)) and toks[after[lead]] in AUX:
            lead += 1
        if lead and lead < len(after) and self.is_cue[after[lead]]:
            return True
        if any(toks[i] == "no" and i + 1 < len(toks) and toks[i + 1] == "longer" for i in after):
            return True
        # "X, but it is deprecated", "X, but that's no longer true": the next clause, when it
        # starts with but/though
        nxt = [i for i in range(m.end, min(len(toks), m.end + POST_REJECT_REACH + 2))
               if self.clause[i] == clause + 1]
        return bool(nxt) and toks[nxt[0]] in _FOLLOWING and any(
            toks[i] in POST_REJECT or toks[i] in {"true", "longer", "case"} and self.negated[i] for i in nxt)


def _first(answer: _Answer, terms: Sequence[str], key_point: bool,
           accept: Callable[[_Term, _Match], bool]) -> tuple[str, _Match] | None:
    """The best acceptable match of any of the terms."""
    best: tuple[str, _Match] | None = None
    for raw in terms:
        for term in _variants(raw, key_point):
            for m in answer.matches(term):
                if m.score < term.threshold:
                    break
                if accept(term, m):
                    if best is None or m.score > best[1].score:
                        best = (raw, m)
                    break
            if best is not None and best[1].score == 100:
                return best
    return best


@lru_cache(maxsize=4096)
def _point_words(point: str) -> tuple[tuple[str, ...], bool]:
    words = _words(_prepare(point))
    return _content(w for p in words for w in p.split(".") if w), any(w in NEGATIONS for w in words)


@lru_cache(maxsize=4096)
def _negated_in_point(point: str) -> tuple[frozenset[str], frozenset[str]]:
    """The stems the point's own text negates ("never loaded whole into memory"), and the
    ones it states plainly."""
    text = _Answer(point)
    said = [(_stem(w), neg) for w, neg in zip(text.tokens, text.negated, strict=True)]
    return frozenset(w for w, neg in said if neg), frozenset(w for w, neg in said if not neg)


def _says_the_negation(point: str, term: _Term) -> bool:
    """Whether the point itself negates what the term names: then a negated answer says it."""
    negated, plain = _negated_in_point(point)
    stems = {_stem(w) for w in term.norm.split() if w not in STOPWORDS}
    return bool(stems & negated) and not stems & plain


def _judge(point: KeyPointLike, answer: _Answer, tainted: frozenset[int]) -> PointResult:
    def accept(term: _Term, m: _Match) -> bool:
        if answer.statement[m.start] in tainted:
            return False
        return not answer.is_negated(term, m) or _says_the_negation(point.point, term)

    found = _first(answer, point.terms, True, accept)
    if found is not None:
        raw, m = found
        return PointResult(point.point, True, raw, _shown(m.found), m.score)
    words, negative = _point_words(point.point)
    if len(words) >= POINT_MIN_WORDS:
        usable = {_stem(w) for i, w in enumerate(answer.tokens)
                  if answer.statement[i] not in tainted and (negative or not answer.negated[i])}
        present = [w for w in words if _stem(w) in usable]
        share = len(present) / len(words)
        if share >= POINT_SHARE:
            return PointResult(point.point, True, "(the point's own words)", " ".join(present),
                               int(round(share * 100)))
    return PointResult(point.point, False)


@lru_cache(maxsize=4096)
def _correction_words(correction: str, claim: str) -> frozenset[tuple[str, ...]]:
    """Every run of CORRECTION_WORDS content words of a correction (as stems) that says
    something its claim does not."""
    def stems(text: str) -> list[str]:
        return [_stem(w) for w in _words(_prepare(text)) if w not in STOPWORDS and w.isalpha()]
    said, claimed = stems(correction), set(stems(claim))
    runs = (tuple(said[i:i + CORRECTION_WORDS]) for i in range(len(said) - CORRECTION_WORDS + 1))
    return frozenset(r for r in runs if not claimed.issuperset(r))


def _pitfalls(pitfalls: Sequence[PitfallLike], answer: _Answer) -> tuple[list[PitfallHit], set[int]]:
    """The pitfalls the answer asserts, and every statement that asserts one."""
    hits, statements = [], set()
    for p in pitfalls:
        best: tuple[str, _Match] | None = None
        for raw in p.terms:
            for term in _variants(raw, False):
                for m in answer.matches(term):
                    if not answer.rejects(term, m, _correction_words(p.correction, p.claim)):
                        statements.add(answer.statement[m.start])
                        if best is None or m.score > best[1].score:
                            best = (raw, m)
        if best is not None:
            raw, m = best
            hits.append(PitfallHit(p.claim, p.correction, raw, _shown(m.found), p.since, p.reference))
    return hits, statements


def _is_non_answer(answer: _Answer, question: str) -> bool:
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
    asked = {_stem(w) for w in _words(_prepare(question))}
    rest = [w for w in _content(text.split())
            if w not in NON_ANSWER_FILLERS and _stem(w) not in asked]
    return said and len(rest) < SUBSTANCE


def grade(answer: str, question: Gradable) -> Grade:
    """Judge every key point and pitfall of `question` against `answer`."""
    points = question.key_points
    if not answer.strip():
        return Grade(tuple(PointResult(p.point, False) for p in points), 0, Rating.AGAIN, True)
    text = _Answer(answer)
    if _is_non_answer(text, question.question):
        return Grade(tuple(PointResult(p.point, False) for p in points), 0, Rating.AGAIN,
                     non_answer=True)
    asserted, tainted = _pitfalls(question.pitfalls, text)
    if not points:  # nothing to grade against (an imported question): the candidate rates, as in Anki
        suggested = min(Rating.GOOD, PITFALL_CAP) if asserted else Rating.GOOD
        return Grade((), rated_score(suggested), suggested, pitfalls=tuple(asserted), self_rated=True)
    results = tuple(_judge(p, text, frozenset(tainted)) for p in points)
    score = round(100 * sum(r.hit for r in results) / len(results)) if results else 0
    suggested = suggest(score)
    if asserted:
        suggested = min(suggested, PITFALL_CAP)
    return Grade(results, score, suggested, pitfalls=tuple(asserted))
