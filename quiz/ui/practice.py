"""`quiz practice` on screen: the exercise, each check of a run, the verdict, the solution."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from quiz import ui
from quiz.ui import demo as demo_ui

if TYPE_CHECKING:
    from pathlib import Path

    from quiz.demo import DemoResult
    from quiz.exercises import Exercise


def _paragraph(text: str) -> str:
    return " ".join(text.split())


def exercise_table(rows: list[Exercise], solved: Collection[str]) -> None:
    table = Table(title="Exercises", title_justify="left")
    table.add_column("exercise", style="bold", no_wrap=True)
    table.add_column("demo", no_wrap=True)
    table.add_column("the mistake to fix")
    table.add_column("", no_wrap=True)
    for e in rows:
        mark = Text("solved", style="green") if e.id in solved else Text("")
        table.add_row(e.id, e.demo.slug, e.title, mark)
    ui.out.print(table)
    ui.out.print(Text(f"{sum(e.id in solved for e in rows)} of {len(rows)} solved.", style="dim"))


def intro(ex: Exercise, path: Path, written: bool) -> None:
    from quiz.model import visible

    if written:
        ui.out.print(Text(f"Wrote {visible(str(path))}: ", style="bold") + Text(ex.title))
        ui.out.print(Panel(Text(_paragraph(ex.task)), title=f"Exercise {ex.id}", title_align="left",
                           border_style="cyan"))
        ui.out.print(Text("Fix the lines marked TODO; the demo's own checks judge your file.", style="dim"))
    else:
        ui.out.print(Text(f"Checking your {visible(str(path))} ({ex.title}): your file, never overwritten.",
                          style="bold"))


def approve_file(ex: Exercise, path: Path, trust: bool) -> None:
    """A file at the exercise's path that `quiz practice` did not write is asked about before it
    runs (a cloned folder may hold one); a yes is remembered for that path."""
    from quiz.approval import record_practice_file, written_by_practice
    from quiz.errors import QuizError
    from quiz.model import visible
    from quiz.ui.prompt import _getkey

    if trust or written_by_practice(path, ex.id):
        return
    shown = visible(str(path))
    if not demo_ui.interactive():
        raise QuizError(f"{shown} was not written by quiz practice: not running it (run the command in a "
                        "terminal to be asked, or pass --trust).")
    ui.out.print(Text(f"{shown} was not written by quiz practice: run it?  y yes   n no   v view it",
                      style="bold yellow"))
    while True:
        key = _getkey().casefold()
        if key == "y":
            record_practice_file(path, ex.id)
            return
        if key == "v":
            from rich.syntax import Syntax

            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                raise QuizError(f"Cannot read {shown}: {exc.strerror or exc}.") from None
            ui.out.print(Syntax(visible(text), "python", theme="monokai", line_numbers=True, word_wrap=True))
            ui.out.print(Text("Run it?  y yes   n no", style="bold yellow"))
            continue
        if key in ("n", "q", "\x1b", "\x04", "\r", "\n", ""):
            raise QuizError(f"Not running {shown}: it was not written by quiz practice.")


def run_check(ex: Exercise, path: Path) -> DemoResult:
    from quiz import exercises

    result = exercises.check(ex, path, demo_ui.compact_event)
    demo_ui.demo_summary(result)
    return result


def solved(ex: Exercise, following: Exercise | None, moving_on: bool = False) -> None:
    ui.out.print(Text(f"Solved: {ex.id}. Recorded in your progress ({ui.command('stats')}).",
                      style="bold green"), soft_wrap=True)
    if following is None:
        ui.out.print(Text("Every exercise is solved.", style="dim"))
    elif moving_on:
        ui.out.print(Text(f"On to the next exercise: {following.id} ({following.title}). "
                          "(--stay keeps watching a solved one.)", style="bold"), soft_wrap=True)
    else:
        next_one = ui.command(f"practice {following.id}")
        ui.out.print(Text(f"Next: {next_one}  ({following.title})", style="dim"), soft_wrap=True)


def not_yet(path: Path) -> None:
    ui.out.print(Text(f"Not yet: fix the lines marked TODO in {path}, then run it again.", style="dim"))


def solution(ex: Exercise) -> None:
    from rich.syntax import Syntax

    ui.out.print(Panel(Text(_paragraph(ex.task)), title=f"Exercise {ex.id}: {ex.title}", title_align="left",
                       border_style="cyan"))
    ui.out.print(Text("The reference: the exercise as written (-) against the demo (+).", style="dim"))
    ui.out.print(Syntax(ex.solution_diff(), "diff", theme="ansi_dark", word_wrap=True))


class _Solved(Exception):
    """The watched exercise passed: the watch stops, to move on."""


def watch(path: Path, check: Callable[[], bool], stop_on_solve: bool = False) -> bool:
    """Check now and on every save of the file, until Ctrl-C (False), or with `stop_on_solve`
    until the checks pass (True)."""
    from quiz import demo as demos

    runs = 0

    def run_once() -> None:
        nonlocal runs
        runs += 1
        if not path.is_file():
            from quiz.errors import QuizError
            from quiz.model import visible

            raise QuizError(f"{visible(str(path))} is gone (removed, or its folder was): stopped watching.")
        demo_ui.watch_header(path, runs, clear=runs > 1)  # the first run keeps the exercise's task above
        if check() and stop_on_solve:
            raise _Solved
        demo_ui.watch_footer(path)

    try:
        demos.watch([path], run_once)
    except KeyboardInterrupt:
        ui.out.print("Stopped watching.")
    except _Solved:
        return True
    return False
