"""Flash cards for Quizlet and apps like it: one card a line, `term<TAB>definition`.

Quizlet's import box (and Brainscape's, Knowt's, ...) reads exactly that with its default
settings: a tab between term and definition, a new line between cards. So a card holds no
line break and no tab. The term is the question (code spans without their backticks); the
definition is the model answer as the terminal parses it (CommonMark), as text: paragraphs
and list items one after another, a code block's lines separated by ⏎ with their
indentation, a table's rows as `header: cell` pairs; raw HTML shows as written. Then the
common mistakes. A term or definition that would start with `=`, `+`, `-` or `@` starts with
a zero-width space: the card reads the same, and a spreadsheet that opens the file sees text,
not a formula (these apps show an apostrophe, csv's guard, as written).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from quiz.export import ExportOptions
from quiz.export import html as h
from quiz.export.csv_ import _FORMULA_START as FORMULA_START  # the csv guard's characters

if TYPE_CHECKING:
    from quiz.model import Question

NEWLINE = " ⏎ "  # a line break inside a code block: one card is one line


def flat(text: str) -> str:
    """Text on one line: every run of whitespace (newlines, tabs) becomes one space."""
    return " ".join(h.clean(text).split())


def _inline(token: Any) -> str:
    """An inline token's text as a reader sees it: code spans without their backticks."""
    out = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


def plain(markdown_text: str) -> str:
    """An author's Markdown as one line of text: paragraphs and list items as sentences, a code
    block's lines kept apart by ⏎ (indentation kept), a table's rows as `header: cell` pairs."""
    parts: list[str] = []
    header: list[str] = []
    row: list[str] = []
    in_head, prev, marker = False, "", ""
    for t in h.markdown_tokens(markdown_text):
        if t.type in ("fence", "code_block"):
            lines = [line.rstrip().replace("\t", "    ") for line in t.content.strip("\n").split("\n")]
            parts.append(NEWLINE.join(line for line in lines if line.strip()))
        elif t.type in ("thead_open", "thead_close"):
            in_head = t.type == "thead_open"
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close" and not in_head:
            keys = header + [""] * (len(row) - len(header))
            parts.append(", ".join(f"{k}: {v}" if k else v for k, v in zip(keys, row, strict=False)) + ";")
        elif t.type == "list_item_open":
            marker = f"{t.info}{t.markup}" if t.markup in (".", ")") else "•"
        elif t.type == "inline":
            text = flat(_inline(t))
            if marker:
                text, marker = f"{marker} {text}", ""
            if prev == "th_open":
                header.append(text)
            elif prev == "td_open":
                row.append(text)
            else:
                parts.append(text)
        prev = t.type
    return " ".join(p for p in parts if p)


def term(text: str) -> str:
    """A question as the card's term: one line, code spans without their backticks."""
    pieces = h.split_code(text)
    return flat("".join(p.strip("`") if code else p for p, code in pieces))


def mistakes(q: Question) -> str:
    """The question's pitfalls as plain text: ` Common mistakes: X (instead: Y). ...`."""
    if not q.listed_pitfalls:
        return ""
    return " Common mistakes: " + " ".join(f"{p.claim.rstrip('.')} (instead: {p.correction.rstrip('.')})."
                                           for p in q.listed_pitfalls)


def guard(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula; invisible on the card."""
    return "\u200b" + text if text.startswith(FORMULA_START) else text


def card(q: Question, answer: str | None = None) -> str:
    """The question's card; `answer` is `plain(q.answer)` when already made."""
    answer = plain(q.answer) if answer is None else answer
    return f"{guard(term(q.question))}\t{guard(answer + flat(mistakes(q)))}"


def plains(texts: Iterable[str]) -> dict[str, str]:
    """`plain` of each text: kept from an earlier export (`kept`), or made (many at once over
    the machine's cores) and kept."""
    from quiz.export import kept

    todo = list(dict.fromkeys(texts))
    found = kept.read(todo, "plain")
    missing = [t for t in todo if t not in found]
    made = dict(zip(missing, h.in_workers(plain, missing), strict=True))
    kept.write({(t, "plain"): text for t, text in made.items()})
    return found | made


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    """The cards: the answers parsed as Markdown (tokens), never rendered to HTML."""
    answers = plains(q.answer for q in questions)
    return "".join(card(q, answers[q.answer]) + "\n" for q in questions)
