"""CSV with a header row: the columns named as the bank names its fields (`question`,
`answer`, `topic`, `tags`, ... as `quiz export --format csv` writes them), or mapped with
`--map question=Front`. A spreadsheet's formula guard (`'=...`) is taken off; tags are split
on commas; lists (follow-ups, references) hold one item a line; `pitfalls` is the bank's
JSON list. A column that is neither a field nor mapped is named once, not carried."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from quiz.errors import QuizError
from quiz.export.csv_ import unguard
from quiz.importer.common import Draft, Read

FIELDS = ("question", "answer", "id", "number", "topic", "tags", "difficulty", "demo", "errata",
          "follow_ups", "references", "pitfalls")
IGNORED = ("key_points",)  # written by the export as bare points: no terms to grade with


def read(path: Path, text: str, mapping: dict[str, str] | None = None) -> Read:
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # the header row's separator: Excel writes `;` in some locales
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(rows, None)
    if not header:
        raise QuizError(f"{path}: empty, or no header row (question,answer,topic,tags).")
    header = [h.strip() for h in header]
    columns: dict[str, int] = {}
    wanted = {f: f for f in FIELDS} | dict(mapping or {})
    lowered = {h.casefold(): i for i, h in enumerate(header)}
    for name, column in wanted.items():
        if column.casefold() in lowered:
            columns[name] = lowered[column.casefold()]
    for name in ("question", "answer"):
        if name not in columns:
            raise QuizError(f"{path}: no `{wanted[name]}` column (columns: {', '.join(header)}); "
                            f"name one with --map {name}=COLUMN.")
    out = Read()
    unused = [h for i, h in enumerate(header) if i not in columns.values() and h.casefold() not in IGNORED]
    out.skipped += [f"{path.name}: column `{h}` is not a bank field, not carried" for h in unused]

    for n, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = columns.get(name)
            return unguard(row[i]).strip() if i is not None and i < len(row) else ""

        draft = Draft(cell("question"), cell("answer"), f"{path.name}: row {n}", id=cell("id") or None,
                      topic=cell("topic") or None, demo=cell("demo") or None, errata=cell("errata") or None)
        draft.tags = [t.strip() for t in cell("tags").split(",") if t.strip()]
        draft.follow_ups = cell("follow_ups").splitlines()
        draft.references = cell("references").splitlines()
        for name in ("number", "difficulty"):
            if cell(name).isdigit():
                setattr(draft, name, int(cell(name)))
        if cell("pitfalls"):
            try:
                pitfalls = json.loads(cell("pitfalls"))
                draft.pitfalls = [p for p in pitfalls if isinstance(p, dict)]
            except (ValueError, TypeError):
                out.skipped.append(f"{draft.where}: the pitfalls cell is not the bank's JSON list, "
                                   "not carried")
        out.drafts.append(draft)
    return out
