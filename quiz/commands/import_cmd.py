"""`quiz import`: Anki decks, spreadsheets, GIFT and Moodle XML, and quiz's own exports into a
new bank folder. The work is in `quiz.importer`; this parses, calls it, and says what it did."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quiz.commands._common import emit_json, examples
from quiz.errors import QuizError

IMPORT_EPILOG = examples(
    "quiz import deck.apkg -o my-bank",
    "quiz import notes.txt -o my-bank --deck 'FastAPI 101'",
    "quiz import cards.csv -o my-bank --map question=Front --map answer=Back --map topic=Chapter",
    "quiz import week1.gift week2.xml -o course-bank",
    "quiz import deck.apkg -o my-bank --json",
)


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    from quiz.importer.csv_ import FIELDS

    out = {}
    for pair in pairs or ():
        name, sep, column = pair.partition("=")
        if not sep or not column.strip() or name.strip() not in FIELDS:
            raise typer.BadParameter(f"'{pair}' is not FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}.",
                                     param_hint="--map")
        out[name.strip()] = column.strip()
    return out


def import_(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", show_default=False,
        help="Anki .apkg/.colpkg, Anki text (.txt/.tsv), .csv with a header row, .gift, Moodle .xml, "
             "or a quiz .json/.yaml export.")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="DIR", show_default=False,
        help="The bank folder to make (it must not exist: nothing is ever overwritten).")],
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", metavar="FORMAT", show_default=False,
        help="Read every file as this format: apkg, anki-tsv, csv, gift, moodle-xml, json, yaml "
             "(default: from each file's name).")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="FIELD=COLUMN", show_default=False,
        help="CSV: the column that holds a field, e.g. question=Front (repeatable).")] = None,
    deck: Annotated[str | None, typer.Option(
        "--deck", metavar="NAME", show_default=False,
        help="The bank's deck name (default: the file's deck or category, else the folder's name).")] = None,
    bank_id: Annotated[str | None, typer.Option(
        "--bank-id", metavar="ID", show_default=False,
        help="The bank's id, which its progress is kept under (default: from the deck name).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Make a bank folder from decks, spreadsheets and LMS exports.

    Every question keeps its text, answer (HTML becomes Markdown), topic (from its subdeck,
    category or topic column) and tags; ids are made from the question's first words unless
    the file carries them (quiz's own exports do). Media a note shows are copied into the
    folder. What cannot be carried (an unknown note type, a numerical question, an extra
    column) is listed, one line each. Key points are left empty: quiz validate names the
    questions that need them, and the drill asks you to rate those yourself."""
    import re

    from quiz.importer import import_files
    from quiz.model import visible

    if bank_id is not None and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", bank_id):
        raise QuizError(f"--bank-id '{bank_id}' is not lower case letters, digits, `-` and `_`.")
    result = import_files(list(files), output, fmt=fmt, mapping=_mapping(mapping), deck=deck, bank_id=bank_id)
    if as_json:
        emit_json(result.to_dict())
        return
    n = result.questions
    media = f" and {result.media} media file{'s' * (result.media != 1)}" if result.media else ""
    typer.echo(visible(f"Imported {n} question{'s' * (n != 1)}{media} into {result.bank_file} "
                       f"(deck '{result.deck}', bank id {result.bank_id})."))
    if result.skipped:
        typer.echo(visible(f"Not carried ({len(result.skipped)}):"))
        for line in result.skipped:
            typer.echo(visible(f"  {line}"))
    if result.need_key_points:
        k = result.need_key_points
        from quiz.export import shell_quote
        from quiz.paths import launcher

        validate = f"{launcher()} validate {shell_quote(str(output))}"
        typer.echo(f"{k} question{'s' * (k != 1)} need key points before the drill can grade "
                   f"{'them' if k != 1 else 'it'}: {validate} lists them.")


def register(app: typer.Typer) -> None:
    app.command("import", epilog=IMPORT_EPILOG)(import_)
