"""Shared fixtures: every test gets its own QUIZ_HOME, and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


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
