"""Matching a term (a key point's or a pitfall's) against the answer's words.

- an API name (a term written with `_ . @ / ( ) " ' [ ] =`, in camelCase or as a
  `--flag`, such as `add_middleware`, `@app.middleware`, `Depends()`, `--workers`) must
  appear as written on word boundaries (`accept()` is not in "unacceptable";
  `add_middleware` is in `app.add_middleware`), or within one typo of it (rapidfuzz ratio
  >= 90 against a word, a dotted part of a word, or a window of the answer's words) with
  the same first letter, the same `_` and `.`, the same digits, and the `@` of a decorator
  (`JSONResponse` is not `ORJSONResponse`, "validators" is not `@validator`, "OpenAPI 3.1" is
  not "OpenAPI 3.0"); a keyword argument (`regex=`) only where the answer writes it as code
  (`Field(regex=...)`, `regex=`; not "a Rust regex");
- a short term (4 characters or fewer: `cors`, `jwt`, `orm`) must be a whole word of the
  answer, singular or plural; no fuzziness, or "orm" would match "form";
- any other word or phrase is compared with every window of as many words of the answer
  (one more and one fewer too) with rapidfuzz's ratio; the threshold rises as the term
  gets shorter (80 for 20+ characters, 85 from 10, 88 below), so a typo or a different
  ending still counts ("midleware", "wrapping each request") but another word does not.
  The window must also hold the term's first and last content words, in that order (endings
  allowed, one stem of five letters or more starting the other, and one typo in a stem of five
  to seven letters, two in a longer one, never in the first letter: "sync" is not "async",
  "started" is not "state"), and all the others but
  one when there are four or more; "only", "just", "always", "all", "every", "more", "most"
  and "less" count as content words. So "def endpoints run on the event loop" does not match
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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from quiz.grading.text import NEGATIONS, QUANTIFIERS, STOPWORDS, Answer, prepare, split_words, stem, stem_all

API_RATIO = 90
SHORT_TERM = 4
WORD_RATIO = 80
#: A word's stem shorter than this is the same word with one typo at most (a letter left out, added,
#: changed or two swapped: "recieve"), a longer one with two, or when one stem starts the other
#: ("containerize", "container"): "start" is not "state".
LONG_STEM = 8
GAP = 4
#: "send email" also matches "emails", "write logs" also "logs".
GENERIC_VERBS = frozenset({"send", "sending", "write", "writing", "do", "doing", "make", "making"})
#: "use @validator", "with ORJSONResponse", "import BaseSettings" also match the name alone.
LEAD_WORDS = frozenset({"use", "using", "with", "import", "call", "calling", "add", "enable", "run"})
_API_CHARS = re.compile(r"[_.@/()\"'\[\]=]|[a-z][A-Z]|[A-Z]{2}[a-z]|^--")
_DIGITS = re.compile(r"\D")


#: Words that make a claim what it is: a pitfall's phrase never matches without them.
JUDGEMENTS = frozenset("""fine ok okay safe good bad better best faster slower fast slow required
    needed necessary recommended enough always never impossible possible""".split())
#: A phrase missing one of these words, with its opposite in its place, says the opposite.
OPPOSITES = {"before": "after", "after": "before", "inside": "outside", "outside": "inside",
             "same": "different", "different": "same", "sync": "async", "async": "sync"}


#: Words a candidate uses for one another: "several workers" is "multiple workers".
SYNONYMS = {w: group for group in (frozenset({"multiple", "several", "many"}),) for w in group}


def _skeleton(text: str) -> str:
    """The `.` and `_` of a name, in order: `add_middleware` is `_`, `app.state` is `.`."""
    return "".join(c for c in text if c in "._")


@lru_cache(maxsize=65536)
def same_word(a: str, b: str) -> bool:
    """The same word, give or take an ending or a typo (or a synonym of it)."""
    if a == b or b in SYNONYMS.get(a, ()):
        return True
    if _DIGITS.sub("", a) != _DIGITS.sub("", b):  # another number: 401 is not 403, httpx not httpx2
        return False
    sa, sb = stem(a), stem(b)
    if sa == sb:
        return True
    shorter = min(len(sa), len(sb))
    return (sa[:1] == sb[:1] and shorter >= 5 and fuzz.ratio(sa, sb) >= WORD_RATIO
            and (OSA.distance(sa, sb) <= (1 if shorter < LONG_STEM else 2)
                 or sa.startswith(sb) or sb.startswith(sa)))


def _required(words: Iterable[str]) -> tuple[str, ...]:
    """The words a phrase's match must hold: its content words and its quantifiers."""
    return tuple(dict.fromkeys(w for w in words if w in QUANTIFIERS or (len(w) > 2 and w not in STOPWORDS)))


