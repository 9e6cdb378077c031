"""One row per question, for spreadsheets and Quizlet-style imports (RFC 4180 CSV).

The first two columns are the question and its answer (Markdown, as written), the pair a
flash-card tool maps to term and definition. Lists (key points, follow-ups, references)
hold one item per line, tags are separated by commas. `pitfalls` holds the question's
common mistakes as JSON (a list of `{claim, terms, correction, since?, reference?}`, as in
the bank), so an import gets every field back. Quoting is the csv module's: a cell
with a comma, a quote or a line break is quoted, quotes doubled.

Spreadsheets run a cell that begins with `=`, `+`, `-` or `@` as a formula: such a cell is
written with a leading apostrophe (`'=...`), which stays visible in the cell (LibreOffice
Calc shows it as text, as the file says) and `unguard` strips (a cell that already begins
with an apostrophe and such a character gets one more).

The file starts with a UTF-8 byte order mark unless `bom` is off (`--no-bom`): without it,
Excel reads the file in the system's legacy code page and `café` shows as `cafÃ©`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from quiz.export import ExportOptions
from quiz.export import html as h

if TYPE_CHECKING:
    from quiz.model import Question

COLUMNS = ["question", "answer", "key_points", "id", "number", "topic", "tags", "difficulty",
           "demo", "errata", "follow_ups", "references", "pitfalls"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    risky = cell.startswith(_FORMULA_START) or (cell.startswith("'") and cell[1:].startswith(_FORMULA_START))
    return "'" + cell if risky else cell


def unguard(cell: str) -> str:
    """The cell as it was before `guard`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def row(q: Question) -> list[str]:
    cells = [
        q.question,
        q.answer,
        "\n".join(k.shown for k in q.key_points),
        q.id,
        str(q.num),
        q.topic,
        ", ".join(q.tags),
        str(q.difficulty),
        q.demo or "",
        q.errata or "",
        "\n".join(q.follow_ups),
        "\n".join(q.references),
        json.dumps([p.to_dict() for p in q.listed_pitfalls], ensure_ascii=False) if q.listed_pitfalls else "",
    ]
    return [guard(h.clean(c)) for c in cells]


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    buffer = io.StringIO()
    if options.bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(row(q) for q in questions)
    return buffer.getvalue()
