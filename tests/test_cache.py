"""The bank cache (issue 20, items 13-14): the key is hashed from the bytes that are parsed, and
an entry holding what validation refuses is never served."""

from __future__ import annotations

import builtins
import io
import json
from pathlib import Path
from typing import Any

import pytest

from quiz.bank import load_bank

BANK = """\
questions:
  - id: only
    question: Which version is this?
    answer: {answer}
    key_points: [{{point: The version, terms: [version]}}]
    difficulty: 2
"""


def write_bank(folder: Path, answer: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bank.yaml"
    path.write_text(BANK.format(answer=answer), encoding="utf-8")
    return path


def test_a_file_changed_between_reads_is_never_stored_under_the_other_contents_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = write_bank(tmp_path / "bank", "Version A.")
    swapped = BANK.format(answer="Version B.")
    reads = {"n": 0}
    real_open, real_io_open = builtins.open, io.open

    def swap_after_first_read(opener: Any) -> Any:
        def wrapped(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            handle = opener(file, mode, *args, **kwargs)
            if str(file) == str(bank) and "r" in mode:
                reads["n"] += 1
                if reads["n"] == 1:  # the file changes right after it was first read
                    content = handle.read()
                    handle.close()
                    Path(bank).write_text(swapped, encoding="utf-8")  # pathlib's own write: not a read
                    return io.BytesIO(content) if "b" in mode else io.StringIO(content)
            return handle

        return wrapped

    with monkeypatch.context() as patched:
        patched.setattr(builtins, "open", swap_after_first_read(real_open))
        patched.setattr(io, "open", swap_after_first_read(real_io_open))
        first = load_bank([bank])
    assert reads["n"] >= 1
    bank.write_text(BANK.format(answer="Version A."), encoding="utf-8")  # A again: its key
    again = load_bank([bank])
    assert again.get("only").answer == "Version A."  # never B under A's key
    assert first.get("only").answer in ("Version A.", "Version B.")


@pytest.mark.parametrize(
    ("field", "value"),
    [("answer", "x" * 200_000), ("difficulty", 99), ("demo", "../../../outside.py"), ("number", 0),
     ("id", "Not An Id!")],
)
def test_an_edited_cache_entry_is_not_trusted(
    tmp_path: Path, quiz_home: Path, field: str, value: Any
) -> None:
    bank = write_bank(tmp_path / "bank", "The real answer.")
    (tmp_path / "outside.py").write_text("app = 1\ntour = 2\n", encoding="utf-8")
    load_bank([bank])
    [entry] = list((quiz_home / "cache").glob("bank-*.json"))
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["questions"][0][field] = value
    entry.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_bank([bank])
    q = loaded.questions[0]
    assert (q.id, q.answer, q.difficulty, q.demo, q.number) == ("only", "The real answer.", 2, None, 1)
