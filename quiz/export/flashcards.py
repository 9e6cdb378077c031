"""Flash cards for Quizlet and apps like it: one card a line, `term<TAB>definition`.

Quizlet's import box (and Brainscape's, Knowt's, ...) reads exactly that with its default
settings: a tab between term and definition, a new line between cards. So every
line break and tab inside a question or an answer is flattened to one space. The term is
the question; the definition is the model answer as plain text (its Markdown rendered and
the markup dropped: code keeps its text, raw HTML shows as written). A term or definition
that would start with `=`, `+`, `-` or `@` starts with a zero-width space: the card reads the
same, and a spreadsheet that opens the file sees text, not a formula (these apps show an
apostrophe, csv's guard, as written).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quiz.export import ExportOptions
from quiz.export import html as h
from quiz.export.csv_ import _FORMULA_START as FORMULA_START  # the csv guard's characters

if TYPE_CHECKING:
    from quiz.model import Question

_TAG = re.compile(r"<[^>]+>")


def flat(text: str) -> str:
    """Text on one line: every run of whitespace (newlines, tabs) becomes one space."""
    return " ".join(h.clean(text).split())


def plain(markdown_text: str) -> str:
    """An author's Markdown as the text a reader sees, markup dropped."""
    rendered = h.markdown_html(markdown_text).replace("</p>", "</p> ").replace("</li>", "</li> ")
    return html.unescape(_TAG.sub("", rendered))


def mistakes(q: Question) -> str:
    """The question's pitfalls as plain text: ` Common mistakes: X (instead: Y). ...`."""
    if not q.pitfalls:
        return ""
    return " Common mistakes: " + " ".join(f"{p.claim.rstrip('.')} (instead: {p.correction.rstrip('.')})."
                                           for p in q.pitfalls)


def guard(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula; invisible on the card."""
    return "\u200b" + text if text.startswith(FORMULA_START) else text


def card(q: Question) -> str:
    return f"{guard(flat(q.question))}\t{guard(flat(plain(q.answer) + mistakes(q)))}"


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    h.prerender_questions(questions)
    return "".join(card(q) + "\n" for q in questions)
