"""`quiz import`: decks written by Anki's own backend, GIFT and Moodle XML as their docs write
them, CSV with --map, and the round trip of the built-in bank through every format that
carries its content. Each imported bank is loaded as `quiz validate` loads it."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from quiz.bank import BUILTIN_BANK, load_bank, validate_paths
from quiz.cli import app
from quiz.model import Question

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def run_import(runner: CliRunner, *args: str | Path) -> Any:
    return runner.invoke(app, ["import", *map(str, args)])


def imported(runner: CliRunner, out: Path, *args: str | Path) -> tuple[list[Question], str]:
    """Import, check the bank loads with no error, and return its questions and the output."""
    result = run_import(runner, *args, "-o", out)
    assert result.exit_code == 0, result.output
    bank, problems = validate_paths([out])
    assert [p for p in problems if p.severity == "error"] == []
    return list(bank.questions), result.stdout


# --- the round trip ----------------------------------------------------------------------------


def reads_the_same(markdown: str) -> str:
    """What a reader sees of Markdown: the prose's words (line breaks and indentation are
    layout), and every code block's language and lines as they show (trailing spaces are
    invisible)."""
    parts = re.split(r"^(```|~~~)([^\n]*)\n(.*?)^\1[ ]*$", markdown.strip(), flags=re.M | re.S)
    out = []
    for i, part in enumerate(parts):
        kind = i % 4
        if kind == 0:
            out.append(" ".join(part.split()))
        elif kind == 2:
            lang = part.strip()
        elif kind == 3:
            lines = "\n".join(line.rstrip() for line in part.rstrip("\n").split("\n"))
            out.append(f"```{lang}\n{lines}\n```")
    return "\n".join(p for p in out if p)


# What each format carries besides id, number, question, answer and topic.
CARRIED = {
    "apkg": {"tags", "difficulty", "errata", "follow_ups", "references", "demo", "pitfalls"},
    "anki-tsv": {"tags", "difficulty", "errata", "follow_ups", "references", "demo", "pitfalls"},
    "csv": {"tags", "difficulty", "errata", "follow_ups", "references", "demo", "pitfalls"},
    "gift": {"errata", "follow_ups", "references", "demo", "pitfalls"},
    "moodle-xml": {"tags", "errata", "follow_ups", "references", "demo", "pitfalls"},
    "json": {"tags", "difficulty", "errata", "follow_ups", "references", "demo", "pitfalls", "key_points"},
    "yaml": {"tags", "difficulty", "errata", "follow_ups", "references", "demo", "pitfalls", "key_points"},
}
SUFFIX = {"apkg": "apkg", "anki-tsv": "tsv", "csv": "csv", "gift": "gift", "moodle-xml": "xml",
          "json": "json", "yaml": "yaml"}


@pytest.mark.parametrize("fmt", list(CARRIED))
def test_the_builtin_bank_comes_back_through_each_format(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    exported = tmp_path / f"bank.{SUFFIX[fmt]}"
    result = runner.invoke(app, ["export", "--format", fmt, "-o", str(exported)])
    assert result.exit_code == 0, result.output
    back, out = imported(runner, tmp_path / "back", exported)
    original = list(load_bank([BUILTIN_BANK]).questions)
    assert f"Imported {len(original)} questions into {tmp_path / 'back' / 'bank.yaml'}" in out
    assert [q.id for q in back] == [q.id for q in original]
    exact = fmt in ("json", "yaml")
    for q, r in zip(original, back, strict=True):
        assert (r.number, r.question, r.topic) == (q.number, q.question, q.topic), q.id
        if exact:  # the bank's own pitfalls come back as the bank's, listed where they were
            assert r == q and r.bank_pitfalls == q.bank_pitfalls and r.listed_pitfalls == q.listed_pitfalls
            continue
        assert reads_the_same(r.answer) == reads_the_same(q.answer), q.id
        for name in sorted(CARRIED[fmt] - {"errata"}):  # the bank's pitfalls as the questions' own
            want = tuple(dataclasses.replace(p, questions=(), tags=()) for p in q.listed_pitfalls) \
                if name == "pitfalls" else getattr(q, name)
            assert getattr(r, name) == want, (q.id, name)
        assert reads_the_same(r.errata or "") == reads_the_same(q.errata or ""), q.id
        assert r.key_points == ()  # never guessed: validate names them
    if not exact:
        assert f"{len(original)} questions need key points" in out


# --- Anki, as its own backend writes a deck ---------------------------------------------------


def anki_deck(tmp_path: Path, legacy: bool) -> Path:
    """A deck made and exported by Anki itself: Basic, Basic (and reversed), Cloze, an image,
    a subdeck, and a note type of one field."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        (Path(col.media.dir()) / "diagram one.png").write_bytes(PNG)
        deck = col.decks.id("Course")
        sub = col.decks.id("Course::security")

        def add(kind: str, deck_id: int, tags: list[str], *fields: str) -> None:
            note = col.new_note(col.models.by_name(kind))
            for i, value in enumerate(fields):
                note.fields[i] = value
            note.tags = tags
            col.add_note(note, deck_id)

        add("Basic", deck, ["core", "di"], "What is <b>dependency injection</b>?",
            'Declaring what an endpoint needs.<br><img src="diagram one.png">')
        add("Basic (and reversed card)", sub, ["auth"], "What status means unauthenticated?",
            "<div>401 Unauthorized</div>")
        add("Cloze", deck, ["core"],
            "A dependency with {{c1::yield}} runs teardown {{c2::after the response::when}}.",
            "See the docs.")
        single = col.models.copy(col.models.by_name("Basic"))
        single["name"] = "Just one"
        col.models.remove_field(single, single["flds"][1])
        col.models.update_dict(single)
        note = col.new_note(col.models.by_name("Just one"))
        note.fields[0] = "A lone field"
        col.add_note(note, deck)
        out = tmp_path / ("legacy.apkg" if legacy else "modern.apkg")
        col.export_anki_package(out_path=str(out), limit=None, options=ExportAnkiPackageOptions(
            with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy))
    finally:
        col.close()
    return out


