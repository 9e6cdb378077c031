"""An Anki deck package (.apkg) made with genanki.

Importing a newer export into Anki updates the notes instead of duplicating them: a note's
GUID comes from the bank's identity and the question id (`note_guid`), the note type's id
is a constant, and a deck's id comes from its name. Fields are HTML: the answer is rendered
from Markdown with highlighted code (CSS classes, the stylesheet travels in the note type,
with a dark one for night mode), and everything else is escaped.

Tags: the question's tags, plus `topic::<topic>` and `difficulty::<1-3>` (Anki's
hierarchical tags), all under `<prefix>::` with `--tag-prefix`. Anki tags cannot hold
spaces: a space in a tag becomes `_`. With `--subdecks`, each topic gets its own subdeck
(`Deck::topic`).

Change `MODEL_ID` if the fields or templates ever change: Anki keeps a note type per id.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quiz.errors import QuizError
from quiz.export import ExportOptions, demo_command, note_guid, source_line
from quiz.export import html as h

if TYPE_CHECKING:
    from quiz.model import Question

MODEL_ID = 1_607_392_319  # the `quiz question` note type, fixed forever
MODEL_NAME = "quiz question"
FIELDS = ["Question", "Answer", "Key points", "Errata", "Follow-ups", "Demo", "Source", "Common mistakes"]

QFMT = '<div class="question">{{Question}}</div>'
AFMT = """{{FrontSide}}
<hr id="answer">
<div class="answer">{{Answer}}</div>
{{#Key points}}<h3>Key points</h3><div class="points">{{Key points}}</div>{{/Key points}}
{{#Common mistakes}}<h3>Common mistakes</h3>
<div class="mistakes">{{Common mistakes}}</div>{{/Common mistakes}}
{{#Errata}}<h3>What changed</h3><div class="errata">{{Errata}}</div>{{/Errata}}
{{#Follow-ups}}<h3>Follow-ups</h3><div class="follow-ups">{{Follow-ups}}</div>{{/Follow-ups}}
{{#Demo}}<p class="demo">See it run: <code>{{Demo}}</code></p>{{/Demo}}
<p class="source">{{Source}}</p>"""

CSS = """.card { font-family: system-ui, sans-serif; font-size: 18px; line-height: 1.45;
  text-align: left; color: #1d1d1f; background: #fff; max-width: 46em; margin: 0 auto; }
.question { font-size: 1.2em; font-weight: 600; }
h3 { font-size: 0.95em; margin: 1.2em 0 0.3em; color: #555; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; }
.highlight { padding: 0.5em 0.8em; border-radius: 6px; overflow-x: auto; }
.highlight pre { margin: 0; }
.mistakes li { margin-bottom: 0.4em; }
.since { color: #666; font-size: 0.9em; }
.errata { border-left: 3px solid #e0a800; padding-left: 0.8em; }
.demo, .source { font-size: 0.85em; color: #666; }
.nightMode .card, .card.nightMode { color: #eee; background: #222; }
.nightMode h3, .nightMode .demo, .nightMode .source { color: #aaa; }
"""
NIGHT_CODE_STYLE = "monokai"  # code in night mode: light text on a dark block
NIGHT_SELECTORS = [".nightMode .highlight", ".night_mode .highlight"]  # Anki 2.1.20+, and older


def deck_id(name: str) -> int:
    """A deck id that depends only on the deck's name (genanki's range: 2**30 to 2**31)."""
    digest = hashlib.sha256(f"quiz deck: {name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def anki_tag(tag: str) -> str:
    """A bank tag as an Anki tag: no whitespace (it separates tags), no empty tag."""
    return "_".join(h.clean(tag).split())


def note_tags(q: Question, options: ExportOptions) -> list[str]:
    """The note's Anki tags: its own, its topic and its difficulty, under the course prefix."""
    tags = [*q.tags, f"topic::{q.topic}", f"difficulty::{q.difficulty}"]
    prefix = anki_tag(options.tag_prefix).strip(":")
    out = [t for t in (anki_tag(t) for t in tags) if t]
    return [f"{prefix}::{t}" for t in out] if prefix else out


def deck_name(q: Question, options: ExportOptions) -> str:
    """The deck a question's card goes to: the deck, or its topic's subdeck with `subdecks`."""
    deck = h.clean(options.deck)
    return f"{deck}::{h.clean(q.topic)}" if options.subdecks else deck


def css() -> str:
    """The note type's stylesheet: the card, code in day mode, and code in night mode."""
    from pygments.formatters import HtmlFormatter

    night = HtmlFormatter(style=NIGHT_CODE_STYLE).get_style_defs(NIGHT_SELECTORS)  # type: ignore[no-untyped-call]
    return CSS + h.code_css() + "\n" + str(night)


def _list_html(items: Sequence[str]) -> str:
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{h.text_html(i)}</li>" for i in items) + "</ul>"


def fields(q: Question, options: ExportOptions, *, inline_styles: bool = False) -> list[str]:
    """The note's fields, in `FIELDS` order, as HTML (code styled by classes unless inline)."""
    source = h.escape(source_line(q, options.deck))
    if q.references:
        source += "<br>" + "<br>".join(h.link_html(r) for r in q.references)
    def media(fragment: str) -> str:
        return h.replace_images(fragment, q, lambda ref, path: h.media_name(path))

    return [
        h.text_html(q.question),
        media(h.markdown_html(q.answer, inline_styles=inline_styles)),
        _list_html([k.shown for k in q.key_points]),
        media(h.markdown_html(q.errata or "", inline_styles=inline_styles)),
        _list_html(q.follow_ups),
        h.escape(demo_command(q, options.banks)),
        source,
        h.mistakes_html(q),
    ]


def media_files(questions: Sequence[Question]) -> dict[str, Path]:
    """The bank's own images the questions show, by their name in Anki's media folder."""
    return {h.media_name(path): path for q in questions for path in q.images().values()}


def build(questions: Sequence[Question], options: ExportOptions) -> Any:
    """The genanki Package for the questions."""
    import genanki  # type: ignore[import-untyped]

    model = genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Question and answer", "qfmt": QFMT, "afmt": AFMT}],
        css=css(),
    )
    decks: dict[str, Any] = {}
    h.prerender_questions(questions, inline_styles=False)
    for q in questions:
        name = deck_name(q, options)
        if name not in decks:
            decks[name] = genanki.Deck(deck_id(name), name)
        decks[name].add_note(genanki.Note(model=model, fields=fields(q, options), tags=note_tags(q, options),
                                          guid=note_guid(q, options.bank_id), due=q.num))
    return genanki.Package(list(decks.values()))


def render(questions: Sequence[Question], options: ExportOptions) -> bytes:
    """The .apkg file's bytes: a zip of the SQLite collection, the images and their media map.

    genanki's own `write_to_file` leaves its temporary database behind; this one does not.
    """
    package = build(questions, options)
    timestamp = time.time() if options.timestamp is None else options.timestamp
    fd, db_path = tempfile.mkstemp(prefix="quiz-apkg-", suffix=".anki2")
    os.close(fd)
    try:
        conn = sqlite3.connect(db_path)
        try:
            package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            conn.commit()
        except OverflowError:
            biggest = max(questions, key=lambda q: q.num)
            raise QuizError(f"Cannot write the Anki deck: question {biggest.id} has the number "
                            f"{biggest.num}, too large for Anki (numbers run from 1 to 1000000).") from None
        finally:
            conn.close()
        import io

        buffer = io.BytesIO()
        media = media_files(questions)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(db_path, "collection.anki2")
            for i, path in enumerate(media.values()):
                zf.write(path, str(i))
            zf.writestr("media", json.dumps({str(i): name for i, name in enumerate(media)}))
        return buffer.getvalue()
    finally:
        os.unlink(db_path)
