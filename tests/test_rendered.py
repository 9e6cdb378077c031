"""The graded screen's model answer, rendered once per question and width (issue 26): what the
candidate sees is the same whether it was rendered now, kept from earlier in this run, or read
from the cache folder, and a tampered cache file never reaches the terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.panel import Panel

from quiz.bank import load_bank
from quiz.ui import rendered
from quiz.ui.questions import markdown


def shown(renderable: object, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="256")
    console.print(renderable)
    out = console.file.getvalue()
    assert isinstance(out, str)
    return out


def test_the_cached_model_answer_is_what_rendering_it_shows(quiz_home: Path) -> None:
    questions = load_bank().questions
    q = next(q for q in questions if "```" in q.answer)  # code: Pygments colours it
    rendered._memo.clear()
    for width in (100, 60):
        direct = shown(Panel(markdown(q.answer), title="Model answer", title_align="left",
                             border_style="green"), width)
        assert "Model answer" in direct and "\x1b[" in direct
        assert shown(rendered.ModelAnswer(q), width) == direct  # rendered, then written
        rendered._memo.clear()
        assert shown(rendered.ModelAnswer(q), width) == direct  # read back from the cache folder
    assert len(list((quiz_home / "cache" / "screens").glob("*.json"))) == 2


def test_a_tampered_cache_file_is_rendered_again(quiz_home: Path) -> None:
    q = load_bank().questions[0]
    rendered._memo.clear()
    direct = shown(rendered.ModelAnswer(q), 80)
    (path,) = (quiz_home / "cache" / "screens").glob("*.json")
    path.write_text('[[["\\u001b]0;owned\\u0007 pwned", ""]]]', encoding="utf-8")
    rendered._memo.clear()
    again = shown(rendered.ModelAnswer(q), 80)
    assert again == direct and "pwned" not in again
    path.write_text("not json", encoding="utf-8")
    rendered._memo.clear()
    assert shown(rendered.ModelAnswer(q), 80) == direct


def test_the_answer_is_prepared_after_the_imports_the_drill_began(quiz_home: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The drill's prewarm and prepare threads both import rapidfuzz; at once, they met its
    circular imports half done (an ImportError traceback on the drill's screen, 6 runs of 12 in
    a pty): prepare waits for the prewarm thread first."""
    import threading
    import time

    from quiz.grading import grade  # imported already: what prepare does next takes no time

    assert grade
    order: list[str] = []

    def warm() -> None:
        time.sleep(0.3)
        order.append("prewarm")

    monkeypatch.setattr(rendered.ModelAnswer, "segments",
                        lambda self, console, options: order.append("prepare"))
    question, console = load_bank().get(3), Console(file=io.StringIO())
    before = threading.Thread(target=warm)
    before.start()
    rendered.prepare(question, console, after=before).join()
    assert order == ["prewarm", "prepare"]
