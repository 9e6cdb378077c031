"""`quiz class report DIR`: an instructor's view of a class, from the students' own logs.
The work is in `quiz.classreport`; this parses, calls it and renders (terminal, HTML, JSON)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from quiz.commands._common import emit_json, examples, load

ReportFormat = Enum("ReportFormat", {"text": "text", "html": "html"}, type=str)

klass = typer.Typer(
    name="class",
    help="An instructor's view of a class: quiz class report DIR.",
    epilog=examples("quiz class report logs/", "quiz class report logs/ --format html -o report.html"),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@klass.command(epilog=examples(
    "quiz class report logs/",
    "quiz class report logs/ --format html -o report.html",
    "quiz class report logs/ --json > report.json",
    "quiz --bank course-bank class report logs/",
))
def report(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(
        metavar="DIR", show_default=False,
        help="A folder of the students' logs (.jsonl), each written with "
             "quiz progress export --learner NAME -o NAME.jsonl.")],
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="text (tables and a heatmap here) or html (one page, with -o).")
    ] = ReportFormat.text,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", show_default=False, dir_okay=False,
        help="Write the HTML page to FILE (never overwritten unless --force).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report's data as JSON.")] = False,
) -> None:
    """Per question and per topic: students, mean score, share rated Again, mean recall (FSRS),
    the pitfalls the class asserts most; and a students x topics heatmap of recall.

    Reads every log in DIR a line at a time (the reviews of the bank in force only) and writes
    nothing into anyone's progress: the logs are only read."""
    from quiz import session, ui
    from quiz.classreport import report as make_report

    bank = load(ctx)
    data = make_report(folder, bank.questions, bank.bank_id, bank.deck, session.system_clock())
    if as_json:
        emit_json(data)
        return
    if fmt.value == "html":
        from quiz.classreport_html import render
        from quiz.commands.export_cmd import _confirm_overwrite
        from quiz.fileio import write_file

        page = render(data)
        if output is None:
            typer.echo(page, nl=False)
            return
        _confirm_overwrite(output, force)
        write_file(output, page.encode("utf-8"))
        ui.err.print(f"Wrote the report of {data['students']} students to {output}.", markup=False,
                     highlight=False)
        return
    if output is not None:
        raise typer.BadParameter("-o writes the HTML page: add --format html.", param_hint="-o")
    from quiz.ui.classreport import report_view

    ui.out.print(report_view(data))


def register(app: typer.Typer) -> None:
    app.add_typer(klass)