@pytest.mark.parametrize("legacy", [False, True], ids=["current", "legacy"])
def test_an_anki_deck_with_media_and_cloze(runner: CliRunner, tmp_path: Path, legacy: bool) -> None:
    import zipfile

    deck = anki_deck(tmp_path, legacy)
    names = zipfile.ZipFile(deck).namelist()
    assert ("collection.anki21b" in names) is not legacy  # both kinds of collection are read
    out = tmp_path / "bank"
    questions, stdout = imported(runner, out, deck)
    by_q = {q.question: q for q in questions}
    di = by_q["What is **dependency injection**?"]
    assert di.id == "what-is-dependency-injection"
    assert di.answer == "Declaring what an endpoint needs.\n![](media/diagram%20one.png)"
    assert di.tags == ("core", "di") and di.topic == "core"
    assert (out / "media" / "diagram one.png").read_bytes() == PNG
    auth = by_q["What status means unauthenticated?"]
    assert (auth.answer, auth.topic, auth.tags) == ("401 Unauthorized", "security", ("security", "auth"))
    cloze = by_q["A dependency with [...] runs teardown [when]."]
    assert cloze.answer == "- yield\n- after the response\n\nSee the docs."
    assert len(questions) == 3
    assert "note type 'Just one' has a single field: 1 note(s) not imported" in stdout
    assert "3 questions need key points" in stdout
    data = yaml.safe_load((out / "bank.yaml").read_text(encoding="utf-8"))
    assert (data["deck"], data["bank_id"]) == ("Course", "course")


@pytest.mark.parametrize("legacy", [False, True], ids=["current", "legacy"])
def test_media_past_the_cap_are_one_sentence_and_nothing_is_written(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, legacy: bool) -> None:
    """The cap is 1 GB of unpacked media; lowered here below the deck's one image (a real deck
    of more than 1 GB is no test to run on a shared machine), it is the same code path."""
    from quiz.importer import anki

    deck = anki_deck(tmp_path, legacy)
    monkeypatch.setattr(anki, "MAX_MEDIA", len(PNG) - 1)
    result = run_import(runner, deck, "-o", tmp_path / "bank")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {deck}: the media its notes use come to more than {len(PNG) - 1} bytes once unpacked, "
        "so nothing was imported: split the deck, or remove its largest media in Anki, and export it again.")
    assert not (tmp_path / "bank").exists()
    monkeypatch.setattr(anki, "MAX_MEDIA", len(PNG))  # exactly the image: imported
    assert (imported(runner, tmp_path / "bank", deck)[0])
    assert (tmp_path / "bank" / "media" / "diagram one.png").read_bytes() == PNG


def test_an_apkg_anki_reads_back_after_import(runner: CliRunner, tmp_path: Path) -> None:
    """The apkg export of the imported bank is still a deck Anki takes (the loop closes)."""
    deck = anki_deck(tmp_path, legacy=False)
    imported(runner, tmp_path / "bank", deck)
    again = tmp_path / "again.apkg"
    result = runner.invoke(app, ["--bank", str(tmp_path / "bank"), "export", "-o", str(again)])
    assert result.exit_code == 0, result.output
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    (tmp_path / "check").mkdir()
    col = Collection(str(tmp_path / "check" / "c.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(again),
                                                         options=ImportAnkiPackageOptions()))
        assert col.note_count() == 3
    finally:
        col.close()


# --- GIFT and Moodle XML, as Moodle's docs write them -------------------------------------------

