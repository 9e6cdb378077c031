"""The bank on screen: the question list, one question with its answer, validation problems."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text

from quiz import ui
from quiz.model import CORE_MARK
from quiz.ui.rendered import print_cached

if TYPE_CHECKING:
    from rich.panel import Panel
    from rich.table import Table

    from quiz.bank import Problem
    from quiz.model import Question


CHUNK = 100  # rows of the question list rendered at a time

#: What Rich reads as an `:emoji:` code in a title (rich._emoji_replace matches within these).
_EMOJI_LIKE = re.compile(r":\S*:")


def title_text(text: str) -> str | Text:
    """A panel title as Rich reads a string (markup, `:emoji:` codes), as plain Text when it has
    neither: the same output, without loading Rich's table of 3,600 emoji before the first
    question."""
    return text if "[" in text or _EMOJI_LIKE.search(text) else Text(text)


def print_question_list(questions: Sequence[Question], title: str,
                        matched: dict[str, list[str]] | None = None) -> None:
    """The question list, printed a few rows at a time: a bank of 10,000 questions starts
    printing at once (and `| head` stops it early)."""
    from rich.segment import Segments

    console = ui.out
    if len(questions) <= CHUNK:  # one table: printed as kept from an earlier list, when it was
        rows = [[q.num, q.id, q.question, list(q.tags), q.difficulty] for q in questions]
        print_cached(console, ("list", title, json.dumps(rows), json.dumps(matched)),
                     lambda: next(question_tables(questions, title, matched)))
        return
    count = -(-len(questions) // CHUNK) or 1
    for i, table in enumerate(question_tables(questions, title, matched)):
        lines = console.render_lines(table, console.options, pad=False, new_lines=True)
        if i > 0:
            lines = lines[1:]  # the blank top edge: the tables print as one
        if i < count - 1:
            lines = lines[:-1]  # and the blank bottom edge
        console.print(Segments([s for line in lines for s in line]), end="")


def question_tables(questions: Sequence[Question], title: str, matched: dict[str, list[str]] | None = None,
                    chunk: int = 0) -> Iterator[Table]:
    """The question list as tables of `chunk` rows with the same column widths, the title and
    header on the first. Each tag on a line of its own, whole. With `matched` (a search), a line
    under the question says where the text was found."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table

    chunk = chunk or CHUNK
    topic = max([len("topic"), *(cell_len(q.topic) for q in questions)])
    number = max([1, *(len(str(q.num)) for q in questions)])
    tag = min(20, max([4, *(cell_len(t) for q in questions for t in q.tags[1:])]))
    for start in range(0, max(len(questions), 1), chunk):
        first = start == 0
        table = Table(title=title if first else None, title_justify="left", box=box.SIMPLE_HEAD, expand=True,
                      show_header=first)
        table.add_column("#", justify="right", style="cyan", no_wrap=True, width=number)
        table.add_column("question", ratio=3)
        table.add_column("topic", no_wrap=True, width=topic)
        table.add_column("tags", style="dim", width=tag, overflow="fold")
        table.add_column("diff", justify="left", no_wrap=True, width=4)
        for q in questions[start:start + chunk]:
            text = Text(q.id, style="bold") + Text("\n") + Text(q.question, style="dim")
            if matched is not None:
                text += Text("\nfound in " + ", ".join(matched.get(q.id, [])), style="yellow")
            table.add_row(str(q.num), text, q.topic, "\n".join(q.tags[1:]), "●" * q.difficulty)
        yield table


