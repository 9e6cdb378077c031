"""Reading the answer: sentences, clauses, words, negation.

The answer is cut into clauses: at sentence ends (`. ! ? ;`, blank lines, list items and each
line of a fenced code block; a line that only wraps a sentence does not cut it), and inside a
sentence at spaced dashes, a code comment's ` # `, brackets (not a call's: `parse_obj()` and
`Depends(get_db)` in mid-line cut nothing), and before `but`, `instead`, `rather`, `whereas`,
`however`, `although`, `though`, `because` and `while` (and a comma before `not`, `no`,
`never`, `now`, `so`). A term never matches across two clauses; each clause knows its sentence,
and the clauses of a sentence that ends with `?` are asked, not said. Each clause is normalised:
casefolded, `n't` written `not`, every punctuation mark
but `_ . @ /` turned into a space, a `/` between two words or numbers too (`nginx/gateway`
is two words, `409/422` two numbers), `async def` one word (so `def ...` never matches
inside `async def ...`), trailing dots dropped. A clause is cut again into statements at a
comma that starts a new one (`, it`, `, and`, `, now`, ...).

Negation: `not`, `no`, `never`, `neither`, `nor`, `nothing`, `nobody` and `none of` (and
`doesn't`, `isn't`, `can't`, `cannot`, ..., typed without the apostrophe too: `doesnt`, `isnt`,
`dont`, `cant`) negate the next four words of their clause (`longer`, `even`, `ever`, `really`,
`actually` not counted: "no longer"), up to a comma that starts a new statement
(`, it`, `, now`, `, and`, ...): "a value that does not convert is rejected before the
endpoint runs: it answers 422" still says 422. A negation that reaches a frame (`true`,
`case`, `think`, `believe`, `assume`, `say`, `mean`, ...) denies all that follows it in the
statement: "it is not true that X", "it's no longer the case that X", "don't assume X",
"nothing in the docs says X", "that doesn't mean X". "not X but Y" negates X only: `but` starts
a new clause. A negation before a word that is itself negative ("does not block", "doesn't
wait") negates nothing (but "never blocking calls" does: a negative word before `calls`,
`code`, `I/O`, ... is an adjective), and neither do "not only", "not just", "no matter".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

NEGATION_REACH = 4
STOPWORDS = frozenset(
    """a an the and or but if then than so of to in on at by for with from into onto as is are
    was were be been being it its this that these those there their they them you your we our
    not no can could should would will may might must do does did done has have had how what
    when where which who why all any each every some such only also just more most less very
    instead via per use used uses using""".split()
)
NEGATIONS = frozenset({"not", "no", "never", "neither", "nor", "nothing", "nobody"})
#: A negation only before "of": "none of the workers" (a bare `None` is Python's).
NEGATES_BEFORE_OF = frozenset({"none"})
#: Within a negation's reach, these carry it to the end of the statement: what is denied is the
#: whole claim that follows ("it is not true that X", "it's no longer the case that X", "don't
#: assume X", "nothing in the docs says X", "that doesn't mean X").
FRAMES = frozenset("""true case correct accurate think believe assume suppose imagine say says claim
    claims mean means imply implies follow follows""".split())
#: Words a negation's reach passes over without counting them: "no longer", "not even", "never ever".
REACH_FREE = frozenset({"longer", "even", "ever", "really", "actually"})
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
#: A segment that starts with one of these goes on past the next comma ("if X, Y").
CONDITIONALS = frozenset({"if", "when", "whenever", "once", "unless", "because", "since", "for", "on"})
#: A part between commas that starts with one of these is an aside: an `if` part goes on past it.
ASIDES = frozenset({"like", "say", "e.g", "eg", "i.e", "ie", "such", "including", "especially"})
#: After a comma, these start a new statement: a negation before the comma stops there.
SCOPE_BREAKERS = frozenset(
    """it they this that we you i he she there now use so and which instead but rather then
    also yet though although whereas while because since""".split()
)


_PUNCT = re.compile(r"[^\w\s.@/]")
_FLAG = re.compile(r"--\w")
_CONTRACTIONS = [
    (re.compile(r"\bcan['’]t\b"), "can not"),
    (re.compile(r"\bwon['’]t\b"), "will not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"n['’]t\b"), " not"),
    # typed fast, without the apostrophe: "isnt", "doesnt", "dont", "cant", "wont"
    (re.compile(r"\b(is|are|was|were|do|does|did|has|have|had|should|would|could|must|need)nt\b"), r"\1 not"),
    (re.compile(r"\bcant\b"), "can not"),
    (re.compile(r"\bwont\b"), "will not"),
]
_ASYNC_DEF = re.compile(r"\basync\s+def\b")
_WORD_SLASH = re.compile(r"(?<=[a-z0-9])/(?=[a-z0-9.])")
_CONNECTIVES = "but|instead|rather|whereas|however|although|though|because|while"
_CLAUSE = re.compile(
    r"[.!?]+(?=\s|$)|;|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)|\s[-–—]+\s|\s#\s|\s\(|\)(?=[\s.,;:!?]|$)"
    rf"|,?\s+(?=(?:{_CONNECTIVES})\b)"
    r"|,\s*(?=(?:not|no|never|now|so)\b)",
    re.IGNORECASE,
)
_CLAUSE_KEPT = re.compile(f"({_CLAUSE.pattern})", re.IGNORECASE)  # the same cuts, each kept
#: The cuts that end a sentence (the others, a dash, a bracket, `, so`, `but`, cut inside one).
_SENTENCE_END = re.compile(r"[.!?;]|\n")
#: A call's brackets (`parse_obj()`, `Depends(get_db)`): no clause of their own.
_CALL = re.compile(r"(?<=[\w\]])\(([^()\n]*)\)(?![:;]|\s*\n|\s*$)")
#: A fenced code block: each of its lines is a sentence of its own.
_FENCED = re.compile(r"```.*?(?:```|$)", re.DOTALL)


def _cut(text: str) -> str:
    """The text with a call's brackets kept from cutting a clause and each line of a code block cut."""
    text = _FENCED.sub(lambda m: m.group().replace("\n", "\n\n"), text)
    return _CALL.sub("\x01\\1\x02", text)


