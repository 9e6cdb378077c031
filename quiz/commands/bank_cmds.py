"""`quiz list`, `quiz show`, `quiz validate`: reading and checking banks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quiz.commands._common import (
    TagOpt,
    TopicOpt,
    complete_question,
    emit_json,
    examples,
    load,
)


def list_questions(
    ctx: typer.Context,
    topic: TopicOpt = None,
    tag: TagOpt = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-s",
            metavar="TEXT",
            help="Only questions with TEXT in their question, id, answer, key points or tags "
            "(any case; spaces and hyphens ignored: 'web socket' finds websockets).",
        ),
    ] = None,
    banks: Annotated[
        bool, typer.Option("--banks", help="List the built-in banks instead: name, bank id, deck, questions.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the questions (or banks) as JSON.")] = False,
) -> None:
    """List the questions of the bank: number, id, topic, tags and difficulty.

    With --search, the most relevant first (TEXT in the id weighs most, then in the question, a
    tag, a key point, the answer) and a line says where TEXT was found. --topic and --tag ignore
    case.
    With --banks, the built-in banks that `--bank NAME` selects (the first is the default).
    """
    from quiz import ui
    from quiz.commands.bank_views import chosen, print_list
    from quiz.ui import questions as bank_ui

    if banks:
        rows = builtin_banks()
        if as_json:
            emit_json(rows)
        else:
            ui.out.print(bank_ui.bank_table(rows))
        return
    bank = load(ctx)
    questions, found = chosen(bank, topic or (), tag or (), search)
    if as_json:
        emit_json(
            [
                {
                    "number": q.num,
                    "id": q.id,
                    "topic": q.topic,
                    "tags": q.tags,
                    "difficulty": q.difficulty,
                    "question": q.question,
                    "demo": q.demo,
                    **({"matched": found[q.id]} if found is not None else {}),
                }
                for q in questions
            ]
        )
        return
    if print_list(bank, questions, search, found):
        raise typer.Exit(1)


def builtin_banks() -> list[dict[str, object]]:
    """Each built-in bank: the name `--bank` takes, its bank_id, deck and number of questions."""
    from quiz.bank import load_bank
    from quiz.model import BUILTIN_BANKS

    rows: list[dict[str, object]] = []
    for i, (name, path) in enumerate(BUILTIN_BANKS.items()):
        bank = load_bank([path])
        rows.append({"name": name, "bank_id": bank.bank_id, "deck": bank.deck, "questions": len(bank),
                     "default": i == 0})
    return rows


def show(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(help="A question number or id.", autocompletion=complete_question, metavar="QUESTION"),
    ],
    no_answer: Annotated[bool, typer.Option("--no-answer", help="Show only the question.")] = False,
    demo: Annotated[
        bool, typer.Option("--demo", "-d", help="Then run the question's live demo (steps and checks).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the question as JSON.")] = False,
    trust: Annotated[
        bool, typer.Option("--trust", help="With --demo: run a bank's demo without asking for approval.")
    ] = False,
) -> None:
    """Show a question with its answer, key points, errata, pitfalls and follow-ups."""
    from quiz.ui import questions as bank_ui

    bank = load(ctx)
    q = bank.get(ref)
    if as_json:
        emit_json({**q.to_dict(), "pitfalls": [p.to_dict() for p in q.listed_pitfalls]})
        return
    bank_ui.show_question(q, answer=not no_answer)
    if demo:
        from quiz.demo import find_demo, run_demo
        from quiz.ui import demo as demo_ui

        chosen = find_demo(q.id, bank)
        chosen = demo_ui.approve_demo(chosen, trust)
        demo_ui.demo_origin(chosen)
        result = run_demo(chosen, lambda e: demo_ui.demo_event(e, verbose=False))
        demo_ui.demo_summary(result)
        if not result.ok:
            raise typer.Exit(1)


def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Bank files or folders to check.", show_default=False, metavar="PATH..."),
    ],
    strict: Annotated[bool, typer.Option("--strict", help="Treat every warning as an error.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check bank files and list every problem at once, as file:line:column: field: message.

    Exit 0 when clean (warnings allowed unless --strict), 1 otherwise.
    """
    from quiz import ui
    from quiz.bank import validate_paths
    from quiz.exercises import validate as exercise_problems
    from quiz.ui import questions as bank_ui

    bank, found = validate_paths(paths)
    found += exercise_problems(bank)
    errors = [p for p in found if p.severity == "error" or strict]
    warnings = [p for p in found if p not in errors]
    if as_json:
        emit_json(
            {
                "questions": bank.written,
                "errors": [p.__dict__ for p in errors],
                "warnings": [p.__dict__ for p in warnings],
            }
        )
    else:
        bank_ui.problems(found)
        printed = [p for p in found if p.severity == "warning"]  # counted as printed, not as judged
        counts = f"{_count(len(found) - len(printed), 'error')}, {_count(len(printed), 'warning')}"
        if strict and printed:
            counts += " (--strict: warnings fail the check)"
        summary = f"{_count(bank.written, 'question')} checked: {counts}."
        style = "bold red" if errors else "bold green"
        ui.out.print(summary, style=style)
    if errors:
        raise typer.Exit(1)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def register(app: typer.Typer) -> None:
    app.command(
        "list",
        epilog=examples(
            "quiz list",
            "quiz list --topic security --json",
            "quiz list --search 'web socket'     found in the question, answer, a key point or a tag",
            "quiz --bank my-bank/ list",
            "quiz list --banks                  the built-in banks: quiz --bank senior list",
        ),
    )(list_questions)
    app.command(
        epilog=examples("quiz show 6", "quiz show async-vs-def", "quiz show 3 --demo", "quiz show 3 --json")
    )(show)
    app.command(
        epilog=examples(
            "quiz validate my-bank/", "quiz validate questions.yaml --strict", "quiz validate my-bank/ --json"
        )
    )(validate)
