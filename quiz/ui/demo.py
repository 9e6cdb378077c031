"""A demo on screen: its source, each step of its tour, the verdict, the `--list` and `--all` tables."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from quiz import ui

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from rich.table import Table

    from quiz.approval import Snapshot
    from quiz.demo import Demo, DemoResult, Event


def demo_source(demo: Demo) -> None:
    from rich.syntax import Syntax

    source, marked = demo.app_source()
    syntax = Syntax(
        source, "python", theme="monokai", line_numbers=True, highlight_lines=set(marked), word_wrap=True
    )
    from quiz.model import visible

    title = f"{visible(demo.path.name)}: {demo.title}"
    ui.out.print(
        Panel(syntax, title=title, title_align="left", subtitle=f"from {demo.origin}", subtitle_align="right",
              border_style="cyan")
    )


def demo_origin(demo: Demo) -> None:
    """One line saying where the demo comes from (for screens that show no source)."""
    from quiz.model import visible

    ui.out.print(Text(f"Demo {visible(demo.slug)}: {demo.origin}", style="dim"), soft_wrap=True)


def ask_approval(snap: Snapshot, code: str | None = None, what: str = "a demo") -> bool:
    """In a terminal: show where the demo comes from and every file it brings, and ask; `v`
    shows the code that will run (`code`, else the demo file) as it was read and hashed."""
    from rich.syntax import Syntax

    from quiz.model import visible
    from quiz.ui.prompt import _getkey

    shown = visible(str(snap.demo.shown or snap.demo.path))
    files = Text()
    for rel in sorted(snap.tree.files):
        files.append(f"  {visible(rel)}  ({len(snap.tree.files[rel])} bytes)\n")
    for rel in snap.tree.left_out:
        files.append(f"  {visible(rel)}: left out, it will not run\n", style="dim")
    ui.out.print(
        Panel(
            Text.assemble(
                (f"{what[0].upper()}{what[1:]} is not part of quiz: it comes from the bank you use, and it"
                 " is Python code\nthat runs on your machine with your permissions, with every file of its "
                 "folder.\n\n"),
                ("Demo    ", "bold"), shown, "\n",
                ("Folder  ", "bold"), visible(str(snap.tree.folder)), "\n",
                ("SHA-256 ", "bold"), snap.fingerprint, " (of every file below)\n\n",
                (f"Files ({len(snap.tree.files)}), as they will run:\n", "bold"), files,
            ),
            title=f"Run {what} from a bank?", title_align="left", border_style="yellow",
        )
    )
    while True:
        ui.out.print(Text("Run it?  y yes (remembered for these exact files)   n no   "
                          "v view the code that runs", style="bold"))
        key = _getkey().casefold()
        if key == "y":
            return True
        if key in ("n", "q", "\x1b", "\x04", "\r", "\n", ""):
            return False
        if key == "v":
            ui.out.print(Syntax(visible(snap.source if code is None else code), "python", theme="monokai",
                                line_numbers=True, word_wrap=True))


def interactive() -> bool:
    return sys.stdin is not None and not sys.stdin.closed and sys.stdin.isatty() and ui.out.is_terminal


def approve_demo(demo: Demo, trust: bool = False, code: Callable[[Snapshot], str] | None = None,
                 what: str = "a demo") -> Demo:
    """The demo to run (a bank's: from its approved snapshot), asking in a terminal when it needs
    approval; QuizError when it may not run. `code` gives the code to show for a snapshot."""
    if demo.builtin or demo.chosen:  # runs as it is (quiz.approval not even imported)
        return demo
    from quiz.approval import require_approval

    def ask(snap: Snapshot) -> bool:
        return ask_approval(snap, None if code is None else code(snap), what)

    return require_approval(demo, trust=trust, ask=ask if interactive() else None)


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers.items())


def demo_event(event: Event, verbose: bool = True) -> None:
    from quiz.demo import Check, Exchange, Failure, Note, Step

    if isinstance(event, Step):
        ui.out.print()
        ui.out.print(Text("▶ ", style="bold cyan") + Text(event.narration, style="bold"))
    elif isinstance(event, Exchange):
        status_style = "green" if event.status < 400 else "yellow" if event.status < 500 else "red"
        line = Text("  → ", style="dim") + Text(f"{event.method} {event.url}", style="bold")
        line += Text("  ← ", style="dim") + Text(str(event.status), style=f"bold {status_style}")
        if event.elapsed is not None:
            line += Text(f"  {event.elapsed * 1000:.0f} ms", style="dim")
        ui.out.print(line)
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
            ui.out.print(Panel(Group(*parts), border_style="dim", padding=(0, 1)), style="")
    elif isinstance(event, Note):
        ui.out.print(Text("  · ", style="dim") + Text(f"{event.label}: ", style="dim") + Text(event.value))
    elif isinstance(event, Check):
        mark = Text("  ✔ ", style="bold green") if event.ok else Text("  ✘ ", style="bold red")
        line = mark + Text(event.label)
        if event.detail:
            line += Text(f"  ({event.detail})", style="dim")
        ui.out.print(line)
    elif isinstance(event, Failure):
        ui.out.print(Text(f"  ✘ the tour stopped: {event.message}", style="bold red"))


def compact_event(event: Event) -> None:
    """The watch view: checks and a stopped tour only, one line each."""
    from quiz.demo import Check, Failure

    if isinstance(event, Check | Failure):
        demo_event(event)


def watch_header(path: Path, run: int, clear: bool = True) -> None:
    """Before each run of a watched file: a clean screen (in a terminal) and what runs."""
    from datetime import datetime

    if clear and ui.out.is_terminal:
        ui.out.clear()
    from quiz.model import visible

    stamp = datetime.now().strftime("%H:%M:%S")
    ui.out.print(Text(visible(str(path)), style="bold") + Text(f"  run {run} at {stamp}", style="dim"))


def watch_footer(path: Path) -> None:
    from quiz.model import visible

    ui.out.print(Text(f"Watching {visible(path.name)}: save it to check again (Ctrl-C stops).", style="dim"))


def demo_summary(result: DemoResult) -> None:
    """The last line of a tour: checks passed of those that ran, and whether the tour stopped
    with an error before its end (then the checks that did not run are not counted)."""
    total = len(result.checks)
    style = "bold green" if result.ok else "bold red"
    verdict = "passed" if result.ok else "FAILED"
    if result.failure is not None:
        ran = f"after {total} check{'s' * (total != 1)} ran ({result.passed} passed)" if total else \
            "before any check ran"
        summary = f"{result.demo.slug}: the tour stopped with an error {ran} in {result.seconds:.2f} s"
        summary += f" — {verdict}"
    else:
        summary = (f"{result.demo.slug}: {result.passed}/{total} checks passed in {result.seconds:.2f} s "
                   f"— {verdict}")
    ui.out.print()
    ui.out.print(Text(summary, style=style))


def show_run(demo: Demo, quiet: bool = False) -> bool:
    """`quiz demo TOPIC`: the demo's source (with `quiet`, only where it comes from), each step
    of its tour as it runs (bodies left out with `quiet`), the verdict; whether it passed."""
    from quiz.demo import run_demo

    if quiet:
        demo_origin(demo)
    else:
        demo_source(demo)
    result = run_demo(demo, lambda e: demo_event(e, verbose=not quiet))
    demo_summary(result)
    return result.ok


def demo_results_table(results: list[DemoResult]) -> Table:
    from rich.table import Table

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


def mutant_results_table(slug: str, results: list[Any]) -> Table:
    """One row a mutant: red (a check caught it) is what a mutant must be."""
    from rich.table import Table

    table = Table(title=f"Mutants of the {slug} demo", title_justify="left")
    table.add_column("mutant", style="bold")
    table.add_column("what it breaks")
    table.add_column("result")
    for r in results:
        if r.verdict == "red":
            verdict = Text("red (caught): " + "; ".join(r.failed_checks), style="green")
        elif r.verdict == "green":
            verdict = Text("GREEN: every check passed, the claim is not checked", style="red")
        else:
            verdict = Text(f"CRASH: the tour raised {r.result.failure.message}", style="red")
        table.add_row(r.mutant.id, Text(r.mutant.title), verdict)
    return table


def demo_list_table(rows: list[Any]) -> Table:
    from rich.table import Table

    table = Table(title="Demos", title_justify="left")
    table.add_column("demo", style="bold", no_wrap=True)
    table.add_column("questions", no_wrap=True)
    table.add_column("what it shows")
    table.add_column("from")
    for r in rows:
        table.add_row(r.slug, ", ".join(map(str, r.questions)) or "-", r.title, r.origin)
    return table


def run_with_progress(items: list[Demo]) -> list[DemoResult]:
    """Run every demo (several at once: `quiz.demo.run_all`) with a progress bar on stderr
    (hidden when stderr is no terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from quiz.demo import run_all

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=ui.err,
        transient=True,
        auto_refresh=False,  # no refresh thread (workers are forked from this process)
    ) as progress:
        task = progress.add_task("demos", total=len(items))
        progress.refresh()

        def done(result: DemoResult) -> None:
            progress.update(task, description=f"demos ({result.demo.slug} done)", advance=1, refresh=True)

        results = run_all(items, done)
        progress.refresh()
    return results
