"""The bank cache (issue 20, items 13-14): the key is hashed from the bytes that are parsed, and
an entry holding what validation refuses is never served."""

from __future__ import annotations

import builtins
import io
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from quiz.bank import load_bank
from quiz.bank.cache import CachedQuestion

BANK = """\
questions:
  - id: only
    question: Which version is this?
    answer: {answer}
    key_points: [{{point: The version, terms: [version]}}]
    difficulty: 2
"""


def edit_entry(entry: Path, row: dict[str, Any] | None = None, rest: dict[str, Any] | None = None,
               index: int = 0) -> None:
    """Edit a cache entry on disk as someone with a text editor and zlib would: a question's row
    (its id or number on the first line, the rest of its row in its chunk of rows) or its rest
    (zlib-compressed JSON after the first line), the offsets kept right."""
    from quiz.bank.cache import CHUNK

    data = entry.read_bytes()
    first, body = data.split(b"\n", 1)
    header = json.loads(first)
    chunks = [json.loads(zlib.decompress(body[at:at + size])) for at, size in header["chunks"]]
    rows = {name: [v for c in chunks for v in c[name]] for name in chunks[0]}
    places = zip(rows["at"], rows["size"], strict=True)
    blobs = [json.loads(zlib.decompress(body[at:at + size])) for at, size in places]
    for name, value in (row or {}).items():
        {"id": header["ids"], "number": header["numbers"]}.get(name, rows.get(name, []))[index] = value
    blobs[index].update(rest or {})
    packed = [zlib.compress(json.dumps(b).encode()) for b in blobs]
    rows["at"] = [sum(len(p) for p in packed[:i]) for i in range(len(packed))]
    rows["size"] = [len(p) for p in packed]
    at = sum(rows["size"])
    new_chunks, header["chunks"] = [], []
    for start in range(0, len(packed), CHUNK):
        chunk = zlib.compress(json.dumps({k: v[start:start + CHUNK] for k, v in rows.items()},
                                         ensure_ascii=False).encode())
        header["chunks"].append([at, len(chunk)])
        new_chunks.append(chunk)
        at += len(chunk)
    entry.write_bytes(json.dumps(header, ensure_ascii=False).encode() + b"\n" + b"".join(packed)
                      + b"".join(new_chunks))


def the_entry(home: Path) -> Path:
    [entry] = list((home / "cache").glob("bank-*"))
    return entry


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
    edit = {"answer": value} if field == "answer" else None
    edit_entry(the_entry(quiz_home), None if edit else {field: value}, edit)
    loaded = load_bank([bank])
    q = loaded.questions[0]
    assert (q.id, q.answer, q.difficulty, q.demo, q.number) == ("only", "The real answer.", 2, None, 1)


def test_a_bank_read_back_from_the_cache_is_the_bank_that_was_parsed(quiz_home: Path) -> None:
    parsed = load_bank()
    cached = load_bank()
    assert all(isinstance(q, CachedQuestion) for q in cached)  # served from the cache
    assert not any(isinstance(q, CachedQuestion) for q in parsed)
    assert cached == parsed
    for a, b in zip(cached, parsed, strict=True):
        assert a.to_dict() == b.to_dict()
        assert (a.contrasts, a.synonyms, a.source, a.line, a.root) == (b.contrasts, b.synonyms, b.source,
                                                                       b.line, b.root)
        assert [k.subject for k in a.key_points] == [k.subject for k in b.key_points]
    assert (cached.deck, cached.bank_id, cached.sources, cached.written) == (
        parsed.deck, parsed.bank_id, parsed.sources, parsed.written)


def test_one_question_is_read_when_a_command_needs_one(quiz_home: Path) -> None:
    load_bank()
    bank = load_bank()
    q = bank.get(3)
    assert q.answer and q.key_points  # its rest, read now
    unread = [p for p in bank if "answer" in p.__dict__]
    assert unread == [q]
    assert [p.question for p in bank][:2] and bank.topics  # a list needs no rest at all
    assert [p for p in bank if "answer" in p.__dict__] == [q]


