"""Renderings kept between exports (`quiz.export.kept`): a later export of any format reads the
HTML and flash-card text an earlier one made, gives the same bytes, and trusts nothing it did
not mark itself (a planted row, another user's key, a file that is not a database)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
import zstandard
from typer.testing import CliRunner

from quiz.cli import app
from quiz.export import html as h
from quiz.export import kept

BANK: dict[str, Any] = {
    "deck": "Kept",
    "questions": [
        {
            "id": f"q{i}",
            "number": i,
            "question": f"Question {i} with `code`?",
            "answer": f"Answer {i} with **bold**, a [link](https://example.com/{i}) and code:\n\n"
                      f"```python\ndef f{i}(x):\n    return x + {i}  # add\n```\n\n- one\n- two\n",
            "key_points": [{"point": f"Point {i}", "terms": ["point"]}],
            "errata": f"Was `{i}`." if i % 2 else "",
        }
        for i in range(1, 6)
    ],
}
HTML_FORMATS = ["apkg", "anki-tsv", "html", "gift", "moodle-xml"]


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    path = tmp_path / "bank" / "kept.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(BANK, sort_keys=False), encoding="utf-8")
    return path


def export(runner: CliRunner, bank: Path, fmt: str, out: Path) -> bytes:
    result = runner.invoke(app, ["--bank", str(bank), "export", "--format", fmt, "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if fmt == "apkg":  # the notes, without the package's timestamps
        import io
        import tempfile
        import zipfile

        with tempfile.NamedTemporaryFile(suffix=".anki2") as f:
            f.write(zipfile.ZipFile(io.BytesIO(data)).read("collection.anki2"))
            f.flush()
            db = sqlite3.connect(f.name)
            data = repr(db.execute("SELECT guid, tags, flds FROM notes ORDER BY guid").fetchall()).encode()
            db.close()
    return data


def no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, rendering Markdown fails the test: everything must come from the kept."""
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rendered again")

    monkeypatch.setattr(h, "_convert", fail)
    monkeypatch.setattr("quiz.export.flashcards.plain", fail)


def fresh(runner: CliRunner, bank: Path, tmp_path: Path, quiz_home: Path) -> dict[str, bytes]:
    """Every format rendered from nothing (no kept renderings), then the kept ones forgotten."""
    out = {fmt: export(runner, bank, fmt, tmp_path / f"fresh.{fmt}") for fmt in [*HTML_FORMATS, "flashcards"]}
    database = quiz_home / "cache" / kept.FOLDER / kept.DATABASE
    assert database.is_file()
    database.unlink()
    return out


@pytest.mark.parametrize("first", ["apkg", "gift", "flashcards"])
def test_a_later_export_of_any_format_renders_nothing_and_gives_the_same_bytes(
        runner: CliRunner, bank: Path, tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch,
        first: str) -> None:
    expected = fresh(runner, bank, tmp_path, quiz_home)
    export(runner, bank, first, tmp_path / "first")  # one HTML export keeps both kinds of tag
    export(runner, bank, "html" if first == "flashcards" else "flashcards", tmp_path / "second")
    no_rendering(monkeypatch)
    for fmt, data in expected.items():
        assert export(runner, bank, fmt, tmp_path / f"again.{fmt}") == data, fmt


def test_an_edited_answer_is_rendered_again(runner: CliRunner, bank: Path, tmp_path: Path) -> None:
    before = export(runner, bank, "anki-tsv", tmp_path / "a.tsv").decode()
    data = yaml.safe_load(bank.read_text())
    data["questions"][0]["answer"] = "Now **different**:\n\n```python\nx = 1\n```\n"
    bank.write_text(yaml.safe_dump(data, sort_keys=False))
    after = export(runner, bank, "anki-tsv", tmp_path / "b.tsv").decode()
    assert "Answer 1 with" in before and "Answer 1 with" not in after
    assert "different</strong>" in after and "Answer 2 with" in after


def plant(database: Path, html: str) -> int:
    """Replace every kept rendering by `html`, keeping each row's mark as it was."""
    db = sqlite3.connect(database)
    with db:
        value = zstandard.ZstdCompressor().compress(html.encode())
        count = db.execute("UPDATE kept SET html = ?", (value,)).rowcount
    db.close()
    return int(count)


@pytest.mark.parametrize("how", ["edited rows", "rows marked with another key", "another user's key",
                                 "not a database"])
