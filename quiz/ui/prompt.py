"""The drill and the exam in the terminal: reading answers and ratings, rendering results.

Two ways to read, chosen by whether stdin is a terminal:

- a terminal: the answer is typed line by line (line editing when readline exists); a blank
  line or Ctrl-D submits; the rating is one key (Enter accepts, 1-4 override, q quits).
  What was typed before a prompt is drawn never answers it. In the exam the answer is read
  key by key, the time left ticking on the prompt line;
- anything else (a pipe, a file, a test): the same, read line by line (bytes that are not
  UTF-8 are replaced). An answer is the lines up to a blank line (or the end of input); a
  first line that is only one of KEYS is that key; an empty first line asks to see the
  answer. The rating is the next
  line: empty accepts the suggestion, `1`-`4` or again/hard/good/easy (or their first
  letter) override it, `q` quits. The end of input ends the drill; a card whose rating
  line is missing is not rated.

Time is shown in local time. Nothing here imports fastapi: `d` imports the demo runner
when it is pressed.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Console
from rich.text import Text

from quiz import ui
from quiz.errors import QuizError
from quiz.grading import Rating

KEYS = ("?", "s", "d", "q", "h", "u")
RATING_STYLE = {Rating.AGAIN: "bold red", Rating.HARD: "bold yellow", Rating.GOOD: "bold green",
                Rating.EASY: "bold cyan"}
#: A blank line this soon after a one-key rating is the Enter that followed the key ("3", then
#: Enter as the help once said), not an answer to the card just shown: it is ignored.
ENTER_GRACE = 1.5

TimeLeft = Callable[[], "float | None"]


@dataclass(frozen=True)
class Typed:
    """What was typed at the answer prompt: an answer (maybe empty), or a key."""

    text: str = ""
    key: str | None = None  # one of KEYS, or "eof"
    timed_out: bool = False  # the exam's time ran out while this was typed


class Reader(Protocol):
    interactive: bool

    def answer(self, time_left: TimeLeft | None = None) -> Typed: ...

    def rating(self, suggested: Rating, marks: str = "") -> Rating | str | None: ...

    def retry(self) -> bool: ...

    def key(self) -> str: ...

    def flush(self) -> None: ...


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

    def answer(self, time_left: TimeLeft | None = None) -> Typed:
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

    def rating(self, suggested: Rating, marks: str = "") -> Rating | str | None:
        """A rating line; a line that is one of `marks` is that key (a point marked)."""
        line = self._line()
        if line is None:
            return None
        word = line.strip()
        if not word:
            return suggested
        if word.casefold() in {"q", "quit"}:
            return None
        if len(word) == 1 and word.casefold() in marks:
            return word.casefold()
        rating = Rating.parse(word)
        if rating is None:
            raise QuizError(f"Expected a rating line (empty to accept {suggested.label}, 1-4, "
                            f"again/hard/good/easy, or q), got '{word}'.")
        return rating

    def retry(self) -> bool:
        """A line: empty or `r` tries the save again; `q` or the end of input gives up."""
        line = self._line()
        return line is not None and line.strip().casefold() not in {"q", "quit"}

    def key(self) -> str:
        """A line's first character ("" at the end of input or on an empty line)."""
        line = self._line()
        return line.strip()[:1].casefold() if line else ""

    def flush(self) -> None:
        pass


