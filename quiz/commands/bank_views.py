"""`quiz list` and `quiz show` as they read and print, without Typer: the Typer commands
(`bank_cmds`) call them, and so does the entry point (quiz.launch) for the plain forms
`quiz [--bank PATH]... [--no-color] list` and `... show QUESTION`, which it reads itself: Typer's
import is most of a command's start-up, and these are the commands typed most.

Anything else on such a line (an option after the command, `--help`, completion) goes to Typer,
which parses it as always; the two paths print the same bytes and exit with the same code
(tests/test_cli_bank.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from quiz.bank import Bank
    from quiz.model import Question

#: What a search match in each place weighs, for `list --search`'s order: any match in the id
#: beats every other place together, and so on down.
RELEVANCE = {"id": 16, "question": 8, "tag": 4, "key point": 2, "answer": 1}


def chosen(bank: Bank, topic: Sequence[str] = (), tag: Sequence[str] = (),
           search: str | None = None) -> tuple[list[Question], dict[str, list[str]] | None]:
    """The questions a list shows, and with a search where each matched (the most relevant first)."""
    from quiz.bank import matches

    questions = bank.select(topics=topic, tags=tag, search=search)
    found = {q.id: matches(q, search) for q in questions} if search else None
    if found is not None:  # the most relevant first: where it was found weighs, then the number
        questions.sort(key=lambda q: (-sum(RELEVANCE[w] for w in found[q.id]), q.num))
    return questions, found


def print_list(bank: Bank, questions: list[Question], search: str | None,
               found: dict[str, list[str]] | None) -> int:
    """The question list on the screen; the exit code (1: nothing matches)."""
    from quiz import ui
    from quiz.ui import questions as bank_ui

    if not questions:
        ui.err.print("No question matches.")
        return 1
    title = f"{bank.deck}: {len(questions)} of {len(bank)}"
    if search:
        title += f" matching '{search}'"
    bank_ui.print_question_list(questions, title, found)
    return 0


def plain_command(args: list[str]) -> Callable[[], int] | None:
    """`quiz list` or `quiz show QUESTION`, after --bank/-b PATH (repeatable) and --no-color only,
    as a call that runs it and gives its exit code; None for any other line (Typer reads it)."""
    if any(key.endswith("_COMPLETE") for key in os.environ):
        return None
    banks: list[Path] = []
    no_color, i = False, 0
    while i < len(args):
        a = args[i]
        if a in ("--bank", "-b") and i + 1 < len(args) and args[i + 1] and not args[i + 1].startswith("-"):
            banks.append(Path(args[i + 1]))
            i += 2
        elif a.startswith("--bank=") and len(a) > len("--bank="):
            banks.append(Path(a[len("--bank="):]))
            i += 1
        elif a == "--no-color":
            no_color = True
            i += 1
        else:
            break
    rest = args[i:]
    if rest == ["list"]:
        return lambda: _run(banks, no_color, None)
    if len(rest) == 2 and rest[0] == "show" and rest[1] and not rest[1].startswith("-"):
        return lambda: _run(banks, no_color, rest[1])
    return None


def _run(banks: list[Path], no_color: bool, ref: str | None) -> int:
    from quiz import ui
    from quiz.bank import load_bank

    ui.configure(no_color=no_color, banks=banks)
    bank = load_bank(banks or None)
    if ref is None:
        questions, found = chosen(bank)
        return print_list(bank, questions, None, found)
    from quiz.ui import questions as bank_ui

    bank_ui.show_question(bank.get(ref))
    return 0