@dataclass(frozen=True)
class Term:
    text: str  # as written
    norm: str
    words: int
    kind: str  # "api", "short" or "phrase"
    threshold: int
    negative: bool  # the term says a negation itself ("no retries")
    content: tuple[str, ...]  # content words the matched window must hold (phrases)
    skeleton: str  # the `_` and `.` of an API name
    pattern: re.Pattern[str] | None  # word-bounded exact match of an API name
    strict: bool = False  # a pitfall's phrase: its quantifiers and judgements are never left out

    def __hash__(self) -> int:  # the answer's matches are kept per term: hashing every field (a
        return hash((self.text, self.norm, self.strict))  # compiled pattern too) took 5% of grading


@lru_cache(maxsize=8192)
def compile_term(term: str, strict: bool = False) -> Term | None:
    words = split_words(prepare(term))
    if not words:
        return None
    norm = " ".join(words)
    negative = any(w in NEGATIONS for w in words)
    if _API_CHARS.search(term):
        pattern = re.compile(rf"(?<![\w]){re.escape(norm)}(?![\w])")
        return Term(term, norm, len(words), "api", API_RATIO, negative, (),
                     _skeleton(norm), pattern)
    if len(words) == 1 and len(norm) <= SHORT_TERM:
        return Term(term, norm, 1, "short", 100, negative, (), "", None)
    threshold = 80 if len(norm) >= 20 else 85 if len(norm) >= 10 else 88
    return Term(term, norm, len(words), "phrase", threshold, negative, _required(words), "", None, strict)


@lru_cache(maxsize=8192)
def variants(term: str, key_point: bool) -> tuple[Term, ...]:
    """The term; for a key point's "send email" the noun alone too; for "use @validator" or
    "with ORJSONResponse" the API name alone. A pitfall's phrase is strict: every content word."""
    parts = term.split(maxsplit=1)
    if len(parts) == 2 and parts[0].casefold() in LEAD_WORDS and " " not in parts[1].strip():
        name = compile_term(parts[1])
        if name is not None and name.kind == "api":  # the name is what counts: "uses JSONResponse"
            return (name,)                           # is not "use UJSONResponse"
    compiled = compile_term(term, strict=not key_point)
    if compiled is None:
        return ()
    out = [compiled]
    words = compiled.norm.split()
    if key_point and compiled.kind == "phrase" and len(words) == 2 and words[0] in GENERIC_VERBS:
        out.append(compile_term(words[1]) or compiled)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Match:
    score: int
    start: int  # token index
    end: int  # token index, exclusive
    found: str


def matches(answer: Answer, term: Term) -> list[Match]:
    """Every place the term matches, best first (worked out once per answer and term)."""
    found = answer.matched.get(term)
    if found is None:
        found = answer.matched[term] = _matches(answer, term)
    return found


def _matches(answer: Answer, term: Term) -> list[Match]:
    index = _index(answer)
    if term.kind == "short":
        forms = {term.norm, term.norm + "s", term.norm.removesuffix("s")}
        places = sorted(i for form in forms for i in index.by_token.get(form, ()))
        return [Match(100, i, i + 1, answer.tokens[i]) for i in places]
    if term.kind == "phrase" and not index.may_hold(term.content):
        return []  # neither a window (see _anchored) nor _scattered can hold it
    found: list[Match] = []
    if term.pattern is not None:
        for start, _, text in answer.clauses:
            for m in term.pattern.finditer(text):
                i = answer.token_at(start, text, m.start())
                found.append(Match(100, i, answer.token_at(start, text, m.end() - 1) + 1, m.group()))
    sizes = {max(1, term.words - 1), term.words, term.words + 1}
    for size in sorted(sizes):
        if term.kind == "api":  # only the windows of its first letter can match
            choices, texts = index.starting(size, term.norm.lstrip("@")[:1])
        else:
            choices, texts = answer.choices(size, term.words == 1)
        for text, score, idx in process.extract(term.norm, texts, scorer=fuzz.ratio,
                                                score_cutoff=term.threshold, limit=None) if texts else ():
            _, start, end = choices[idx]
            if term.kind == "api" and (text.lstrip("@")[:1] != term.norm.lstrip("@")[:1]
                                       or _skeleton(text) != term.skeleton
                                       or "@" in term.norm and "@" not in text
                                       or _DIGITS.sub("", text) != _DIGITS.sub("", term.norm)):
                continue
            if term.kind == "phrase" and not _anchored(answer, term, start, end):
                continue
            found.append(Match(int(round(score)), start, end, text))
    if term.kind == "phrase" and len(term.content) >= 2:
        found += _scattered(answer, term)
    if term.kind == "api" and "=" in term.text:  # a keyword argument (`regex=`) is code, not the word
        found = [m for m in found if not answer.prose[m.start]]
    if term.negative:  # "not authentication" needs its "not"
        found = [m for m in found if any(t in NEGATIONS for t in answer.tokens[max(0, m.start - 2):m.end])]
    found.sort(key=lambda m: (-m.score, m.start))
    return found


