"""`quiz`'s entry point: `quiz demo TOPIC` straight to its demo, `quiz list` and `quiz show N`
straight to the bank (quiz.commands.bank_views), every other command through Typer.

`quiz demo TOPIC` (with `--quiet`/`-q` or not, nothing else) is read here, without Typer (its
import costs ~60 ms of CPU, a tenth of the web stack a demo imports anyway); anything else, or
anything more on that line, goes to `quiz.cli`, which parses it as always. Both paths run the
same code below the parsing: `quiz.ui.demo.show_run`, and `failures_in_words` for errors.

Nothing here imports Typer, fastapi, uvicorn or httpx2.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import sys
from collections.abc import Callable, Iterator
from typing import NoReturn

from quiz.errors import QuizError

# What writing to a full disk, a closed pipe or a broken terminal raises: quiz's own files are
# written in the core, which turns their errors into QuizError, so these come from the output.
OUTPUT_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT}

QUIET = ("--quiet", "-q")


def path_failed(exc: OSError) -> str:
    """One sentence for a path the system refused, the path shortened if it is very long."""
    path = os.fsdecode(exc.filename)
    if len(path) > 200:
        path = f"{path[:80]}…{path[-40:]} ({len(path):,} characters)"
    return f"Cannot use {path}: {exc.strerror or exc}."


def output_failed(exc: OSError) -> NoReturn:
    """Standard output failed: a closed pipe (`| head`) ends quietly, anything else in one sentence."""
    with contextlib.suppress(OSError):  # nothing more is written there, not even at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    if exc.errno != errno.EPIPE:
        with contextlib.suppress(OSError):
            sys.stderr.write(f"Error: cannot write the output: {exc.strerror or exc}.\n")
            sys.stderr.flush()
    raise SystemExit(1)


@contextlib.contextmanager
def failures_in_words() -> Iterator[None]:
    """A QuizError as `Error: ...` on stderr and exit 1, Ctrl-C as exit 130, an output or path
    the system refused in one sentence: every command runs inside this."""
    try:
        yield
    except QuizError as exc:
        from quiz import ui

        ui.error(str(exc))
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        from quiz import ui

        ui.err.print("Interrupted.")
        raise SystemExit(130) from None
    except OSError as exc:
        if exc.filename is None and exc.errno in OUTPUT_ERRORS:
            output_failed(exc)
        if exc.filename is None:
            raise
        from quiz import ui

        ui.error(path_failed(exc))  # a path the system refused: a 10,000-character name, a loop...
        raise SystemExit(1) from None


def exit_flushed(exc: SystemExit) -> NoReturn:
    """Leave with `exc`, what is still buffered on stdout written first: it fails here (a closed
    pipe, a full disk), in one sentence, not in the interpreter's exit.

    Every object is frozen out of the collector's sight first: the interpreter's last
    collections, on its way out, would walk them all again (after a demo, the whole web stack:
    ~0.1 s of CPU, a fifth of importing it) only to find the cycles that the end of the process
    frees anyway. What is registered to run at exit (atexit, weakref.finalize: a
    TemporaryDirectory's removal) still runs."""
    try:
        sys.stdout.flush()
    except OSError as failed:
        output_failed(failed)
    gc.freeze()
    raise exc


def reopen_closed_streams() -> None:
    """A standard stream closed by the caller (`quiz drill <&-`) reads as empty (/dev/null), or
    writes to nowhere: never None for the code that reads or writes it, and its file descriptor
    never reused for another file."""
    for fd, name, mode in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY), (2, "stderr", os.O_WRONLY)):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        new = os.open(os.devnull, mode)
        if new != fd:
            os.dup2(new, fd)
            os.close(new)
        setattr(sys, name, open(fd, "r" if fd == 0 else "w", encoding="utf-8", closefd=False))  # noqa: SIM115


def demo_topic(args: list[str]) -> tuple[str, bool] | None:
    """(TOPIC, quiet) when `args` are `demo TOPIC` with at most `--quiet`/`-q` besides; else None."""
    if not args or args[0] != "demo" or any(k.endswith("_COMPLETE") for k in os.environ):
        return None
    rest = [a for a in args[1:] if a not in QUIET]
    if len(rest) != 1 or rest[0].startswith("-") or len(args) - len(rest) > 2:
        return None
    return rest[0], len(args) == 3


def run_demo(topic: str, quiet: bool) -> int:
    """`quiz demo TOPIC [--quiet]` on the bank in force ($QUIZ_BANK, else the built-in one)."""
    from quiz import ui

    ui.configure()
    from quiz.bank import load_bank
    from quiz.demo import find_demo
    from quiz.ui import demo as demo_ui

    chosen = demo_ui.approve_demo(find_demo(topic, load_bank(None)))
    return 0 if demo_ui.show_run(chosen, quiet) else 1


def main() -> None:
    args = sys.argv[1:]
    fast = demo_topic(args)
    if fast is not None:
        run: Callable[[], int] = lambda: run_demo(*fast)  # noqa: E731
    else:
        from quiz.commands.bank_views import plain_command

        plain = plain_command(args)  # `quiz list`, `quiz show 3`: also without Typer
        if plain is None:
            from quiz.cli import main as typer_main

            typer_main()
            return
        run = plain
    reopen_closed_streams()
    try:
        with failures_in_words():
            raise SystemExit(run())
    except SystemExit as exc:
        exit_flushed(exc)
