"""The exceptions the core raises; the CLI turns them into one sentence and exit 1. And the
one line the core has to say when it repaired something and went on (`notice`)."""

from __future__ import annotations

import sys


class QuizError(Exception):
    """A user's mistake or an environment problem: shown as `Error: <message>`, exit 1."""


class NotFoundError(QuizError):
    """An unknown question, topic or demo; the message carries the suggestions."""


def notice(message: str) -> None:
    """Tell the user, on standard error, of something the core repaired and went on with."""
    from quiz.model import visible

    sys.stderr.write(visible(message) + "\n")
