"""Shared fixtures: every test gets its own QUIZ_HOME, and a CLI runner."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

# A suite started in the background by a shell without job control (`pytest &`, nohup, some CI
# runners) inherits Ctrl-C ignored, and so would every quiz process a test starts: the Ctrl-C
# tests would wait for an interrupt that never comes. Start them as a terminal would.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def quiz_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "quiz-home"
    monkeypatch.setenv("QUIZ_HOME", str(home))
    monkeypatch.delenv("QUIZ_BANK", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    return home


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of the progress database, read the way any other program would."""
    db = sqlite3.connect(home / "progress.db")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()
