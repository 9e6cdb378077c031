"""`quiz progress export | import | sync`: the review log, moved between devices.

Each command parses, calls quiz.sync over the store, and renders. Every bank's reviews go
out and come in, whatever --bank says.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from quiz.commands._common import emit_json, examples

if TYPE_CHECKING:
    from quiz.store import Store
    from quiz.sync import FileResult, Progress

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

progress = typer.Typer(
    name="progress",
    help="Your review log, to back up or to carry between devices: export, import, sync.\n\n"
    "The log (JSON Lines, one review a line, every bank) is the source of truth: importing "
    "merges reviews by their id and rebuilds each card they touch by replaying its reviews.",
    epilog=examples(
        "quiz progress export -o backup.jsonl",
        "quiz progress import desktop.jsonl",
        "quiz progress sync ~/Dropbox/quiz",
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


def export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (default: standard output).",
                     show_default=False, dir_okay=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite FILE if it exists.")] = False,
    learner: Annotated[
        str | None,
        typer.Option("--learner", metavar="NAME", show_default=False,
                     help="Label every line with your name, for an instructor's quiz class report."),
    ] = None,
    overrides: Annotated[
        bool, typer.Option("--overrides", help="Write your \"I said this\" marks instead: one a line, "
                           "with bank, question, key point, said or not, and your wording.")
    ] = False,
) -> None:
    """Write the review log as JSON Lines.

    Every bank's reviews, oldest first, one a line: review id, bank id, question id, rating,
    score, duration, UTC time, mode and your answer (and `learner` with --learner); then each
    exercise solved with `quiz practice` (bank id, exercise id, UTC time). To a file with -o
    (never overwritten unless --force), else to standard output."""
    from quiz import ui
    from quiz.commands.export_cmd import _confirm_overwrite
    from quiz.store import Store
    from quiz.sync import Count, store_lines, to_lines, write_log

    if learner is not None and (not learner.strip() or len(learner) > 80 or not learner.isprintable()):
        raise typer.BadParameter("a name of 1 to 80 printable characters.", param_hint="--learner")
    with Store.open(write=False) as store:
        if overrides:
            marks = list(_override_lines(store))
            if output is None:
                for mark in marks:
                    typer.echo(mark)
                return
            _confirm_overwrite(output, force)
            output.write_text("".join(f"{mark}\n" for mark in marks), encoding="utf-8")
            ui.err.print(f"Wrote {len(marks)} mark{'s' * (len(marks) != 1)} to {output}.")
            return
        if output is None or learner is not None:
            count = Count()
            lines = to_lines(count(store_lines(store)))
            if learner is not None:  # the key first: progress import ignores it, class report reads it
                prefix = '{"learner":' + json.dumps(learner.strip(), ensure_ascii=False) + ","
                lines = (prefix + line[1:] for line in lines)
            if output is None:
                for line in lines:
                    typer.echo(line, nl=False)
                return
            _confirm_overwrite(output, force)
            from quiz.fileio import write_chunks

            write_chunks(output, (line.encode("utf-8") for line in lines))
            ui.err.print(f"Wrote {_counted(count.n, count.solves)} to {output}.")
            return
        _confirm_overwrite(output, force)
        reviews, solved = write_log(store, output)
    ui.err.print(f"Wrote {_counted(reviews, solved)} to {output}.")


def _counted(reviews: int, solved: int) -> str:
    """"12 reviews", and "and 3 exercises solved" when there are any."""
    text = f"{reviews} review{'s' * (reviews != 1)}"
    return text + (f" and {solved} exercise{'s' * (solved != 1)} solved" if solved else "")


def _override_lines(store: Store) -> Iterator[str]:
    """Every "I said this" mark, oldest first, as JSON: for an author widening a point's terms."""
    import json

    from quiz.session import marks_of

    for bank, qid, raw, when in store.overrides():
        for m in marks_of(raw):
            yield json.dumps({"bank_id": bank, "question_id": qid, "point": m.point, "said": m.said,
                              "wording": m.wording, "reviewed_at": when.isoformat()}, ensure_ascii=False)


