"""Progress belongs to its bank: cards, the daily new count, stats, due and reset, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from quiz.cli import app

from .test_drill import BANK, GOOD, Clock, answer, clock, db_rows, flat, write_bank

__all__ = ["clock"]  # fixture shared with test_drill

OTHER = BANK.replace("deck: Drill test", "deck: Other bank")  # the same question ids


def banks(tmp_path: Path) -> tuple[str, str]:
    return str(write_bank(tmp_path / "drill-test")), str(write_bank(tmp_path / "other", OTHER))


def test_the_daily_new_count_is_per_bank(runner: CliRunner, tmp_path: Path, clock: Clock) -> None:
    """The issue's case: a drill of the built-in bank leaves a new bank's new questions alone."""
    made = runner.invoke(app, ["new", str(tmp_path / "my-bank")])
    assert made.exit_code == 0, made.output
    builtin = runner.invoke(app, ["drill"], input=answer("no idea", "3") * 5)
    assert builtin.exit_code == 0, builtin.output
    assert "Today's drill: 5 new" in builtin.stdout
    mine = runner.invoke(app, ["--bank", str(tmp_path / "my-bank"), "drill"], input=answer("x", "3"))
    assert mine.exit_code == 0, mine.output
    assert "Today's drill: 1 new" in mine.stdout
    assert "Nothing is due" not in mine.stdout
    builtin_due = json.loads(runner.invoke(app, ["due", "--json"]).stdout)
    assert builtin_due["new_today"] == 0  # and the built-in bank's quota is still spent


def test_two_banks_with_the_same_ids_keep_two_cards(runner: CliRunner, tmp_path: Path, clock: Clock,
                                                    quiz_home: Path) -> None:
    one, other = banks(tmp_path)
    result = runner.invoke(app, ["--bank", one, "drill", "--limit", "1"], input=answer("x", "1"))
    assert "Saved: Again. Next review in 1 min." in result.stdout
    result = runner.invoke(app, ["--bank", other, "drill", "--limit", "1"],
                           input=answer(GOOD["middleware"], "4"))
    assert "new · left: 0 new · 0 learning · 0 due" in result.stdout  # not the card the other bank rated
    assert "Saved: Easy. Next review in 8 days." in result.stdout
    assert db_rows(quiz_home, "SELECT bank_id, question_id, state FROM cards ORDER BY bank_id") == [
        ("drill-test", "middleware", 1), ("other-bank", "middleware", 2)]
    clock.advance(minutes=5)
    due = json.loads(runner.invoke(app, ["--bank", one, "due", "--json"]).stdout)
    assert [d["id"] for d in due["today"]] == ["middleware"]
    due = json.loads(runner.invoke(app, ["--bank", other, "due", "--json"]).stdout)
    assert due["today"] == [] and due["new_today"] == 3


def test_stats_and_reset_per_bank_and_stats_all(runner: CliRunner, tmp_path: Path, clock: Clock) -> None:
    one, other = banks(tmp_path)
    runner.invoke(app, ["--bank", one, "drill", "--new", "2"], input=answer("x", "3") * 2)
    clock.advance(days=1)
    runner.invoke(app, ["--bank", other, "drill", "--new", "3"], input=answer("x", "3") * 3)
    first = json.loads(runner.invoke(app, ["--bank", one, "stats", "--json"]).stdout)
    assert (first["bank"], first["reviews"], first["not_in_bank"]) == ("drill-test", 2, 0)
    assert first["streak"] == 1 and first["reviews_today"] == 0  # yesterday's drill only
    assert sum(h["reviews"] for h in first["heatmap"]) == 2
    assert first["states"]["new"] == 2
    second = json.loads(runner.invoke(app, ["--bank", other, "stats", "--json"]).stdout)
    assert (second["reviews"], second["reviews_today"], second["states"]["new"]) == (3, 3, 1)

    result = runner.invoke(app, ["stats", "--all", "--json"])
    assert result.exit_code == 0, result.output
    both = json.loads(result.stdout)
    assert both["bank"] is None and both["topics"] == []
    assert [(b["bank"], b["cards"], b["reviews"]) for b in both["banks"]] == [
        ("drill-test", 2, 2), ("other-bank", 3, 3)]
    assert both["reviews"] == 5 and both["streak"] == 2
    assert sum(both["states"].values()) == 5
    screen = flat(runner.invoke(app, ["stats", "--all"]).stdout)
    assert "Progress by bank" in screen and "│ drill-test │ 2 │ 2 │ 2 │ 1 day ago │" in screen
    assert "Streak: 2 days" in screen

    reset = runner.invoke(app, ["--bank", other, "reset", "--yes"])
    assert reset.exit_code == 0, reset.output
    assert "Forgot 3 cards and 3 reviews." in reset.stdout
    kept = json.loads(runner.invoke(app, ["--bank", one, "stats", "--json"]).stdout)
    assert kept["reviews"] == 2


def test_cards_of_questions_no_longer_in_the_bank(runner: CliRunner, tmp_path: Path, clock: Clock) -> None:
    path = write_bank(tmp_path / "b")
    runner.invoke(app, ["--bank", str(path), "drill", "--new", "2"], input=answer("x", "3") * 2)
    path.write_text(BANK.replace("id: middleware", "id: middleware-v2"))
    out = flat(runner.invoke(app, ["--bank", str(path), "stats"]).stdout)
    assert "· 1 card for a question no longer in the bank" in out
    path.write_text(BANK.replace("id: middleware", "id: mw").replace("id: cors", "id: cors-v2"))
    out = flat(runner.invoke(app, ["--bank", str(path), "stats"]).stdout)
    assert "· 2 cards for questions no longer in the bank" in out