def test_nothing_planted_in_the_cache_reaches_an_export(runner: CliRunner, bank: Path, tmp_path: Path,
                                                        quiz_home: Path, how: str) -> None:
    expected = fresh(runner, bank, tmp_path, quiz_home)
    for fmt in expected:
        export(runner, bank, fmt, tmp_path / f"keep.{fmt}")
    database = quiz_home / "cache" / kept.FOLDER / kept.DATABASE
    evil = '<script>alert("planted")</script>'
    if how == "edited rows":
        assert plant(database, evil) > 0
    elif how == "rows marked with another key":
        db = sqlite3.connect(database)
        with db:
            rows = db.execute("SELECT key FROM kept").fetchall()
            value = zstandard.ZstdCompressor().compress(evil.encode())
            db.executemany("UPDATE kept SET html = ?, mark = ? WHERE key = ?",
                           [(value, kept._mark(b"k" * 32, k, value), k) for (k,) in rows])
        db.close()
    elif how == "another user's key":  # the cache copied from elsewhere: this user's key differs
        (quiz_home / kept.KEY_FILE).write_bytes(b"x" * 32)
    else:
        database.write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
    for fmt, data in expected.items():
        got = export(runner, bank, fmt, tmp_path / f"after.{fmt}")
        assert b"planted" not in got and got == data, fmt


def test_the_key_is_this_users_and_never_written_over(runner: CliRunner, bank: Path, tmp_path: Path,
                                                      quiz_home: Path) -> None:
    export(runner, bank, "gift", tmp_path / "a.gift")
    key = quiz_home / kept.KEY_FILE
    assert len(key.read_bytes()) == 32 and key.stat().st_mode & 0o077 == 0
    before = key.read_bytes()
    argv = ["--bank", str(bank), "export", "--format", "gift", "-o", str(key), "--force"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1
    assert f"is quiz's own {kept.KEY_FILE}: never written over" in " ".join(result.output.split())
    assert key.read_bytes() == before


def test_a_cache_that_cannot_be_written_only_costs_speed(runner: CliRunner, bank: Path, tmp_path: Path,
                                                         quiz_home: Path) -> None:
    expected = fresh(runner, bank, tmp_path, quiz_home)
    (quiz_home / "cache" / kept.FOLDER).rmdir()
    (quiz_home / "cache" / kept.FOLDER).write_text("a file where the folder goes")
    for fmt, data in expected.items():
        assert export(runner, bank, fmt, tmp_path / f"ro.{fmt}") == data, fmt


def test_parallel_rendering_keeps_what_it_made(quiz_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [q["answer"] for q in BANK["questions"]] * 2
    serial = [h.markdown_html(t, inline_styles=False) for t in texts]
    h.prerender(texts, inline_styles=False, workers=2)
    no_rendering(monkeypatch)
    h.prerender(texts, workers=1)  # the other kind of tag, from what the workers kept
    h.prerender(texts, inline_styles=False, workers=1)
    assert [h.markdown_html(t, inline_styles=False) for t in texts] == serial
    h.prerender([], keep=False)


def test_the_least_recently_used_renderings_go_beyond_the_cap(quiz_home: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kept, "KEEP", 6)
    old = [f"old answer {i}" for i in range(3)]
    kept.write({(t, "plain"): t.upper() for t in old})
    database = quiz_home / "cache" / kept.FOLDER / kept.DATABASE
    db = sqlite3.connect(database)
    with db:
        db.execute("UPDATE kept SET used = used - 1000")
    new = [f"new answer {i}" for i in range(5)]
    kept.write({(t, "plain"): t.upper() for t in new})
    assert db.execute("SELECT count(*) FROM kept").fetchone() == (3,)  # 8 > 6: down to half
    db.close()
    left = kept.read(old + new, "plain")
    assert len(left) == 3 and set(left) <= set(new)  # the older renderings went first
    assert all(left[t] == t.upper() for t in left)


def test_flash_card_text_made_in_workers_is_the_same() -> None:
    from quiz.export import flashcards

    texts = [q["answer"] for q in BANK["questions"]] + ["| a | b |\n|---|---|\n| 1 | 2 |\n", "    indented\n"]
    assert h.in_workers(flashcards.plain, texts, workers=2) == [flashcards.plain(t) for t in texts]