def _now() -> datetime:
    from quiz import session

    return session.system_clock()


@contextlib.contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A progress bar on standard error when it is a terminal (none in a pipe or a log)."""
    from quiz import ui

    if not ui.err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                  console=ui.err, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield update


def _ignored(result: FileResult) -> str:
    return f"Skipped {result.path}: {result.ignored}."


def _summary(result: FileResult) -> str:
    m = result.merged
    assert m is not None
    solved = f"; {m.solved} more exercise{'s' * (m.solved != 1)} solved" if m.solved else ""
    return (f"{result.path}: {m.added} new review{'s' * (m.added != 1)}, {m.skipped} already here; "
            f"{m.cards} card{'s' * (m.cards != 1)} rebuilt{solved}.")


def import_(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE...", help="Logs written by quiz progress export (or sync).",
                       show_default=False, dir_okay=False),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Merge review logs into your progress.

    Reviews already here are skipped (importing twice changes nothing); each card a new review
    touches is rebuilt by replaying all its reviews in time order. Exercises solved elsewhere
    count as solved here (`quiz practice --list`, `quiz stats`). A file with a bad line is
    reported with the line's number, and nothing of that file is imported (exit 1); the other
    files are."""
    from quiz import ui
    from quiz.store import Store
    from quiz.sync import import_files

    with Store.open() as store, _progress_bar() as bar:
        results = import_files(store, files, _now(), bar)
    if as_json:
        emit_json([r.to_json() for r in results])
    else:
        for r in results:
            if r.error is None:
                ui.out.print(_summary(r), soft_wrap=True)
    failed = [r for r in results if r.error]
    for r in failed:
        ui.error(str(r.error))
    if failed:
        raise typer.Exit(1)


def sync(
    folder: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="A folder you keep in git, Syncthing or Dropbox.",
                       show_default=False, file_okay=False),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Sync progress through a folder.

    Imports every device's log found in DIR (quiz-progress-*.jsonl), then writes this device's
    own file there with the merged log. Each device writes only its own file, named after its
    id (kept in QUIZ_HOME), so no two devices write the same file. Run it on each device after
    drilling (and before, to start from the others' reviews)."""
    from quiz import ui
    from quiz.paths import user_dir
    from quiz.store import Store
    from quiz.sync import device_id, sync_folder

    device = device_id(user_dir())
    with Store.open() as store, _progress_bar() as bar:
        report = sync_folder(store, folder, device, _now(), bar)
    if as_json:
        emit_json(report.to_json())
    else:
        for r in report.imported:
            if r.merged is not None and r.path != report.own:
                ui.out.print(_summary(r), soft_wrap=True)
        if report.written is not None:
            n = report.written
            ui.out.print(f"This device ({device}): {_counted(n, report.solved)} in {report.own}.",
                         soft_wrap=True)
    for r in report.imported:
        if r.ignored:
            ui.warn(_ignored(r))
    for r in report.failed:
        ui.error(str(r.error))
    if report.written is None:
        ui.error(f"{report.own} was left as it is, since it could not be read (the other devices' files "
                 "were merged): move it away and sync again.")
    if report.failed or report.written is None:
        raise typer.Exit(1)


progress.command(
    epilog=examples(
        "quiz progress export -o backup.jsonl",
        "quiz progress export > laptop.jsonl",
        "quiz progress export -o backup.jsonl --force",
        "quiz progress export --overrides      your \"I said this\" marks, for a bank author",
    )
)(export)
progress.command(
    "import",
    epilog=examples(
        "quiz progress import desktop.jsonl",
        "quiz progress import backup.jsonl old-laptop.jsonl --json",
    ),
)(import_)
progress.command(
    epilog=examples(
        "quiz progress sync ~/Dropbox/quiz",
        "cd ~/notes && git pull && quiz progress sync quiz-sync/ && git add quiz-sync && git commit -m sync",
    )
)(sync)


def register(app: typer.Typer) -> None:
    app.add_typer(progress)
