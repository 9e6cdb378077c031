"""An Anki deck package (.apkg) made with genanki.

Importing a newer export into Anki updates the notes instead of duplicating them: a note's
GUID comes from the question id alone (`note_guid`), the note type's id is a constant, and
the deck's id comes from the deck's name. Fields are HTML: the answer is rendered from
Markdown with highlighted code (CSS classes, the stylesheet travels in the note type), and
everything else is escaped. Anki tags cannot hold spaces: a space in a tag becomes `_`.

Change `MODEL_ID` if the fields or templates ever change: Anki keeps a note type per id.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quiz.export import ExportOptions, demo_command, note_guid, source_line
from quiz.export import html as h

if TYPE_CHECKING:
    from quiz.model import Question

MODEL_ID = 1_607_392_319  # the `quiz question` note type, fixed forever
MODEL_NAME = "quiz question"
FIELDS = ["Question", "Answer", "Key points", "Errata", "Follow-ups", "Demo", "Source"]

QFMT = '<div class="question">{{Question}}</div>'
AFMT = """{{FrontSide}}
<hr id="answer">
<div class="answer">{{Answer}}</div>
{{#Key points}}<h3>Key points</h3><div class="points">{{Key points}}</div>{{/Key points}}
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
.errata { border-left: 3px solid #e0a800; padding-left: 0.8em; }
.demo, .source { font-size: 0.85em; color: #666; }
.nightMode .card, .card.nightMode { color: #eee; background: #222; }
"""


def deck_id(name: str) -> int:
    """A deck id that depends only on the deck's name (genanki's range: 2**30 to 2**31)."""
    digest = hashlib.sha256(f"quiz deck: {name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def anki_tag(tag: str) -> str:
    """A bank tag as an Anki tag: no whitespace (it separates tags), no empty tag."""
    return "_".join(h.clean(tag).split())


def _list_html(items: Sequence[str]) -> str:
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{h.text_html(i)}</li>" for i in items) + "</ul>"


def fields(q: Question, options: ExportOptions, *, inline_styles: bool = False) -> list[str]:
    """The note's fields, in `FIELDS` order, as HTML (code styled by classes unless inline)."""
    source = h.escape(source_line(q, options.deck))
    if q.references:
        source += "<br>" + "<br>".join(h.link_html(r) for r in q.references)
    return [
        h.text_html(q.question),
        h.markdown_html(q.answer, inline_styles=inline_styles),
        _list_html([k.point for k in q.key_points]),
        h.markdown_html(q.errata or "", inline_styles=inline_styles),
        _list_html(q.follow_ups),
        h.escape(demo_command(q, options.banks)),
        source,
    ]


def build(questions: Sequence[Question], options: ExportOptions) -> Any:
    """The genanki Package for the questions."""
    import genanki  # type: ignore[import-untyped]

    model = genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Question and answer", "qfmt": QFMT, "afmt": AFMT}],
        css=CSS + h.code_css(),
    )
    deck = genanki.Deck(deck_id(options.deck), h.clean(options.deck))
    h.prerender_questions(questions, inline_styles=False)
    for q in questions:
        tags = [t for t in (anki_tag(t) for t in q.tags) if t]
        deck.add_note(genanki.Note(model=model, fields=fields(q, options), tags=tags,
                                   guid=note_guid(q), due=q.num))
    return genanki.Package(deck)


def render(questions: Sequence[Question], options: ExportOptions) -> bytes:
    """The .apkg file's bytes: a zip of the SQLite collection and an empty media map.

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
        finally:
            conn.close()
        import io

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(db_path, "collection.anki2")
            zf.writestr("media", "{}")
        return buffer.getvalue()
    finally:
        os.unlink(db_path)
