"""The layout the project promises: the package, the bank and the demos at the top."""

from __future__ import annotations

import subprocess
from pathlib import Path

from quiz.model import BUILTIN_BANK, BUILTIN_DEMOS
from quiz.paths import content_dir

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_finds_the_content_at_the_top(tmp_path: Path) -> None:
    (tmp_path / "quiz").mkdir()
    (tmp_path / "questions").mkdir()
    assert content_dir("questions", tmp_path / "quiz") == tmp_path / "questions"


def test_a_wheel_finds_the_content_inside_the_package(tmp_path: Path) -> None:
    (tmp_path / "quiz" / "questions").mkdir(parents=True)
    (tmp_path / "questions").mkdir()  # an unrelated folder beside site-packages/quiz is ignored
    assert content_dir("questions", tmp_path / "quiz") == tmp_path / "quiz" / "questions"


def test_this_checkout_uses_the_top_level_bank_and_demos() -> None:
    assert BUILTIN_BANK == ROOT / "questions"
    assert BUILTIN_DEMOS == ROOT / "demos"
    assert (BUILTIN_BANK / "fastapi.yaml").is_file()
    assert (BUILTIN_DEMOS / "middleware.py").is_file()


def test_the_top_level_is_what_the_readme_promises() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    top = {name.split("/")[0] for name in tracked if not name.startswith(".")}
    assert top == {"quiz", "questions", "banks", "demos", "tests", "bench", "pyproject.toml", "README.md"}
