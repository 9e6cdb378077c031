"""Moodle's GIFT format: one essay question per question, the model answer as general feedback.

    $CATEGORY: $course$/top/FastAPI Advanced Interview/core

    ::003 middleware::[html]<p>Explain…</p>{####[html]<p>Middleware is…</p>…}

Each topic has its own subcategory under the deck's (`$course$/top/<deck>/<topic>`): a
`$CATEGORY:` line comes before each run of questions of one topic.

Text is HTML (`[html]`), then escaped for GIFT: `\\ ~ = # { } :` get a backslash, and a
line break is written `\\n`, so every question stands on one line: no blank line (which
ends a question) and no line starting with `//` (a comment) can appear inside one. The
category path cannot carry GIFT escapes (Moodle does not unescape it): GIFT's special
characters become spaces there. A `/` separates categories, so one inside a name is
doubled (`a//b`), as Moodle writes and reads a category path.
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
_NOT_IN_CATEGORY = re.compile(r"[\\~=#{}:$\s]+")


def escape(text: str) -> str:
    """Text as GIFT reads it back: specials backslash-escaped, line breaks as `\\n`."""
    text = h.clean(text)
    for char, escaped in _ESCAPES:  # backslash first; str.replace beats re.sub and translate here
        text = text.replace(char, escaped)
    return text


def unescape(text: str) -> str:
    """What Moodle makes of escaped GIFT text (its escapedchar_pre and _post)."""
    return re.sub(r"\\([\\~=#{}:n])", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def category_name(name: str) -> str:
    """One category's name as a path element: specials to spaces, `/` doubled (Moodle's escape)."""
    clean = " ".join(_NOT_IN_CATEGORY.sub(" ", h.clean(name)).split()) or "quiz"
    escaped = clean.replace("/", "//")
    # Moodle's assemble_category_path: a name starting or ending with `/` gets a space there
    return (" " if escaped.startswith("/") else "") + escaped + (" " if escaped.endswith("/") else "")


def category(deck: str, topic: str | None = None) -> str:
    """The Moodle category path: `$course$/top/<deck>`, or its topic's subcategory."""
    names = [deck] if topic is None else [deck, topic]
    return "$course$/top/" + "/".join(category_name(n) for n in names)


def split_category(path: str) -> list[str]:
    """A category path as Moodle splits it (its split_category_path): the names, unescaped."""
    return [name.replace("//", "/").strip() for name in re.split(r"(?<!/)/(?!/)", path)]


def name(q: Question) -> str:
    return f"{q.num:03d} {q.id}"


def question_line(q: Question, options: ExportOptions) -> str:
    text = escape(h.text_html(q.question))
    feedback = escape(h.answer_side(q, options))
    return f"::{escape(name(q))}::[html]{text}{{####[html]{feedback}}}"


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    out = [f"// {len(questions)} essay questions, exported by quiz", ""]
    h.prerender_questions(questions)
    topic = None
    for q in questions:
        if q.topic != topic:
            topic = q.topic
            out += [f"$CATEGORY: {category(options.deck, topic)}", ""]
        out += [question_line(q, options), ""]
    return "\n".join(out)
