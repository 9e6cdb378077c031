"""Anki's text import format: tab-separated HTML fields, with Anki's header lines.

    #separator:tab
    #html:true
    #deck:<deck>
    #tags column:3
    #guid column:4
    #columns:Front<TAB>Back<TAB>Tags<TAB>GUID

Two fields, named as Anki's Basic note type names them, so the import dialog maps them by
itself: Front is the question, Back the whole answer side (the model answer with code
highlighted by inline styles, key points, errata, follow-ups, the demo command, the
source). Every field is quoted the CSV way (`"..."`, quotes doubled), which keeps tabs and
line breaks inside a field and means no record starts with `#` (Anki would skip it as a
comment). The GUID is the .apkg export's, so re-importing a newer file updates the notes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quiz.export import ExportOptions, note_guid
from quiz.export import html as h
from quiz.export.apkg import anki_tag

if TYPE_CHECKING:
    from quiz.model import Question

COLUMNS = ["Front", "Back", "Tags", "GUID"]


def _header_value(text: str) -> str:
    """A value on a header line: one line, no tab."""
    return " ".join(h.clean(text).split())


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    buffer = io.StringIO()
    buffer.write("#separator:tab\n#html:true\n")
    buffer.write(f"#deck:{_header_value(options.deck)}\n")
    buffer.write(f"#tags column:{COLUMNS.index('Tags') + 1}\n")
    buffer.write(f"#guid column:{COLUMNS.index('GUID') + 1}\n")
    buffer.write("#columns:" + "\t".join(COLUMNS) + "\n")
    writer = csv.writer(buffer, delimiter="\t", quotechar='"', quoting=csv.QUOTE_ALL, lineterminator="\n")
    h.prerender_questions(questions)
    for q in questions:
        tags = " ".join(t for t in (anki_tag(t) for t in q.tags) if t)
        writer.writerow([h.text_html(q.question), h.answer_side(q, options), tags, note_guid(q)])
    return buffer.getvalue()
