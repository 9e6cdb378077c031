"""A printable handout in Markdown: title, table of contents, questions, and the answers
(with key points and common mistakes) inline, at the end as an answer key, or left out
(`ExportOptions.answers`).

Plain text (questions, key points, tags) is escaped so it shows as written in any
renderer: `< &` as entities, the characters Markdown gives meaning to with a backslash
(only those every Markdown escapes, so no stray backslash shows); a `code` span stays one.

Answers are the author's Markdown, kept as written but made safe to embed: `<` outside
code becomes `&lt;` (no raw HTML reaches a renderer that would pass it through; `<https://...>`
links stay), a link or image whose target is not http, https or mailto gets a `#` in front
(it becomes an in-page anchor: `javascript:` cannot run), headings move under the
question's heading, and a code fence left open is closed, so one answer cannot swallow the
rest of the handout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quiz.export import ExportOptions, demo_command, source_line
from quiz.export import html as h
from quiz.export import statements as st

if TYPE_CHECKING:
    from quiz.model import Question

_SPECIAL = re.compile(r"([\\`*_\[\]#>])")
_LIST_START = re.compile(r"^([-+]|\d+(?=[.)]))")
_AUTOLINK = re.compile(r"(<(?:https?://|mailto:)[^\s<>]+>)")
_LINK_TARGET = re.compile(r"(\]\(\s*<?)([^\s)>]*)")
_REFERENCE = re.compile(r"^( {0,3}\[[^\]]+\]:\s*<?)(\S*)")
_TARGET_NEXT = re.compile(r"(\]\(\s*|^ {0,3}\[[^\]]+\]:\s*)$")
_FIRST_TARGET = re.compile(r"^(\s*<?)(\S*)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?=\s|$)")


def _plain(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))


def inline(text: str) -> str:
    """Plain text as one line of Markdown that renders as the text (`code` spans kept)."""
    pieces = h.split_code(" ".join(h.clean(text).split()))
    out = "".join(p if code else _plain(p) for p, code in pieces)
    m = _LIST_START.match(out)  # `- x`, `+ x`, `1. x` at the start would make a list
    if m is None:
        return out
    marker = m.group(1)
    return marker + "\\" + out[len(marker):] if marker[0].isdigit() else "\\" + out


def _safe_target(m: re.Match[str]) -> str:
    """A link target as is when harmless, else made an in-page anchor (`#javascript:...`)."""
    return m.group(0) if h.safe_url(m.group(2)) is not None else f"{m.group(1)}#{m.group(2)}"


def _escape_outside_code(line: str) -> str:
    line = _REFERENCE.sub(_safe_target, line)
    out = []
    for piece, code in h.split_code(line):
        if code:
            out.append(piece)
            continue
        piece = _LINK_TARGET.sub(_safe_target, piece)
        out += [p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(_AUTOLINK.split(piece))]
    return "".join(out)


def block(text: str, depth: int) -> str:
    """An author's Markdown, safe to embed under a heading of level `depth`."""
    lines: list[str] = []
    fence: str | None = None
    for line in h.clean(text).strip("\n").splitlines():
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not line.strip()[len(m.group(1)):].strip():
                fence = None
            lines.append(line)
            continue
        if m:
            fence = m.group(1)
            lines.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            level = min(6, len(heading.group(1)) + depth)
            line = "#" * level + line[heading.end():]
        if lines and _TARGET_NEXT.search(lines[-1]):  # a link whose target is on this line
            fixed = _FIRST_TARGET.sub(_safe_target, line)
            if fixed != line:  # unsafe: joined to its link, where the `#` cannot start a heading
                lines[-1] = lines[-1].rstrip() + " " + _escape_outside_code(fixed.lstrip())
                continue
        lines.append(_escape_outside_code(line))
    if fence is not None:
        lines.append(fence)
    return "\n".join(lines)


def _code(text: str) -> str:
    """Text as a `code` span, whatever backticks it holds."""
    ticks = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _anchor(q: Question) -> str:
    return f"q-{q.id}"  # ids are slugs: [a-z0-9_-]


def _meta(q: Question) -> str:
    tags = ", ".join(inline(t) for t in q.tags)
    parts = [f"difficulty {q.difficulty}/3"] + ([f"tags: {tags}"] if tags else [])
    return "*" + " · ".join(parts) + "*"


def _asks(options: ExportOptions) -> bool:
    return options.makes("choice") or options.makes("truefalse")


