"""The `quiz` command: parse, call the core, render. The one place errors become words.

Commands live in `quiz/commands/`, one module per concern, each with `register(app)`.
Nothing here imports fastapi, uvicorn or httpx2: only `quiz demo` does, when it runs.
"""

from __future__ import annotations

import copy
import functools
import importlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from quiz import __version__
from quiz.launch import exit_flushed, failures_in_words, reopen_closed_streams

#: Options of the root that are accepted after the command too (`quiz show 3 --no-color`).
GLOBAL_FLAGS = ("--no-color",)
GLOBAL_VALUED = ("--bank", "-b")


def hoist_globals(args: list[str], commands: Any) -> list[str]:
    """`quiz CMD ... --no-color --bank X` read as `quiz --no-color --bank X CMD ...`.

    Only after a known command's name and before a `--`; everything else is left in place.
    """
    at = next((i for i, a in enumerate(args) if a in commands), None)
    if at is None:
        return args
    head, rest = list(args[:at + 1]), list(args[at + 1:])
    moved, kept = [], []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--":
            kept += rest[i:]
            break
        if a in GLOBAL_FLAGS or a.startswith("--bank="):
            moved.append(a)
        elif a in GLOBAL_VALUED and i + 1 < len(rest):
            moved += [a, rest[i + 1]]
            i += 1
        else:
            kept.append(a)
        i += 1
    return moved + head + kept if moved else args


class QuizGroup(TyperGroup):
    """Turns QuizError into `Error: ...` on stderr and exit 1, and Ctrl-C into exit 130."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_globals(args, self.commands))

    def invoke(self, ctx: Any) -> Any:
        with failures_in_words():
            return super().invoke(ctx)


_root = typer.Typer(
    cls=QuizGroup,
    name="quiz",
    help=(
        "The FastAPI interview drill: typed answers scored against key points, spaced "
        "repetition, and a live FastAPI demo for every topic.\n\n"
        "Run `quiz` with no command to start today's drill."
    ),
    epilog=(
        "\b\nExamples:\n"
        "  quiz                          today's drill\n"
        "  quiz show 6                   a question and its answer\n"
        "  quiz demo middleware          the answer, running\n"
        "  quiz exam --count 10          a mock interview\n"
        "  quiz validate my-bank/        check your own bank\n"
        "  quiz --bank my-bank/ list     use it\n"
        "  quiz --bank senior            the built-in senior bank (quiz list --banks)"
    ),
    no_args_is_help=False,
    invoke_without_command=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _complete_bank(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from quiz.commands._common import complete_bank

    return complete_bank(ctx, incomplete)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"quiz {__version__}")
        raise typer.Exit()


@_root.callback()
def root(
    ctx: typer.Context,
    bank: Annotated[
        list[Path] | None,
        typer.Option(
            "--bank",
            "-b",
            metavar="PATH|NAME",
            help="A bank file or folder to use instead of the built-in one (repeatable), or a "
            "built-in bank's name: `senior` (see `quiz list --banks`). Default: $QUIZ_BANK, else "
            "the built-in bank `fastapi`.",
            show_default=False,
            autocompletion=_complete_bank,
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    from quiz import ui

    ui.configure(no_color=no_color, banks=bank or ())
    ctx.obj = {"bank": bank or None}
    if ctx.invoked_subcommand is None:
        drill = ctx.command.get_command(ctx, "drill")  # type: ignore[attr-defined]
        if drill is None:
            typer.echo(ctx.get_help())
            return
        with drill.make_context("drill", [], parent=ctx) as sub:  # its defaults, argv untouched
            drill.invoke(sub)


class QuizCommand(TyperCommand):
    """Arguments in usage lines as `QUESTION`, `PATH...`, `BANK_DIR` (Typer writes `{QUESTION}`)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces: list[str] = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


#: Each command's module in quiz/commands/, in --help's order (the candidate's commands first):
#: `quiz show 3` imports and builds one command, not all 17.
COMMANDS = {
    "drill": "drill_cmds", "exam": "drill_cmds", "stats": "drill_cmds", "due": "drill_cmds",
    "reset": "drill_cmds", "list": "bank_cmds", "show": "bank_cmds", "validate": "bank_cmds",
    "demo": "demo_cmd", "practice": "practice_cmd", "export": "export_cmd", "new": "export_cmd",
    "import": "import_cmd", "progress": "progress_cmds", "class": "class_cmd",
}


def build(modules: Iterable[str]) -> typer.Typer:
    """The root with the commands of these modules of quiz/commands/ (each has `register(app)`)."""
    built = copy.copy(_root)
    built.registered_commands, built.registered_groups = [], []
    for module in modules:
        importlib.import_module(f"quiz.commands.{module}").register(built)
    groups = [g.typer_instance for g in built.registered_groups if g.typer_instance]
    for info in [*built.registered_commands, *(c for g in groups for c in g.registered_commands)]:
        if info.cls in (None, TyperCommand):
            info.cls = QuizCommand
    return built


@functools.cache
def whole_app() -> typer.Typer:
    """Every command: `quiz.cli.app`."""
    return build(dict.fromkeys(COMMANDS.values()))


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_name(args: list[str]) -> str | None:
    """The command `args` name, read as the root parses them: its options (and `--bank`'s
    value) skipped; None when there is none."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return args[i + 1] if i + 1 < len(args) else None
        if a in GLOBAL_VALUED:
            i += 2
            continue
        if not a.startswith("-"):
            return a
        i += 1
    return None


def app_for(args: list[str]) -> typer.Typer:
    """The app with only the command `args` runs (`drill` when none is named): its module alone
    is imported, and Typer builds it alone (a command is built from its signature's annotations,
    1-3 ms each). The whole app for help, the version, completion and a name that is no command
    (its error suggests one): they list or look up the others."""
    if any(key.endswith("_COMPLETE") for key in os.environ):
        return whole_app()
    name = command_name(args)
    if name is None:
        if any(a in ("-h", "--help", "--version") or a.endswith("-completion") for a in args):
            return whole_app()
        name = "drill"  # `quiz` alone: today's drill
    if name not in COMMANDS:
        return whole_app()
    one = build([COMMANDS[name]])
    one.registered_commands = [c for c in one.registered_commands if (
        c.name or typer.main.get_command_name(c.callback.__name__ if c.callback else "")) == name]
    one.registered_groups = [g for g in one.registered_groups
                             if typer.main.solve_typer_info_defaults(g).name == name]
    return one


def completion_warning(argv: list[str]) -> str | None:
    """Completion is installed for the name `quiz`: a word when the shell does not find this quiz
    by that name (run through `uv run`, or by its path), and how to put it on PATH."""
    if "--install-completion" not in argv:
        return None
    from quiz.paths import launcher

    how = launcher()
    if how == "quiz":
        return None
    return (f"Completion is for the command `quiz`, which your shell does not find (you ran `{how}`): "
            "put it on PATH with `uv tool install .` in quiz's folder (or `pip install .` in a virtual "
            "environment), then open a new shell.")


def main() -> None:
    reopen_closed_streams()
    if warning := completion_warning(sys.argv[1:]):
        from quiz import ui

        ui.warn(warning)
    try:
        app_for(sys.argv[1:])()
    except SystemExit as exc:
        exit_flushed(exc)
