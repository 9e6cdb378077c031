"""The bank itself, as JSON or as YAML: `{bank_id, deck, facts, pitfalls, questions}` in the bank
format (the bank-wide pitfalls once, each with the questions it is listed under).

Every field a question has is written (`Question.to_dict`), numbers included, so loading
the export gives the same questions; the YAML passes `quiz validate` and works as
`quiz --bank FILE`. Multi-line text is written as YAML literal blocks (`|`) where YAML
allows it, quoted otherwise: the text read back is always the text written. The dumper
is PyYAML's safe one, so only plain data can come out. The bank's id travels with it, so
progress and Anki notes stay the bank's. A question's demo is written as the bank names it:
a demo file of the bank's own is not in this one file (`--format bank -o DIR` copies it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from quiz.export import ExportOptions

if TYPE_CHECKING:
    from quiz.model import Question


def bank_data(questions: Sequence[Question], options: ExportOptions) -> dict[str, Any]:
    out: dict[str, Any] = {"bank_id": options.bank_id, "deck": options.deck}
    facts = dict.fromkeys(f for q in questions for f in q.facts)  # the bank's, once
    if facts:
        out["facts"] = [f.to_dict() for f in facts]
    pitfalls = dict.fromkeys(p for q in questions for p in q.bank_pitfalls)
    if pitfalls:  # with where each is listed: the questions exported (a subset exports a subset)
        ids, tags = {q.id for q in questions}, {t for q in questions for t in q.tags}
        out["pitfalls"] = [replace(p, questions=tuple(i for i in p.questions if i in ids),
                                   tags=tuple(t for t in p.tags if t in tags)).to_dict(placed=True)
                           for p in pitfalls]
    return {**out, "questions": [q.to_dict() for q in questions]}


def render_json(questions: Sequence[Question], options: ExportOptions) -> str:
    return json.dumps(bank_data(questions, options), indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def _dumper() -> Any:
    import yaml

    base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class Dumper(base):  # type: ignore[misc]
        pass

    def text(dumper: Any, value: str) -> Any:
        style = "|" if "\n" in value.strip("\n") else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    def short_list(dumper: Any, value: list[Any]) -> Any:
        flow = all(isinstance(v, str) and "\n" not in v for v in value) and len(repr(value)) < 80
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)

    Dumper.add_representer(str, text)
    Dumper.add_representer(list, short_list)
    return Dumper


def render_yaml(questions: Sequence[Question], options: ExportOptions) -> str:
    import yaml

    body = yaml.dump(bank_data(questions, options), Dumper=_dumper(), sort_keys=False,
                     allow_unicode=True, width=100, default_flow_style=False)
    head = "# A quiz bank. Check it: quiz validate FILE. Use it: quiz --bank FILE list\n"
    return head + str(body)
