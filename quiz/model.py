"""The questions as plain, immutable data: what every part of quiz works with.

Validation (pydantic) happens once, when a bank file is read; what comes out is these
dataclasses, so that commands that read a cached bank never pay for importing pydantic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quiz.paths import content_dir

BUILTIN_BANK = content_dir("questions")
BUILTIN_DEMOS = content_dir("demos")
#: The built-in banks by the name `--bank NAME` (and QUIZ_BANK=NAME) gives them; the first is
#: the default. Each keeps its progress under its own `bank_id`.
BUILTIN_BANKS: dict[str, Path] = {"fastapi": BUILTIN_BANK, "senior": content_dir("banks") / "senior"}
MAX_TEXT = 64 * 1024  # any one text of a bank (an answer, errata, a question): 64 KB, in characters
MAX_NUMBER = 1_000_000  # a question's number: Anki stores it as the card's position (a 64-bit integer)
CORE_MARK = "★ "  # before a core key point wherever points are listed (`KeyPoint.shown`, the screens)
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"  # an id, a bank id
SLUG = re.compile(SLUG_PATTERN)

# Control characters (C0 but newline and tab, DEL, C1) would reach the terminal raw: an escape
# sequence in a bank could write the clipboard (OSC 52), clear the screen or hide text. The bidi
# controls (embeddings, overrides, isolates) reorder what follows: a name could read reversed.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ESC shows as ␛
    if code > 0x9F:
        return f"<U+{code:04X}>"  # a bidi control, named
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """`text` with every control character but newline and tab made visible (ESC as ␛, a bidi
    control as <U+202E>)."""
    return CONTROL.sub(_picture, text) if CONTROL.search(text) else text


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """One thing a good spoken answer mentions, and the words that show it was mentioned."""

    point: str
    terms: tuple[str, ...] = ()
    subject: tuple[str, ...] = ()  # a statement: `terms` said of one of these (quiz.grading.statements)
    contrasts: tuple[tuple[str, ...], ...] = ()  # this point's own, beside the bank's
    core: bool = False  # an interviewer's must-hear: the rating needs it (quiz.grading.results)

    @property
    def shown(self) -> str:
        """The point as lists show it (exports, a handout): a core point marked with CORE_MARK."""
        return CORE_MARK + self.point if self.core else self.point

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"point": self.point, "terms": list(self.terms)}
        if self.subject:
            out["subject"] = list(self.subject)
        if self.contrasts:
            out["contrasts"] = [list(c) for c in self.contrasts]
        if self.core:
            out["core"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], checked: bool = False) -> KeyPoint:
        v = str if checked else visible
        return cls(v(data["point"]), tuple(v(t) for t in data.get("terms") or ()),
                   tuple(v(t) for t in data.get("subject") or ()),
                   tuple(tuple(v(m) for m in c) for c in data.get("contrasts") or ()),
                   data.get("core") is True)


@dataclass(frozen=True, slots=True)
class Fact:
    """A statement of the bank checked in every answer for contradictions only: `terms` said of
    `subject` (as a key point with a subject), never credited, never required. Said the other
    way round ("the first middleware added is the outermost") it is a contradiction."""

    fact: str
    terms: tuple[str, ...]
    subject: tuple[str, ...]
    contrasts: tuple[tuple[str, ...], ...] = ()  # its own, beside the bank's

    @property
    def point(self) -> str:  # what a contradiction names
        return self.fact

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fact": self.fact, "subject": list(self.subject), "terms": list(self.terms)}
        if self.contrasts:
            out["contrasts"] = [list(c) for c in self.contrasts]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], checked: bool = False) -> Fact:
        v = str if checked else visible
        return cls(v(data["fact"]), tuple(v(t) for t in data["terms"]), tuple(v(t) for t in data["subject"]),
                   tuple(tuple(v(m) for m in c) for c in data.get("contrasts") or ()))


@dataclass(frozen=True, slots=True)
class Pitfall:
    """A wrong or outdated claim a candidate may make, how to recognise it, and what holds today."""

    claim: str
    terms: tuple[str, ...]
    correction: str
    since: str | None = None
    reference: str | None = None
    subject: tuple[str, ...] = ()  # a statement: `terms` said of one of these (quiz.grading.pitfalls)
    #: A bank-wide pitfall (checked in every answer of the bank) is listed under these questions
    #: (ids) and under every question with one of these tags; a question's own pitfall has neither.
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def to_dict(self, placed: bool = False) -> dict[str, Any]:
        """In the bank format; `placed`: with where a bank-wide pitfall is listed (`questions`, `tags`)."""
        out: dict[str, Any] = {"claim": self.claim, "terms": list(self.terms), "correction": self.correction}
        for name in ("since", "reference"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.subject:
            out["subject"] = list(self.subject)
        for name in ("questions", "tags") if placed else ():
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], checked: bool = False) -> Pitfall:
        v = str if checked else visible

        def opt(text: str | None) -> str | None:
            return None if text is None else v(text)

        return cls(v(data["claim"]), tuple(v(t) for t in data["terms"]), v(data["correction"]),
                    opt(data.get("since")), opt(data.get("reference")),
                    tuple(v(t) for t in data.get("subject") or ()),
                    tuple(data.get("questions") or ()), tuple(v(t) for t in data.get("tags") or ()))

    def listed_under(self, question: Question) -> bool:
        """Whether this bank-wide pitfall is listed under `question` (by its id or a tag)."""
        return question.id in self.questions or any(t in self.tags for t in question.tags)


@dataclass(frozen=True, slots=True)
class Choice:
    """An option of a choice question the author wrote: its text, whether it is right, and what
    to tell a student who picks it (or, for a right one, misses it)."""

    text: str
    correct: bool = False
    feedback: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.correct:
            out["correct"] = True
        if self.feedback:
            out["feedback"] = self.feedback
        return out


@dataclass(frozen=True, slots=True)
class Question:
    """One interview question. Progress is keyed by `id`, never by text or position."""

    id: str
    number: int
    question: str
    answer: str
    key_points: tuple[KeyPoint, ...]
    tags: tuple[str, ...] = ()
    difficulty: int = 2
    demo: str | None = None
    errata: str | None = None
    pitfalls: tuple[Pitfall, ...] = ()
    follow_ups: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()  # the author's choice question (else one is made: export.statements)
    #: Sets of words one of which excludes the others, and groups of words said for one another:
    #: the bank file's, then the question's own (quiz.grading.statements).
    contrasts: tuple[tuple[str, ...], ...] = field(default=(), compare=False)
    synonyms: tuple[tuple[str, ...], ...] = field(default=(), compare=False)
    #: The bank's facts (one tuple for every question of the bank): checked for contradictions only.
    facts: tuple[Fact, ...] = field(default=(), compare=False)
    #: The bank's pitfalls (one tuple for every question of the bank): checked in every answer,
    #: listed under the questions each names (`listed_pitfalls`).
    bank_pitfalls: tuple[Pitfall, ...] = field(default=(), compare=False)
    source: Path = field(default=Path("."), compare=False)
    line: int = field(default=0, compare=False)
    root: Path | None = field(default=None, compare=False)  # the bank's folder: demos stay inside it

    @property
    def num(self) -> int:
        return self.number

    @property
    def topic(self) -> str:
        """The first tag names the question's topic (an area such as `security`)."""
        return self.tags[0] if self.tags else "general"

    @property
    def listed_pitfalls(self) -> tuple[Pitfall, ...]:
        """The pitfalls shown and exported with this question: its own, then the bank's listed
        under it (`Pitfall.listed_under`)."""
        claims = {p.claim for p in self.pitfalls}
        return self.pitfalls + tuple(p for p in self.bank_pitfalls
                                     if p.claim not in claims and p.listed_under(self))

    @property
    def checked_pitfalls(self) -> tuple[Pitfall, ...]:
        """The pitfalls grading looks for in an answer to this question: its own, then every one
        of the bank's."""
        if not self.bank_pitfalls:
            return self.pitfalls
        claims = {p.claim for p in self.pitfalls}
        return self.pitfalls + tuple(p for p in self.bank_pitfalls if p.claim not in claims)

    def demo_path(self) -> Path | None:
        """The demo file this question names, or None when it names none or none exists."""
        if not self.demo:
            return None
        return resolve_demo(self.demo, self.source.parent, self.root)

    def images(self) -> dict[str, Path]:
        """The bank's own image files its answer and errata show: reference -> file (those found)."""
        found = {}
        for ref in image_refs(self.answer + "\n" + (self.errata or "")):
            path = resolve_image(ref, self.source.parent, self.root)
            if path is not None:
                found[ref] = path
        return found

    def to_dict(self) -> dict[str, Any]:
        """The question in the bank format (optional fields left out when empty)."""
        out: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "question": self.question,
            "answer": self.answer,
            "key_points": [k.to_dict() for k in self.key_points],
            "tags": list(self.tags),
            "difficulty": self.difficulty,
        }
        for name in ("demo", "errata"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.pitfalls:
            out["pitfalls"] = [p.to_dict() for p in self.pitfalls]
        for name in ("follow_ups", "references"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.choices:
            out["choices"] = [c.to_dict() for c in self.choices]
        for name in ("contrasts", "synonyms"):
            if getattr(self, name):
                out[name] = [list(g) for g in getattr(self, name)]
        return out

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], source: Path = Path("."), line: int = 0, root: Path | None = None,
        checked: bool = False,
    ) -> Question:
        """Build from already validated bank-format data; control characters made visible
        (`checked`: the texts are known to hold none)."""
        v = str if checked else visible

        def opt(text: str | None) -> str | None:
            return None if text is None else v(text)

        return cls(
            id=data["id"],
            number=data["number"],
            question=v(data["question"]),
            answer=v(data["answer"]),
            key_points=tuple(KeyPoint.from_dict(k, checked) for k in data["key_points"]),
            tags=tuple(v(t) for t in data.get("tags") or ()),
            difficulty=data.get("difficulty", 2),
            demo=opt(data.get("demo")),
            errata=opt(data.get("errata")),
            pitfalls=tuple(Pitfall.from_dict(p, checked) for p in data.get("pitfalls") or ()),
            follow_ups=tuple(v(f) for f in data.get("follow_ups") or ()),
            references=tuple(v(r) for r in data.get("references") or ()),
            choices=tuple(Choice(v(c["text"]), bool(c.get("correct")), v(c.get("feedback") or ""))
                          for c in data.get("choices") or ()),
            contrasts=tuple(tuple(v(m) for m in g) for g in data.get("contrasts") or ()),
            synonyms=tuple(tuple(v(m) for m in g) for g in data.get("synonyms") or ()),
            source=source,
            line=line,
            root=root,
        )


