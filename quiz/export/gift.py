"""Moodle's GIFT format: one essay question per question, the model answer as general feedback.

    $CATEGORY: $course$/top/FastAPI Advanced Interview

    ::003 middleware::[html]<p>Explain…</p>{####[html]<p>Middleware is…</p>…}

Text is HTML (`[html]`), then escaped for GIFT: `\\ ~ = # { } :` get a backslash, and a
line break is written `\\n`, so every question stands on one line: no blank line (which
ends a question) and no line starting with `//` (a comment) can appear inside one. The
category path cannot carry escapes (Moodle does not unescape it): its special characters
become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quiz.export import ExportOptions
from quiz.export import html as h

if TYPE_CHECKING:
    from quiz.model import Question

_ESCAPES = [(c, "\\" + c) for c in "\\~=#{}:"] + [("\r\n", "\\n"), ("\r", "\\n"), ("\n", "\\n")]
_NOT_IN_CATEGORY = re.compile(r"[\\~=#{}:/$\s]+")


def escape(text: str) -> str:
    """Text as GIFT reads it back: specials backslash-escaped, line breaks as `\\n`."""
    text = h.clean(text)
    for char, escaped in _ESCAPES:  # backslash first; str.replace beats re.sub and translate here
        text = text.replace(char, escaped)
    return text


def unescape(text: str) -> str:
    """What Moodle makes of escaped GIFT text (its escapedchar_pre and _post)."""
    return re.sub(r"\\([\\~=#{}:n])", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def category(deck: str) -> str:
    return " ".join(_NOT_IN_CATEGORY.sub(" ", h.clean(deck)).split()) or "quiz"


def name(q: Question) -> str:
    return f"{q.num:03d} {q.id}"


def question_line(q: Question, options: ExportOptions) -> str:
    text = escape(h.text_html(q.question))
    feedback = escape(h.answer_side(q, options))
    return f"::{escape(name(q))}::[html]{text}{{####[html]{feedback}}}"


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    out = [f"// {category(options.deck)}: {len(questions)} essay questions, exported by quiz", "",
           f"$CATEGORY: $course$/top/{category(options.deck)}", ""]
    h.prerender_questions(questions)
    for q in questions:
        out += [question_line(q, options), ""]
    return "\n".join(out)
