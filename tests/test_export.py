"""`quiz export`: every format, on the built-in bank and on a bank of nasty content, read back.

Each format is parsed back the way its importer reads it where that can be done here: CSV
and Anki's TSV with the csv module, JSON, YAML through `quiz validate` and the loader, GIFT
with Moodle's own unescaping rules, Moodle XML with ElementTree, and the .apkg by opening
its SQLite collection.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import sqlite3
import subprocess
import textwrap
import time
import types
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from quiz.bank import Bank, load_bank, validate_paths
from quiz.cli import app
from quiz.export import FORMATS, ExportOptions, get_format, note_guid
from quiz.export import html as h
from quiz.export.apkg import FIELDS, MODEL_ID, deck_id
from quiz.export.csv_ import COLUMNS, unguard
from quiz.export.gift import unescape
from quiz.export.statements import contradiction
from quiz.model import Question

LONG = "\n\n".join(f"Paragraph {i}: a long answer keeps going, with `code {i}` and <tags> & more."
                   for i in range(300))
SCRIPT = '<script>alert("x")</script>'

NASTY: dict[str, Any] = {
    "deck": 'Nasty "deck" <b>&</b> : / {x} ~ = #',
    "questions": [
        {
            "id": "nasty-html",
            "number": 1,
            "question": f"What does {SCRIPT} do? {{a}} ~b =c #d :e \\f \"g\" 'h'\tTAB naïve café 日本語 😀",
            "answer": (
                "Raw HTML: <script>alert('pwned')</script> and <img src=x onerror=alert(1)>.\n\n"
                "A [bad link](javascript:alert(1)) and a [good one](https://example.com/?a=1&b=2).\n\n"
                "Braces {x} tilde ~ equals = hash # #### colon : backslash \\ quotes \" ' "
                "and &&058; and ]]> end.\n\n"
                "```python\n// not a comment\nx = {\"a\": 1}  # ~ = { } : ]]> <script>\n\n"
                "\tindented\twith tabs\n```\n\n"
                "# A heading inside an answer\n\n"
                "=SUM(A1:A2) at a line start\n"
            ),
            "key_points": [
                {"point": "Mentions <script> & {braces}", "terms": ["script", "{braces}"]},
                {"point": "Tab\there, ~tilde~, =equals, #hash", "terms": []},
            ],
            "tags": ["security", "two words", "c++", "naïve"],
            "difficulty": 3,
            "demo": "middleware",
            "errata": "Errata with ]]> and <b>bold</b>, `code` and a unit\x1fseparator",
            "follow_ups": ["`code` and <b>bold</b>?", "Colons: and {braces}?", "a bell\x07here"],
            "references": ["javascript:alert(1)", "https://example.com/?a=1&b=<2>"],
        },
        {
            "id": "nasty-minimal",
            "number": 2,
            "question": "#Hash first, then = and - and a newline\nsecond line",
            "answer": "=SUM(1;2)",
            "key_points": [{"point": "-starts with a minus"}],
        },
        {
            "id": "nasty-long",
            "number": 3,
            "question": "+A very long answer?",
            "answer": LONG + "\n\n```\nan unclosed fence {\n",
            "key_points": [{"point": "@at sign", "terms": ["at"]}],
            "tags": ["long"],
            "follow_ups": [],
            "references": [],
            "errata": "",
        },
    ],
}


@pytest.fixture
def nasty(tmp_path: Path) -> Path:
    path = tmp_path / "nasty" / "nasty.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(NASTY, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


BANKS = ["builtin", "nasty"]


def bank_args(which: str, nasty: Path) -> list[str]:
    return [] if which == "builtin" else ["--bank", str(nasty)]


def the_bank(which: str, nasty: Path) -> Bank:
    return load_bank(None if which == "builtin" else [nasty])


def export(runner: CliRunner, which: str, nasty: Path, fmt: str, out: Path | None, *extra: str) -> Any:
    args = [*bank_args(which, nasty), "export", "--format", fmt, *extra]
    if out is not None:
        args += ["-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


_C0_AND_SPACE = "".join(map(chr, range(33)))


def raw_commonmark(text: str) -> str:
    """Markdown as a CommonMark renderer that passes raw HTML through shows it."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark").enable("table").render(text))


def no_live_html(text: str) -> None:
    """Nothing a browser would run: no script element, no event handler, no javascript: link."""
    lowered = text.lower()
    assert "<script" not in lowered and "<img" not in lowered
    for tag in re.findall(r"<[a-z][^>]*>", lowered):
        assert not re.search(r"\son\w+\s*=", tag), tag
        for value in re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', tag):
            # as a browser's URL parser reads it: tabs and newlines dropped, ends trimmed
            target = re.sub(r"[\t\n\r]", "", html.unescape(value)).strip(_C0_AND_SPACE)
            assert not target.startswith(("javascript:", "data:", "vbscript:")), tag


# --- the registry and the command line -------------------------------------------------------


def test_the_registry_knows_every_format() -> None:
    assert list(FORMATS) == ["apkg", "anki-tsv", "csv", "markdown", "html", "flashcards", "json", "yaml",
                             "gift", "moodle-xml", "bank"]
    assert [f.name for f in FORMATS.values() if f.binary] == ["apkg"]
    assert [f.name for f in FORMATS.values() if f.folder] == ["bank"]


def test_help_lists_formats_and_examples(runner: CliRunner) -> None:
    result = runner.invoke(app, ["export", "--help"])
    assert result.exit_code == 0
    for name in FORMATS:
        assert f"  {name} " in result.stdout
    assert "Examples" in result.stdout and "quiz export --format apkg -o deck.apkg" in result.stdout
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    assert "export" in top.stdout and "new" in top.stdout


def test_text_goes_to_stdout_without_o(runner: CliRunner) -> None:
    result = runner.invoke(app, ["export", "--format", "json", "--id", "3"])
    assert result.exit_code == 0
    assert [q["id"] for q in json.loads(result.stdout)["questions"]] == ["middleware"]


def test_apkg_needs_o(runner: CliRunner) -> None:
    result = runner.invoke(app, ["export", "--format", "apkg"])
    assert result.exit_code == 2
    assert "binary format" in result.output


def test_the_format_comes_from_the_file_name(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "-o", str(tmp_path / "deck.apkg"), "--id", "1"])
    assert result.exit_code == 0, result.output
    assert "(apkg)" in result.stdout
    assert zipfile.is_zipfile(tmp_path / "deck.apkg")
    result = runner.invoke(app, ["export", "-o", str(tmp_path / "deck.txt")])
    assert result.exit_code == 2
    assert "--format" in result.output
    result = runner.invoke(app, ["export"])
    assert result.exit_code == 2


def test_an_existing_file_is_not_overwritten_without_force(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "out.csv"
    out.write_text("precious", encoding="utf-8")
    result = runner.invoke(app, ["export", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "precious"
    result = runner.invoke(app, ["export", "--format", "csv", "-o", str(out), "--force"])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("\ufeffquestion,answer,")
    assert [p.name for p in out.parent.iterdir()] == ["out.csv"]  # no temporary file left


@pytest.mark.parametrize(("answer", "code", "kept"), [("n\n", 1, True), ("y\n", 0, False)])
def test_a_terminal_user_is_asked_before_overwriting(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, code: int, kept: bool
) -> None:
    from quiz.commands import export_cmd

    monkeypatch.setattr(export_cmd, "_interactive", lambda: True)
    out = tmp_path / "out.md"
    out.write_text("precious", encoding="utf-8")
    result = runner.invoke(app, ["export", "-o", str(out), "--id", "1"], input=answer)
    assert result.exit_code == code
    assert "exists. Overwrite it?" in result.output
    assert (out.read_text(encoding="utf-8") == "precious") is kept


def test_a_missing_folder_is_one_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--format", "csv", "-o", str(tmp_path / "no" / "out.csv")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("fmt", "option", "formats"), [
    ("csv", ["--answers", "end"], "markdown and html"),
    ("markdown", ["--space", "4"], "html"),
    ("markdown", ["--no-bom"], "csv"),
    ("csv", ["--subdecks"], "apkg and anki-tsv"),
    ("gift", ["--tag-prefix", "c"], "apkg and anki-tsv"),
])
def test_format_options_are_for_their_formats(runner: CliRunner, fmt: str, option: list[str],
                                              formats: str) -> None:
    result = runner.invoke(app, ["export", "--format", fmt, *option])
    assert result.exit_code == 2
    assert f"is for the {formats} format" in result.output and f", not {fmt}." in result.output


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--id", "3", "--id", "middleware", "--id", "6"], lambda b: [b.get("3").id, b.get("6").id]),
        (["--topic", "security"], lambda b: [q.id for q in b.select(topics=["security"])]),
        (["--tag", "websockets", "--tag", "redis"],
         lambda b: [q.id for q in b.select(tags=["websockets", "redis"])]),
    ],
    ids=["ids", "topic", "tag"],
)
def test_filters(runner: CliRunner, filters: list[str], expected: Any) -> None:
    result = runner.invoke(app, ["export", "--format", "json", *filters])
    assert result.exit_code == 0, result.output
    got = [q["id"] for q in json.loads(result.stdout)["questions"]]
    want = expected(load_bank())
    assert got == sorted(want, key=lambda i: load_bank().get(i).num)
    assert got


def test_filter_mistakes(runner: CliRunner) -> None:
    result = runner.invoke(app, ["export", "--format", "json", "--topic", "securty"])
    assert result.exit_code == 1
    assert "There is no topic 'securty'. Did you mean 'security'?" in result.stderr
    bank = load_bank()
    topic = bank.questions[0].topic
    tag = next(t for t in bank.tags if not any(t in q.tags for q in bank.select(topics=[topic])))
    result = runner.invoke(app, ["export", "--format", "json", "--topic", topic, "--tag", tag])
    assert result.exit_code == 1
    assert "No question matches" in result.stderr


