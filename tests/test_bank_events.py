"""A bank file read event by event (no YAML node tree, ~120 MB for 10,000 questions): the same
bank, problems and positions as reading the whole document."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from quiz.bank import validate_paths


def write(tmp_path: Path, text: str, name: str = "bank.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


TRICKY = """\
deck: Tricky
bank_id: tricky
contrasts: [[sync, async]]
questions:
  - {id: flow, question: "Flow style?", answer: 'Yes.', key_points: [{point: F, terms: [f]}], demo: no.py}
  - id: block
    question: >-
      Folded
      over lines?
    answer: |2
        Indented by an indicator.
      Back.
    # a comment between fields
    key_points:
      - point: Has no terms
    tags: [x, "y: z"]
    difficulty: 2
  - id: block
    number: 7
    question: Duplicate id, a demo that is not there?
    answer: Plain
      over two lines.
    key_points:
      - point: P
        terms: [p]
    demo: nowhere.py
  - id: bad
    question: 12
    answer: A number as a question.
    key_points: []
  - id: last
    question: Null and a date?
    answer: ~
    key_points: [{point: Q, terms: [q]}]
    tags: [2024-01-01]
"""


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """parse_file and the combiner, event by event, then the whole document: what each gives."""
    from quiz.bank import yamlfile
    from quiz.bank.loading import load_files

    def walk(node: Any) -> list[tuple[Any, ...]]:
        out, stack = [], [node]
        while stack:
            n = stack.pop()
            out.append((type(n).__name__, n.tag, n.start_mark.line, n.start_mark.column,
                        n.value if isinstance(n.value, str) else None))
            stack += [c for kv in n.value for c in (kv if isinstance(kv, tuple) else (kv,))] \
                if isinstance(n.value, list) else []
        return out

    seen = []
    for whole in (False, True):
        if whole:
            monkeypatch.setattr(yamlfile, "_parse_events", lambda *a: None)
        problems: list[Any] = []
        parsed = yamlfile.parse_file(path, problems)
        assert parsed is not None
        entries = [(e.line, e.raw, e.data, walk(e.node)) for e in parsed.questions]
        bank, found = load_files([path])
        seen.append((entries, problems, parsed.deck, parsed.bank_id, parsed.vocabulary, parsed.facts,
                     None if parsed.deck_node is None else parsed.deck_node.start_mark.line,
                     [(q.id, q.num, q.line, q.question, q.answer, q.key_points, q.tags, q.difficulty)
                      for q in bank.questions], found))
    return seen


def test_a_file_read_event_by_event_is_the_whole_documents(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from quiz.bank import yamlfile

    read: set[Path] = set()  # files the event reader read (not left to the whole document)
    real = yamlfile._parse_events

    def events(path: Path, *args: Any) -> Any:
        parsed = real(path, *args)
        if parsed is not None:
            read.add(path)
        return parsed

    monkeypatch.setattr(yamlfile, "_parse_events", events)
    tricky = write(tmp_path, TRICKY)
    files = [tricky, *Path("questions").glob("*.yaml"), *Path("banks").glob("*/*.yaml")]
    for path in files:
        with monkeypatch.context() as m:
            fast, whole = both_ways(path, m)
        assert fast == whole, path
        if path == tricky:
            found = fast[-1]
    assert read == set(files)  # each was read event by event, then as a whole
    assert {(p.line, p.column, p.field, p.severity) for p in found} >= {
        (5, 101, "flow.demo", "error"),  # no such demo file, in a flow mapping
        (15, 9, "block.key_points[0].terms", "warning"),
        (18, 9, "id", "error"),  # `id: block` again: at the duplicate's id
        (28, 15, "bad.question", "error"),  # a number
        (35, 12, "last.tags[0]", "error"),  # a date
    }


def test_what_the_event_reader_leaves_goes_the_whole_documents_way(tmp_path: Path) -> None:
    from quiz.bank import yamlfile

    base = "deck: D\nquestions:\n  - id: a\n    question: Q?\n    answer: A.\n"
    for text in (base + "    tags: &t [x]\n",  # an anchor
                 "x: &a 1\ny: *a\n" + base,  # an alias
                 base + "    tags: !!set {x: null}\n",  # a collection's tag
                 base + "    key_points: [{point: P, terms: [p]}]\n    answer: again\n",  # a duplicate key
                 base.replace("questions:", "? [complex]\n: key\nquestions:"),  # a key that is not text
                 "- id: a\n  question: Q?\n"):  # a bare list
        path = write(tmp_path, text)
        loader = yamlfile._loader_class()(path.read_text(encoding="utf-8"))
        with pytest.raises(yamlfile._Slow):
            yamlfile._read_events(loader)
        loader.dispose()
    dup = write(tmp_path, base + "    answer: again\n")
    _, problems = validate_paths([dup])
    assert any("duplicate key 'answer'" in p.message and p.line == 6 for p in problems)
