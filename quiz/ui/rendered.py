"""Screens that do not change between sittings, rendered once: a question's Markdown answer with
its highlighted code is the same every time it is shown at the same width, so its rendering is
kept under the cache folder and printed from there, without importing the Markdown renderer or
Pygments (whose Python lexer alone takes 55 ms to build).

What is kept is data, not escape codes: the text and style of each piece (Rich's segments), and
Rich writes them for the terminal at hand (its colours, or none). A kept rendering whose text
holds a control character, or that does not read back, is rendered again.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType
from rich.segment import Segment, Segments
from rich.style import Style

from quiz import __version__
from quiz.model import CONTROL
from quiz.paths import cache_dir

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
    and the console's width: from the cache when it was rendered before."""
    import hashlib

    options = console.options
    key = hashlib.sha256(json.dumps([__version__, _rich_stamp(), options.max_width, options.ascii_only,
                                     options.legacy_windows, *parts]).encode()).hexdigest()
    path = cache_dir() / FOLDER / f"{key[:40]}.json"
    segments = _read(path)
    if segments is None:
        segments = list(console.render(make(), options))
        _write(path, segments)
    console.print(Segments(segments), end="")


def _read(path: Path) -> list[Segment] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        styles: dict[str, Style] = {}
        out = []
        for text, style in data:
            if type(text) is not str or CONTROL.search(text) or type(style) is not str:
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
