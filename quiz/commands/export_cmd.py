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
from quiz.export import ANSWER_MODES, FORMATS, LAYOUTS
from quiz.export.statements import QUESTION_KINDS

# Choices as enums: typer turns a bad value into a usage error naming the choices.
FormatChoice = Enum("FormatChoice", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
AnswersChoice = Enum("AnswersChoice", {name: name for name in ANSWER_MODES}, type=str)  # type: ignore[misc]
KindChoice = Enum("KindChoice", {name: name for name in QUESTION_KINDS}, type=str)  # type: ignore[misc]
LayoutChoice = Enum("LayoutChoice", {name: name for name in LAYOUTS}, type=str)  # type: ignore[misc]

if TYPE_CHECKING:
    from collections.abc import Sequence

    from quiz.bank import Bank
    from quiz.export import AnswerMode, ExportOptions, Format
    from quiz.model import Question

_FORMAT_LIST = "\n".join(f"  {f.name:<11} {f.summary}" for f in FORMATS.values())

EXPORT_EPILOG = (
    "Formats:\n\n\b\n" + _FORMAT_LIST + "\n\n"
    "Without --format, the format comes from the -o file name (.apkg, .tsv, .csv, .md, .html, "
    ".json, .yaml, .gift, .xml).\n\n"
    + examples(
        "quiz export --format apkg -o deck.apkg",
        "quiz export --format apkg --subdecks --tag-prefix fastapi101 -o deck.apkg",
        "quiz export -o handout.md --answers end --topic security",
        "quiz export -o handout.html --answers none --space 12",
        "quiz export -o handout.html --answers end --layout compact",
        "quiz export --format csv --tag websocket > websocket.csv",
        "quiz export --format flashcards > quizlet.txt",
        "quiz export --format moodle-xml --id 3 --id 6 -o moodle.xml",
        "quiz --bank my-bank/ export --format bank -o shared-bank",
        "quiz --bank my-bank/ export --format gift -o my-bank.gift",
        "quiz export --format moodle-xml --questions all -o quiz.xml",
        "quiz export -o exam.html --topic security --count 5 --versions 2 --seed week3 --answer-key key.html",
        "quiz export -o exam.html --id 1-5 --id 12 --difficulty 3",
    )
)
_HANDOUTS = ("markdown", "html")
_PAPERS = _HANDOUTS  # exam papers in versions, and their keys
_ANKI = ("apkg", "anki-tsv")


def _bank_args(ctx: typer.Context) -> tuple[str, ...]:
    """How a student names the bank in force on the command line: each bank's folder or file
    name, never the author's path; () for the built-in bank."""
    from quiz.bank import BUILTIN_BANK
    from quiz.bank import bank_paths as paths_in_force

    paths = [p.resolve() for p in paths_in_force(bank_paths(ctx))]
    if paths == [BUILTIN_BANK.resolve()]:
        return ()
    return tuple(p.name for p in paths)


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


def _choose_format(name: str | None, output: Path | None, given: dict[str, tuple[str, ...]]) -> Format:
    """The format asked for, or implied by the -o file name; usage mistakes exit 2.

    `given` maps each format-specific option the user gave to the formats it is for.
    """
    from quiz.export import format_for_path, get_format

    fmt = get_format(name) if name else format_for_path(output) if output else None
    if fmt is None:
        raise typer.BadParameter(
            f"name a format with --format ({', '.join(FORMATS)}), or an -o file whose name implies one.",
            param_hint="--format")
    for option, formats in given.items():
        if fmt.name not in formats:
            names = f"{' and '.join(formats)} format{'s' * (len(formats) > 1)}"
            raise typer.BadParameter(f"{option} is for the {names}, not {fmt.name}.", param_hint=option)
    if fmt.binary and output is None:
        raise typer.BadParameter(f"{fmt.name} is a binary format: write it to a file with -o FILE.",
                                 param_hint="--output")
    if fmt.folder and output is None:
        raise typer.BadParameter(f"{fmt.name} writes a folder: name it with -o DIR.", param_hint="--output")
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
                     help="Write to FILE (apkg needs one; bank, a new folder). Default: standard output."),
    ] = None,
    topic: TopicOpt = None,
    tag: TagOpt = None,
    ids: Annotated[
        list[str] | None,
        typer.Option("--id", help="Only this question, by number or id, or a range of numbers (1-5); "
                     "repeatable, kept in the order given.", metavar="QUESTION",
                     autocompletion=complete_question),
    ] = None,
    difficulty: Annotated[
        list[int] | None,
        typer.Option("--difficulty", metavar="N", min=1, max=3, show_default=False,
                     help="Only questions of this difficulty, 1 to 3 (repeatable)."),
    ] = None,
    pick: Annotated[
        int | None,
        typer.Option("--count", metavar="N", min=1, show_default=False,
                     help="N of the selected questions, chosen at random (--seed makes it the same again)."),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option("--seed", metavar="TEXT", show_default=False,
                     help="The seed of --count, --versions and the statements' order: the same seed, the "
                     "same papers. Default: a new one, printed."),
    ] = None,
    versions_n: Annotated[
        int | None,
        typer.Option("--versions", metavar="K", min=1, show_default=False,
                     help="markdown and html: K versions of the paper, each in its own order, labelled "
                     "A, B, ... (written as FILE-A.html, FILE-B.html, ...)."),
    ] = None,
    answer_key: Annotated[
        Path | None,
        typer.Option("--answer-key", metavar="FILE", show_default=False,
                     help="markdown and html: also write the answer key alone to FILE (one per "
                     "version); the paper then has no answers unless --answers says so."),
    ] = None,
    answers: Annotated[
        AnswersChoice | None,
        typer.Option("--answers", metavar="MODE",
                     show_default=False,
                     help="markdown and html: answers after each question (inline, the default), "
                     "as an answer key at the end, or none."),
    ] = None,
    space: Annotated[
        int | None,
        typer.Option("--space", metavar="N", min=0, max=60, show_default=False,
                     help="html only: N ruled lines under each question to write an answer in."),
    ] = None,
    kinds: Annotated[
        KindChoice | None,
        typer.Option("--questions", metavar="KIND", show_default=False,
                     help="gift, moodle-xml, html and markdown: essay (the default), choice (the "
                     "question's own choices, else select every true statement: key points true, pitfalls "
                     "false with their corrections), truefalse (one per statement), or all."),
    ] = None,
    layout: Annotated[
        LayoutChoice | None,
        typer.Option("--layout", metavar="LAYOUT", show_default=False,
                     help="html only, in print: compact (several questions a page; the default) or page "
                     "(each question on its own page; the default with --space)."),
    ] = None,
    bom: Annotated[
        bool | None,
        typer.Option("--bom/--no-bom", show_default=False,
                     help="csv only: start with a UTF-8 byte order mark, so Excel reads accents right "
                     "(the default)."),
    ] = None,
    subdecks: Annotated[
        bool, typer.Option("--subdecks", help="apkg and anki-tsv: one subdeck per topic (Deck::topic).")
    ] = False,
    tag_prefix: Annotated[
        str | None,
        typer.Option("--tag-prefix", metavar="TEXT", show_default=False,
                     help="apkg and anki-tsv: put every tag under TEXT:: (a course name)."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", show_default=False,
                     help="The deck's title (handout title, Anki deck, Moodle category). "
                     "Default: the bank's deck."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Export questions to Anki, a spreadsheet, Quizlet, a printable handout, Moodle, or the bank format.

    Every format escapes text as it requires: HTML is escaped (raw HTML in an answer is shown,
    never run), and GIFT, CSV, TSV and XML quote what they must.
    """
    from quiz import ui
    from quiz.export import ExportOptions

    answers_mode = answers.value if answers is not None else None
    given = {"--answers": (answers_mode, _HANDOUTS), "--space": (space, ("html",)),
             "--bom/--no-bom": (bom, ("csv",)), "--layout": (layout, ("html",)),
             "--questions": (kinds, ("gift", "moodle-xml", *_HANDOUTS)),
             "--subdecks": (subdecks or None, _ANKI),
             "--tag-prefix": (tag_prefix, _ANKI), "--versions": (versions_n, _PAPERS),
             "--answer-key": (answer_key, _PAPERS)}
    fmt = _choose_format(format_.value if format_ is not None else None, output,
                         {name: formats for name, (value, formats) in given.items() if value is not None})
    if versions_n and versions_n > 1 and output is None:
        raise typer.BadParameter("versions are written as files: name them with -o FILE.",
                                 param_hint="--versions")
    papers = bool((versions_n or 1) > 1 or answer_key)  # written by _write_papers
    if (papers or pick) and seed is None:
        import secrets

        seed = secrets.token_hex(3)
        ui.err.print(f"Seed: {seed} (--seed {seed} makes the same selection again)", soft_wrap=True,
                     markup=False)

    bank = load(ctx)
    questions = _select(bank, topic or (), tag or (), ids or (), difficulty or ())
    if pick:
        from quiz.export.papers import sample

        questions = sample(questions, pick, seed or "")
    mode = cast("AnswerMode", answers_mode or ("none" if answer_key else "inline"))
    options = ExportOptions(deck=title or bank.deck, bank_id=bank.bank_id, answers=mode,
                            banks=_bank_args(ctx), subdecks=subdecks, tag_prefix=tag_prefix or "",
                            space=space or 0, bom=bom is not False,
                            layout=layout.value if layout is not None else "page" if space else "compact",
                            questions=kinds.value if kinds is not None else "essay", seed=seed or "",
                            numbered=bool(papers or pick))
    if papers:
        _write_papers(fmt, questions, options, output, answer_key, versions_n or 1, force)
        return
    if output is not None and not fmt.folder:
        _confirm_overwrite(output, force)
    count = f"{len(questions)} question{'s' * (len(questions) != 1)}"
    if fmt.folder:
        from quiz.export.bank_dir import write_folder

        assert output is not None
        written = write_folder(output, fmt.files(questions, options))
        files = f"{len(written)} file{'s' * (len(written) != 1)}"
        ui.out.print(f"Wrote {count} to {output} ({fmt.name}: {files}).", soft_wrap=True,
                     markup=False)
        return
    data = fmt.render(questions, options)
    if output is None:
        assert isinstance(data, str)
        typer.echo(data, nl=False)
        return
    from quiz.fileio import write_file

    write_file(output, data if isinstance(data, bytes) else data.encode("utf-8"))
    ui.out.print(f"Wrote {count} to {output} ({fmt.name}).", soft_wrap=True, markup=False)


def _select(bank: Bank, topics: Sequence[str], tags: Sequence[str], refs: Sequence[str],
            difficulties: Sequence[int]) -> list[Question]:
    """The questions the filters select: in the order of --id when given (ranges spelled
    out), else in the bank's; one sentence when none is left."""
    from quiz.export.papers import expand_ranges

    refs = expand_ranges(refs, (q.id for q in bank))
    questions = bank.select(topics=topics, tags=tags, ids=refs)
    if refs:
        order = {bank.get(r).id: i for i, r in reversed(list(enumerate(refs)))}
        questions.sort(key=lambda q: order[q.id])
    if difficulties:
        questions = [q for q in questions if q.difficulty in difficulties]
    if not questions:
        raise QuizError("No question matches the filters: nothing to export.")
    return questions


def _write_papers(fmt: Format, questions: Sequence[Question], options: ExportOptions, output: Path | None,
                  answer_key: Path | None, count: int, force: bool) -> None:
    """Exam papers: each version (its own order) to its file, and each version's answer key."""
    import dataclasses

    from quiz import ui
    from quiz.export.papers import versioned_path, versions
    from quiz.fileio import write_file

    plan = []
    for label, paper in versions(questions, count, options.seed):
        mine = dataclasses.replace(options, label=label, seed=f"{options.seed}:{label}")
        if output is not None:
            plan.append((Path(versioned_path(str(output), label)), paper, mine))
        if answer_key is not None:
            plan.append((Path(versioned_path(str(answer_key), label)), paper,
                         dataclasses.replace(mine, key_only=True)))
    for path, _, _ in plan:
        _confirm_overwrite(path, force)
    if output is None:  # one paper, to standard output (its key went to a file)
        data = fmt.render(questions, dataclasses.replace(options, label=""))
        typer.echo(data if isinstance(data, str) else data.decode("utf-8"), nl=False)
    n = f"{len(questions)} question{'s' * (len(questions) != 1)}"
    for path, paper, mine in plan:
        data = fmt.render(paper, mine)
        write_file(path, data if isinstance(data, bytes) else data.encode("utf-8"))
        what = "answer key" if mine.key_only else "paper"
        version = f", version {mine.label}" if mine.label else ""
        ui.err.print(f"Wrote the {what} ({n}{version}) to {path}.", soft_wrap=True, markup=False)


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
    from quiz.paths import launcher

    arg, quiz = shell_quote(str(bank_dir)), launcher()  # as you started quiz: `uv run quiz`, ...
    ui.out.print(
        f"\nNext:\n  {quiz} validate {arg} --strict\n  {quiz} --bank {arg} show 1\n"
        f"  {quiz} --bank {arg} demo {EXAMPLE_ID}",
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
