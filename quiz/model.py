"""The questions as plain, immutable data: what every part of quiz works with.

Validation (pydantic) happens once, when a bank file is read; what comes out is these
dataclasses, so that commands that read a cached bank never pay for importing pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quiz.paths import content_dir

BUILTIN_BANK = content_dir("questions")
BUILTIN_DEMOS = content_dir("demos")


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good spoken answer mentions, and the words that show it was mentioned."""

    point: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pitfall:
    """A wrong or outdated claim a candidate may make, how to recognise it, and what holds today."""

    claim: str
    terms: tuple[str, ...]
    correction: str
    since: str | None = None
    reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"claim": self.claim, "terms": list(self.terms), "correction": self.correction}
        for name in ("since", "reference"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


@dataclass(frozen=True)
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
    source: Path = field(default=Path("."), compare=False)
    line: int = field(default=0, compare=False)

    @property
    def num(self) -> int:
        return self.number

    @property
    def topic(self) -> str:
        """The first tag names the question's topic (an area such as `security`)."""
        return self.tags[0] if self.tags else "general"

    def demo_path(self) -> Path | None:
        """The demo file this question names, or None when it names none or none exists."""
        if not self.demo:
            return None
        return resolve_demo(self.demo, self.source.parent)

    def to_dict(self) -> dict[str, Any]:
        """The question in the bank format (optional fields left out when empty)."""
        out: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "question": self.question,
            "answer": self.answer,
            "key_points": [{"point": k.point, "terms": list(k.terms)} for k in self.key_points],
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
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: Path = Path("."), line: int = 0) -> Question:
        """Build from already validated bank-format data."""
        return cls(
            id=data["id"],
            number=data["number"],
            question=data["question"],
            answer=data["answer"],
            key_points=tuple(KeyPoint(k["point"], tuple(k.get("terms") or ())) for k in data["key_points"]),
            tags=tuple(data.get("tags") or ()),
            difficulty=data.get("difficulty", 2),
            demo=data.get("demo"),
            errata=data.get("errata"),
            pitfalls=tuple(
                Pitfall(p["claim"], tuple(p["terms"]), p["correction"], p.get("since"), p.get("reference"))
                for p in data.get("pitfalls") or ()
            ),
            follow_ups=tuple(data.get("follow_ups") or ()),
            references=tuple(data.get("references") or ()),
            source=source,
            line=line,
        )


def resolve_demo(name: str, bank_dir: Path) -> Path | None:
    """A `demo` value to a file: a path relative to the bank file, or a slug.

    A slug is looked up as `demos/<slug>.py` beside the bank file, then among the built-in
    demos. Hyphens and underscores are the same in a slug.
    """
    if name.endswith(".py") or "/" in name:
        path = (bank_dir / name).resolve()
        return path if path.is_file() else None
    stem = name.replace("-", "_")
    for folder in (bank_dir / "demos", BUILTIN_DEMOS):
        path = folder / f"{stem}.py"
        if path.is_file():
            return path
    return None
