"""A bank file's size limit, reading it within it, and the collector paused while a bank is
parsed: what both the cache and the parser need (light: no YAML)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

# Limits no bank author meets by accident; larger input is refused at validation, so that
# what is allowed stays fast (see bench/bench_scale.py). Stated in the README.
MAX_FILE_BYTES = 20 * 1024 * 1024  # a bank file: 20 MB
MAX_FILE_TEXT = "20 MB"


@contextlib.contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while a bank is parsed (or a demo's tour runs).

    Parsing builds hundreds of thousands of small objects that stay alive, and each
    collection walks them all again: on a 10,000-question bank the collector took three
    quarters of the time. Nothing parsed here forms a cycle worth collecting early.

    With `freeze`, what survives is moved out of the collector's sight before it is enabled
    again: a loaded bank lives as long as the command, and the first collection would
    otherwise walk every object just made (a second on 100,000 questions).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


def read_bounded(path: Path) -> bytes:
    """A bank file's bytes, read once; at most MAX_FILE_BYTES + 1 of them (more is refused)."""
    with open(path, "rb") as f:
        return f.read(MAX_FILE_BYTES + 1)
