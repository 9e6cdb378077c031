"""Rich rendering: questions, answers, tables, validation problems, demo tours.

Two consoles: `out` for results (stdout) and `err` for errors and progress (stderr). Rich
honours NO_COLOR by itself; `configure(no_color=True)` does the same for `--no-color`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from quiz.bank import Problem, Question
    from quiz.demo import Demo, DemoResult, Event

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def configure(no_color: bool = False) -> None:
    if no_color or os.environ.get("NO_COLOR"):
        out.no_color = err.no_color = True


def error(message: str) -> None:
    err.print(Text(f"Error: {message}", style="bold red"), soft_wrap=True)


def warn(message: str) -> None:
    err.print(Text(message, style="yellow"), soft_wrap=True)


# --- the bank ---------------------------------------------------------------------------


def question_table(questions: list[Question], title: str) -> Table:
    from rich import box

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, expand=True)
    table.add_column("#", justify="right", style="cyan", no_wrap=True)
    table.add_column("question", ratio=3)
    table.add_column("topic", no_wrap=True)
    table.add_column("tags", ratio=1, style="dim")
    table.add_column("diff", justify="left", no_wrap=True)
    for q in questions:
        text = Text(q.id, style="bold") + Text("\n") + Text(q.question, style="dim")
        table.add_row(str(q.num), text, q.topic, ", ".join(q.tags[1:]), "●" * q.difficulty)
    return table


def question_panel(q: Question, subtitle: str | None = None) -> Panel:
    meta = f"#{q.num} · {q.id} · {q.topic} · difficulty {q.difficulty}/3"
    return Panel(
        Text(q.question, style="bold"),
        title=meta,
        title_align="left",
        subtitle=subtitle,
        subtitle_align="right",
        border_style="cyan",
    )


def answer_markdown(q: Question) -> Any:
    from rich.markdown import Markdown

    return Markdown(q.answer, code_theme="monokai")


def show_question(q: Question, *, answer: bool = True) -> None:
    from rich.markdown import Markdown

    out.print(question_panel(q))
    if not answer:
        return
    out.print(Panel(answer_markdown(q), title="Answer", title_align="left", border_style="green"))
    points = Table.grid(padding=(0, 1))
    for kp in q.key_points:
        points.add_row("•", Text(kp.point))
    out.print(Panel(points, title="Key points", title_align="left", border_style="blue"))
    if q.errata:
        out.print(
            Panel(
                Markdown(q.errata), title="What changed (errata)", title_align="left", border_style="yellow"
            )
        )
    if q.follow_ups:
        ups = Table.grid(padding=(0, 1))
        for f in q.follow_ups:
            ups.add_row("?", Text(f))
        out.print(Panel(ups, title="Follow-ups", title_align="left", border_style="magenta"))
    footer = []
    if q.demo:
        footer.append(f"See it run: quiz demo {q.num}")
    footer.extend(q.references)
    if footer:
        out.print(Text("\n".join(footer), style="dim"))


def problems(found: list[Problem]) -> None:
    for p in found:
        style = "red" if p.severity == "error" else "yellow"
        out.print(Text(str(p), style=style), soft_wrap=True)


# --- demos ------------------------------------------------------------------------------


def demo_source(demo: Demo) -> None:
    from rich.syntax import Syntax

    source, marked = demo.app_source()
    syntax = Syntax(
        source, "python", theme="monokai", line_numbers=True, highlight_lines=set(marked), word_wrap=True
    )
    out.print(Panel(syntax, title=f"{demo.path.name}: {demo.title}", title_align="left", border_style="cyan"))


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers.items())


def demo_event(event: Event, verbose: bool = True) -> None:
    from quiz.demo import Check, Exchange, Failure, Note, Step

    if isinstance(event, Step):
        out.print()
        out.print(Text("▶ ", style="bold cyan") + Text(event.narration, style="bold"))
    elif isinstance(event, Exchange):
        status_style = "green" if event.status < 400 else "yellow" if event.status < 500 else "red"
        line = Text("  → ", style="dim") + Text(f"{event.method} {event.url}", style="bold")
        line += Text("  ← ", style="dim") + Text(str(event.status), style=f"bold {status_style}")
        if event.elapsed is not None:
            line += Text(f"  {event.elapsed * 1000:.0f} ms", style="dim")
        out.print(line)
        if not verbose:
            return
        parts: list[Any] = []
        if event.request_headers:
            parts.append(Text(_headers(event.request_headers), style="dim"))
        if event.request_body:
            parts.append(Text(event.request_body, style="dim"))
        if event.response_headers:
            parts.append(Text(_headers(event.response_headers), style="cyan"))
        if event.response_body:
            parts.append(Text(event.response_body))
        if parts:
            out.print(Panel(Group(*parts), border_style="dim", padding=(0, 1)), style="")
    elif isinstance(event, Note):
        out.print(Text("  · ", style="dim") + Text(f"{event.label}: ", style="dim") + Text(event.value))
    elif isinstance(event, Check):
        mark = Text("  ✔ ", style="bold green") if event.ok else Text("  ✘ ", style="bold red")
        line = mark + Text(event.label)
        if event.detail:
            line += Text(f"  ({event.detail})", style="dim")
        out.print(line)
    elif isinstance(event, Failure):
        out.print(Text(f"  ✘ the tour stopped: {event.message}", style="bold red"))


def demo_summary(result: DemoResult) -> None:
    total = len(result.checks)
    style = "bold green" if result.ok else "bold red"
    verdict = "passed" if result.ok else "FAILED"
    out.print()
    out.print(
        Text(
            f"{result.demo.slug}: {result.passed}/{total} checks passed in "
            f"{result.seconds:.2f} s — {verdict}",
            style=style,
        )
    )


def demo_results_table(results: list[DemoResult]) -> Table:
    table = Table(title="Demos", title_justify="left")
    table.add_column("demo", style="bold")
    table.add_column("checks", justify="right")
    table.add_column("time", justify="right")
    table.add_column("result")
    for r in results:
        verdict = (
            Text("ok", style="green")
            if r.ok
            else Text("FAILED" + (f": {r.failure.message}" if r.failure else ""), style="red")
        )
        table.add_row(r.demo.slug, f"{r.passed}/{len(r.checks)}", f"{r.seconds:.2f} s", verdict)
    return table


def demo_list_table(rows: list[Any]) -> Table:
    table = Table(title="Demos", title_justify="left")
    table.add_column("demo", style="bold", no_wrap=True)
    table.add_column("questions", no_wrap=True)
    table.add_column("what it shows")
    for r in rows:
        table.add_row(r.slug, ", ".join(map(str, r.questions)) or "-", r.title)
    return table


def run_with_progress(items: list[Demo], run: Any) -> list[DemoResult]:
    """Run every demo with a progress bar on stderr (hidden when stderr is no terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    results = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("demos", total=len(items))
        for demo in items:
            progress.update(task, description=f"demo {demo.slug}")
            results.append(run(demo))
            progress.advance(task)
    return results