@pytest.mark.parametrize(
    ("row", "rest"),
    [({"question": "Raw \x1b[2J"}, None), ({"question": "Reversed \u202e text"}, None),
     ({"tags": ["ok", "bell\x07"]}, None), (None, {"answer": "Clear \x1b[2J"}),
     (None, {"answer": "Carriage\rreturn"}), (None, {"errata": "A\x9bC1 control"}),
     (None, {"answer": "x" * 10_000_000}), (None, {"key_points": []}),
     (None, {"pitfalls": [["only a claim"]]})],
)
def test_an_entry_holding_what_validation_refuses_is_parsed_again(
    tmp_path: Path, quiz_home: Path, row: dict[str, Any] | None, rest: dict[str, Any] | None
) -> None:
    bank = write_bank(tmp_path / "bank", "The real answer.")
    load_bank([bank])
    edit_entry(the_entry(quiz_home), row, rest)
    q = load_bank([bank]).questions[0]
    assert (q.question, q.tags, q.answer, q.errata, len(q.key_points), q.pitfalls) == (
        "Which version is this?", (), "The real answer.", None, 1, ())
    assert isinstance(load_bank([bank]).questions[0], CachedQuestion)  # stored again, sound


def test_a_backslash_u_written_in_a_bank_is_text_and_still_cached(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank", '"Escape codes look like \\\\u001b[2J or \\\\r in source."')
    first = load_bank([bank]).questions[0]
    again = load_bank([bank]).questions[0]
    assert first.answer == "Escape codes look like \\u001b[2J or \\r in source."
    assert isinstance(again, CachedQuestion) and again.answer == first.answer


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "other key"])
def test_a_damaged_entry_is_parsed_again(tmp_path: Path, quiz_home: Path, damage: str) -> None:
    bank = write_bank(tmp_path / "bank", "The real answer.")
    load_bank([bank])
    entry = the_entry(quiz_home)
    data = entry.read_bytes()
    entry.write_bytes({"truncated": data[:-5], "garbage": b"\x00\xff" * 50, "empty": b"",
                       "other key": data.replace(b'"key": "', b'"key": "0', 1)}[damage])
    assert load_bank([bank]).questions[0].answer == "The real answer."


def test_the_cap_never_evicts_the_bank_in_use(tmp_path: Path, quiz_home: Path) -> None:
    from quiz.bank import prune_cache

    big = write_bank(tmp_path / "big", "A long answer. " * 2000)
    load_bank([big])
    in_use = the_entry(quiz_home)
    small = write_bank(tmp_path / "small", "Short.")
    load_bank([small])  # newer than the big one
    prune_cache(quiz_home / "cache", max_bytes=1, in_use=in_use)
    assert [p.name for p in (quiz_home / "cache").iterdir()] == [in_use.name]
    assert isinstance(load_bank([big]).questions[0], CachedQuestion)