def test_title_overrides_the_deck(runner: CliRunner) -> None:
    result = runner.invoke(app, ["export", "--format", "markdown", "--id", "1", "--title", "Week 3"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Week 3\n")


# --- apkg ---------------------------------------------------------------------------------------


def read_apkg(path: Path, tmp_path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["collection.anki2", "media"]
        assert json.loads(zf.read("media")) == {}
        db = tmp_path / f"{path.stem}.anki2"
        db.write_bytes(zf.read("collection.anki2"))
    conn = sqlite3.connect(db)
    try:
        notes = conn.execute("SELECT guid, mid, tags, flds, sfld FROM notes ORDER BY id").fetchall()
        cards = conn.execute("SELECT nid, did, ord FROM cards").fetchall()
        models, decks = conn.execute("SELECT models, decks FROM col").fetchone()
    finally:
        conn.close()
    return {"notes": notes, "cards": cards, "models": json.loads(models), "decks": json.loads(decks)}


@pytest.mark.parametrize("which", BANKS)
def test_apkg_notes_fields_tags_guids(runner: CliRunner, tmp_path: Path, nasty: Path, which: str) -> None:
    out = tmp_path / "deck.apkg"
    export(runner, which, nasty, "apkg", out)
    bank = the_bank(which, nasty)
    got = read_apkg(out, tmp_path)
    model = got["models"][str(MODEL_ID)]
    assert [f["name"] for f in model["flds"]] == FIELDS
    assert str(deck_id(bank.deck)) in got["decks"]
    assert got["decks"][str(deck_id(bank.deck))]["name"] == bank.deck
    assert len(got["notes"]) == len(got["cards"]) == len(bank)
    assert {c[1] for c in got["cards"]} == {deck_id(bank.deck)}
    for q, (guid, mid, tags, flds, _) in zip(bank, got["notes"], strict=True):
        fields = flds.split("\x1f")
        assert len(fields) == len(FIELDS)
        assert mid == MODEL_ID
        assert guid == note_guid(q, bank.bank_id)
        assert tags.split() == [t.replace(" ", "_") for t in q.tags] + [
            f"topic::{q.topic.replace(' ', '_')}", f"difficulty::{q.difficulty}"]
        assert strip_tags(fields[0].replace("<br>", "\n")) == q.question.strip()
        assert f"#{q.num} ({q.id})" in fields[6]
        for field in fields:
            no_live_html(field)
        if q.demo:  # a built-in demo, by its name: it runs anywhere
            assert fields[5] == f"quiz demo {q.demo_path().stem}"  # type: ignore[union-attr]
    if which == "nasty":
        first = got["notes"][0][3].split("\x1f")
        assert "Raw HTML: &lt;script&gt;alert('pwned')&lt;/script&gt; and &lt;img src=x" in first[1]
        assert '<a href="https://example.com/?a=1&amp;b=2">good one</a>' in first[1]
        assert "<a>bad link</a>" in first[1]  # the javascript: target is gone, the words stay
        assert '<div class="highlight">' in first[1]  # highlighted by classes: the CSS is in the model
        assert ".highlight" in model["css"]
        assert "unit␟separator" in first[3]  # made visible when the bank is loaded
        assert got["notes"][0][2].split() == ["security", "two_words", "c++", "naïve", "topic::security",
                                              "difficulty::3"]


def test_apkg_guids_stay_when_an_answer_changes(runner: CliRunner, tmp_path: Path, nasty: Path) -> None:
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    export(runner, "nasty", nasty, "apkg", first)
    changed = NASTY["questions"][0] | {"answer": "A new answer."}
    edited = NASTY | {"questions": [changed, *NASTY["questions"][1:]]}
    nasty.write_text(yaml.safe_dump(edited, allow_unicode=True, sort_keys=False), encoding="utf-8")
    export(runner, "nasty", nasty, "apkg", second)
    a, b = read_apkg(first, tmp_path), read_apkg(second, tmp_path)
    assert [n[0] for n in a["notes"]] == [n[0] for n in b["notes"]]
    assert a["decks"].keys() == b["decks"].keys() and a["models"].keys() == b["models"].keys()
    assert b["notes"][0][3].split("\x1f")[1] == "<p>A new answer.</p>"
    assert a["notes"][0][3] != b["notes"][0][3]


def test_guids_come_from_the_id_alone() -> None:
    q = load_bank().get("middleware")
    other = Question.from_dict(q.to_dict() | {"answer": "changed", "number": 99, "question": "new?"})
    assert note_guid(q) == note_guid(other)
    assert note_guid(q) != note_guid(load_bank().get("1"))


# --- anki-tsv -----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", BANKS)
def test_anki_tsv_headers_and_rows(runner: CliRunner, nasty: Path, which: str) -> None:
    text = export(runner, which, nasty, "anki-tsv", None).stdout
    bank = the_bank(which, nasty)
    lines = text.split("\n")
    headers = lines[:7]
    assert headers[:3] == ["#separator:tab", "#html:true", "#notetype:Basic"]
    assert headers[3] == "#deck:" + " ".join(bank.deck.split())
    assert headers[4:] == ["#tags column:3", "#guid column:4", "#columns:Front\tBack\tTags\tGUID"]
    body = "\n".join(lines[7:])
    rows = list(csv.reader(io.StringIO(body), delimiter="\t"))
    assert len(rows) == len(bank)
    assert body.startswith('"')  # every field quoted: no record can start with # (a comment)
    assert re.sub(r'"(?:[^"]|"")*"', "", body).replace("\t", "").replace("\n", "") == ""
    for q, (front, back, tags, guid) in zip(bank, rows, strict=True):
        assert guid == note_guid(q, bank.bank_id)
        assert tags.split()[:len(q.tags)] == [t.replace(" ", "_") for t in q.tags]
        assert strip_tags(front.replace("<br>", "\n")) == h.clean(q.question.strip())
        assert q.key_points[0].point.split("<")[0] in strip_tags(back)
        no_live_html(front)
        no_live_html(back)
    if which == "nasty":
        assert "\t" in rows[0][0]  # a tab inside a field survives, quoted
        assert rows[1][0].startswith("#Hash")


# --- csv ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", BANKS)
def test_csv_round_trip(runner: CliRunner, nasty: Path, which: str) -> None:
    text = export(runner, which, nasty, "csv", None).stdout
    bank = the_bank(which, nasty)
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert rows[0] == COLUMNS
    assert len(rows) == len(bank) + 1
    for q, row in zip(bank, rows[1:], strict=True):
        cells = dict(zip(COLUMNS, (unguard(c) for c in row), strict=True))
        assert cells["question"] == h.clean(q.question)
        assert cells["answer"] == h.clean(q.answer)
        assert cells["key_points"].split("\n") == [h.clean(k.point) for k in q.key_points]
        assert cells["id"] == q.id and cells["number"] == str(q.num) and cells["topic"] == q.topic
        assert cells["tags"] == ", ".join(q.tags)
        assert cells["follow_ups"] == h.clean("\n".join(q.follow_ups))
    for row in rows[1:]:  # nothing a spreadsheet would run as a formula
        assert not any(c.startswith(("=", "+", "-", "@")) for c in row)
    if which == "nasty":
        assert rows[2][1] == "'=SUM(1;2)"
        assert rows[3][0] == "'+A very long answer?"


# --- markdown -------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", BANKS)
@pytest.mark.parametrize("answers", ["inline", "end", "none"])
def test_markdown_handout(runner: CliRunner, nasty: Path, which: str, answers: str) -> None:
    text = export(runner, which, nasty, "markdown", None, "--answers", answers).stdout
    bank = the_bank(which, nasty)
    assert text.startswith("# ")
    assert "## Contents" in text
    rendered = raw_commonmark(text)  # a renderer that passes raw HTML
    no_live_html(rendered)
    for q in bank:
        assert f"](#q-{q.id})" in text and f'<a id="q-{q.id}"></a>' in text
    questions_at = text.index("## Questions")
    first_answer_line = bank.questions[0].answer.strip().splitlines()[0][:30]
    if answers == "none":
        assert "#### Key points" not in text and "Answer key" not in text
    elif answers == "inline":
        assert "#### Key points" in text and "## Answer key" not in text
    else:
        key_at = text.index("## Answer key")
        assert key_at > questions_at and "#### Key points" in text[key_at:]
        assert "#### Key points" not in text[:key_at]
    if which == "builtin" and answers != "none":
        assert first_answer_line in text
    if which == "nasty" and answers != "none":
        assert "&lt;script&gt;" in rendered
        assert "<h5>A heading inside an answer</h5>" in rendered  # moved under the question
        # the unclosed fence of the long answer is closed: what follows is Markdown again
        assert rendered.count("<hr />") >= (3 if answers == "inline" else 2)
    if which == "nasty":
        assert "&lt;script\\>" in text  # the question, escaped as plain text
        assert 'What does &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; do?' in rendered


# --- json and yaml: the bank itself ------------------------------------------------------------


@pytest.mark.parametrize("which", BANKS)
def test_json_is_the_bank(runner: CliRunner, nasty: Path, which: str) -> None:
    data = json.loads(export(runner, which, nasty, "json", None).stdout)
    bank = the_bank(which, nasty)
    facts = dict.fromkeys(f for q in bank for f in q.facts)  # the bank's facts, once
    pitfalls = dict.fromkeys(p for q in bank for p in q.bank_pitfalls)  # and its own pitfalls, once
    assert data == {"bank_id": bank.bank_id, "deck": bank.deck} | (
        {"facts": [f.to_dict() for f in facts]} if facts else {}) | (
        {"pitfalls": [p.to_dict(placed=True) for p in pitfalls]} if pitfalls else {}) | {
        "questions": [q.to_dict() for q in bank]}
    assert bool(facts) == bool(pitfalls) == (which == "builtin")  # the built-in bank has both
    assert all(p["questions"] for p in data.get("pitfalls", []))  # each listed under its questions


@pytest.mark.parametrize("which", BANKS)
def test_yaml_round_trip(runner: CliRunner, tmp_path: Path, nasty: Path, which: str) -> None:
    out = tmp_path / "exported.yaml"
    export(runner, which, nasty, "yaml", out)
    bank = the_bank(which, nasty)
    _, problems = validate_paths([out])
    assert [p for p in problems if p.severity == "error"] == []
    again = load_bank([out])
    assert again.deck == bank.deck
    assert [q.to_dict() for q in again] == [q.to_dict() for q in bank]
    if which == "builtin":
        assert again.questions == bank.questions  # the same questions, field for field
        result = runner.invoke(app, ["validate", str(out), "--strict"])
        assert result.exit_code == 0, result.output
    assert "!!python" not in out.read_text(encoding="utf-8")


# --- gift ---------------------------------------------------------------------------------------


def read_gift(text: str) -> list[dict[str, str]]:
    """Moodle's GIFT reader, as far as essays go: blocks split on blank lines, `//` comment
    lines dropped, escapes replaced by placeholders before parsing and restored after."""
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(" " if line.strip().startswith("//") else line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    marks = {"\\:": "\0a", "\\#": "\0b", "\\=": "\0c", "\\{": "\0d", "\\}": "\0e", "\\~": "\0f", "\\n": "\0g"}
    out = []
    for block in blocks:
        raw = "\n".join(block).strip()
        if not raw:
            continue
        raw = raw.replace("\\\\", "\0z")
        for esc, mark in marks.items():
            raw = raw.replace(esc, mark)
        raw = raw.replace("\0z", "\\")

        def post(s: str) -> str:
            for esc, mark in marks.items():
                s = s.replace(mark, "\n" if esc == "\\n" else esc[1])
            return s

        if raw.startswith("$CATEGORY:"):
            out.append({"category": raw[len("$CATEGORY:"):].strip()})
            continue
        assert raw.startswith("::")
        name, rest = raw[2:].split("::", 1)
        start, end = rest.index("{"), rest.index("}")
        answer = rest[start + 1:end]
        assert rest.endswith("}") and end == len(rest) - 1, "one answer section, at the end"
        body, feedback = answer.rsplit("####", 1)
        assert body.strip() == "", "an essay: nothing but the general feedback in the braces"
        question = rest[:start].strip()
        assert question.startswith("[html]") and feedback.startswith("[html]")
        out.append({"name": post(name), "question": post(question[6:]).strip(),
                    "feedback": post(feedback[6:]).strip()})
    return out


@pytest.mark.parametrize("which", BANKS)
def test_gift_reads_back(runner: CliRunner, nasty: Path, which: str) -> None:
    text = export(runner, which, nasty, "gift", None).stdout
    bank = the_bank(which, nasty)
    items = read_gift(text)
    assert items[0]["category"].startswith("$course$/top/")
    essays = [i for i in items if "category" not in i]
    assert len(essays) == len(bank)
    for q, item in zip(bank, essays, strict=True):
        assert item["name"] == f"{q.num:03d} {q.id}"
        assert item["question"] == h.text_html(q.question)
        assert item["feedback"] == h.answer_side(q, ExportOptions(deck=bank.deck, banks=tuple(
            bank_args(which, nasty)[1:]))).strip()
        no_live_html(item["question"])
        no_live_html(item["feedback"])
    for line in text.split("\n"):
        assert not line.startswith("//") or "exported by quiz" in line or line.startswith("// [id:")
    assert unescape("\\{\\}\\~\\=\\#\\:\\\\\\n") == "{}~=#:\\\n"


def test_gift_category_carries_no_escapes(runner: CliRunner, nasty: Path) -> None:
    text = export(runner, "nasty", nasty, "gift", None).stdout
    category = next(line for line in text.split("\n") if line.startswith("$CATEGORY:"))
    assert not set(category[len("$CATEGORY: $course$/top/"):]) & set("\\~=#{}:")


# --- moodle xml ---------------------------------------------------------------------------------


@pytest.mark.parametrize("which", BANKS)
def test_moodle_xml_parses(runner: CliRunner, nasty: Path, which: str) -> None:
    text = export(runner, which, nasty, "moodle-xml", None).stdout
    bank = the_bank(which, nasty)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "quiz"
    category = root.findall("question")[0]
    assert category.get("type") == "category"
    assert category.findtext("category/text", "").startswith("$course$/top/")
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    assert len(questions) == len(bank)
    options = ExportOptions(deck=bank.deck, banks=tuple(bank_args(which, nasty)[1:]))
    for q, el in zip(bank, questions, strict=True):
        assert el.get("type") == "essay"
        assert el.findtext("name/text") == f"{q.num:03d} {q.id}"
        assert el.findtext("idnumber") == q.id
        assert el.find("questiontext").get("format") == "html"  # type: ignore[union-attr]
        assert el.findtext("questiontext/text") == h.text_html(q.question)
        feedback = el.findtext("generalfeedback/text")
        assert feedback == h.answer_side(q, options) == el.findtext("graderinfo/text")
        assert [t.text for t in el.findall("tags/tag/text")] == list(q.tags)
        no_live_html(feedback or "")
    if which == "nasty":
        assert "]]>" in text.replace("]]]]><![CDATA[>", "")  # split, and read back whole:
        assert "Errata with ]]&gt;" in (questions[0].findtext("generalfeedback/text") or "")
        assert "a bell␇here" in (questions[0].findtext("generalfeedback/text") or "")  # made visible at load


def test_cdata_is_split_around_its_terminator() -> None:
    from quiz.export.moodle_xml import cdata

    wrapped = f"<t>{cdata('a ]]> b ]]]]> c')}</t>"
    assert ET.fromstring(wrapped).text == "a ]]> b ]]]]> c"


# --- the HTML every format shares ---------------------------------------------------------------


def test_markdown_html_escapes_raw_html_and_drops_unsafe_links() -> None:
    out = h.markdown_html('<script>x</script> <b onclick="y">b</b> [a](javascript:z) [c](http://ok/)'
                          " ![i](data:text/html,x)")
    assert "&lt;script&gt;" in out and "&lt;b onclick" in out
    assert '<a href="http://ok/">c</a>' in out and "javascript:z" not in out.replace("[a](javascript:z)", "")
    no_live_html(out)
    assert "data:" not in out


@pytest.mark.parametrize("target", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "<javascript:alert(1)>",
    "javascript&colon;alert(1)", "jav&#x61;script:alert(1)", "&#106;avascript:alert(1)",
    "java\tscript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>x</script>",
])
def test_unsafe_link_targets_never_reach_an_href(target: str) -> None:
    from quiz.export.markdown_ import block

    for source in (f"[link]({target})", f"![image]({target})", f"[ref][r]\n\n[r]: {target}",
                   f"[link](\n{target})", f"[ref][r]\n\n[r]:\n  {target}"):
        no_live_html(h.markdown_html(source).replace("<img", "<i"))
        no_live_html(raw_commonmark(block(source, 4)).replace("<img", "<i"))
    no_live_html(h.link_html(target))


def test_code_is_highlighted_and_keeps_its_text() -> None:
    code = ('from fastapi import FastAPI\n\n@app.get("/")\n'
            'async def root() -> dict:\n    return {"a": 1}  # <b>\n')
    for lang in ("python", "bash", "nosuchlanguage", ""):
        out = h.markdown_html(f"```{lang}\n{code}```")
        assert out.startswith('<div class="highlight"')
        assert strip_tags(out) == code
    classes = h.markdown_html(f"```python\n{code}```", inline_styles=False)
    assert '<span class="k">' in classes and "style=" not in classes
    inline = h.markdown_html(f"```python\n{code}```")
    assert '<code class="language-python">' in inline  # the language, as HTML's convention writes it
    styled = inline.replace('class="highlight"', "").replace('class="language-python"', "")
    assert 'style="color:' in inline and "class=" not in styled
    odd = h.markdown_html(f'```py"><b>x\n{code}```')  # a language no reader could name: left out
    assert '<code>' in odd and "language-" not in odd and "<b>" not in odd


def test_python_that_tokenize_cannot_read_falls_back_to_pygments() -> None:
    for code in ("  indented fragment\nx = (\n", "price = $5\n", "s = 'unterminated\n"):
        assert h._python_tokens(code) is None
        assert strip_tags(h.highlight(code, "python")) == code


def test_every_builtin_code_block_keeps_its_text() -> None:
    for q in load_bank():
        for m in re.finditer(r"(?ms)^```(\w*)\n(.*?)^```", q.answer):
            assert strip_tags(h.highlight(m.group(2), m.group(1))) == m.group(2).strip("\n") + "\n"


def test_parallel_prerender_gives_the_same_html() -> None:
    texts = [q.answer for q in load_bank()]
    serial = [h.markdown_html(t) for t in texts]
    h.prerender(texts, workers=2)
    try:
        assert [h.markdown_html(t) for t in texts] == serial
    finally:
        h.prerender([])


def test_render_directly_from_the_registry() -> None:
    bank = load_bank()
    for fmt in FORMATS.values():
        if fmt.folder:
            assert "bank.yaml" in get_format(fmt.name).files(bank.questions[:2], ExportOptions())
            continue
        data = get_format(fmt.name).render(bank.questions[:2], ExportOptions(deck=bank.deck, timestamp=0))
        assert isinstance(data, bytes if fmt.binary else str) and data


@pytest.mark.parametrize(("argv", "message"), [
    (["export", "--format", "pdf"], "Invalid value for '--format' / '-f': 'pdf' is not one of 'apkg'"),
    (["export", "-f", "markdown", "--answers", "later"], "'later' is not one of 'inline', 'end', 'none'"),
])
def test_a_bad_choice_is_a_usage_error(runner: CliRunner, argv: list[str], message: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


# --- issue 14: exports that survive the tools instructors use --------------------------------
# The real consumers judge: Anki's own backend (the `anki` package) imports the apkg and the
# TSV into a collection in tmp_path, headless Chromium prints the HTML handout to PDF.

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def write_bank(folder: Path, deck: str, questions: list[dict[str, Any]], bank_id: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = ({"bank_id": bank_id} if bank_id else {}) | {"deck": deck, "questions": questions}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / "bank.yaml").write_text(text, encoding="utf-8")
    return folder


def question(qid: str, text: str = "What is it?", **extra: Any) -> dict[str, Any]:
    return {"id": qid, "question": text, "answer": f"The answer to {qid}.",
            "key_points": [{"point": "A point", "terms": ["point"]}]} | extra


def anki_collection(tmp_path: Path) -> Any:
    from anki.collection import Collection

    tmp_path.mkdir(parents=True, exist_ok=True)
    return Collection(str(tmp_path / "collection.anki2"))


def import_apkg(col: Any, path: Path) -> Any:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    request = ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


def import_tsv(col: Any, path: Path) -> Any:
    """As Anki's import dialog does it: the file's header lines give the defaults."""
    from anki.import_export_pb2 import ImportCsvRequest

    metadata = col.get_csv_metadata(path=str(path), delimiter=None)
    return col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log


def notes(col: Any) -> list[Any]:
    return [col.get_note(nid) for nid in col.find_notes("")]


def chromium(tmp_path: Path, *args: str) -> str:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=180, check=True)
    return result.stdout


def test_two_banks_with_the_same_question_id_stay_two_notes(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = write_bank(tmp_path / "course-a", "Course A", [question("middleware", "A: what is middleware?")])
    b = write_bank(tmp_path / "course-b", "Course B", [question("middleware", "B: what is middleware?")])
    for bank in (a, b):
        result = runner.invoke(app, ["--bank", str(bank), "export", "-o", str(bank / "deck.apkg")])
        assert result.exit_code == 0
    col = anki_collection(tmp_path)
    try:
        assert len(import_apkg(col, a / "deck.apkg").new) == 1
        assert len(import_apkg(col, b / "deck.apkg").new) == 1  # not a duplicate of A's note
        assert sorted(n["Question"] for n in notes(col)) == ["A: what is middleware?",
                                                             "B: what is middleware?"]
        # re-exporting the same bank still updates its own note in place
        write_bank(a, "Course A", [question("middleware", "A: what is middleware, again?")])
        # Anki updates a note only when the incoming one is newer, to the second: an author
        # re-exports later than that, so the test's second export is stamped a minute later
        later = time.time() + 60
        monkeypatch.setattr("quiz.export.apkg.time", types.SimpleNamespace(time=lambda: later))
        result = runner.invoke(app, ["--bank", str(a), "export", "-o", str(a / "deck2.apkg")])
        assert result.exit_code == 0
        log = import_apkg(col, a / "deck2.apkg")
        assert (len(log.new), len(log.updated)) == (0, 1)
        assert sorted(n["Question"] for n in notes(col)) == ["A: what is middleware, again?",
                                                             "B: what is middleware?"]
    finally:
        col.close()


def test_the_builtin_deck_keeps_its_guids() -> None:
    q = load_bank().get("middleware")
    assert note_guid(q, "quiz-fastapi") == note_guid(q)  # decks imported before bank ids update in place
    assert note_guid(q, "my-course") != note_guid(q)


_CONTRAST_JS = """<script>
function rgb(s) { return s.match(/[\\d.]+/g).map(Number); }
function lum(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }
function bg(el) { for (; el; el = el.parentElement) { const m = rgb(getComputedStyle(el).backgroundColor);
  if (!(m.length == 4 && m[3] == 0)) return m; } return [255, 255, 255]; }
let worst = 99, n = 0;
for (const el of document.querySelectorAll('.highlight, .highlight *')) {
  if (![...el.childNodes].some(t => t.nodeType == 3 && t.textContent.trim())) continue;
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el)); n++;
  worst = Math.min(worst, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)); }
document.title = 'contrast ' + n + ' ' + worst.toFixed(2);
</script>"""


def test_code_is_readable_in_ankis_night_mode(runner: CliRunner, tmp_path: Path) -> None:
    """The card as Anki renders it, in a real browser with Anki's night-mode classes: every
    piece of highlighted code has a contrast of at least 4.5 (WCAG AA) with its background."""
    out = tmp_path / "deck.apkg"
    assert runner.invoke(app, ["export", "--id", "1", "-o", str(out)]).exit_code == 0
    col = anki_collection(tmp_path)
    try:
        import_apkg(col, out)
        answer = col.get_card(col.find_cards("")[0]).answer()  # the note type's CSS included
    finally:
        col.close()
    page = tmp_path / "card.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>-</title></head>'
                    '<body class="nightMode night_mode"><div class="card nightMode">'
                    f"{answer}</div>{_CONTRAST_JS}</body></html>", encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    title = re.search(r"<title>contrast (\d+) ([\d.]+)</title>", dom)
    assert title is not None
    assert int(title.group(1)) > 10  # the code block was found and measured
    assert float(title.group(2)) >= 4.5


NOTE_TYPE_BANK = [
    question("cloze-lookalike", "{{c1::Depends}} is what?"),
    question("plain", "What is plain?", tags=["basics"], difficulty=1),
]


def test_anki_tsv_names_its_note_type(runner: CliRunner, tmp_path: Path) -> None:
    """Even when the note type used last is Cloze, the TSV makes Basic notes: every card
    imports and a literal `{{c1::...}}` stays text."""
    bank = write_bank(tmp_path / "bank", "Cards", NOTE_TYPE_BANK)
    out = tmp_path / "cards.tsv"
    assert runner.invoke(app, ["--bank", str(bank), "export", "-o", str(out)]).exit_code == 0
    col = anki_collection(tmp_path)
    try:
        col.set_config("curModel", col.models.by_name("Cloze")["id"])
        log = import_tsv(col, out)
        assert len(log.new) == 2
        assert {n.note_type()["name"] for n in notes(col)} == {"Basic"}
        assert col.card_count() == 2
        questions = sorted(col.get_card(c).question() for c in col.find_cards(""))
        assert any("{{c1::Depends}} is what?" in q for q in questions)
    finally:
        col.close()


def test_anki_tsv_after_the_apkg_neither_duplicates_nor_conflicts_silently(runner: CliRunner,
                                                                          tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "bank", "Cards", NOTE_TYPE_BANK)
    for name in ("cards.apkg", "cards.tsv"):
        assert runner.invoke(app, ["--bank", str(bank), "export", "-o", str(tmp_path / name)]).exit_code == 0
    col = anki_collection(tmp_path)
    try:
        assert len(import_apkg(col, tmp_path / "cards.apkg").new) == 2
        before = sorted((n.guid, n["Answer"], n["Key points"]) for n in notes(col))
        col.set_config("curModel", col.models.by_name("quiz question")["id"])  # the type used last
        log = import_tsv(col, tmp_path / "cards.tsv")
        # Anki reports both as conflicting ("in a different note type") and keeps the apkg's notes
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 2)
        assert sorted((n.guid, n["Answer"], n["Key points"]) for n in notes(col)) == before
    finally:
        col.close()
    col = anki_collection(tmp_path / "fresh")  # the TSV alone: a newer TSV updates its own notes
    try:
        assert len(import_tsv(col, tmp_path / "cards.tsv").new) == 2
        write_bank(bank, "Cards", [NOTE_TYPE_BANK[0] | {"answer": "Changed."}, NOTE_TYPE_BANK[1]])
        result = runner.invoke(app, ["--bank", str(bank), "export", "-o", str(tmp_path / "new.tsv")])
        assert result.exit_code == 0
        log = import_tsv(col, tmp_path / "new.tsv")
        assert (len(log.new), len(log.updated)) == (0, 1)
        assert len(notes(col)) == 2
    finally:
        col.close()


def test_anki_subdecks_tags_and_prefix(runner: CliRunner, tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "bank", "Course", [
        question("a", tags=["security", "jwt"], difficulty=3), question("b", tags=["basics"], difficulty=1)])
    args = ["--bank", str(bank), "export", "--subdecks", "--tag-prefix", "fastapi 101"]
    for name in ("deck.apkg", "deck.tsv"):
        assert runner.invoke(app, [*args, "-o", str(tmp_path / name)]).exit_code == 0
    for name in ("deck.apkg", "deck.tsv"):
        col = anki_collection(tmp_path / name.replace(".", "-"))
        try:
            import_apkg(col, tmp_path / name) if name.endswith("apkg") else import_tsv(col, tmp_path / name)
            got = {col.decks.name(col.get_card(c).did): sorted(col.get_card(c).note().tags)
                   for c in col.find_cards("")}
            assert got == {
                "Course::security": ["fastapi_101::difficulty::3", "fastapi_101::jwt",
                                     "fastapi_101::security", "fastapi_101::topic::security"],
                "Course::basics": ["fastapi_101::basics", "fastapi_101::difficulty::1",
                                   "fastapi_101::topic::basics"],
            }, name
        finally:
            col.close()


def course_bank(runner: CliRunner, tmp_path: Path) -> Path:
    """A bank made by `quiz new` (its own demo), plus a question that uses a built-in demo."""
    folder = tmp_path / "authors-home" / "course-bank"
    folder.parent.mkdir()
    assert runner.invoke(app, ["new", str(folder)]).exit_code == 0
    with (folder / "questions.yaml").open("a", encoding="utf-8") as f:
        f.write(textwrap.indent(yaml.safe_dump([question("wraps", "What wraps every request?", number=2,
                                                         demo="middleware")], sort_keys=False), "  "))
    return folder


@pytest.mark.parametrize("fmt", ["apkg", "anki-tsv", "gift", "moodle-xml", "markdown", "html"])
def test_the_demo_is_named_as_a_student_runs_it(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    bank = course_bank(runner, tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["--bank", str(bank), "export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "apkg":
        text = "\n".join(n[3] for n in read_apkg(out, tmp_path)["notes"])
    else:
        text = out.read_text(encoding="utf-8")
    text = text.replace("\\", "")  # GIFT's escapes
    assert "authors-home" not in text and str(tmp_path) not in text
    assert "quiz --bank course-bank demo path-parameters" in text
    assert "quiz demo middleware" in text


def test_moodle_xml_takes_any_title_and_a_subcategory_per_topic(runner: CliRunner) -> None:
    from quiz.export.gift import split_category

    title = "FastAPI --- week 1/2 <b>"
    text = runner.invoke(app, ["export", "--format", "moodle-xml", "--title", title]).stdout
    root = ET.fromstring(text.encode("utf-8"))  # well-formed: no `--` inside a comment
    bank, current, seen = load_bank(), None, []
    for el in root.findall("question"):
        if el.get("type") == "category":
            current = split_category(el.findtext("category/text", ""))
            continue
        q = bank.get(el.findtext("idnumber", ""))
        assert current == ["$course$", "top", "FastAPI --- week 1/2 <b>", q.topic]
        seen.append(q.id)
    assert seen == bank.ids


def test_gift_keeps_a_slash_in_the_title(runner: CliRunner) -> None:
    from quiz.export.gift import split_category

    text = runner.invoke(app, ["export", "--format", "gift", "--title", "FastAPI 1/2", "--id", "3"]).stdout
    categories = [line[len("$CATEGORY: "):] for line in text.split("\n") if line.startswith("$CATEGORY:")]
    assert categories == ["$course$/top/FastAPI 1//2/core"]
    assert split_category(categories[0]) == ["$course$", "top", "FastAPI 1/2", "core"]


def test_a_huge_number_is_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "bank", "Big", [question("big", number=10**20)])
    result = runner.invoke(app, ["--bank", str(bank), "export", "-o", str(tmp_path / "big.apkg")])
    assert result.exit_code == 1
    assert "big.number: a number runs from 1 to 1000000" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "big.apkg").exists()
    from quiz.errors import QuizError

    q = Question.from_dict(question("big", number=2**70))  # past validation: the export still says why
    with pytest.raises(QuizError, match="question big has the number .* too large for Anki"):
        get_format("apkg").render([q], ExportOptions())


def test_csv_without_bom(runner: CliRunner) -> None:
    result = runner.invoke(app, ["export", "--format", "csv", "--id", "1", "--no-bom"])
    assert result.exit_code == 0
    assert result.stdout.startswith("question,answer,")
    with_bom = runner.invoke(app, ["export", "--format", "csv", "--id", "1", "--bom"]).stdout
    assert with_bom == "\ufeff" + result.stdout


def test_the_bank_folder_validates_and_runs_anywhere(runner: CliRunner, tmp_path: Path) -> None:
    from quiz.demo import find_demo, run_demo

    bank = course_bank(runner, tmp_path)
    (bank / "demos" / "exercises").mkdir()
    (bank / "demos" / "exercises" / "path_parameters.yaml").write_text(textwrap.dedent("""\
        exercises:
          - id: typed-path
            title: An untyped path parameter
            task: Make item_id an int of at least 1.
            edits:
              - line: "def read_item(item_id: Annotated[int, Path(ge=1)]):"
                replace: |
                  def read_item(item_id):  # TODO: an int, at least 1
        """), encoding="utf-8")
    assert runner.invoke(app, ["validate", "--strict", str(bank)]).exit_code == 0
    bank_id = load_bank([bank]).bank_id
    out = tmp_path / "export"
    result = runner.invoke(app, ["--bank", str(bank), "export", "--format", "bank", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 questions to" in result.stdout
    moved = tmp_path / "elsewhere" / "shared"
    moved.parent.mkdir()
    shutil.move(str(out), moved)
    shutil.rmtree(bank)  # nothing may point back to the author's folder
    result = runner.invoke(app, ["validate", "--strict", str(moved)])
    assert result.exit_code == 0, result.output
    again = load_bank([moved])
    assert again.bank_id == bank_id and [q.id for q in again] == ["path-parameters", "wraps"]
    listed = runner.invoke(app, ["--bank", str(moved), "practice", "--list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert "typed-path" in [e["id"] for e in json.loads(listed.stdout)]  # the exercises came along
    assert again.get("wraps").demo == "middleware"  # a built-in demo stays a name
    demo = find_demo("path-parameters", again)
    assert demo.path.is_relative_to(moved)
    assert run_demo(demo, lambda event: None).ok
    # an existing, non-empty folder is never written into
    result = runner.invoke(app, ["--bank", str(moved), "export", "--format", "bank", "-o", str(moved)])
    assert result.exit_code == 1 and "not an empty folder" in result.stderr
    assert runner.invoke(app, ["export", "--format", "bank"]).exit_code == 2


def test_flashcards_one_card_a_line(runner: CliRunner, nasty: Path) -> None:
    for which in BANKS:
        text = export(runner, which, nasty, "flashcards", None).stdout
        bank = the_bank(which, nasty)
        lines = text.split("\n")
        assert lines.pop() == "" and len(lines) == len(bank)
        for q, line in zip(bank, lines, strict=True):
            term, definition = line.split("\t")  # exactly one tab
            assert term.removeprefix("\u200b") == " ".join(h.clean(q.question).replace("`", "").split())
            assert definition and "\r" not in line
    first = export(runner, "nasty", nasty, "flashcards", None).stdout.split("\n")[0]
    assert "<script>alert('pwned')</script>" in first  # raw HTML as the text it is


def test_flashcards_keep_code_lines_tables_and_plain_terms(runner: CliRunner, tmp_path: Path) -> None:
    answer = ("Two ways:\n- `Depends()`\n- a class\n\n```python\ndef get_db():\n    db = Session()\n"
              "    yield db\n```\n\n| Code | Meaning |\n| --- | --- |\n| 401 | not authenticated |\n"
              "| 403 | not allowed |\n")
    bank = write_bank(tmp_path / "b", "Cards", [question("deps", "What does `Depends()` do?", answer=answer)])
    result = runner.invoke(app, ["--bank", str(bank), "export", "--format", "flashcards"])
    assert result.exit_code == 0, result.output
    term, definition = result.stdout.rstrip("\n").split("\t")
    assert term == "What does Depends() do?"
    assert definition == ("Two ways: • Depends() • a class def get_db(): ⏎     db = Session() ⏎     yield db "
                          "Code: 401, Meaning: not authenticated; Code: 403, Meaning: not allowed;")


def pdf_pages(runner: CliRunner, tmp_path: Path, *args: str) -> list[str]:
    """The handout printed by headless Chromium, as the text of each page (pdftotext)."""
    out = tmp_path / "handout.html"
    result = runner.invoke(app, ["export", "-o", str(out), "--force", *args])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "handout.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def test_the_html_handout_prints_one_question_a_page(runner: CliRunner, tmp_path: Path) -> None:
    bank = load_bank()
    ids = ["3", "6", "17"]
    filters = [a for i in ids for a in ("--id", i)]
    pages = pdf_pages(runner, tmp_path, "--answers", "none", "--space", "10", *filters)
    assert len(pages) == 1 + len(ids)  # the cover with the contents, then one page per question
    assert pages[0].startswith(bank.deck) and "Contents" in pages[0]
    for page, ref in zip(pages[1:], ids, strict=True):
        q = bank.get(ref)
        assert page.startswith(f"{q.num}. " + " ".join(q.question.split()))


def test_the_html_handout_with_answers_at_the_end(runner: CliRunner, tmp_path: Path) -> None:
    bank = load_bank()
    pages = pdf_pages(runner, tmp_path, "--answers", "end", "--topic", "security")
    questions = bank.select(topics=["security"])
    text = " ".join(pages)
    key = text.index("Answer key")
    for q in questions:
        title = " ".join(q.question.split())
        assert text.count(title) >= 3  # contents, its page, the answer key
        assert " ".join(q.key_points[0].point.split()) in text[key:]
    assert len(pages) > 1 + len(questions)


def test_the_html_handout_compact_layout(runner: CliRunner, tmp_path: Path) -> None:
    """Several questions a page; with answers at the end, no bare link word under each question."""
    bank = load_bank()
    ids = ["3", "6", "17", "20", "25", "30"]
    filters = [a for i in ids for a in ("--id", i)]
    pages = pdf_pages(runner, tmp_path, "--answers", "end", "--layout", "compact", *filters)
    text = " ".join(pages)
    key = text.index("Answer key")
    key_page = next(i for i, p in enumerate(pages) if "Answer key" in p)
    assert key_page <= 2  # the cover, the six questions on one page (two at most), then the key
    for ref in ids:
        title = " ".join(bank.get(ref).question.split())
        assert title in text[:key] and title in text[key:]
    assert "Its answer" not in text and "Answer " not in text[:key].replace("Answer key", "")


def test_the_html_handout_keeps_code_whole_and_wraps_it_under_its_indentation(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_line = "    return compute(" + ", ".join(f"argument_number_{i}" for i in range(12)) + ")"
    steps = "".join(f"    step_{i}()\n" for i in range(8))
    code = f"```python\ndef handler():\n{long_line}\n{steps}```"
    filler = "Filler paragraph that takes a line or two of the page. " * 3
    questions = [question(f"q{n}", f"Question {n}?", number=n, answer="\n\n".join([filler] * n + [code]))
                 for n in range(1, 13)]
    bank = write_bank(tmp_path / "b", "Code", questions)
    monkeypatch.setenv("QUIZ_BANK", str(bank))
    pages = pdf_pages(runner, tmp_path, "--layout", "compact")
    assert all(p.count("step_0()") == p.count("step_7()") for p in pages)  # every block on one page
    assert sum(p.count("step_7()") for p in pages) == 12
    raw = subprocess.run(["pdftotext", "-layout", str(tmp_path / "handout.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    first = next(i for i, line in enumerate(raw) if "return compute(" in line)
    start = len(raw[first]) - len(raw[first].lstrip())
    last = next(i for i in range(first, len(raw)) if "argument_number_11" in raw[i])
    assert last > first  # it wrapped
    for follow in raw[first + 1:last + 1]:  # and the wrapped part stays right of `return`
        assert len(follow) - len(follow.lstrip()) > start, follow


def test_the_html_handout_is_self_contained_and_safe(runner: CliRunner, nasty: Path, tmp_path: Path) -> None:
    for which in BANKS:
        text = export(runner, which, nasty, "html", None).stdout
        assert text.startswith("<!DOCTYPE html>")
        no_live_html(text)
        for tag in re.findall(r"<[a-z][^>]*>", text.lower()):  # nothing to fetch: no src, no <link>
            assert not re.search(r"\ssrc\s*=", tag), tag
            assert not tag.startswith(("<link", "<iframe", "<object")), tag
        style = "".join(re.findall(r"<style>(.*?)</style>", text, re.S))
        assert style and "url(" not in style and "@import" not in style
    text = export(runner, "nasty", nasty, "html", None, "--answers", "inline").stdout
    assert "Raw HTML: &lt;script&gt;alert('pwned')&lt;/script&gt; and &lt;img src=x" in text


PITFALL = {"claim": "You add timing with a hard-coded header", "terms": ["hard-coded", "123 ms"],
           "correction": "Measure with time.perf_counter() around call_next.", "since": "FastAPI docs"}


def read_mistakes(fragment: str) -> list[dict[str, Any]]:
    """The pitfalls an HTML export carries, read back as an import would (lxml)."""
    from lxml import html as lhtml

    out = []
    for li in lhtml.fromstring(f"<div>{fragment}</div>").xpath('//ul[@class="mistakes"]/li'):
        data = json.loads(li.get("data-pitfall"))
        out.append({"claim": li.xpath('string(span[@class="claim"])'), "terms": data["terms"],
                    "correction": li.xpath('string(span[@class="correction"])')}
                   | {k: data[k] for k in ("since", "reference") if k in data})
    return out


def test_pitfalls_reach_every_format(runner: CliRunner, tmp_path: Path) -> None:
    """Every format carries the common mistakes, in the form its reader shows, and readable back."""
    bank = write_bank(tmp_path / "bank", "Pitfalls", [question("timing", pitfalls=[PITFALL])])

    def out(fmt: str, *extra: str) -> str:
        result = runner.invoke(app, ["--bank", str(bank), "export", "--format", fmt, *extra])
        assert result.exit_code == 0, result.output
        return result.stdout

    for fmt in ("markdown", "html"):
        text = out(fmt)
        assert "Common mistakes" in text and "hard-coded header" in text and "Measure with time.perf" in text
    data = json.loads(out("json"))
    assert data["questions"][0]["pitfalls"] == [PITFALL]
    again = tmp_path / "again.yaml"
    assert runner.invoke(app, ["--bank", str(bank), "export", "-o", str(again)]).exit_code == 0
    assert load_bank([again]).questions[0].pitfalls == load_bank([bank]).questions[0].pitfalls
    # csv: a pitfalls column, JSON as in the bank
    rows = list(csv.DictReader(io.StringIO(out("csv").lstrip("\ufeff"))))
    assert json.loads(rows[0]["pitfalls"]) == [PITFALL]
    # flashcards: the definition ends with them, in words
    card = out("flashcards")
    assert "Common mistakes: You add timing with a hard-coded header (instead: Measure with" in card
    # apkg: Anki's backend shows a "Common mistakes" field
    col = anki_collection(tmp_path / "anki")
    runner.invoke(app, ["--bank", str(bank), "export", "-o", str(tmp_path / "deck.apkg")])
    import_apkg(col, tmp_path / "deck.apkg")
    [note] = notes(col)
    assert read_mistakes(note["Common mistakes"]) == [PITFALL]
    shown = strip_tags(note["Common mistakes"])
    assert "Mistake: You add timing" in shown and "Instead: Measure with" in shown
    # anki-tsv: on the back of the Basic note
    (tmp_path / "deck.tsv").write_text(out("anki-tsv"), encoding="utf-8")
    col = anki_collection(tmp_path / "anki-tsv")
    import_tsv(col, tmp_path / "deck.tsv")
    [note] = notes(col)
    assert "Common mistakes" in note["Back"] and read_mistakes(note["Back"]) == [PITFALL]
    # Moodle: in the feedback the student sees and the grader's information
    root = ET.fromstring(out("moodle-xml").encode("utf-8"))
    essay = root.findall("question")[1]
    for element in ("generalfeedback", "graderinfo"):
        assert read_mistakes(essay.findtext(f"{element}/text") or "") == [PITFALL]
    [item] = [i for i in read_gift(out("gift")) if "category" not in i]
    assert read_mistakes(item["feedback"]) == [PITFALL]


def test_lists_after_a_paragraph_are_lists_as_in_the_terminal() -> None:
    """Every export renders Markdown as the terminal does (CommonMark): a list right after a
    paragraph is a list, with as many items as Rich shows."""
    from rich.markdown import Markdown

    assert "<li>one</li>" in h.markdown_html("Two ways:\n- one\n- two")
    lists_after_a_paragraph = 0
    for q in load_bank():
        items = sum(t.type == "list_item_open" for t in Markdown(q.answer).parsed)
        assert h.markdown_html(q.answer).count("<li>") == items, q.id
        lists_after_a_paragraph += bool(re.search(r"(?m)^[^\s-].*\n- ", q.answer))
    assert lists_after_a_paragraph >= 8


# --- formulas in the tab-separated formats (issue 20, item 19) -----------------------------------

FORMULAS = [question("eq", "=HYPERLINK(\"x\";\"y\") is what?", answer="=SUM(1;2)"),
            question("plus", "+A question?", answer="@SUM(1)"), question("minus", "-1 or +1?", answer="-1.")]


def test_anki_tsv_and_flashcards_cells_never_start_a_formula(runner: CliRunner, tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "bank", "Cards", FORMULAS)
    out = tmp_path / "cards.tsv"
    assert runner.invoke(app, ["--bank", str(bank), "export", "-o", str(out)]).exit_code == 0
    body = out.read_text(encoding="utf-8").split("\n", 7)[7]
    rows = list(csv.reader(io.StringIO(body), delimiter="\t"))
    assert [r[0][:5] for r in rows] == ["&#61;", "&#43;", "&#45;"]  # as a spreadsheet reads them: text
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row[:2])
    col = anki_collection(tmp_path)
    try:
        assert len(import_tsv(col, out).new) == 3
        fronts = sorted(html.unescape(n["Front"]) for n in notes(col))  # what Anki shows
        assert fronts == ['+A question?', '-1 or +1?', '=HYPERLINK("x";"y") is what?']
    finally:
        col.close()
    flash = runner.invoke(app, ["--bank", str(bank), "export", "--format", "flashcards"]).stdout
    cells = [cell for line in flash.splitlines() for cell in line.split("\t")]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert [c.removeprefix("\u200b") for c in cells] == [
        '=HYPERLINK("x";"y") is what?', "=SUM(1;2)", "+A question?", "@SUM(1)", "-1 or +1?", "-1."]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG image (one colour), made with the standard library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def image_bank(tmp_path: Path) -> tuple[Path, bytes]:
    folder = tmp_path / "img-bank"
    logo = png(40, 30, (200, 30, 30))
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "flow chart.png").write_bytes(logo)
    write_bank(folder, "Images", [question(
        "flow", "What does the flow look like?",
        answer="Like this:\n\n![the request flow](<img/flow chart.png>)\n\nand a remote one "
               "![remote](https://example.com/x.png).",
        errata="Still ![again](img/flow%20chart.png).")], bank_id="images")
    return folder, logo


def test_images_are_checked_by_validate(runner: CliRunner, tmp_path: Path) -> None:
    folder, _ = image_bank(tmp_path)
    assert runner.invoke(app, ["validate", "--strict", str(folder)]).exit_code == 0
    text = (folder / "bank.yaml").read_text(encoding="utf-8")
    text = text.replace("img/flow%20chart.png", "img/missing.png").replace("https://example.com/x.png",
                                                                          "../outside.png")
    (folder / "bank.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "flow.answer: the image '../outside.png' is outside the bank's folder" in result.stdout
    assert "warning: flow.errata: names no image file: 'img/missing.png' (looked for " \
        in result.stdout


def test_images_travel_in_apkg_moodle_html_and_bank(runner: CliRunner, tmp_path: Path) -> None:
    import base64

    from lxml import etree

    folder, logo = image_bank(tmp_path)

    def run(*args: str) -> Any:
        result = runner.invoke(app, ["--bank", str(folder), "export", *args])
        assert result.exit_code == 0, result.output
        return result

    # Anki: the image is in the collection's media, and the note shows it
    run("-o", str(tmp_path / "deck.apkg"))
    col = anki_collection(tmp_path / "anki")
    import_apkg(col, tmp_path / "deck.apkg")
    [note] = notes(col)
    name, remote = re.findall(r'<img src="([^"]+)"', note["Answer"])
    assert Path(col.media.dir(), name).read_bytes() == logo
    assert re.findall(r'<img src="([^"]+)"', note["Errata"]) == [name]
    assert remote == "https://example.com/x.png"  # a remote image stays a remote image
    check = col.media.check()
    assert not check.missing and not check.unused
    # Moodle XML: the file inside the feedback, referred to as @@PLUGINFILE@@
    root = etree.fromstring(run("--format", "moodle-xml").stdout.encode("utf-8"))
    essay = "//question[@type='essay']"
    for element in root.xpath(f"{essay}/generalfeedback | {essay}/graderinfo"):
        [file] = element.findall("file")
        assert base64.b64decode(file.text) == logo and file.get("encoding") == "base64"
        assert f'src="@@PLUGINFILE@@/{file.get("name")}"' in element.findtext("text")
    # HTML handout: inside the file; Chromium prints it
    run("-o", str(tmp_path / "handout.html"))
    html_text = (tmp_path / "handout.html").read_text(encoding="utf-8")
    assert html_text.count('src="data:image/png;base64,') == 2
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={tmp_path / 'h.pdf'}",
             (tmp_path / "handout.html").as_uri())
    listed = subprocess.run(["pdfimages", "-list", str(tmp_path / "h.pdf")], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert [line.split()[3:5] for line in listed] == [["40", "30"], ["40", "30"]]
    # the bank folder: the image comes along, and the folder validates anywhere
    run("--format", "bank", "-o", str(tmp_path / "shared"))
    assert (tmp_path / "shared" / "img" / "flow chart.png").read_bytes() == logo
    shutil.rmtree(folder)
    assert runner.invoke(app, ["validate", "--strict", str(tmp_path / "shared")]).exit_code == 0


# --- choice and true/false questions (GIFT through gift-pegjs under node, Moodle XML through lxml) ---

GIFT_JUDGE = Path(__file__).parent / "gift"


def gift_pegjs(text: str) -> list[dict[str, Any]]:
    """The GIFT text as gift-pegjs (a GIFT parser, run under node) reads it."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the GIFT export is judged by gift-pegjs under node "
                    "(apt-get install nodejs npm, then npm install --prefix tests/gift)")
    if not (GIFT_JUDGE / "node_modules" / "gift-pegjs").is_dir() and shutil.which("npm"):
        # a fresh work tree: from npm's own cache, offline (.ci/run installs it beforehand)
        subprocess.run([str(shutil.which("npm")), "install", "--prefix", str(GIFT_JUDGE), "--offline",
                        "--no-audit", "--no-fund", "--silent"], capture_output=True, timeout=300, check=False)
    if not (GIFT_JUDGE / "node_modules" / "gift-pegjs").is_dir():
        pytest.fail("gift-pegjs is not installed: run npm install --prefix tests/gift (as .ci/run does)")
    result = subprocess.run([node, str(GIFT_JUDGE / "parse.js")], input=text, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"gift-pegjs cannot parse the export: {result.stderr}"
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("which", BANKS)
def test_gift_pegjs_reads_every_kind_back(runner: CliRunner, nasty: Path, which: str) -> None:
    text = export(runner, which, nasty, "gift", None, "--questions", "all").stdout
    bank = the_bank(which, nasty)
    options = ExportOptions(deck=bank.deck, banks=tuple(bank_args(which, nasty)[1:]))
    parsed = [item for item in gift_pegjs(text) if item["type"] != "Category"]
    essays = [i for i in parsed if i["type"] == "Essay"]
    assert [e["title"] for e in essays] == [f"{q.num:03d} {q.id}" for q in bank]
    for q, essay in zip(bank, essays, strict=True):
        assert essay["stem"]["text"] == h.text_html(q.question)
        assert essay["globalFeedback"]["text"] == h.answer_side(q, options)
        assert essay["id"] == q.id and (essay["tags"] or []) == [" ".join(t.split()) for t in q.tags]
    contradictions = sum(bool(contradiction(k, q.contrasts + k.contrasts))
                         for q in bank for k in q.key_points)
    statements = sum(len(q.key_points) + len(q.listed_pitfalls) for q in bank) + contradictions
    assert len([i for i in parsed if i["type"] == "TF"]) == statements
    assert len([i for i in parsed if i["type"] == "MC"]) == sum(bool(q.listed_pitfalls) for q in bank)


def test_choice_and_truefalse_come_from_key_points_and_pitfalls(runner: CliRunner, tmp_path: Path) -> None:
    from lxml import etree

    points = [{"point": "Runs before and after every request", "terms": ["before and after"]},
              {"point": "Registered with app.add_middleware", "terms": ["add_middleware"]}]
    pitfalls = [PITFALL, {"claim": "Middleware runs only for routes that declare it", "terms": ["declare it"],
                          "correction": "Middleware wraps every request of the app."}]
    bank = write_bank(tmp_path / "b", "Kinds", [question("middleware", "Explain middleware.",
                                                         key_points=points, pitfalls=pitfalls)])

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--bank", str(bank), "export", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    parsed = gift_pegjs(run("--format", "gift", "--questions", "choice"))
    [mc] = [i for i in parsed if i["type"] == "MC"]
    assert not [i for i in parsed if i["type"] in ("Essay", "TF")]
    assert "Select every true statement." in mc["stem"]["text"]
    choices = {c["text"]["text"]: c for c in mc["choices"]}
    assert set(choices) == {p["point"] for p in points} | {p["claim"] for p in pitfalls}
    for p in points:
        assert choices[p["point"]]["weight"] == 50
    for p in pitfalls:
        assert choices[p["claim"]]["weight"] == -50
        assert choices[p["claim"]]["feedback"]["text"] == p["correction"]
    tf = [i for i in gift_pegjs(run("--format", "gift", "--questions", "truefalse")) if i["type"] == "TF"]
    said = {re.sub(r".*True or false\? (.*)</p>$", r"\1", t["stem"]["text"]): t["isTrue"] for t in tf}
    assert said == {p["point"]: True for p in points} | {p["claim"]: False for p in pitfalls}
    # Moodle XML, read with lxml as Moodle's importer reads its structure
    root = etree.fromstring(run("--format", "moodle-xml", "--questions", "all").encode("utf-8"))
    assert [q.get("type") for q in root.findall("question")] == [
        "category", "essay", "multichoice", "truefalse", "truefalse", "truefalse", "truefalse"]
    [multi] = root.xpath("//question[@type='multichoice']")
    assert multi.findtext("single") == "false" and multi.findtext("idnumber") == "middleware-choice"
    answers = {a.findtext("text"): (float(a.get("fraction")), a.findtext("feedback/text"))
               for a in multi.findall("answer")}
    assert sum(f for f, _ in answers.values() if f > 0) == 100
    assert answers[PITFALL["claim"]] == (-50, PITFALL["correction"])
    for t in root.xpath("//question[@type='truefalse']"):
        statement = re.sub(r".*True or false\? (.*)</p>$", r"\1", t.findtext("questiontext/text"))
        fractions = {a.findtext("text"): a.get("fraction") for a in t.findall("answer")}
        truth = said[statement]
        assert fractions == ({"true": "100", "false": "0"} if truth else {"true": "0", "false": "100"})
        if not truth:
            right = next(a for a in t.findall("answer") if a.get("fraction") == "100")
            assert right.findtext("feedback/text").startswith("Right, it is false.")
    # the printable version: boxes to tick, and the key says which hold, with the corrections
    pages = pdf_pages(runner, tmp_path, "--questions", "truefalse", "--answers", "end", "--bank", str(bank))
    text = " ".join(pages)
    key = text.rindex("Answer key")
    assert re.search(r"T ?☐ ?F ?☐ ?Runs before and after every request", text[:key])
    assert f"False: {PITFALL['claim']} Instead: {PITFALL['correction']}" in text[key:]



def test_a_statement_point_gives_its_contradiction_as_a_false_statement(runner: CliRunner,
                                                                       tmp_path: Path) -> None:
    """A key point with a subject, swapped by the bank's contrasts, is a false statement with
    the point as its correction; a point whose text holds both sides of a contrast gives none."""
    points = [{"point": "The last middleware added is the outermost", "subject": ["added last", "last added"],
               "terms": ["outermost"]},
              {"point": "Plain def endpoints run in the thread pool", "subject": ["def endpoint"],
               "terms": ["thread pool"]},
              {"point": "Runs before and after every request", "subject": ["middleware"],
               "terms": ["before"]}]
    q = question("middleware", "Explain middleware.", key_points=points, pitfalls=[PITFALL],
                 contrasts=[["first", "last"], ["def", "async def"], ["before", "after"]])
    bank = write_bank(tmp_path / "b", "Kinds", [q])
    result = runner.invoke(app, ["--bank", str(bank), "export", "--format", "gift",
                                 "--questions", "truefalse"])
    assert result.exit_code == 0, result.output
    tf = [i for i in gift_pegjs(result.stdout) if i["type"] == "TF"]
    said = {re.sub(r".*True or false\? (.*)</p>$", r"\1", t["stem"]["text"]): t for t in tf}
    assert {s: t["isTrue"] for s, t in said.items()} == {
        points[0]["point"]: True, points[1]["point"]: True, points[2]["point"]: True, PITFALL["claim"]: False,
        "The first middleware added is the outermost": False,
        "Plain async def endpoints run in the thread pool": False}
    swapped = said["The first middleware added is the outermost"]
    assert {swapped["trueFeedback"]["text"], swapped["falseFeedback"]["text"]} == {
        "Right, it is false. It is the other way round: The last middleware added is the outermost",
        "It is false. It is the other way round: The last middleware added is the outermost"}


SINGLE = [{"text": "422 Unprocessable Content", "correct": True, "feedback": "Validation fails first."},
          {"text": "400 Bad Request", "feedback": "FastAPI answers 422 for a validation error."},
          {"text": "500 Internal Server Error"}]
SEVERAL = [{"text": "A plain def endpoint", "correct": True},
           {"text": "A plain def dependency", "correct": True},
           {"text": "An async def endpoint", "feedback": "It runs on the event loop."}]


def test_an_author_writes_the_choices(runner: CliRunner, tmp_path: Path) -> None:
    """A bank's own `choices` are the choice question in GIFT (gift-pegjs), Moodle XML (lxml) and
    the printed handout, in preference to the statements; they survive the cache and the bank
    formats; validate refuses a choice question with no right (or no wrong) option."""
    from lxml import etree

    bank = write_bank(tmp_path / "b", "Choices", [
        question("status", "What answers a body that fails validation?", choices=SINGLE, pitfalls=[PITFALL]),
        question("pool", "Which run in the thread pool?", choices=SEVERAL)], bank_id="choices")

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--bank", str(bank), "export", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    mcs = [i for i in gift_pegjs(run("--format", "gift", "--questions", "choice")) if i["type"] == "MC"]
    assert [m["title"] for m in mcs] == ["001 status choice", "002 pool choice"]
    one = {c["text"]["text"]: (c["isCorrect"], c["feedback"]["text"]) for c in mcs[0]["choices"]}
    assert "Choose one answer." in mcs[0]["stem"]["text"]
    assert one == {"422 Unprocessable Content": (True, "Validation fails first."),
                   "400 Bad Request": (False, "FastAPI answers 422 for a validation error."),
                   "500 Internal Server Error": (False, "Not right.")}  # not the pitfall's statements
    several = {c["text"]["text"]: c["weight"] for c in mcs[1]["choices"]}
    assert "Select every right answer." in mcs[1]["stem"]["text"]
    assert several == {"A plain def endpoint": 50, "A plain def dependency": 50,
                       "An async def endpoint": -100}

    root = etree.fromstring(run("--format", "moodle-xml", "--questions", "choice").encode("utf-8"))
    single, multi = root.xpath("//question[@type='multichoice']")
    assert (single.findtext("single"), multi.findtext("single")) == ("true", "false")
    assert {a.findtext("text"): a.get("fraction") for a in single.findall("answer")} == {
        "422 Unprocessable Content": "100", "400 Bad Request": "0", "500 Internal Server Error": "0"}
    fractions = [float(a.get("fraction")) for a in multi.findall("answer")]
    assert sum(f for f in fractions if f > 0) == 100

    pages = pdf_pages(runner, tmp_path, "--questions", "choice", "--answers", "end", "--bank", str(bank))
    text = " ".join(pages)
    key = text.rindex("Answer key")
    assert "Choose one answer." in text[:key] and "○ 400 Bad Request" in text[:key]
    assert "☐ An async def endpoint" in text[:key] and PITFALL["claim"] not in text[:key]
    assert "Right: 422 Unprocessable Content Validation fails first." in text[key:]
    assert "Wrong: An async def endpoint It runs on the event loop." in text[key:]

    for fmt, suffix in (("yaml", "yaml"), ("json", "json")):  # the bank formats carry them
        run("--format", fmt, "-o", str(tmp_path / f"again.{suffix}"))
        assert [q.choices for q in load_bank([tmp_path / f"again.{suffix}"])] == \
            [q.choices for q in load_bank([bank])]
    cached = load_bank([bank])  # the second load comes from the cache
    assert [c.text for c in cached.get("status").choices] == [c["text"] for c in SINGLE]
    assert [c.correct for c in cached.get("pool").choices] == [True, True, False]


def test_the_markdown_handout_asks_the_choices_and_the_statements(runner: CliRunner,
                                                                   tmp_path: Path) -> None:
    """`--questions` in the Markdown handout, as a CommonMark renderer (markdown-it) shows it."""
    from markdown_it import MarkdownIt

    bank = write_bank(tmp_path / "b", "Choices", [
        question("status", "What answers a body that fails validation?", choices=SINGLE),
        question("mw", "Explain middleware.", pitfalls=[PITFALL])], bank_id="choices")

    def items(kind: str) -> tuple[list[str], list[str]]:
        """The list items of the paper, and those of its answer key."""
        result = runner.invoke(app, ["--bank", str(bank), "export", "--format", "markdown",
                                     "--questions", kind, "--answers", "end"])
        assert result.exit_code == 0, result.output
        paper, key = result.stdout.split('<a id="answer-key"></a>')
        md = MarkdownIt("commonmark")

        def listed(text: str) -> list[str]:
            tokens = md.parse(text)
            breaks = ("softbreak", "hardbreak")
            return ["".join(c.content if c.type in ("text", "code_inline") else "\n" if c.type in breaks
                            else "" for c in t.children or ())
                    for i, t in enumerate(tokens)
                    if t.type == "inline" and tokens[i - 2].type == "list_item_open"]

        return listed(paper), listed(key)

    paper, key = items("choice")
    assert sorted(p for p in paper if p.startswith("○")) == sorted(f"○ {c['text']}" for c in SINGLE)
    assert f"☐ {PITFALL['claim']}" in paper and "☐ A point" in paper  # made from the statements
    assert "Right: 422 Unprocessable Content\nValidation fails first." in key  # as it shows
    assert f"False: {PITFALL['claim']}\nInstead: {PITFALL['correction']}" in key
    paper, _ = items("truefalse")
    assert "T ☐ F ☐ A point" in paper and f"T ☐ F ☐ {PITFALL['claim']}" in paper
    assert not any("400 Bad Request" in p for p in paper)  # true/false asks the statements only


@pytest.mark.parametrize(("choices", "message"), [
    ([{"text": "a", "correct": True}, {"text": "b", "correct": True}], "one `correct: true` and one wrong"),
    ([{"text": "a"}, {"text": "b"}], "one `correct: true` and one wrong"),
    ([{"text": "a", "correct": True}], "two options at least"),
    ([{"text": "a", "correct": True}, {"text": "a"}], "the option 'a' is written twice"),
    ([{"text": "a", "correct": True}, {"txt": "b"}], "choices[1].txt: unknown field; did you mean `text`?"),
])
def test_validate_checks_the_choices(runner: CliRunner, tmp_path: Path, choices: list[Any],
                                     message: str) -> None:
    bank = write_bank(tmp_path / "b", "Choices", [question("status", choices=choices)], bank_id="choices")
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 1
    assert "status.choices" in result.stdout and message in result.stdout, result.stdout


# --- exam papers --------------------------------------------------------------------------------


def test_selection_keeps_the_id_order_takes_ranges_and_difficulty(runner: CliRunner) -> None:
    def ids(*args: str) -> list[str]:
        result = runner.invoke(app, ["export", "--format", "csv", *args])
        assert result.exit_code == 0, result.output
        return [row["id"] for row in csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff")))]

    bank = load_bank()
    assert ids("--id", "17", "--id", "3", "--id", "1-2") == [bank.get(r).id for r in ("17", "3", "1", "2")]
    hard = ids("--difficulty", "3")
    assert hard and all(bank.get(i).difficulty == 3 for i in hard)
    assert len(hard) == sum(q.difficulty == 3 for q in bank)
    picked = ids("--topic", "security", "--count", "3", "--seed", "s1")
    assert picked == ids("--topic", "security", "--count", "3", "--seed", "s1")  # the same seed, the same 3
    assert len(picked) == 3 and all(bank.get(i).topic == "security" for i in picked)
    unknown = runner.invoke(app, ["export", "--format", "csv", "--topic", "securty"])
    assert unknown.exit_code == 1
    assert "Did you mean 'security'? Topics: " in unknown.stderr and ", security," in unknown.stderr
    backwards = runner.invoke(app, ["export", "--format", "csv", "--id", "5-1"])
    assert backwards.exit_code == 1 and "runs backwards" in backwards.stderr


def test_exam_papers_in_versions_with_their_answer_keys(runner: CliRunner, tmp_path: Path) -> None:
    bank = load_bank()
    args = ["export", "-o", str(tmp_path / "exam.html"), "--topic", "security", "--count", "4",
            "--seed", "w3", "--versions", "2", "--answer-key", str(tmp_path / "key.html")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("*.html"))
    assert written == ["exam-A.html", "exam-B.html", "key-A.html", "key-B.html"]
    first = {name: (tmp_path / name).read_bytes() for name in written}
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0  # the same seed: the same papers
    assert {name: (tmp_path / name).read_bytes() for name in written} == first

    def printed(name: str) -> str:
        pdf = tmp_path / f"{name}.pdf"
        chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", (tmp_path / name).as_uri())
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        return " ".join(text.split())

    titles = {q.id: " ".join(q.question.split()) for q in bank.select(topics=["security"])}

    def order(text: str) -> list[str]:
        found = sorted((text.index(f"{n}. {t}"), qid) for qid, t in titles.items() for n in range(1, 5)
                       if f"{n}. {t}" in text)
        return [qid for _, qid in found]

    papers = {v: printed(f"exam-{v}.html") for v in "AB"}
    keys = {v: printed(f"key-{v}.html") for v in "AB"}
    for v in "AB":
        assert f"Version {v}" in papers[v] and f"Version {v} · answer key" in keys[v]
        assert "Key points" not in papers[v] and "Key points" in keys[v]  # the paper has no answers
        assert len(order(papers[v])) == 4
        assert order(keys[v]) == order(papers[v].split("Contents", 1)[1])[-4:]  # the key follows its paper
    assert sorted(order(papers["A"])[-4:]) == sorted(order(papers["B"])[-4:])
    assert order(papers["A"])[-4:] != order(papers["B"])[-4:]  # each version in its own order
    assert runner.invoke(app, ["export", "--format", "csv", "--versions", "2"]).exit_code == 2


def test_exam_papers_in_markdown(runner: CliRunner, tmp_path: Path) -> None:
    """The same papers and keys in Markdown, as a CommonMark renderer (markdown-it) shows them."""
    from markdown_it import MarkdownIt

    args = ["export", "-o", str(tmp_path / "exam.md"), "--topic", "security", "--count", "4",
            "--seed", "w3", "--versions", "2", "--answer-key", str(tmp_path / "key.md")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("*.md"))
    assert written == ["exam-A.md", "exam-B.md", "key-A.md", "key-B.md"]

    def shown(name: str) -> tuple[str, list[str], str]:
        """The page's title, its question headings (h3), and all its text."""
        tokens = MarkdownIt("commonmark").parse((tmp_path / name).read_text(encoding="utf-8"))
        heads = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
        text = "\n".join(t.content for t in tokens if t.type == "inline")
        return heads[0][1], [content for tag, content in heads if tag == "h3"], text

    papers = {v: [q.split(". ", 1)[1] for q in shown(f"exam-{v}.md")[1]] for v in "AB"}
    for v in "AB":
        title, questions, text = shown(f"exam-{v}.md")
        key_title, key_questions, key_text = shown(f"key-{v}.md")
        assert title == f"FastAPI Advanced Interview · Version {v}"
        assert key_title == f"FastAPI Advanced Interview · Version {v} · answer key"
        assert [q.split(". ", 1)[0] for q in questions] == ["1", "2", "3", "4"]  # the paper's order
        assert key_questions == questions  # the key follows its paper
        assert "Key points" not in text and "Key points" in key_text
    assert papers["A"] != papers["B"] and sorted(papers["A"]) == sorted(papers["B"])  # each its own order
