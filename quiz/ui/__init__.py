"""Rich rendering, one module per screen; here the two consoles and what every screen shares.

Screens: `questions` (list, show, validate), `prompt` (reading answers and ratings),
`drill`, `exam`, `stats` (stats and due), `demo` (demo tours).

Two consoles: `out` for results (stdout) and `err` for errors and progress (stderr). Rich
honours NO_COLOR by itself; `configure(no_color=True)` does the same for `--no-color`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console, ConsoleDimensions
from rich.text import Text

#: Lines of prose stop here on wide terminals: longer lines are hard to read.
MAX_WIDTH = 100


class ReadableConsole(Console):
    """A console no wider than MAX_WIDTH columns, however wide the terminal (narrower follows it)."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return ConsoleDimensions(min(size.width, MAX_WIDTH), size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


out = ReadableConsole(highlight=False)
err = ReadableConsole(stderr=True, highlight=False)


_bank_options = ""  # `--bank X ` as the user gave it, for the commands quiz prints


def configure(no_color: bool = False, banks: Sequence[Path] = ()) -> None:
    """The consoles' colour, and the banks given with --bank (the commands quiz prints name them)."""
    global _bank_options
    if no_color or os.environ.get("NO_COLOR"):
        out.no_color = err.no_color = True
    _bank_options = ""
    if banks:  # quiz.export is imported only then
        from quiz.export import shell_quote

        _bank_options = "".join(f"--bank {shell_quote(str(b))} " for b in banks)


def command(args: str) -> str:
    """A quiz command to print, as it works for the bank in use: `command("demo 3")` is
    `quiz --bank my-bank demo 3` after `quiz --bank my-bank show 3`, and `uv run quiz demo 3`
    under `uv run` (see quiz.paths.launcher)."""
    from quiz.paths import launcher

    return f"{launcher()} {_bank_options}{args}"


def error(message: str) -> None:
    from quiz.model import visible  # a message may quote a bank's text or a user's argument

    err.print(Text(visible(f"Error: {message}"), style="bold red"), soft_wrap=True)


def warn(message: str) -> None:
    from quiz.model import visible

    err.print(Text(visible(message), style="yellow"), soft_wrap=True)


def relative(when: datetime, now: datetime) -> str:
    """`when` from `now` in words: now, in 10 min, in 3 h, in 4 days; or 2 days ago."""
    seconds = (when - now).total_seconds()
    if abs(seconds) < 30:
        return "now"
    ago = seconds < 0
    seconds = abs(seconds)
    if seconds < 3600:
        text = f"{round(seconds / 60)} min"
    elif seconds < 86400:
        text = f"{round(seconds / 3600)} h"
    else:
        days = round(seconds / 86400)
        text = f"{days} day{'s' * (days != 1)}"
    return f"{text} ago" if ago else f"in {text}"


def local(when: datetime, fmt: str = "%a %d %b %H:%M") -> str:
    return when.astimezone().strftime(fmt)


def clock_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"