def test_a_shown_answer_is_rendered_once_and_printed_the_same(quiz_home: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "QUIZ_HOME": str(quiz_home), "COLUMNS": "90", "FORCE_COLOR": "1",
           "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    show = [sys.executable, "-m", "quiz", "show", "3"]
    first = subprocess.run(show, capture_output=True, text=True, env=env, check=True).stdout
    kept = list((quiz_home / "cache" / "screens").glob("*.json"))
    assert len(kept) == 2  # the answer and the errata
    again = subprocess.run([sys.executable, "-X", "importtime", *show[1:]], capture_output=True, text=True,
                           env=env, check=True)
    assert again.stdout == first  # the same bytes, colours and all
    imported = {line.split("|")[-1].strip() for line in again.stderr.splitlines()}
    assert "rich.markdown" not in imported and "pygments" not in imported  # nothing rendered again


def test_a_kept_rendering_holding_a_control_character_is_rendered_again(runner: Any, quiz_home: Path) -> None:
    from quiz.cli import app

    first = runner.invoke(app, ["show", "3"])
    assert first.exit_code == 0
    for kept in (quiz_home / "cache" / "screens").glob("*.json"):
        segments = json.loads(kept.read_text(encoding="utf-8"))
        segments[0][0] = "\x1b]52;c;aGVsbG8=\x07" + segments[0][0]
        kept.write_text(json.dumps(segments), encoding="utf-8")
    again = runner.invoke(app, ["show", "3"])
    assert again.exit_code == 0
    assert again.stdout == first.stdout and "\x1b" not in again.stdout


def test_the_list_is_kept_too_and_printed_the_same(quiz_home: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "QUIZ_HOME": str(quiz_home), "COLUMNS": "90", "FORCE_COLOR": "1",
           "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    for args in (["list"], ["list", "--search", "middleware"]):
        first = subprocess.run([sys.executable, "-m", "quiz", *args], capture_output=True, text=True, env=env,
                               check=True).stdout
        again = subprocess.run([sys.executable, "-X", "importtime", "-m", "quiz", *args], capture_output=True,
                               text=True, env=env, check=True)
        assert again.stdout == first and "middleware" in first
        imported = {line.split("|")[-1].strip() for line in again.stderr.splitlines()}
        assert "rich.table" not in imported  # printed as kept, not laid out again


# --- which entry, from the files' stat (device, inode, size, times) --------------------------------


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test count as settled at once (in use, a file changed in the last two
    seconds is read and hashed again: it could change again within the same timestamp)."""
    from quiz.bank import cache

    monkeypatch.setattr(cache, "RACY_NS", 0)


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    from quiz.bank import loading

    reads: list[Path] = []
    real = loading.read_bounded

    def reading(path: Path) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(loading, "read_bounded", reading)
    return reads


def test_a_bank_whose_files_stat_the_same_is_read_back_without_reading_them(
    tmp_path: Path, quiz_home: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = write_bank(tmp_path / "bank", "The real answer.")
    reads = count_reads(monkeypatch)
    load_bank([bank])  # parsed, stored, noted
    assert reads == [bank]
    again = load_bank([bank]).questions[0]
    assert reads == [bank]  # not read again: its stat is the one noted
    assert isinstance(again, CachedQuestion) and again.answer == "The real answer."


def edit_in_place(path: Path, text: str, keep_mtime: bool) -> None:
    """Write `text` into `path` itself (same inode), its modification time set back when asked;
    again until the change time moved (file times move in ticks)."""
    import os
    import time

    before = path.stat()
    while True:
        with path.open("r+b") as f:
            f.write(text.encode())
            f.truncate()
        if keep_mtime:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        if path.stat().st_ctime_ns != before.st_ctime_ns:
            return
        time.sleep(0.005)  # the same tick: write again (the outcome is checked, not the time)


@pytest.mark.parametrize(
    "edit",
    ["same size, touched", "same size and modification time", "other size, same modification time",
     "swapped for a file of the same size and modification time", "a file added to the folder"],
)
def test_an_edited_bank_is_read_again_never_served_stale(
    tmp_path: Path, quiz_home: Path, settled: None, edit: str
) -> None:
    import os

    bank = write_bank(tmp_path / "bank", "Version A.")
    assert load_bank([bank.parent]).questions[0].answer == "Version A."
    assert isinstance(load_bank([bank.parent]).questions[0], CachedQuestion)  # noted: served by its stat
    st = bank.stat()
    if edit == "same size, touched":
        edit_in_place(bank, BANK.format(answer="Version B."), keep_mtime=False)
        os.utime(bank, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    elif edit == "same size and modification time":
        edit_in_place(bank, BANK.format(answer="Version B."), keep_mtime=True)
    elif edit == "other size, same modification time":
        edit_in_place(bank, BANK.format(answer="Version B, longer."), keep_mtime=True)
    elif edit == "a file added to the folder":
        (bank.parent / "more.yaml").write_text(
            BANK.format(answer="Version B.").replace("id: only", "id: more"), encoding="utf-8")
    else:
        other = bank.with_name("other.yaml")
        other.write_text(BANK.format(answer="Version B."), encoding="utf-8")
        os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(other, bank)
    expected = {"other size, same modification time": ["Version B, longer."],
                "a file added to the folder": ["Version A.", "Version B."]}.get(edit, ["Version B."])
    assert [q.answer for q in load_bank([bank.parent])] == expected
    if edit != "other size, same modification time":
        assert bank.stat().st_size == st.st_size  # what the edit kept


def test_no_note_is_kept_for_a_file_that_just_changed(
    tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = write_bank(tmp_path / "bank", "The real answer.")  # changed now: within RACY_NS
    reads = count_reads(monkeypatch)
    load_bank([bank])
    assert isinstance(load_bank([bank]).questions[0], CachedQuestion)
    assert reads == [bank, bank]  # read and hashed each time: it could change within the same tick
    assert not list((quiz_home / "cache").glob("where-*"))


def test_a_note_for_a_damaged_entry_leads_to_a_parse(
    tmp_path: Path, quiz_home: Path, settled: None
) -> None:
    bank = write_bank(tmp_path / "bank", "The real answer.")
    load_bank([bank])
    edit_entry(the_entry(quiz_home), None, {"answer": "Clear \x1b[2J"})
    assert load_bank([bank]).questions[0].answer == "The real answer."
    [note] = list((quiz_home / "cache").glob("where-*"))
    note.write_text('{"stamps": [], "key": "x"}', encoding="utf-8")  # a note that fits no file
    assert load_bank([bank]).questions[0].answer == "The real answer."


def test_a_bank_named_another_way_is_read_back_under_its_name(
    tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = write_bank(tmp_path / "bank", "The real answer.")
    load_bank([bank])  # an absolute path
    monkeypatch.chdir(tmp_path)
    again = load_bank([Path("bank/bank.yaml")])  # the same file, relative
    assert isinstance(again.questions[0], CachedQuestion)
    assert again.sources == [Path("bank/bank.yaml")] and again.questions[0].source == bank.resolve()


def many_questions(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bank.yaml"
    path.write_text("questions:\n" + "".join(
        f"  - {{id: q{i}, question: Question {i}?, answer: Answer {i}., tags: [t{i % 3}],\n"
        f"     key_points: [{{point: Point {i}, terms: [point {i}]}}]}}\n" for i in range(1, count + 1)),
        encoding="utf-8")
    return path


def test_a_command_reads_only_the_chunk_of_rows_it_shows(
    tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quiz.bank import cache

    monkeypatch.setattr(cache, "CHUNK", 4)  # 10 questions: chunks of 4, 4 and 2 rows
    path = many_questions(tmp_path / "bank", 10)
    parsed = load_bank([path])
    bank = load_bank([path])
    assert bank.select() == bank.questions and bank.topic_names([]) == []  # no filter: no row read
    assert not [q.id for q in bank if "question" in q.__dict__]  # ids and numbers only, so far
    assert bank.get(6).question == "Question 6?"
    assert [q.id for q in bank if "question" in q.__dict__] == ["q5", "q6", "q7", "q8"]  # its chunk
    assert [q for q in bank if "answer" in q.__dict__] == []  # and no rest
    assert [(q.question, q.tags, q.line) for q in bank] == [(q.question, q.tags, q.line) for q in parsed]
    assert bank == parsed


def test_a_chunk_holding_what_validation_refuses_is_parsed_again(
    tmp_path: Path, quiz_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quiz.bank import cache

    monkeypatch.setattr(cache, "CHUNK", 4)
    path = many_questions(tmp_path / "bank", 10)
    load_bank([path])
    edit_entry(the_entry(quiz_home), {"question": "Raw \x1b[2J", "tags": ["bell\x07"]}, index=8)
    bank = load_bank([path])
    assert bank.get(1).question == "Question 1?" and isinstance(bank.get(1), CachedQuestion)
    assert (bank.get(9).question, bank.get(9).tags) == ("Question 9?", ("t0",))  # parsed again
    again = load_bank([path]).get(9)  # stored again by the parse, sound
    assert isinstance(again, CachedQuestion) and again.question == "Question 9?"
