"""Anki's text import format: tab-separated HTML fields, with Anki's header lines.

    #separator:tab
    #html:true
    #notetype:Basic
    #deck:<deck>                      (or `#deck column:5` with --subdecks)
    #tags column:3
    #guid column:4
    #columns:Front<TAB>Back<TAB>Tags<TAB>GUID

The note type is named: Anki's stock `Basic`, whose two fields Front and Back the import
dialog maps by itself (without the header Anki takes the note type used last: a Cloze one
would turn a literal `{{c1::...}}` into a cloze and fail every other card). Front is the
question, Back the whole answer side (the model answer with code highlighted by inline
styles, key points, errata, follow-ups, the demo command, the source). Every field is
quoted the CSV way (`"..."`, quotes doubled), which keeps tabs and line breaks inside a
field and means no record starts with `#` (Anki would skip it as a comment). A field that
would start with `=`, `+`, `-` or `@` starts with that character as an HTML entity (`&#61;`):
Anki shows the character, a spreadsheet that opens the .tsv sees text, not a formula. (The
GUID is Anki's key and stays as it is.)

The GUID is the .apkg export's, so re-importing a newer TSV updates its notes in place. A
collection that already has the .apkg's notes (note type `quiz question`) keeps them: Anki
skips the TSV's notes of the same GUID and counts them as conflicting ("notes skipped, as
they're in a different note type") in its import log. Nothing is duplicated; use one of
the two formats per collection. Anki in another language names `Basic` differently: pick
the note type in the import dialog there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quiz.export import ExportOptions, note_guid
from quiz.export import html as h
from quiz.export.apkg import deck_name, note_tags
from quiz.export.csv_ import _FORMULA_START as FORMULA_START  # the csv guard's characters

if TYPE_CHECKING:
    from quiz.model import Question

COLUMNS = ["Front", "Back", "Tags", "GUID"]
NOTETYPE = "Basic"


def _header_value(text: str) -> str:
    """A value on a header line: one line, no tab."""
    return " ".join(h.clean(text).split())


def guard(field: str) -> str:
    """An HTML field a spreadsheet shows as text, never runs as a formula: its first character
    as an entity when it would start one."""
    return f"&#{ord(field[0])};{field[1:]}" if field.startswith(FORMULA_START) else field


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    buffer = io.StringIO()
    columns = COLUMNS + ["Deck"] * options.subdecks
    buffer = io.StringIO()
    buffer.write(f"#separator:tab\n#html:true\n#notetype:{NOTETYPE}\n")
    if options.subdecks:
        buffer.write(f"#deck column:{columns.index('Deck') + 1}\n")
    else:
        buffer.write(f"#deck:{_header_value(options.deck)}\n")
    buffer.write(f"#tags column:{columns.index('Tags') + 1}\n")
    buffer.write(f"#guid column:{columns.index('GUID') + 1}\n")
    buffer.write("#columns:" + "\t".join(columns) + "\n")
    writer = csv.writer(buffer, delimiter="\t", quotechar='"', quoting=csv.QUOTE_ALL, lineterminator="\n")
    h.prerender_questions(questions)
    for q in questions:
        row = [guard(h.text_html(q.question)), guard(h.answer_side(q, options)),
               " ".join(note_tags(q, options)), note_guid(q, options.bank_id)]
        writer.writerow(row + [_header_value(deck_name(q, options))] * options.subdecks)
    return buffer.getvalue()
