"""`quiz practice`: an exercise file for a topic's demo, judged by the demo's own checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from quiz.commands._common import complete_exercise, emit_json, examples, load

if TYPE_CHECKING:
    from quiz.approval import Snapshot


def practice(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            help="An exercise id, or a topic as `quiz demo` takes it (a demo name, a question number or id); "
            "none: the first exercise not solved yet.",
            autocompletion=complete_exercise,
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
    stay: Annotated[
        bool, typer.Option("--stay", help="Once the exercise is solved, keep watching it (by default the "
                           "next unsolved exercise is written and watched).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list: JSON.")] = False,
) -> None:
    """Practise: write an exercise file (a demo with its key lines broken) and watch it until the
    demo's own checks pass. Your file is never overwritten: run it again to check your work.

    Without --once it checks again each time you save the file, until Ctrl-C; once the
    exercise is solved it moves on to the next unsolved one (writes it and watches it), unless
    --stay. A solved exercise is recorded in your progress (see `quiz stats`). A folder quiz
    creates gets a `.gitignore`, so your practice files stay out of `git status`. The checks are
    the demo's code: a bank's demo asks for approval first, as `quiz demo` does.
    """
    from quiz import exercises, session, ui
    from quiz.approval import record_practice_file
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
    if ref is None:  # the first exercise not solved yet, in the bank's order
        left = [e for e in exercises.bank_exercises(bank) if e.id not in solved]
        if not left:
            practice_ui.exercise_table(exercises.bank_exercises(bank), solved)
            again = ui.command("practice ID")
            ui.out.print(f"Every exercise is solved: name one to practise it again ({again}).",
                         soft_wrap=True)
            return
        ex = left[0]
    else:
        ex = exercises.find_exercise(ref, bank, solved)
    if solution:
        practice_ui.solution(ex)
        return
    from quiz.exercises import Exercise
    from quiz.ui import demo as demo_ui

    def start(found: Exercise) -> tuple[Exercise, Path]:
        """The exercise approved, its file written (or the candidate's own approved), shown."""
        check_folder(folder, found.file_name)
        # its tour and its edits run: code from the bank, run from the snapshot that was approved
        def shown(snapshot: Snapshot) -> str:
            return exercises.reread(found, snapshot.demo).written()

        approved = demo_ui.approve_demo(found.demo, trust, shown, what="an exercise")
        ex = exercises.reread(found, approved)
        path, written = exercises.write(ex, folder)
        if written:
            record_practice_file(path, ex.id)
        else:
            practice_ui.approve_file(ex, path, trust)
        practice_ui.intro(ex, path, written)
        return ex, path

    moving_on = not (once or stay)
    following: list[Exercise] = []  # after a solve: the exercises left, the next first
    while True:
        ex, path = start(ex)
        following.clear()

        def check(ex: Exercise = ex, path: Path = path) -> bool:
            result = practice_ui.run_check(ex, path)
            if result.ok:
                with Store.open() as store:
                    store.solve(bank.bank_id, ex.id, session.system_clock())
                    done = store.solved(bank.bank_id)
                following[:] = exercises.next_unsolved(exercises.bank_exercises(bank), ex, done)
                practice_ui.solved(ex, following[0] if following else None, moving_on=moving_on)
            return result.ok

        if once:
            if not check():
                practice_ui.not_yet(path)
                raise typer.Exit(1)
            return
        if not practice_ui.watch(path, check, stop_on_solve=moving_on) or not following:
            return
        ex = following[0]


def check_folder(folder: Path, name: str) -> None:
    """One true sentence when the practice folder or the exercise's path cannot hold the file."""
    from quiz.errors import QuizError
    from quiz.model import visible

    if folder.exists() and not folder.is_dir():
        raise QuizError(f"{visible(str(folder))} is a file, not a folder: choose another --dir.")
    path = folder / name
    if path.is_symlink() and not path.exists():
        target = visible(str(path.readlink()))
        raise QuizError(f"{visible(str(path))} is a link to {target}, which does not exist: "
                        "remove the link or choose another --dir.")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "quiz practice                       the first exercise you have not solved",
            "quiz practice middleware",
            "quiz practice 6 --dir ~/interview",
            "quiz practice cors --once",
            "quiz practice cors --solution",
            "quiz practice --list",
        )
    )(practice)
