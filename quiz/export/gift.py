"""Moodle's GIFT format: one essay question per question, the model answer as general feedback;
with `questions` choice, truefalse or all, also a multiple-answer question (key points right,
pitfalls wrong with their corrections as feedback) and one true/false question per statement.
Each question is preceded by Moodle's `// [id:...] [tag:...]` line (its id number and tags).

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
from quiz.export import statements as st

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


def name(q: Question, suffix: str = "") -> str:
    return f"{q.num:03d} {q.id}{suffix}"


def _meta_comment(qid: str, q: Question) -> str:
    """Moodle's `// [id:...] [tag:...]` line before a question: its id number and tags."""
    def safe(text: str) -> str:
        return " ".join(h.clean(text).replace("]", " ").split())

    return " ".join([f"// [id:{safe(qid)}]", *(f"[tag:{safe(t)}]" for t in q.tags if safe(t))])


def _html(text: str) -> str:
    return "[html]" + escape(text)


def question_line(q: Question, options: ExportOptions) -> str:
    text = escape(h.text_html(q.question))
    feedback = escape(h.answer_side(q, options))
    return f"::{escape(name(q))}::[html]{text}{{####[html]{feedback}}}"


def choice_line(q: Question, options: ExportOptions) -> str:
    """A multiple-answer question: every key point is right, every pitfall wrong (its
    correction as the option's feedback); "" when the question has no pitfall."""
    found = st.choice_options(q, options.seed)
    if not found:
        return ""
    if st.single(q):  # choose one: = the right option, ~ each wrong one
        marks = {True: "=", False: "~"}
    else:  # select every right one: each right option a share of 100%, each wrong one takes a share off
        right = st.grade(sum(s.true for s in found))
        wrong = st.grade(sum(not s.true for s in found))
        marks = {True: f"~%{right}%", False: f"~%-{wrong}%"}
    answers = " ".join(f"{marks[s.true]}{_html(h.text_html(s.text))}"
                       f"#{_html(h.text_html(st.option_feedback(q, s)))}" for s in found)
    stem = h.text_html(q.question) + f"<p>{st.choice_prompt(q)}</p>"
    feedback = h.answer_side(q, options)
    return f"::{escape(name(q, ' choice'))}::{_html(stem)}{{{answers} ####{_html(feedback)}}}"


def truefalse_lines(q: Question, options: ExportOptions) -> list[tuple[str, str]]:
    """One true/false question per statement, with its id: (id, GIFT line)."""
    out = []
    for i, s in enumerate(st.mixed(q, options.seed), 1):
        stem = h.text_html(q.question) + f"<p>{st.TRUEFALSE_PROMPT} {h.text_html(s.text)}</p>"
        right, wrong = (_html(h.text_html(f)) for f in st.truefalse_feedback(s))
        # Moodle's GIFT: {TRUE#feedback when answered wrong#feedback when answered right}
        answer = "TRUE" if s.true else "FALSE"
        line = f"::{escape(name(q, f' tf {i}'))}::{_html(stem)}{{{answer}#{wrong}#{right}}}"
        out.append((f"{q.id}-tf{i}", line))
    return out


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    out = [f"// {len(questions)} questions ({options.questions}), exported by quiz", ""]
    h.prerender_questions(questions)
    topic = None
    for q in questions:
        if q.topic != topic:
            topic = q.topic
            out += [f"$CATEGORY: {category(options.deck, topic)}", ""]
        if options.makes("essay"):
            out += [_meta_comment(q.id, q), question_line(q, options), ""]
        if options.makes("choice") and (line := choice_line(q, options)):
            out += [_meta_comment(f"{q.id}-choice", q), line, ""]
        if options.makes("truefalse"):
            for qid, line in truefalse_lines(q, options):
                out += [_meta_comment(qid, q), line, ""]
    return "\n".join(out)
