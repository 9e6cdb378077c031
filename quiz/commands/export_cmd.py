"""`quiz export` and `quiz new`: the instructor's side.

genanki, markdown and pygments are imported only inside `export`, by the format that needs
them: `quiz --help` and every other command never load them.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from quiz.commands._common import TagOpt, TopicOpt, bank_paths, complete_question, examples, load
from quiz.errors import QuizError
from quiz.export import ANSWER_MODES, FORMATS

# Choices as enums: typer turns a bad value into a usage error naming the choices.
FormatChoice = Enum("FormatChoice", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
AnswersChoice = Enum("AnswersChoice", {name: name for name in ANSWER_MODES}, type=str)  # type: ignore[misc]

if TYPE_CHECKING:
    from quiz.export import AnswerMode, Format

_FORMAT_LIST = "\n".join(f"  {f.name:<11} {f.summary}" for f in FORMATS.values())

EXPORT_EPILOG = (
    "Formats:\n\n\b\n" + _FORMAT_LIST + "\n\n"
    "Without --format, the format comes from the -o file name (.apkg, .tsv, .csv, .md, .json, "
    ".yaml, .gift, .xml).\n\n"
    + examples(
        "quiz export --format apkg -o deck.apkg",
        "quiz export -o handout.md --answers end --topic security",
        "quiz export --format csv --tag websocket > websocket.csv",
        "quiz export --format moodle-xml --id 3 --id 6 -o moodle.xml",
        "quiz --bank my-bank/ export --format gift -o my-bank.gift",
    )
)


def _bank_args(ctx: typer.Context) -> tuple[str, ...]:
    """How a student names the bank in force on the command line; () for the built-in one."""
    from quiz.bank import BUILTIN_BANK
    from quiz.bank import bank_paths as paths_in_force

    paths = paths_in_force(bank_paths(ctx))
    if [p.resolve() for p in paths] == [BUILTIN_BANK.resolve()]:
        return ()
    return tuple(str(p) for p in paths)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _confirm_overwrite(path: Path, force: bool) -> None:
    from quiz.fileio import existing_file

    if not existing_file(path) or force:  # a folder, a link or a special file: one sentence
        return
    if _interactive():
        if typer.confirm(f"{path} exists. Overwrite it?", default=False):
            return
        raise typer.Exit(1)
    raise QuizError(f"{path} already exists: not overwriting it (use --force, or choose another file).")


def _choose_format(name: str | None, output: Path | None, answers: str | None) -> Format:
    """The format asked for, or implied by the -o file name; usage mistakes exit 2."""
    from quiz.export import format_for_path, get_format

    fmt = get_format(name) if name else format_for_path(output) if output else None
    if fmt is None:
        raise typer.BadParameter(
            f"name a format with --format ({', '.join(FORMATS)}), or an -o file whose name implies one.",
            param_hint="--format")
    if answers is not None and fmt.name != "markdown":
        raise typer.BadParameter(f"--answers is for the markdown format, not {fmt.name}.",
                                 param_hint="--answers")
    if fmt.binary and output is None:
        raise typer.BadParameter(f"{fmt.name} is a binary format: write it to a file with -o FILE.",
                                 param_hint="--output")
    return fmt


def export(
    ctx: typer.Context,
    format_: Annotated[
        FormatChoice | None,
        typer.Option("--format", "-f", help="The format (see the list below). "
                     "Default: implied by the -o file name.", metavar="FORMAT", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", show_default=False,
                     help="Write to FILE (required for apkg). Default: standard output."),
    ] = None,
    topic: TopicOpt = None,
    tag: TagOpt = None,
    ids: Annotated[
        list[str] | None,
        typer.Option("--id", help="Only this question, by number or id (repeatable).", metavar="QUESTION",
                     autocompletion=complete_question),
    ] = None,
    answers: Annotated[
        AnswersChoice | None,
        typer.Option("--answers", metavar="MODE",
                     show_default=False,
                     help="markdown only: answers after each question (inline, the default), "
                     "as an answer key at the end, or none."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", show_default=False,
                     help="The deck's title (handout title, Anki deck, Moodle category). "
                     "Default: the bank's deck."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Export questions to Anki, a spreadsheet, a printable handout, Moodle, or the bank format.

    Every format escapes text as it requires: HTML is escaped (raw HTML in an answer is shown,
    never run), and GIFT, CSV, TSV and XML quote what they must.
    """
    from quiz import ui
    from quiz.export import ExportOptions

    answers_mode = answers.value if answers is not None else None
    fmt = _choose_format(format_.value if format_ is not None else None, output, answers_mode)
    if output is not None:
        _confirm_overwrite(output, force)

    bank = load(ctx)
    questions = bank.select(topics=topic or (), tags=tag or (), ids=ids or ())
    if not questions:
        raise QuizError("No question matches the filters: nothing to export.")
    mode = cast("AnswerMode", answers_mode or "inline")
    options = ExportOptions(deck=title or bank.deck, answers=mode, banks=_bank_args(ctx))
    data = fmt.render(questions, options)
    if output is None:
        assert isinstance(data, str)
        typer.echo(data, nl=False)
        return
    from quiz.fileio import write_file

    write_file(output, data if isinstance(data, bytes) else data.encode("utf-8"))
    count = f"{len(questions)} question{'s' * (len(questions) != 1)}"
    ui.out.print(f"Wrote {count} to {output} ({fmt.name}).", soft_wrap=True, markup=False)


def new(
    bank_dir: Annotated[Path, typer.Argument(help="The folder to create (it must not exist, or be empty).",
                                             metavar="BANK_DIR", show_default=False)],
    deck: Annotated[
        str | None,
        typer.Option("--deck", metavar="TEXT", show_default=False,
                     help="The deck's title. Default: from the folder name."),
    ] = None,
) -> None:
    """Start a question bank: one example question, its demo, and a README for the author.

    The example passes `quiz validate --strict`; its demo runs with `quiz --bank BANK_DIR demo`.
    """
    from quiz import ui
    from quiz.export import shell_quote
    from quiz.scaffold import EXAMPLE_ID, scaffold

    written = scaffold(bank_dir, deck)
    for path in written:
        ui.out.print(f"Wrote {path}", soft_wrap=True, markup=False)
    arg = shell_quote(str(bank_dir))
    ui.out.print(
        f"\nNext:\n  quiz validate {arg} --strict\n  quiz --bank {arg} show 1\n"
        f"  quiz --bank {arg} demo {EXAMPLE_ID}",
        soft_wrap=True, highlight=False, markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command(epilog=EXPORT_EPILOG)(export)
    app.command(
        epilog=examples(
            "quiz new my-bank",
            "quiz new courses/fastapi-101 --deck 'FastAPI 101'",
            "quiz validate my-bank --strict",
            "quiz --bank my-bank demo path-parameters",
        ),
    )(new)
