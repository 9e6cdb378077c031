"""Anki's text format (File > Export > Notes in Plain Text, or a file made for its import):
`#key:value` header lines, then one note a line, fields quoted the CSV way.

Headers read: `separator` (tab, comma, semicolon, pipe, colon, space, or the character),
`html`, `notetype`, `deck`, `tags` (for every note), `columns`, and the `... column:N` ones
(notetype, deck, tags, guid). Without `#columns`, the first field is the question (Front) and
the second the answer (Back). A Cloze note type (`#notetype:Cloze`, or a note whose text has
`{{c1::...}}`) is read as `quiz.importer.anki` reads a cloze. Tags of the shape
`topic::NAME` and `difficulty::N` (the apkg export's, under any prefix) set those fields.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from quiz.errors import QuizError
from quiz.importer.anki import CLOZE, apply_tags, cloze_draft
from quiz.importer.common import Draft, Read, markdown, read_answer_side

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "colon": ":", "space": " "}
QUESTION_NAMES = ("front", "question", "text")
ANSWER_NAMES = ("back", "answer", "back extra", "extra")


def read(path: Path, text: str) -> Read:
    text = text.removeprefix("\ufeff")
    headers: dict[str, str] = {}
    lines = text.splitlines(keepends=True)
    body_start = 0
    for i, line in enumerate(lines):
        if not line.startswith("#") or ":" not in line:
            body_start = i
            break
        key, _, value = line[1:].rstrip("\r\n").partition(":")
        headers[key.strip().casefold()] = value
    else:
        body_start = len(lines)
    sep = headers.get("separator", "\t")
    sep = SEPARATORS.get(sep.strip().casefold(), sep[:1] or "\t")
    html = headers.get("html", "true").strip().casefold() != "false"
    columns = [c.strip() for c in headers["columns"].split(sep)] if "columns" in headers else []
    special: dict[str, int] = {}
    for key in ("notetype", "deck", "tags", "guid"):
        value = headers.get(f"{key} column", "").strip()
        if value.isdigit() and int(value) >= 1:
            special[key] = int(value) - 1
    field_columns = [i for i in range(max(len(columns), 2)) if i not in special.values()]
    names = [columns[i].casefold() if i < len(columns) else "" for i in field_columns]
    q_col = next((field_columns[names.index(n)] for n in QUESTION_NAMES if n in names), field_columns[0])
    rest = [c for c in field_columns if c != q_col]
    a_col = next((field_columns[names.index(n)] for n in ANSWER_NAMES if n in names), rest[0] if rest else -1)
    out = Read(deck=headers.get("deck", "").strip() or None)
    common_tags = headers.get("tags", "").split()
    extra = [columns[c] for c in field_columns if c not in (q_col, a_col) and c < len(columns)]
    body = "".join(lines[body_start:])
    rows = csv.reader(io.StringIO(body, newline=""), delimiter=sep, quotechar='"')
    try:
        for n, row in enumerate(rows, body_start + 1):
            if not row or not any(c.strip() for c in row):
                continue

            def get(col: int, row: list[str] = row) -> str:
                return row[col] if 0 <= col < len(row) else ""

            where = f"{path.name}: line {n}"
            note_type = get(special["notetype"]) if "notetype" in special else headers.get("notetype", "")
            front, back = get(q_col), get(a_col)
            if not html:
                front, back = _escape(front), _escape(back)
            if "cloze" in note_type.strip().casefold() or CLOZE.search(front):
                draft = cloze_draft(front, back, where)
            else:
                draft = Draft(markdown(front), "", where)
                read_answer_side(back, draft)
            tags = common_tags + get(special["tags"]).split() if "tags" in special else list(common_tags)
            apply_tags(draft, tags)
            if "deck" in special and "::" in get(special["deck"]) and draft.topic is None:
                draft.topic = get(special["deck"]).rsplit("::", 1)[-1].strip()
            if "deck" in special and out.deck is None:
                out.deck = get(special["deck"]).split("::", 1)[0].strip() or None
            out.drafts.append(draft)
    except csv.Error as exc:
        raise QuizError(f"{path}: not Anki's text format ({exc}).") from None
    if extra and out.drafts:
        out.skipped.append(f"{path.name}: column(s) {', '.join(extra)} not carried")
    return out


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")
