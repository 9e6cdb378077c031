"""The exceptions the core raises; the CLI turns them into one sentence and exit 1."""

from __future__ import annotations


class QuizError(Exception):
    """A user's mistake or an environment problem: shown as `Error: <message>`, exit 1."""


class NotFoundError(QuizError):
    """An unknown question, topic or demo; the message carries the suggestions."""