GIFT = textwrap.dedent("""\
    // From Moodle's GIFT documentation, one of each kind
    $CATEGORY: $course$/top/Web basics/http

    ::Q1 status:: Which status code means "not found"? {
      =404
      ~500#That is a server error.
      ~200
    }

    ::Q2:: HTTP is stateless.{T#Right\\: each request stands alone.}

    ::Q3:: Name the verb that reads a resource. {=GET =get}

    ::Q4 essay::[html]Explain <b>CORS</b>.{####CORS lets a browser page call another origin.}

    ::Q5:: When was HTTP/1.1 published? {#1997:2}

    ::Q6:: Match them. {=a -> 1 =b -> 2}

    ::Q7:: A colon\\: and braces \\{ \\} stay.{=yes}
    """)


def test_gift_questions_of_each_kind(runner: CliRunner, tmp_path: Path) -> None:
    from tests.test_export import gift_pegjs

    kinds = [(q["type"], q["title"]) for q in gift_pegjs(GIFT) if q["type"] != "Category"]
    assert kinds == [("MC", "Q1 status"), ("TF", "Q2"), ("Short", "Q3"), ("Essay", "Q4 essay"),
                     ("Numerical", "Q5"), ("Matching", "Q6"), ("Short", "Q7")]  # a GIFT parser's reading
    path = tmp_path / "web.gift"
    path.write_text(GIFT, encoding="utf-8")
    questions, out = imported(runner, tmp_path / "bank", path)
    assert [q.question for q in questions] == [
        'Which status code means "not found"?\n\n- 404\n- 500\n- 200',
        "HTTP is stateless.", "Name the verb that reads a resource.", "Explain **CORS**.",
        "A colon: and braces { } stay."]
    mc, tf, short, essay, escaped = questions
    assert mc.answer == "404" and mc.topic == "http"
    assert [(p.claim, p.correction) for p in mc.pitfalls] == [("500", "That is a server error.")]
    assert [c.to_dict() for c in mc.choices] == [  # the options, for `export --questions choice`
        {"text": "404", "correct": True}, {"text": "500", "feedback": "That is a server error."},
        {"text": "200"}]
    assert tf.answer == "True\n\nRight: each request stands alone."
    assert short.answer == "- GET\n- get"
    assert essay.answer == "CORS lets a browser page call another origin."
    assert escaped.answer == "yes"
    assert "web.gift: question 6 (Q5): a numerical question, not imported" in out
    assert "web.gift: question 7 (Q6): a matching question, not imported" in out
    data = yaml.safe_load((tmp_path / "bank" / "bank.yaml").read_text(encoding="utf-8"))
    assert data["deck"] == "Web basics"