_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>\n]+)>|([^)\s]+))")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def image_refs(text: str) -> list[str]:
    """The local image references of a Markdown text (`![alt](img/x.png)`), in order, once each:
    relative paths, not URLs (`https:`, `data:`), not absolute paths, not anchors."""
    if "![" not in text:
        return []
    refs = (m.group(1) or m.group(2) for m in _IMAGE.finditer(text))
    return list(dict.fromkeys(r for r in refs if not _SCHEME.match(r) and not r.startswith(("/", "#", "\\"))))


def image_path(ref: str, bank_dir: Path) -> Path:
    """Where a local image reference points: relative to the bank file, `%20` decoded."""
    from urllib.parse import unquote

    return (bank_dir / unquote(ref.split("#")[0].split("?")[0])).resolve()


def resolve_image(ref: str, bank_dir: Path, root: Path | None = None) -> Path | None:
    """A local image reference's file, when it exists inside the bank's folder `root`; else None."""
    path = image_path(ref, bank_dir)
    return path if path.is_relative_to((root or bank_dir).resolve()) and path.is_file() else None


def demo_escapes(name: str, bank_dir: Path, root: Path | None = None) -> bool:
    """Whether a `demo` path (not a slug) points outside the bank's folder `root`."""
    if not (name.endswith(".py") or "/" in name or "\\" in name):
        own = bank_dir / "demos" / f"{name.replace('-', '_')}.py"  # a slug: the bank's own file, if any
        return own.is_symlink() and not own.resolve().is_relative_to((root or bank_dir).resolve())
    path = (bank_dir / name).resolve()
    return not path.is_relative_to((root or bank_dir).resolve())


def resolve_demo(name: str, bank_dir: Path, root: Path | None = None) -> Path | None:
    """A `demo` value to a file: a path relative to the bank file, or a slug.

    A slug is looked up as `demos/<slug>.py` beside the bank file, then among the built-in
    demos. Hyphens and underscores are the same in a slug. A file outside the bank's folder
    `root` (by default the bank file's folder), symbolic links followed, is never found.
    """
    inside = (root or bank_dir).resolve()
    if name.endswith(".py") or "/" in name or "\\" in name:
        path = (bank_dir / name).resolve()
        return path if path.is_relative_to(inside) and path.is_file() else None
    stem = name.replace("-", "_")
    own = bank_dir / "demos" / f"{stem}.py"
    path = own.resolve()
    if path.is_relative_to(inside) and path.is_file():
        return path
    if own.is_symlink():  # the bank's own file, a link leading outside: not the built-in one instead
        return None
    path = BUILTIN_DEMOS / f"{stem}.py"
    return path if path.is_file() else None
