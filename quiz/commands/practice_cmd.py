"""`quiz practice`: an exercise file for a topic's demo, judged by the demo's own checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quiz.commands._common import complete_demo, emit_json, examples, load


def practice(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            help="An exercise id, or a topic as `quiz demo` takes it (a demo name, a question number or id).",
            autocompletion=complete_demo,
            metavar="TOPIC|N",
            show_default=False,
        ),
    ] = None,
    folder: Annotated[
        Path, typer.Option("--dir", "-d", metavar="DIR", help="Where the exercise file is written.")
    ] = Path("practice"),
    once: Annotated[
        bool, typer.Option("--once", help="Check once and exit: 0 when every check passes, 1 otherwise.")
    ] = False,
    solution: Annotated[
        bool, typer.Option("--solution", help="Show the reference solution (what to change), and exit.")
    ] = False,
    list_: Annotated[
        bool, typer.Option("--list", "-l", help="List the exercises and which are solved.")
    ] = False,
    trust: Annotated[
        bool, typer.Option("--trust", help="Run a bank's checks without asking for approval (for scripts).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list: JSON.")] = False,
) -> None:
    """Practise: write an exercise file (a demo with its key lines broken) and watch it until the
    demo's own checks pass. Your file is never overwritten: run it again to check your work.

    Without --once it checks again each time you save the file, until Ctrl-C. A solved
    exercise is recorded in your progress (see `quiz stats`). The checks are the demo's code:
    a bank's demo asks for approval first, as `quiz demo` does.
    """
    from datetime import UTC, datetime

    from quiz import exercises
    from quiz.store import Store
    from quiz.ui import practice as practice_ui

    bank = load(ctx)
    with Store.open(write=False) as store:
        solved = store.solved(bank.bank_id)
    if list_:
        rows = exercises.bank_exercises(bank)
        if as_json:
            emit_json(
                [
                    {"id": e.id, "demo": e.demo.slug, "title": e.title, "solved": e.id in solved}
                    for e in rows
                ]
            )
        else:
            practice_ui.exercise_table(rows, solved)
        return
    if ref is None:
        raise typer.BadParameter(
            "name an exercise or a topic (see `quiz practice --list`), or use --list.", param_hint="TOPIC|N"
        )
    ex = exercises.find_exercise(ref, bank, solved)
    if solution:
        practice_ui.solution(ex)
        return
    from quiz.ui import demo as demo_ui

    demo_ui.approve_demo(ex.demo, trust)  # its tour runs: code from the bank
    path, written = exercises.write(ex, folder)
    practice_ui.intro(ex, path, written)

    def check() -> bool:
        result = practice_ui.run_check(ex, path)
        if result.ok:
            with Store.open() as store:
                store.solve(bank.bank_id, ex.id, datetime.now(UTC))
                done = store.solved(bank.bank_id)
            following = [e for e in exercises.bank_exercises(bank) if e.id not in done]
            practice_ui.solved(ex, following[0] if following else None)
        return result.ok

    if once:
        if not check():
            practice_ui.not_yet(path)
            raise typer.Exit(1)
        return
    practice_ui.watch(path, check)


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "quiz practice middleware",
            "quiz practice 6 --dir ~/interview",
            "quiz practice cors --once",
            "quiz practice cors --solution",
            "quiz practice --list",
        )
    )(practice)