def prepare(text: str) -> str:
    text = text.casefold()
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


#: A written word with one of these is code: `deprecated=True`, `Field(examples=[...])`.
_CODE = re.compile(r"[=`()\[\]{}\x01\x02]")


def split_marked(text: str) -> list[tuple[str, bool]]:
    """Already prepared text to normalised words, each with whether it was written as code."""
    text = _WORD_SLASH.sub(" ", _ASYNC_DEF.sub("async_def", text))
    out: list[tuple[str, bool]] = []
    for raw in text.split():
        words = [w for w in (w.rstrip(".") for w in _PUNCT.sub(" ", raw).split()) if w]
        if words and _FLAG.match(raw):
            words[0] = "--" + words[0]
        code = bool(_CODE.search(raw))
        out += [(w, code) for w in words]
    return out


def split_words(text: str) -> list[str]:
    """Already prepared text to normalised words (a command-line flag keeps its `--`)."""
    return [w for w, _ in split_marked(text)]


def normalise(text: str) -> str:
    """Casefold, `n't` to `not`, punctuation (but `_ . @ /`) to spaces, `word/word` to two
    words, `async def` to `async_def`, trailing dots dropped, spaces collapsed."""
    return " ".join(split_words(prepare(text)))


def shown(found: str) -> str:
    """Matched words as the candidate wrote them (`async_def` is only how they are read)."""
    return found.replace("async_def", "async def")


@functools.cache
def _stemmer() -> Any:
    import Stemmer  # type: ignore[import-not-found]  # PyStemmer: Snowball in C, 2 ms to import

    return Stemmer.Stemmer("english")


