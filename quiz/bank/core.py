"""The bank: its questions in order, looked up by number or id, and selected by topic, tag,
id or search."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quiz.errors import NotFoundError
from quiz.model import Question, visible


@dataclass
class Bank:
    """The questions of one or more bank files, in order."""

    questions: list[Question]
    deck: str = "FastAPI Advanced Interview"
    sources: list[Path] = field(default_factory=list)
    bank_id: str = ""  # the bank's identity for progress and Anki notes; by default from `deck`

    written: int = field(default=-1, compare=False)  # questions as written, valid or not (validate)

    def __post_init__(self) -> None:
        self.deck = visible(self.deck)
        if self.written < 0:
            self.written = len(self.questions)
        if not self.bank_id:
            self.bank_id = derive_bank_id(self.deck)

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Any:
        return iter(self.questions)

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    @property
    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions})

    @property
    def tags(self) -> list[str]:
        return sorted({t for q in self.questions for t in q.tags})

    def get(self, ref: str | int) -> Question:
        """A question by number or id; an unknown one raises with the closest ids."""
        text = str(ref).strip()
        for q in self.questions:
            if q.id == text or (text.isdigit() and q.num == int(text)):
                return q
        if text.isdigit():
            nums = [q.num for q in self.questions]
            span = f"{min(nums)} to {max(nums)}" if nums else "none"
            raise NotFoundError(f"There is no question {text}: numbers run {span}.")
        raise NotFoundError(f"There is no question '{text}'.{did_you_mean(text, self.ids)}")

    def topic_names(self, names: Iterable[str]) -> list[str]:
        """Topics as the bank spells them, whatever the case given; an unknown one raises."""
        names = list(names)  # none: no question's tags read (a cached bank reads them on first use)
        return _canonical(names, self.topics, "topic") if names else []

    def tag_names(self, names: Iterable[str]) -> list[str]:
        """Tags as the bank spells them, whatever the case given; an unknown one raises."""
        names = list(names)
        return _canonical(names, self.tags, "tag") if names else []

    def select(
        self,
        *,
        topics: Iterable[str] = (),
        tags: Iterable[str] = (),
        ids: Iterable[str] = (),
        search: str | None = None,
    ) -> list[Question]:
        """The questions matching every filter given (each filter: any of its values).

        Topics and tags match whatever their case; `search` as `matches` says.
        """
        topics, tags = self.topic_names(topics), self.tag_names(tags)
        wanted = {self.get(i).id for i in ids}
        if not (topics or tags or wanted or search):
            return list(self.questions)
        out = []
        for q in self.questions:
            if topics and q.topic not in topics:
                continue
            if tags and not set(tags) & set(q.tags):
                continue
            if wanted and q.id not in wanted:
                continue
            if search and not matches(q, search):
                continue
            out.append(q)
        return out


def _canonical(names: Iterable[str], known: list[str], what: str) -> list[str]:
    by_fold = {k.casefold(): k for k in known}
    out = []
    for name in names:
        if (found := by_fold.get(name.strip().casefold())) is None:
            listed = ", ".join(known[:40]) + (", ..." if len(known) > 40 else "")
            raise NotFoundError(f"There is no {what} '{name}'.{did_you_mean(name, known)} "
                                f"{what.capitalize()}s: {listed}.")
        out.append(found)
    return out


def _squash(text: str) -> str:
    """Casefolded, without spaces, hyphens and underscores: "Web-Socket" and "websocket" meet."""
    return re.sub(r"[\s_-]+", "", text.casefold())


def matches(q: Question, search: str) -> list[str]:
    """Where `search` occurs in `q`: some of question, id, answer, key point, tag (in that
    order); empty when nowhere. Case, spaces, hyphens and underscores are ignored."""
    needle = _squash(search)
    if not needle:
        return []
    fields = {
        "question": [q.question],
        "id": [q.id],
        "answer": [q.answer],
        "key point": [t for kp in q.key_points for t in (kp.point, *kp.terms)],
        "tag": list(q.tags),
    }
    return [name for name, texts in fields.items() if any(needle in _squash(t) for t in texts)]


def derive_bank_id(deck: str) -> str:
    """A stable identity from a deck name: `FastAPI Advanced Interview` -> `fastapi-advanced-interview`."""
    slug = re.sub(r"[^a-z0-9]+", "-", deck.casefold()).strip("-")
    return slug or "bank"


def did_you_mean(text: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(text, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return " Did you mean " + ", ".join(f"'{c}'" for c in close) + "?"