def bank_table(rows: list[dict[str, Any]]) -> Table:
    """The built-in banks: the name `--bank` takes, bank id, deck, questions."""
    from rich import box
    from rich.table import Table

    table = Table(title="Built-in banks (quiz --bank NAME)", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("bank id", no_wrap=True)
    table.add_column("deck")
    table.add_column("questions", justify="right")
    for row in rows:
        name = row["name"] + (" (default)" if row["default"] else "")
        table.add_row(name, row["bank_id"], row["deck"], str(row["questions"]))
    return table


def question_panel(q: Question, subtitle: str | None = None) -> Panel:
    from rich.panel import Panel

    meta = f"#{q.num} · {q.id} · {q.topic} · difficulty {q.difficulty}/3"
    return Panel(
        Text(q.question, style="bold"),
        title=title_text(meta),
        title_align="left",
        subtitle=None if subtitle is None else title_text(subtitle),
        subtitle_align="right",
        border_style="cyan",
    )


def _html_as_text(tokens: list[Any]) -> list[Any]:
    """markdown-it tokens with raw HTML turned into plain text (Rich drops HTML tokens)."""
    from markdown_it.token import Token

    out: list[Any] = []
    for t in tokens:
        if t.type == "html_inline":
            out.append(Token("text", "", 0, content=t.content))
        elif t.type == "html_block":
            text = Token("text", "", 0, content=t.content.rstrip("\n"))
            out += [Token("paragraph_open", "p", 1, block=True),
                    Token("inline", "", 0, content=text.content, children=[text], block=True),
                    Token("paragraph_close", "p", -1, block=True)]
        else:
            if t.children:
                t.children = _html_as_text(t.children)
            out.append(t)
    return out


def markdown(text: str) -> Any:
    """A bank's Markdown for the terminal; inline HTML shows as the literal text it is, so a
    bank that teaches XSS keeps its `<script>` examples."""
    from rich.markdown import Markdown

    md = Markdown(text, code_theme="monokai")
    md.parsed = _html_as_text(md.parsed)
    return md


def answer_markdown(q: Question) -> Any:
    return markdown(q.answer)


def pitfalls_table(q: Question) -> Table:
    """Each pitfall: the wrong claim, what holds today, since when and where it is written."""
    from rich.table import Table

    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    for p in q.listed_pitfalls:
        text = Text(" ".join(p.claim.split()), style="red") + Text("\nToday: ", style="bold")
        text += Text(" ".join(p.correction.split()))
        extra = " · ".join(x for x in (p.since, p.reference) if x)
        if extra:
            text += Text(f"\n{extra}", style="dim")
        table.add_row(Text("✘", style="bold red"), text)
    return table


#: What the ★ (`quiz.model.CORE_MARK`) before a core key point (`core: true`) means.
CORE_LEGEND = "★ core: say every one, and one point more, for at least Good"


def point_text(point: str, core: bool) -> Text:
    """A key point's text, marked ★ when it is core."""
    return Text(CORE_MARK, style="bold yellow") + Text(point) if core else Text(point)


def show_question(q: Question, *, answer: bool = True) -> None:
    from rich.panel import Panel
    from rich.table import Table

    ui.out.print(question_panel(q))
    if not answer:
        return
    print_cached(ui.out, ("answer", q.answer), lambda: Panel(answer_markdown(q), title="Answer",
                                                             title_align="left", border_style="green"))
    points = Table.grid(padding=(0, 1))
    for kp in q.key_points:
        points.add_row("•", point_text(kp.point, kp.core))
    legend = Text(CORE_LEGEND, style="dim") if any(kp.core for kp in q.key_points) else None
    ui.out.print(Panel(points, title="Key points", title_align="left", border_style="blue", subtitle=legend,
                       subtitle_align="left"))
    if q.errata:
        errata = q.errata
        print_cached(ui.out, ("errata", errata), lambda: Panel(
            markdown(errata), title="What changed (errata)", title_align="left", border_style="yellow"))
    if q.listed_pitfalls:
        ui.out.print(Panel(pitfalls_table(q), title="Pitfalls: what candidates say that is wrong or outdated",
                           title_align="left", border_style="red"))
    if q.follow_ups:
        ups = Table.grid(padding=(0, 1))
        for f in q.follow_ups:
            ups.add_row("?", Text(f))
        ui.out.print(Panel(ups, title="Follow-ups", title_align="left", border_style="magenta"))
    footer = []
    if q.demo:
        footer.append(f"See it run: {ui.command(f'demo {q.num}')}")
    footer.extend(q.references)
    if footer:
        ui.out.print(Text("\n".join(footer), style="dim"), soft_wrap=True)  # commands never wrapped


def problems(found: list[Problem]) -> None:
    for p in found:
        style = "red" if p.severity == "error" else "yellow"
        ui.out.print(Text(str(p), style=style), soft_wrap=True)
