"""Screens that do not change between sittings, rendered once: a question's Markdown answer with
its highlighted code is the same every time it is shown at the same width, so its rendering is
kept under the cache folder and printed from there, without importing the Markdown renderer or
Pygments (whose Python lexer alone takes 55 ms to build).

What is kept is data, not escape codes: the text and style of each piece (Rich's segments), and
Rich writes them for the terminal at hand (its colours, or none). A kept rendering whose text
holds a control character, or that does not read back, is rendered again.

The graded screen's model answer is a `ModelAnswer` (kept the same way, and in memory for this
run); `prepare` renders it (or reads it) while the candidate types, and grades an answer that
says nothing, so the question's terms are compiled before the real answer comes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment, Segments
from rich.style import Style

from quiz import __version__
from quiz.model import CONTROL
from quiz.paths import cache_dir, sha256

if TYPE_CHECKING:
    from quiz.model import Question

KEEP = 2000  # renderings kept; beyond, the least recently used half goes
FOLDER = "screens"


def _rich_stamp() -> str:
    """Changes when Rich is upgraded (its files are written again)."""
    import rich

    try:
        return str(os.stat(Path(rich.__file__).parent).st_mtime_ns)
    except OSError:
        return ""


def print_cached(console: Console, parts: tuple[str, ...], make: Callable[[], RenderableType]) -> None:
    """Print `make()`, a rendering that depends only on `parts` (its text and how it is framed)
    and the console's width: from the cache when it was rendered before. Its lines fit that width
    (they were rendered at it), so Rich need not measure them again to crop them."""
    console.print(Segments(segments(console, console.options, parts, make)), end="", crop=False)


_memo: dict[str, list[Segment]] = {}  # this run's renderings (the drill's, by `prepare` too)
_lock = threading.Lock()


def segments(console: Console, options: ConsoleOptions, parts: tuple[str, ...],
             make: Callable[[], RenderableType]) -> list[Segment]:
    """The segments of `make()` at `options`' width: kept in this run, kept in the cache folder,
    or rendered (and kept)."""
    key: str = sha256(json.dumps([__version__, _rich_stamp(), options.max_width, options.ascii_only,
                                  options.legacy_windows, *parts]).encode()).hexdigest()
    with _lock:
        found = _memo.get(key)
        if found is None:
            path = cache_dir() / FOLDER / f"{key[:40]}.json"
            found = _read(path)
            if found is None:
                found = list(console.render(make(), options))
                _write(path, found)
            _memo[key] = found
    return found


class ModelAnswer:
    """The graded screen's model answer in its green panel, rendered once per answer and width."""

    def __init__(self, question: Question):
        self.text = question.answer

    def _panel(self) -> RenderableType:
        from rich.panel import Panel

        from quiz.ui.questions import markdown

        return Panel(markdown(self.text), title="Model answer", title_align="left", border_style="green")

    def segments(self, console: Console, options: ConsoleOptions) -> list[Segment]:
        return segments(console, options, ("model answer", self.text), self._panel)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        yield from self.segments(console, options)


#: An answer that matches no term: grading it compiles every term of the question.
NOTHING_SAID = "zzzz qqqq xxxx"


def prepare(question: Question, console: Console, after: threading.Thread | None = None) -> threading.Thread:
    """While the candidate types: the model answer rendered (or read from the cache) at the
    console's width, and the question's terms compiled (they are bank data: once per question).
    `after`: a thread importing what this imports too (the drill's prewarm), waited for first:
    two threads importing rapidfuzz at once can meet its circular imports half done (an
    ImportError, and a traceback on the drill's screen)."""

    def work() -> None:
        if after is not None:
            after.join()
        with contextlib.suppress(Exception):  # the graded screen does the same, and says what is wrong
            from quiz.grading import grade

            ModelAnswer(question).segments(console, console.options)
            grade(NOTHING_SAID, question)

    prepared()
    thread = threading.Thread(target=work, name="quiz-prepare", daemon=True)
    _preparing.append(thread)
    thread.start()
    return thread


_preparing: list[threading.Thread] = []


def prepared() -> None:
    """Wait for the work `prepare` began (grading is done by one thread at a time)."""
    while _preparing:
        _preparing.pop().join()


def _read(path: Path) -> list[Segment] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        styles: dict[str, Style] = {}
        out = []
        for text, style in data:
            if type(text) is not str or type(style) is not str or CONTROL.search(text + style):
                return None
            if style not in styles:
                styles[style] = Style.parse(style) if style else Style.null()
            out.append(Segment(text, styles[style]))
    except (OSError, ValueError, TypeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return out


def _write(path: Path, segments: list[Segment]) -> None:
    data: list[list[Any]] = [[s.text, str(s.style) if s.style else ""] for s in segments if not s.control]
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        kept = list(path.parent.glob("*.json"))
        if len(kept) > KEEP:
            kept.sort(key=lambda p: p.stat().st_mtime_ns)
            for old in kept[: len(kept) // 2]:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only cache folder only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
