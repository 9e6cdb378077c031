"""`quiz demo`: run a topic's FastAPI app in-process and prove the answer with checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quiz.commands._common import complete_demo, emit_json, examples, load


def demo(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            help="A demo name, a question number or id, or a demo file (PATH.py: a copy, or your own).",
            autocompletion=complete_demo,
            metavar="TOPIC",
            show_default=False,
        ),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List every demo.")] = False,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Run every demo, then a table.")] = False,
    serve: Annotated[
        bool, typer.Option("--serve", help="Serve the app on 127.0.0.1 with uvicorn instead.")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", "-p", metavar="PORT", help="Port for --serve.", min=1, max=65535)
    ] = 8000,
    copy: Annotated[
        Path | None,
        typer.Option(
            "--copy", help="Write the demo as a standalone file into DIR.", metavar="DIR", show_default=False
        ),
    ] = None,
    watch: Annotated[
        bool,
        typer.Option("--watch", "-w", help="Check again each time the file is saved (Ctrl-C stops)."),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No source, no bodies: steps and checks only.")
    ] = False,
    mutants: Annotated[
        bool,
        typer.Option(
            "--mutants",
            help="Run the demo's tour against each of its mutants (demos/mutants/TOPIC.yaml): "
            "each must turn a check red. Exit 1 if one stays green or crashes the tour.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list, --all or --mutants: JSON.")] = False,
    trust: Annotated[
        bool, typer.Option("--trust", help="Run a bank's demo without asking for approval (for scripts).")
    ] = False,
) -> None:
    """Run a live demo: show its code, send requests, and check every claim of the answer.

    Exit 1 if any check fails. A demo that comes with a bank (not one of quiz's own) is code
    from whoever wrote the bank: the first time, quiz shows its path and asks (`v` shows the
    whole file), and remembers a yes for that exact file. Without a terminal, pass --trust.
    A file you name yourself (`quiz demo ./mine.py`) runs as asked.
    """
    from quiz import demo as demos
    from quiz import ui
    from quiz.model import visible
    from quiz.ui import demo as demo_ui

    bank = load(ctx)
    if list_:
        rows = demos.demo_index(bank)
        if as_json:
            emit_json([{"demo": r.slug, "title": r.title, "questions": r.questions, "from": r.origin}
                       for r in rows])
        else:
            ui.out.print(demo_ui.demo_list_table(rows))
        return
    if all_:
        to_run = [demo_ui.approve_demo(d, trust) for d in demos.all_demos(bank)]
        results = demo_ui.run_with_progress(to_run)
        if as_json:
            emit_json(
                [
                    {
                        "demo": r.demo.slug,
                        "passed": r.passed,
                        "checks": len(r.checks),
                        "seconds": round(r.seconds, 3),
                        "ok": r.ok,
                        "failure": r.failure.message if r.failure else None,
                        "failed_checks": [c.label for c in r.checks if not c.ok],
                    }
                    for r in results
                ]
            )
        else:
            ui.out.print(demo_ui.demo_results_table(results))
        if not all(r.ok for r in results):
            raise typer.Exit(1)
        return
    if name is None:
        raise typer.BadParameter(
            f"name a demo (see `{ui.command('demo --list')}`), or use --list or --all.", param_hint="TOPIC"
        )
    chosen = demos.find_demo(name, bank)
    if copy is not None:
        written = demos.copy_demo(chosen, copy)
        for path in written:
            ui.out.print(f"Wrote {visible(str(path))}")
        ui.out.print("Edit it, and see the checks follow your changes:")
        for line in demos.copy_commands(written[0]):
            ui.out.print(f"  {visible(line)}", soft_wrap=True)  # a command cut in two would not run
        return
    if watch:
        watch_demo(chosen, trust)
        return
    chosen = demo_ui.approve_demo(chosen, trust)
    if mutants:
        run_mutants(chosen, as_json)
        return
    if serve:
        from quiz import serve as serving

        demo_ui.demo_origin(chosen)
        serving.serve(chosen, port)
        return
    if not demo_ui.show_run(chosen, quiet):  # what `quiz demo TOPIC` runs without Typer too
        raise typer.Exit(1)


def run_mutants(chosen: object, as_json: bool) -> None:
    """Run every mutant of the demo; exit 1 unless each turned a check red."""
    from quiz import demo as demos
    from quiz import mutants, ui
    from quiz.errors import NotFoundError, QuizError
    from quiz.ui import demo as demo_ui

    assert isinstance(chosen, demos.Demo)
    found, problems = mutants.collect([chosen])
    if problems:
        raise QuizError(f"{problems[0]} (run `quiz validate` on the bank to see every problem)")
    if not found:
        raise NotFoundError(
            f"The {chosen.slug} demo has no mutants yet: write them in {mutants.mutant_file(chosen)}."
        )
    results = [mutants.run(m) for m in found]
    if as_json:
        emit_json(
            [
                {
                    "demo": chosen.slug,
                    "mutant": r.mutant.id,
                    "title": r.mutant.title,
                    "verdict": r.verdict,
                    "failed_checks": r.failed_checks,
                    "failure": r.result.failure.message if r.result.failure else None,
                }
                for r in results
            ]
        )
    else:
        ui.out.print(demo_ui.mutant_results_table(chosen.slug, results))
    if any(r.verdict != mutants.RED for r in results):
        raise typer.Exit(1)


def watch_demo(chosen: object, trust: bool = False) -> None:
    """Run the tour, compactly, each time the demo file is saved; Ctrl-C stops (exit 0).

    A bank's demo is approved again at every run: changed content asks again in a terminal, and
    is refused without one (each run is from a snapshot of what was approved)."""
    from quiz import demo as demos
    from quiz import ui
    from quiz.ui import demo as demo_ui

    assert isinstance(chosen, demos.Demo)
    runs = 0
    own = chosen.builtin or chosen.chosen

    def run_once() -> None:
        nonlocal runs
        runs += 1
        to_run = chosen if own else demo_ui.approve_demo(chosen, trust)
        demo_ui.watch_header(chosen.path, runs)
        demo_ui.demo_summary(demos.run_demo(to_run, demo_ui.compact_event))
        demo_ui.watch_footer(chosen.path)

    try:
        demos.watch([chosen.path], run_once, tree=None if own else chosen.path.parent)
    except KeyboardInterrupt:
        ui.out.print("Stopped watching.")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "quiz demo middleware",
            "quiz demo 6",
            "quiz demo --list",
            "quiz demo --all",
            "quiz demo middleware --serve --port 8001",
            "quiz demo middleware --copy ./playground",
            "quiz --bank my-bank/ demo my-topic --trust",
            "quiz demo ./playground/middleware.py --watch",
            "quiz demo middleware --mutants",
        )
    )(demo)