class TerminalReader:
    """A terminal: line editing for answers, a single key for the rating.

    Nothing typed before a prompt is drawn answers it: pending input is flushed first, and a
    lone Enter within ENTER_GRACE of a rating key is dropped. With a clock (the exam), the
    answer is read key by key so the time left ticks on the prompt line.
    """

    interactive = True

    def __init__(self, out: Console | None = None) -> None:
        self.out = out or ui.out
        self._keyed_at = 0.0
        try:
            import readline  # noqa: F401  (gives input() line editing)
        except ImportError:  # pragma: no cover - Windows
            pass

    def flush(self) -> None:
        """Drop whatever was typed and not read yet."""
        with contextlib.suppress(ImportError, OSError, ValueError):
            import termios

            termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)

    def _prompt(self, first: bool) -> Text:
        return Text("› " if first else "  ", style="cyan")

    def _input(self, first: bool) -> str:
        """One line, the prompt given to input() so that readline knows its width (a prompt it
        does not know about garbles lines as wide as the terminal)."""
        if self.out.file is not sys.stdout:  # prompts on stderr (exam --json): stdout stays clean
            return self.out.input(self._prompt(first))
        mark = "› " if first else "  "
        if self.out.color_system is not None:
            mark = f"\x01\x1b[36m\x02{mark}\x01\x1b[0m\x02"  # \x01 \x02: zero width for readline
        return input(mark)

    def _early_line(self) -> str | None:
        """Within ENTER_GRACE of the last key: drop lone Enters; a whole line typed is returned."""
        wait = ENTER_GRACE - (time.monotonic() - self._keyed_at)
        if wait <= 0:
            return None
        fd = sys.stdin.fileno()
        self.out.print(self._prompt(True), end="")
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            data = os.read(fd, 4096)  # the terminal is line-buffered here: one line, echoed
            if data.strip():
                return data.decode("utf-8", "replace").rstrip("\r\n")
            if self.out.color_system is not None:  # a stale Enter: take its blank line back
                self.out.file.write("\x1b[1A\r\x1b[K")
            self.out.print(self._prompt(True), end="")
        self.out.file.write("\r")  # input() draws the prompt again, over this one
        self.out.file.flush()
        return None

    def answer(self, time_left: TimeLeft | None = None) -> Typed:
        if time_left is not None and time_left() is not None:
            return self._timed_answer(time_left)
        self.flush()
        lines: list[str] = []
        early = self._early_line()
        while True:
            if early is not None:
                line, early = early, None
            else:
                try:
                    line = self._input(not lines)
                except EOFError:
                    self.out.print()  # Ctrl-D leaves the cursor after the prompt
                    break
            if not lines and (key := _as_key(line)) is not None:
                return Typed(key=key)
            if not line.strip():
                break
            lines.append(line)
        return Typed("\n".join(lines))

    def _timed_answer(self, time_left: TimeLeft) -> Typed:
        """Read an answer key by key, the time left ticking on the prompt line, the line wrapped
        over as many rows as it needs; when the time runs out, what was typed so far is the
        answer. A finished line keeps its text and loses the clock; nothing of the prompt is
        left once the answer is in."""
        from rich.cells import cell_len

        fd = sys.stdin.fileno()
        out = self.out.file
        lines: list[str] = []
        buf = ""
        rows = 1  # terminal rows the line being typed takes (the cursor is on the last)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

        def draw(clock: bool = True, end: str = "") -> None:
            nonlocal rows
            mark = "› " if not lines else "  "
            head = f"[{ui.clock_text(time_left() or 0.0)}] " if clock else ""
            text = head + mark + buf if clock or buf else ""
            width = max(1, self.out.width)
            up = f"\x1b[{rows - 1}A" if rows > 1 else ""
            out.write(up + "\r\x1b[J" + text)
            used = cell_len(text)
            if used and used % width == 0:
                out.write(" \r")  # past the last column: the cursor goes to the next row now
            rows = used // width + 1
            if end:
                out.write(end)
                rows = 1
            out.flush()

        with _cbreak(fd, echo=False):
            self.flush()
            draw()
            while True:
                left = time_left() or 0.0
                if left <= 0:
                    draw(clock=False, end="\n" if buf else "")
                    text = "\n".join([*lines, buf] if buf.strip() else lines)
                    return Typed(text, timed_out=True)
                ready, _, _ = select.select([fd], [], [], min(1.0, max(0.05, left % 1 or 1.0)))
                if not ready:
                    draw()
                    continue
                text = _ESCAPES.sub("", decoder.decode(os.read(fd, 256)))
                for ch in text:
                    if ch in "\r\n" or ch == "\x04":
                        if not lines and (key := _as_key(buf)) is not None:
                            draw(clock=False, end="\n")
                            return Typed(key=key)
                        if ch == "\x04" or not buf.strip():
                            draw(clock=False, end="\n" if buf.strip() else "")
                            return Typed("\n".join([*lines, buf] if buf.strip() else lines))
                        draw(clock=False, end="\n")
                        lines.append(buf)
                        buf = ""
                    elif ch in ("\x7f", "\x08"):
                        buf = buf[:-1]
                    elif ch == "\x15":  # Ctrl-U
                        buf = ""
                    elif ch == "\x17":  # Ctrl-W
                        buf = buf.rstrip()
                        buf = buf[:len(buf) - len(buf.split(" ")[-1])]
                    elif ch.isprintable():
                        buf += ch
                draw()

    def rating(self, suggested: Rating, marks: str = "") -> Rating | str | None:
        """One key: a rating, q, or one of `marks` (returned as it is: a point marked)."""
        while True:
            key = _getkey()
            self._keyed_at = time.monotonic()
            if len(key) == 1 and key.isalpha() and key.casefold() in marks:
                return key.casefold()
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

    def retry(self) -> bool:
        """One key: Enter or r tries the save again, q gives up."""
        while True:
            key = _getkey()
            self._keyed_at = time.monotonic()
            if key in ("\r", "\n", " ", "r", "R"):
                return True
            if key in ("q", "Q", "\x04", ""):
                return False

    def key(self) -> str:
        """One key press, as typed (Enter is "\r")."""
        key = _getkey()
        self._keyed_at = time.monotonic()
        return key


_ESCAPES = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?")


@contextlib.contextmanager
def _cbreak(fd: int, echo: bool = True) -> Iterator[None]:
    """The terminal in cbreak mode (keys one by one, Ctrl-C still interrupts) for the block.

    After Ctrl-Z and `fg` the shell gives the terminal back in its own (line) mode: the mode is
    set again on SIGCONT, so a single key is still enough.
    """
    import termios
    import tty

    saved = termios.tcgetattr(fd)

    def setup(*_: object) -> None:
        tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW: a key pressed a moment early is kept
        if not echo:
            mode = termios.tcgetattr(fd)
            mode[3] &= ~termios.ECHO
            termios.tcsetattr(fd, termios.TCSANOW, mode)

    main = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGCONT")
    previous = signal.signal(signal.SIGCONT, setup) if main else None
    try:
        setup()
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if main:
            signal.signal(signal.SIGCONT, previous)


def _getkey() -> str:
    """One key press, without Enter; Ctrl-C still interrupts."""
    try:
        import termios
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        return str(msvcrt.getwch())  # type: ignore[attr-defined]
    fd = sys.stdin.fileno()
    with _cbreak(fd):
        data = os.read(fd, 32)
        termios.tcflush(fd, termios.TCIFLUSH)  # "3" then Enter at once: the Enter is not an answer
    text = data.decode("utf-8", "replace")
    return text[:1] if len(text) == 1 or not text.startswith("\x1b") else "\x1b"


def reader(out: Console | None = None) -> Reader:
    """The reader for stdin: a terminal's (its prompts on `out`), or line by line."""
    stdin = sys.stdin
    if isinstance(stdin, io.TextIOWrapper):
        stdin.reconfigure(errors="replace")  # bytes that are not UTF-8 become U+FFFD, not a traceback
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