class _Index:
    """What an answer holds, worked out once per answer, so that a term that cannot match is
    never compared with its windows (the matches found are the same as comparing them all).

    A phrase's match (a window, see `_anchored`, or its words in order, see `_scattered`) holds
    all its content words but at most one, and always the first and the last. A content word is
    held only where a token, a dotted part of one or two tokens written together is the same
    word (`same_word`: the same text, a synonym, the same stem, or a stem of five letters or
    more within WORD_RATIO of it), or has the stem of two content words written together."""

    def __init__(self, answer: Answer):
        self.answer = answer
        toks = answer.tokens
        self.by_token: dict[str, list[int]] = {}
        self.by_initial: dict[str, list[int]] = {}  # first letter (after any `@`) -> tokens
        for i, tok in enumerate(toks):
            self.by_token.setdefault(tok, []).append(i)
            self.by_initial.setdefault(tok.lstrip("@")[:1], []).append(i)
        self.forms = set(self.by_token)
        self.forms.update(p for tok in self.by_token if "." in tok for p in tok.split(".") if p)
        self.stems = {stem(f) for f in self.forms}
        self.long: dict[str, list[str]] = {}  # first letter -> stems of five letters or more
        for root in self.stems:
            if len(root) >= 5:
                self.long.setdefault(root[:1], []).append(root)
        self.pairs = {a + b for a, b in zip(toks, toks[1:], strict=False)}  # written together
        self._pair_stems: dict[str, tuple[set[str], list[str]]] | None = None
        self._by_pair_initial: dict[str, list[str]] = {}
        self._held: dict[str, bool] = {}
        self._may: dict[tuple[str, ...], bool] = {}
        self._starting: dict[tuple[int, str], tuple[list[tuple[str, int, int]], list[str]]] = {}

    def _pairs(self, initial: str) -> tuple[set[str], list[str]]:
        """The stems of the pairs of tokens written together that start with `initial`, and
        those of five letters or more."""
        if self._pair_stems is None:
            self._pair_stems = {}
            for pair in self.pairs:
                self._by_pair_initial.setdefault(pair[:1], []).append(pair)
        found = self._pair_stems.get(initial)
        if found is None:
            pairs = self._by_pair_initial.get(initial, [])
            roots = stem_all([p for p in pairs if p.isalpha()]) + [p for p in pairs if not p.isalpha()]
            found = self._pair_stems[initial] = (set(roots), [r for r in roots if len(r) >= 5])
        return found

    def has_stem(self, root: str) -> bool:
        return root in self.stems or root in self._pairs(root[:1])[0]

    def holds(self, word: str) -> bool:
        """Whether some token, dotted part or pair of tokens could be `word` (`same_word`)."""
        held = self._held.get(word)
        if held is None:
            root = stem(word)
            held = (word in self.forms or word in self.pairs or self.has_stem(root)
                    or any(other in self.forms or other in self.pairs for other in SYNONYMS.get(word, ()))
                    or len(root) >= 5 and any(
                        process.extractOne(root, roots, scorer=fuzz.ratio, score_cutoff=WORD_RATIO)
                        for roots in (self.long.get(root[:1], ()), self._pairs(root[:1])[1]) if roots))
            self._held[word] = held
        return held

    def may_hold(self, content: tuple[str, ...]) -> bool:
        """Whether a phrase with these content words could match at all."""
        may = self._may.get(content)
        if may is None:
            may = self._may[content] = self._may_hold(content)
        return may

    def _may_hold(self, content: tuple[str, ...]) -> bool:
        if not content:
            return True
        joined = [c + d for c, d in zip(content, content[1:], strict=False)]

        def held(c: str) -> bool:
            return self.holds(c) or any(c in j and self.has_stem(stem(j)) for j in joined)

        if not held(content[0]) or not held(content[-1]):
            return False
        missing = sum(1 for c in content[1:-1] if not held(c))
        return missing <= (1 if len(content) >= 4 else 0)

    def starting(self, size: int, initial: str) -> tuple[list[tuple[str, int, int]], list[str]]:
        """The choices of `size` words for an API name (see `Answer.choices`) that start with
        `initial` (after an `@`), in the same order: their spans and texts."""
        key = (size, initial)
        if key not in self._starting:
            answer, toks = self.answer, self.answer.tokens
            choices = []  # a token of `@` alone starts "@ name": its letter is the space
            for i in sorted(self.by_initial.get(initial, []) + self.by_initial.get("", [])):
                start, end, _ = answer.clauses[answer.clause[i]]
                n = min(size, end - start)
                text = " ".join(toks[i:i + n])
                if i + n <= end and text.lstrip("@")[:1] == initial:
                    choices.append((text, i, i + n))
            if size == 1:
                choices += [c for c in answer.chains() if c[0].lstrip("@")[:1] == initial]
            self._starting[key] = (choices, [c[0] for c in choices])
        return self._starting[key]