def _statements(q: Question, options: ExportOptions) -> list[str]:
    """The printable choice or true/false version: each statement with boxes to tick."""
    if options.makes("truefalse"):
        prompt, box = "True or false? Tick one box for each statement.", "T ☐ F ☐"
    else:
        prompt, box = st.choice_prompt(q), "○" if st.single(q) else "☐"
    found = st.printed(q, options.makes("truefalse"), options.seed)
    return [f"**{prompt}**", "", *[f"- {box} {inline(s.text)}" for s in found], ""]


def _statements_key(q: Question, options: ExportOptions, depth: int) -> list[str]:
    authored = bool(q.choices) and not options.makes("truefalse")
    words = {True: "Right", False: "Wrong"} if authored else {True: "True", False: "False"}
    out = [f"{'#' * depth} {'Choices' if authored else 'Statements'}", ""]
    for s in st.printed(q, options.makes("truefalse"), options.seed):
        why = s.feedback if s.feedback and (authored or not s.true) else ""
        instead = f"  \n  {'' if authored else 'Instead: '}{inline(why)}" if why else ""
        out.append(f"- **{words[s.true]}:** {inline(s.text)}{instead}")
    return [*out, ""]


def _answer(q: Question, options: ExportOptions, depth: int) -> list[str]:
    out = _statements_key(q, options, depth) if _asks(options) else []
    out += [f"{'#' * depth} Answer", "", block(q.answer, depth), ""]
    out += [f"{'#' * depth} Key points", ""]
    out += [f"- {inline(k.shown)}" for k in q.key_points] + [""]
    if q.listed_pitfalls:
        out += [f"{'#' * depth} Common mistakes", ""]
        for p in q.listed_pitfalls:
            since = f" ({inline(p.since)})" if p.since else ""
            ref = f" <{p.reference}>" if p.reference and _AUTOLINK.fullmatch(f"<{p.reference}>") else ""
            out += [f"- **Mistake:** {inline(p.claim)}  \n  **Instead:** {inline(p.correction)}{since}{ref}"]
        out += [""]
    if q.errata:
        out += [f"{'#' * depth} What changed", "", block(q.errata, depth), ""]
    if q.follow_ups:
        out += [f"{'#' * depth} Follow-ups", ""]
        out += [f"- {inline(f)}" for f in q.follow_ups] + [""]
    footer = []
    command = demo_command(q, options.banks)
    if command:
        footer.append(f"See it run: {_code(command)}")
    footer += [f"<{r}>" if _AUTOLINK.fullmatch(f"<{r}>") else inline(r) for r in q.references]
    if footer:
        out += ["  \n".join(footer), ""]
    return out


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    version = f" · Version {options.label}" if options.label else ""
    out = [f"# {inline(options.deck + version)}{' · answer key' if options.key_only else ''}", ""]
    count = f"{len(questions)} question{'s' * (len(questions) != 1)}"
    numbers = {q.id: i if options.numbered else q.num for i, q in enumerate(questions, 1)}

    def heading(q: Question) -> str:
        return f"### {numbers[q.id]}. {inline(q.question)}"

    if options.key_only:  # an exam paper's key, printed apart: the answers in the paper's order
        out += [f"{count}: the answers, in the order of the paper.", "", "## Answer key", ""]
        for q in questions:
            out += [heading(q), "", f"*{inline(source_line(q, options.deck))}*", ""]
            out += _answer(q, options, 4)
        return _joined(out)
    answers = {"inline": "answers after each question", "end": "answers at the end",
               "none": "no answers"}[options.answers]
    out += [f"{count}, {answers}.", "", "## Contents", ""]
    out += [f"- [{numbers[q.id]}. {inline(q.question)}](#{_anchor(q)})" for q in questions]
    out += [""]
    if options.answers == "end" and questions:
        out += ["Answer key: [at the end](#answer-key).", ""]
    out += ["## Questions", ""]
    for q in questions:
        out += [f'<a id="{_anchor(q)}"></a>', "", heading(q), "", _meta(q), ""]
        if _asks(options):
            out += _statements(q, options)
        if options.answers == "end":
            out += [f"[Answer](#a-{q.id})", ""]
        if options.answers == "inline":
            out += _answer(q, options, 4)
        out += ["---", ""]
    if options.answers == "end" and questions:
        out += ['<a id="answer-key"></a>', "", "## Answer key", ""]
        for q in questions:
            out += [f'<a id="a-{q.id}"></a>', "", heading(q), ""]
            out += [f"*{inline(source_line(q, options.deck))}*", ""]
            out += _answer(q, options, 4)
    return _joined(out)


def _joined(out: list[str]) -> str:
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
