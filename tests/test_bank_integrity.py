"""Bank data that must not be lost or misread: duplicate keys, hidden problems, stale caches,
bad bytes, an empty QUIZ_BANK, and the size limits that keep what is allowed fast."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.bank import CACHE_KEEP, MAX_TEXT
from quiz.cli import app

QUESTION = (
    "  - id: {id}\n    question: Q {id}?\n    answer: A {id}.\n    key_points: [{{point: p, terms: [p]}}]\n"
)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- 4. duplicate keys --------------------------------------------------------------------------


def test_duplicate_keys_are_errors_at_file_line(runner: CliRunner, tmp_path: Path) -> None:
    bank = write(
        tmp_path / "bank.yaml",
        "deck: D\nquestions:\n" + QUESTION.format(id="a") + "    answer: Another answer.\n"
        "questions:\n" + QUESTION.format(id="b"),
    )
    for args in (["validate", str(bank)], ["validate", str(bank), "--strict"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert "bank.yaml:7:5: duplicate key 'answer' (also at line 5)" in result.stdout
        assert "bank.yaml:8:1: duplicate key 'questions' (also at line 2)" in result.stdout
    listed = runner.invoke(app, ["--bank", str(bank), "list"])
    assert listed.exit_code == 1
    assert "duplicate key" in listed.stderr and "Traceback" not in listed.output


# --- 5. one problem never hides another ---------------------------------------------------------


def test_every_problem_at_once_and_questions_counted_as_written(runner: CliRunner, tmp_path: Path) -> None:
    bank = write(
        tmp_path / "bank.yaml",
        "dek: typo\nquestions:\n"
        + QUESTION.format(id="a")
        + "  - id: a\n    question: Q?\n    answer: A.\n    key_points: none\n"
        + QUESTION.format(id="c"),
    )
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    out = result.stdout
    assert "bank.yaml:1:1: dek: unknown field" in out  # the top level, and still every question:
    assert "bank.yaml:7:9: id: duplicate id 'a' (also at" in out
    assert "a.key_points" in out
    assert "3 questions checked: 3 errors" in out


# --- 7. the cache: keyed by content, bounded ----------------------------------------------------


def test_an_edit_that_keeps_size_and_time_is_seen(runner: CliRunner, tmp_path: Path) -> None:
    bank = write(tmp_path / "bank.yaml", "questions:\n" + QUESTION.format(id="a"))
    assert runner.invoke(app, ["--bank", str(bank), "show", "1"]).exit_code == 0  # cached
    st = bank.stat()
    bank.write_text(bank.read_text(encoding="utf-8").replace("A a.", "B a."), encoding="utf-8")
    os.utime(bank, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert bank.stat().st_size == st.st_size
    result = runner.invoke(app, ["--bank", str(bank), "show", "1"])
    assert "B a." in result.stdout
    bank.write_text(bank.read_text(encoding="utf-8").replace("id: a", "ix: a"), encoding="utf-8")
    os.utime(bank, ns=(st.st_atime_ns, st.st_mtime_ns))
    broken = runner.invoke(app, ["--bank", str(bank), "show", "1"])
    assert broken.exit_code == 1  # invalid now: never served from the cache
    assert "bank.yaml:2:5: questions[0].id: required field is missing" in broken.stderr


def test_the_cache_is_pruned(runner: CliRunner, tmp_path: Path, quiz_home: Path) -> None:
    for i in range(CACHE_KEEP + 5):
        bank = write(tmp_path / f"bank{i}.yaml", "questions:\n" + QUESTION.format(id=f"q{i}"))
        assert runner.invoke(app, ["--bank", str(bank), "list"]).exit_code == 0
    kept = list((quiz_home / "cache").glob("bank-*"))  # beside them: screens/, the kept renderings
    assert 1 <= len(kept) <= CACHE_KEEP


# --- 12. bad bytes: the real line and column -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "where", "what"),
    [
        (b"questions:\n  - id: a\n    question: \"ab\x00c\"\n", "bank.yaml:3:18:", "U+0000"),
        (b"questions:\n  - id: a\n    question: caf\xe9\n", "bank.yaml:3:18:", "byte 0xe9 is not UTF-8"),
    ],
)
def test_nul_and_non_utf8_bytes_at_their_line_and_column(
    runner: CliRunner, tmp_path: Path, content: bytes, where: str, what: str
) -> None:
    bank = write(tmp_path / "bank.yaml", content)
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if "bank.yaml" in line]
    assert where in line and what in line


# --- 13. an empty QUIZ_BANK -----------------------------------------------------------------------


def test_an_empty_quiz_bank_is_one_sentence(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_BANK", ":")
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: QUIZ_BANK names no bank")
    assert len(result.stderr.strip().splitlines()) == 1


# --- limits -----------------------------------------------------------------------------------


def test_an_answer_over_the_limit_is_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    big = "x" * (MAX_TEXT + 1)
    bank = write(tmp_path / "bank.yaml", "questions:\n" + QUESTION.format(id="a").replace("A a.", big))
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    assert "bank.yaml:4:13: a.answer: too long: at most 64 KB" in result.stdout
    at_limit = write(tmp_path / "ok.yaml", "questions:\n" + QUESTION.format(id="a").replace("A a.", big[1:]))
    assert runner.invoke(app, ["validate", str(at_limit)]).exit_code == 0


def test_a_bank_file_over_20_mb_is_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    bank = tmp_path / "huge.yaml"
    with bank.open("w", encoding="utf-8") as f:
        f.write("questions:\n" + QUESTION.format(id="a"))
        f.write(("# padding" + " " * 1014 + "\n") * (20 * 1024 + 1))
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    assert "huge.yaml:1:1: the file is 20.0 MB: a bank file holds at most 20 MB" in result.stdout