def _index(answer: Answer) -> _Index:
    if answer.index is None:
        answer.index = _Index(answer)
    return answer.index  # type: ignore[no-any-return]


def _scattered(answer: Answer, term: Term) -> list[Match]:
    """The term's content words in order in one clause, at most GAP words apart."""
    toks, first, rest = answer.tokens, term.content[0], term.content[1:]
    if answer.initials is None:
        answer.initials = {}
        for i, tok in enumerate(toks):
            answer.initials.setdefault(tok[:1], []).append(i)
    out = []
    initials = {w[:1] for w in SYNONYMS.get(first, {first})}  # the same word starts with the same letter
    starts = sorted(i for letter in initials for i in answer.initials.get(letter, ()))
    for i in starts:
        if not same_word(first, toks[i]):
            continue
        pos = i
        for word in rest:
            nxt = next((j for j in range(pos + 1, min(len(toks), pos + GAP + 2))
                        if answer.clause[j] == answer.clause[i] and same_word(word, toks[j])), None)
            if nxt is None:  # written apart: "thread pool" for "threadpool"
                nxt = next((j + 1 for j in range(pos + 1, min(len(toks) - 1, pos + GAP + 1))
                            if answer.clause[j + 1] == answer.clause[i]
                            and same_word(word, toks[j] + toks[j + 1])), None)
            if nxt is None:
                break
            pos = nxt
        else:
            out.append(Match(term.threshold, i, pos + 1, " ".join(toks[i:pos + 1])))
    return out


def _anchored(answer: Answer, term: Term, start: int, end: int) -> bool:
    """The window holds the term's first and last content words, in that order, and all but
    one of the others when there are four or more. A word written joined or apart counts
    ("thread pool" is "threadpool", "set up" is "setup"), and so does a dotted part of a
    word ("schemas" in `schemas.py`)."""
    content = term.content
    if not content:
        return True
    window = answer.tokens[start:end]
    words = [(i, part) for i, w in enumerate(window) for part in {w, *(p for p in w.split(".") if p)}]
    words += [(i, a + b) for i, (a, b) in enumerate(zip(window, window[1:], strict=False))]
    joined = {c + d for c, d in zip(content, content[1:], strict=False)}

    def where(c: str) -> list[int]:
        return [i for i, w in words if same_word(c, w)] or [
            i for i, w in words if any(c in j and stem(j) == stem(w) for j in joined)]

    places = [where(c) for c in content]
    if not places[0] or not places[-1]:
        return False
    said = set(window)
    if any(not p and OPPOSITES.get(c, "") in said for c, p in zip(content, places, strict=True)):
        return False  # "runs after the response" is not "runs before the response"
    if len(content) >= 2 and (min(places[0]) > max(places[-1])
                              or content[0] == content[-1] and max(places[-1]) == min(places[0])):
        return False  # in order: "403 if not authenticated" is not "401 if not authenticated, 403"
    missing = [c for c, p in zip(content, places, strict=True) if not p]
    if term.strict and any(c in QUANTIFIERS or c in JUDGEMENTS for c in missing):
        return False  # a claim without its "only" or its "fine" is another claim
    return len(missing) <= (1 if len(content) >= 4 else 0)


def negated_inside(answer: Answer, term: Term, m: Match) -> bool:
    """A negation among the matched words that the term does not have: "does not block the event
    loop" says the opposite of "blocks the event loop" (a negation before a negative word such as
    `block` is not a cue, so `is_negated` does not see it)."""
    return not term.negative and any(answer.tokens[i] in NEGATIONS for i in range(m.start, m.end))


def is_negated(answer: Answer, term: Term, m: Match) -> bool:
    if term.negative:  # "no retries": only a negation before it counts
        return answer.negated[m.start]
    return any(answer.negated[i] for i in range(m.start, m.end))


def first_match(answer: Answer, terms: Sequence[str], key_point: bool,
           accept: Callable[[Term, Match], bool]) -> tuple[str, Match] | None:
    """The best acceptable match of any of the terms."""
    best: tuple[str, Match] | None = None
    for raw in terms:
        for term in variants(raw, key_point):
            for m in matches(answer, term):
                if m.score < term.threshold:
                    break
                if accept(term, m):
                    if best is None or m.score > best[1].score:
                        best = (raw, m)
                    break
            if best is not None and best[1].score == 100:
                return best
    return best