MOODLE = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <quiz>
      <question type="category"><category><text>$course$/top/Web basics/http</text></category></question>
      <question type="multichoice">
        <name><text>Status</text></name>
        <questiontext format="html"><text><![CDATA[<p>Which code means <i>not found</i>?</p>
          <img src="@@PLUGINFILE@@/codes.png">]]></text>
          <file name="codes.png" path="/" encoding="base64">{png}</file></questiontext>
        <answer fraction="100"><text>404</text></answer>
        <answer fraction="0"><text>500</text><feedback><text>A server error.</text></feedback></answer>
        <idnumber>status-404</idnumber>
        <tags><tag><text>status codes</text></tag></tags>
      </question>
      <question type="truefalse">
        <name><text>Stateless</text></name>
        <questiontext format="plain_text"><text>HTTP is stateless.</text></questiontext>
        <answer fraction="100"><text>true</text><feedback><text>Yes.</text></feedback></answer>
        <answer fraction="0"><text>false</text></answer>
      </question>
      <question type="shortanswer">
        <name><text>Verb</text></name>
        <questiontext format="html"><text>The verb that reads?</text></questiontext>
        <answer fraction="100"><text>GET</text></answer>
      </question>
      <question type="essay">
        <name><text>CORS</text></name>
        <questiontext format="html"><text><![CDATA[<p>Explain CORS.</p>]]></text></questiontext>
        <generalfeedback format="html">
          <text><![CDATA[<p>It lets a page call <code>other.example</code>.</p>]]></text>
        </generalfeedback>
      </question>
      <question type="numerical">
        <name><text>Year</text></name>
        <questiontext format="html"><text>HTTP/1.1?</text></questiontext>
      </question>
    </quiz>
    """)


def test_moodle_xml_questions_of_each_kind_and_an_embedded_image(runner: CliRunner, tmp_path: Path) -> None:
    import base64

    path = tmp_path / "web.xml"
    path.write_text(MOODLE.replace("{png}", base64.b64encode(PNG).decode()), encoding="utf-8")
    questions, out = imported(runner, tmp_path / "bank", path)
    mc, tf, short, essay = questions
    assert mc.id == "status-404" and mc.topic == "http" and mc.tags == ("http", "status codes")
    assert mc.question == "Which code means *not found*?\n\n![](media/codes.png)\n\n- 404\n- 500"
    assert mc.answer == "404"
    assert [(p.claim, p.correction) for p in mc.pitfalls] == [("500", "A server error.")]
    assert [c.to_dict() for c in mc.choices] == [
        {"text": "404", "correct": True}, {"text": "500", "feedback": "A server error."}]
    assert (tmp_path / "bank" / "media" / "codes.png").read_bytes() == PNG
    assert tf.answer == "True\n\nYes."
    assert short.answer == "GET"
    assert essay.answer == "It lets a page call `other.example`."
    assert "web.xml: question 6 (Year): a numerical question, not imported" in out


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_with_a_map_and_a_column_it_cannot_carry(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("Front;Back;Chapter;Notes\nWhat is ASGI?;The async server interface.;servers;x\n"
                    "What is WSGI?;The sync one.;servers;\n", encoding="utf-8")
    questions, out = imported(runner, tmp_path / "bank", path, "--map", "question=Front",
                              "--map", "answer=Back", "--map", "topic=Chapter")
    assert [(q.id, q.question, q.answer, q.topic) for q in questions] == [
        ("what-is-asgi", "What is ASGI?", "The async server interface.", "servers"),
        ("what-is-wsgi", "What is WSGI?", "The sync one.", "servers")]
    assert "cards.csv: column `Notes` is not a bank field, not carried" in out
    unmapped = run_import(runner, path, "-o", tmp_path / "other")
    assert unmapped.exit_code == 1
    assert "no `question` column (columns: Front, Back, Chapter, Notes); name one with --map " \
           "question=COLUMN" in unmapped.stderr
    assert not (tmp_path / "other").exists()


def test_a_demo_the_file_does_not_hold_is_listed_not_written(runner: CliRunner, tmp_path: Path) -> None:
    """A demo is code: an export names it but cannot carry it, and a `demo:` naming no file is an
    error, so the import keeps built-in demos only and lists the others."""
    path = tmp_path / "cards.csv"
    path.write_text("id,question,answer,demo\nmine,What is mine?,Mine.,my_own_demo\n"
                    "mw,What is middleware?,Code around each request.,middleware\n", encoding="utf-8")
    questions, out = imported(runner, tmp_path / "bank", path)
    assert [(q.id, q.demo) for q in questions] == [("mine", None), ("mw", "middleware")]
    assert "its demo 'my_own_demo' is code the file does not hold" in out


def test_the_same_title_twice_gets_two_ids(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("question,answer\nWhat is it?,One.\nWhat is it?,Two.\n", encoding="utf-8")
    questions, _ = imported(runner, tmp_path / "bank", path)
    assert [q.id for q in questions] == ["what-is-it", "what-is-it-2"]


# --- what is never done ---------------------------------------------------------------------------


def test_an_existing_folder_is_never_written_into(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("question,answer\nQ?,A.\n", encoding="utf-8")
    out = tmp_path / "bank"
    out.mkdir()
    (out / "bank.yaml").write_text("mine\n", encoding="utf-8")
    result = run_import(runner, path, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {out} already exists: give a new folder with -o (an import "
                                      "never writes into an existing one).")
    assert (out / "bank.yaml").read_text(encoding="utf-8") == "mine\n"
    assert [p.name for p in out.iterdir()] == ["bank.yaml"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("deck.apkg", b"not a zip", "deck.apkg: not an Anki package (not a zip file)."),
    ("bank.json", b"{", "bank.json: not valid JSON"),
    ("cards.csv", b"\xff\xfe\x00", "cards.csv: not UTF-8 text (byte 0)"),
    ("quiz.xml", b"<quiz><question", "quiz.xml: not valid XML"),
    ("notes.doc", b"x", "notes.doc: cannot tell its format from the name; give --format"),
    ("empty.gift", b"// nothing\n", "Nothing to import: no question was found in"),
])
def test_bad_input_is_one_sentence(runner: CliRunner, tmp_path: Path, name: str, content: bytes,
                                   message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run_import(runner, path, "-o", tmp_path / "bank")
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "bank").exists()


def test_json_output(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("question,answer,extra\nQ?,A.,z\n", encoding="utf-8")
    result = run_import(runner, path, "-o", tmp_path / "bank", "--json", "--deck", "Mine")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "bank": str(tmp_path / "bank" / "bank.yaml"), "bank_id": "mine", "deck": "Mine", "questions": 1,
        "media": 0, "not_carried": ["cards.csv: column `extra` is not a bank field, not carried"],
        "need_key_points": 1}
