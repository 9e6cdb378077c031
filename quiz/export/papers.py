"""Exam papers: which questions, in which order, in how many versions (pure: no I/O).

    refs = expand_ranges(["1-3", "middleware"])       # ["1", "2", "3", "middleware"]
    chosen = sample(questions, count=10, seed="week3")  # the same seed, the same ten
    for label, paper in versions(chosen, 3, seed="week3"):
        ...                                            # "A", "B", "C": each its own order

A version's order and its statements' order (choice and true/false) depend only on the seed
and the version's label, so a paper and its answer key always agree, and the same command
gives the same papers again.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from quiz.errors import QuizError

if TYPE_CHECKING:
    from quiz.model import Question

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
MAX_VERSIONS = len(string.ascii_uppercase)


def expand_ranges(refs: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """Question references with each range (`1-5`) spelled out, in the order given; a
    reference that is itself a question id in `known` (`1-5` could be one) stays whole."""
    ids = set(known)
    out: list[str] = []
    for ref in refs:
        m = _RANGE.match(ref.strip())
        if m is None or ref in ids:
            out.append(ref)
            continue
        first, last = int(m.group(1)), int(m.group(2))
        if first > last:
            raise QuizError(f"The range '{ref}' runs backwards: write it as {last}-{first}.")
        out += [str(n) for n in range(first, last + 1)]
    return out


def sample(questions: Sequence[Question], count: int, seed: str) -> list[Question]:
    """`count` of the questions, chosen at random by `seed`, in their order; all when fewer."""
    if count >= len(questions):
        return list(questions)
    chosen = set(random.Random(f"sample:{seed}").sample(range(len(questions)), count))
    return [q for i, q in enumerate(questions) if i in chosen]


def version_label(index: int) -> str:
    return string.ascii_uppercase[index]


def versions(questions: Sequence[Question], count: int, seed: str) -> list[tuple[str, list[Question]]]:
    """`count` versions of a paper, labelled A, B, ...: each the questions in its own order
    (one version keeps the order given)."""
    if not 1 <= count <= MAX_VERSIONS:
        raise QuizError(f"--versions takes 1 to {MAX_VERSIONS} (one letter each), not {count}.")
    if count == 1:
        return [("", list(questions))]
    out = []
    for i in range(count):
        label = version_label(i)
        order = list(questions)
        random.Random(f"version:{seed}:{label}").shuffle(order)
        out.append((label, order))
    return out


def versioned_path(path: str, label: str) -> str:
    """`exam.html` for version B: `exam-B.html` (the path itself when there is no label)."""
    if not label:
        return path
    stem, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix:
        return f"{path}-{label}"
    return f"{stem}-{label}.{suffix}"
