"""The drill and the exam in the terminal: reading answers and ratings, rendering results.

Two ways to read, chosen by whether stdin is a terminal:

- a terminal: the answer is typed line by line (line editing when readline exists); a blank
  line or Ctrl-D submits; the rating is one key (Enter accepts, 1-4 override, q quits);
- anything else (a pipe, a file, a test): the same, read line by line. An answer is the
  lines up to a blank line (or the end of input); a first line that is only `?`, `s`, `d`
  or `q` is that key; an empty first line asks to see the answer. The rating is the next
  line: empty accepts the suggestion, `1`-`4` or again/hard/good/easy (or their first
  letter) override it, `q` quits. The end of input ends the drill; a card whose rating
  line is missing is not rated.

Time is shown in local time. Nothing here imports fastapi: `d` imports the demo runner
when it is pressed.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console
from rich.text import Text

from quiz import ui
from quiz.errors import QuizError
from quiz.grading import Rating

if TYPE_CHECKING:
    pass


KEYS = ("?", "s", "d", "q")
RATING_STYLE = {Rating.AGAIN: "bold red", Rating.HARD: "bold yellow", Rating.GOOD: "bold green",
                Rating.EASY: "bold cyan"}




@dataclass(frozen=True)
class Typed:
    """What was typed at the answer prompt: an answer (maybe empty), or a key."""

    text: str = ""
    key: str | None = None  # one of KEYS, or "eof"


class Reader(Protocol):
    interactive: bool

    def answer(self) -> Typed: ...

    def rating(self, suggested: Rating) -> Rating | None: ...


def _as_key(line: str) -> str | None:
    word = line.strip().casefold()
    return word if word in KEYS else None


class LineReader:
    """Answers and ratings read line by line from a stream (stdin not being a terminal)."""

    interactive = False

    def __init__(self, stream: Any = None):
        self.stream = stream

    def _line(self) -> str | None:
        line = (self.stream or sys.stdin).readline()
        return None if line == "" else line.rstrip("\r\n")

    def answer(self) -> Typed:
        first = self._line()
        if first is None:
            return Typed(key="eof")
        if (key := _as_key(first)) is not None:
            return Typed(key=key)
        lines = []
        line: str | None = first
        while line is not None and line.strip():
            lines.append(line)
            line = self._line()
        return Typed("\n".join(lines))

    def rating(self, suggested: Rating) -> Rating | None:
        line = self._line()
        if line is None:
            return None
        word = line.strip()
        if not word:
            return suggested
        if word.casefold() in {"q", "quit"}:
            return None
        rating = Rating.parse(word)
        if rating is None:
            raise QuizError(f"Expected a rating line (empty to accept {suggested.label}, 1-4, "
                            f"again/hard/good/easy, or q), got '{word}'.")
        return rating


class TerminalReader:
    """A terminal: line editing for answers, a single key for the rating."""

    interactive = True

    def __init__(self, out: Console | None = None) -> None:
        self.out = out or ui.out
        try:
            import readline  # noqa: F401  (gives input() line editing)
        except ImportError:  # pragma: no cover - Windows
            pass

    def answer(self) -> Typed:
        lines: list[str] = []
        while True:
            try:
                line = self.out.input(Text("› " if not lines else "  ", style="cyan"))
            except EOFError:
                break
            if not lines and (key := _as_key(line)) is not None:
                return Typed(key=key)
            if not line.strip():
                break
            lines.append(line)
        return Typed("\n".join(lines))

    def rating(self, suggested: Rating) -> Rating | None:
        while True:
            key = _getkey()
            if key in ("\r", "\n", " ", ""):
                choice: Rating | None = suggested
            elif key in "1234":
                choice = Rating(int(key))
            elif key.casefold() == "q" or key == "\x04":
                choice = None
            else:
                continue
            label = choice.label if choice else "quit"
            self.out.print(Text(f"→ {label}", style=RATING_STYLE.get(choice, "dim") if choice else "dim"))
            return choice


def _getkey() -> str:
    """One key press, without Enter; Ctrl-C still interrupts."""
    try:
        import termios
        import tty
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        return str(msvcrt.getwch())  # type: ignore[attr-defined]
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW: a key pressed a moment early is kept
        data = os.read(fd, 32)
        termios.tcflush(fd, termios.TCIFLUSH)  # "3" then Enter: the Enter is not an answer
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    text = data.decode("utf-8", "replace")
    return text[:1] if len(text) == 1 or not text.startswith("\x1b") else "\x1b"


def reader(out: Console | None = None) -> Reader:
    """The reader for stdin: a terminal's (its prompts on `out`), or line by line."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty() and (out or ui.out).is_terminal:
        return TerminalReader(out)
    return LineReader()


def prewarm() -> threading.Thread:
    """Import what grading needs while the candidate types the first answer."""

    def load() -> None:
        try:
            import fsrs  # noqa: F401
            import rapidfuzz.fuzz  # noqa: F401
            import rapidfuzz.process  # noqa: F401
            import rich.markdown  # noqa: F401
        except Exception:  # pragma: no cover - the real import will say what is wrong
            pass

    thread = threading.Thread(target=load, name="quiz-prewarm", daemon=True)
    thread.start()
    return thread
