"""Matching a term (a key point's or a pitfall's) against the answer's words.

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
  and endings allowed, never the first letter: "sync" is not "async"), and all the others but
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

from quiz.grading.text import NEGATIONS, QUANTIFIERS, STOPWORDS, Answer, prepare, split_words, stem

API_RATIO = 90
SHORT_TERM = 4
WORD_RATIO = 80
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
    return sa[:1] == sb[:1] and min(len(sa), len(sb)) >= 5 and fuzz.ratio(sa, sb) >= WORD_RATIO


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
    if term.kind == "short":
        forms = {term.norm, term.norm + "s", term.norm.removesuffix("s")}
        return [Match(100, i, i + 1, w) for i, w in enumerate(answer.tokens) if w in forms]
    found: list[Match] = []
    if term.pattern is not None:
        for start, _, text in answer.clauses:
            for m in term.pattern.finditer(text):
                i = answer.token_at(start, text, m.start())
                found.append(Match(100, i, answer.token_at(start, text, m.end() - 1) + 1, m.group()))
    sizes = {max(1, term.words - 1), term.words, term.words + 1}
    for size in sorted(sizes):
        choices, texts = answer.choices(size, term.kind == "api" or term.words == 1)
        for text, score, idx in process.extract(term.norm, texts, scorer=fuzz.ratio,
                                                score_cutoff=term.threshold, limit=None):
            _, start, end = choices[idx]
            if term.kind == "api" and (text.lstrip("@")[:1] != term.norm.lstrip("@")[:1]
                                       or _skeleton(text) != term.skeleton
                                       or "@" in term.norm and "@" not in text):
                continue
            if term.kind == "phrase" and not _anchored(answer, term, start, end):
                continue
            found.append(Match(int(round(score)), start, end, text))
    if term.kind == "phrase" and len(term.content) >= 2:
        found += _scattered(answer, term)
    if term.negative:  # "not authentication" needs its "not"
        found = [m for m in found if any(t in NEGATIONS for t in answer.tokens[max(0, m.start - 2):m.end])]
    found.sort(key=lambda m: (-m.score, m.start))
    return found


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
    if len(content) >= 2 and min(places[0]) > max(places[-1]):
        return False  # in order: "403 if not authenticated" is not "401 if not authenticated, 403"
    missing = [c for c, p in zip(content, places, strict=True) if not p]
    if term.strict and any(c in QUANTIFIERS or c in JUDGEMENTS for c in missing):
        return False  # a claim without its "only" or its "fine" is another claim
    return len(missing) <= (1 if len(content) >= 4 else 0)


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