#: British `-ise` spellings, written `-ize` before stemming ("serialising" is "serializing"): Snowball
#: takes `-ize` off but not `-ise`.
_ISE = re.compile(r"(?<=\w{3})is(e|es|ed|ing|ation|ations|er|ers)$")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's Snowball stem ("resolves", "resolved", "resolving" are "resolv"; "serialises" and
    "serializes" are "serial"); a name with `_ . @ /` or digits is its own stem."""
    if not word.isalpha():
        return word
    return str(_stemmer().stemWord(_ISE.sub(r"iz\1", word)))


def stem_all(words: list[str]) -> list[str]:
    """The stems of words that are all letters, in one call (what `stem` gives each)."""
    return list(_stemmer().stemWords([_ISE.sub(r"iz\1", w) for w in words]))


def content_words(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in words if len(w) > 2 and w not in STOPWORDS))


class Answer:
    """The answer as tokens in clauses, each token knowing whether a negation covers it."""

    def __init__(self, text: str):
        self.tokens: list[str] = []
        self.prose: list[str] = []  # the tokens, but "" for a word written as code (`deprecated=True`)
        self.clause: list[int] = []
        self.negated: list[bool] = []
        self.is_cue: list[bool] = []
        self.statement: list[int] = []  # a clause, or the part of it after ", it"/", and"...
        self.segment: list[int] = []  # a statement's part between commas and before "and"
        self.commas: list[int] = []  # how many commas come before the word in the answer
        self.part: list[int] = []  # a segment's part between colons (quiz.grading.statements.roles)
        self._statements = 0
        self._segments = 0
        self._commas = 0
        self._parts = 0
        self.clauses: list[tuple[int, int, str]] = []  # start, end, text
        self.sentence: list[int] = []  # each clause's sentence (cut at `. ! ? ;` and list items)
        self.asked: set[int] = set()  # the clauses of a sentence that ends with a question mark
        pieces = _CLAUSE_KEPT.split(_cut(prepare(text)))
        sentence = 0
        for raw, end in zip(pieces[::2], [*pieces[1::2], ""], strict=True):
            if self._add_clause(raw):
                self.sentence.append(sentence)
            if _SENTENCE_END.match(end):
                if "?" in end:
                    self.asked.update(i for i, n in enumerate(self.sentence) if n == sentence)
                sentence += 1
        self._windows: dict[int, list[tuple[str, int, int]]] = {}
        self._chains: list[tuple[str, int, int]] | None = None
        self.initials: dict[str, list[int]] | None = None
        self.matched: dict[Any, Any] = {}  # term -> its matches (quiz.grading.terms.matches)
        self.index: Any = None  # where its words are (quiz.grading.terms._Index)
        self._choices: dict[tuple[int, bool], tuple[list[tuple[str, int, int]], list[str]]] = {}

    def _add_clause(self, raw: str) -> bool:
        """Read one clause; whether it held a word."""
        start = len(self.tokens)
        index = len(self.clauses)
        reach = 0  # how many more words the last negation covers
        self._statements += 1
        conditional = False  # "if there is no token, I raise 403": one segment across the comma
        for n, segment in enumerate(raw.split(",")):
            marked = split_marked(segment)
            words = [w for w, _ in marked]
            if n and words and (words[0] in SCOPE_BREAKERS):
                reach = 0
                self._statements += 1
            if not conditional:
                self._segments += 1
            if not (conditional and words and words[0] in ASIDES):  # "if it is async, like asyncpg, ..."
                conditional = bool(words) and words[0] in CONDITIONALS
            colons = set(accumulate(len(split_words(p)) for p in segment.split(": ")[:-1]))  # a part ends
            for i, w in enumerate(words):
                if w == "and" and i:
                    self._segments += 1
                if i in colons:
                    self._parts += 1
                self.tokens.append(w)
                self.prose.append("" if marked[i][1] else w)
                self.clause.append(index)
                self.statement.append(self._statements)
                self.segment.append(self._segments)
                self.commas.append(self._commas + n)
                self.part.append(self._segments + self._parts)  # both only ever grow
                self.negated.append(reach > 0)
                if reach and w in FRAMES:
                    reach = len(raw)  # to the end of the statement (a new one resets it)
                elif w not in REACH_FREE:
                    reach = max(0, reach - 1)
                negation = w in NEGATIONS or w in NEGATES_BEFORE_OF and words[i + 1:i + 2] == ["of"]
                cue = negation and self._negates(words, i)
                self.is_cue.append(cue)
                if cue:
                    reach = NEGATION_REACH
        self._commas += raw.count(",")
        end = len(self.tokens)
        if end > start:
            self.clauses.append((start, end, " ".join(self.tokens[start:end])))
        return end > start

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
