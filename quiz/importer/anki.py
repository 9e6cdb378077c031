"""An Anki package (.apkg, or a whole collection .colpkg), read with the standard library
(zipfile, sqlite3) and zstandard: no Anki needed.

The package holds the collection as SQLite: `collection.anki21b` (current Anki: zstd
compressed, schema 18, note types and decks in their own tables), or `collection.anki21` /
`collection.anki2` (the legacy export: note types and decks as JSON in the `col` table).
Media are zip members named by number, listed in `media`: JSON (legacy) or a zstd-compressed
protobuf `MediaEntries` (current), each member zstd compressed too.

Notes become questions by their note type's fields: the question is the field named Front,
Question or Text (else the first), the answer the one named Back or Answer (else the
second); quiz's own note type gives back its errata, follow-ups, common mistakes, demo, id and
number. A Cloze note type's text becomes the question with each deletion as `[...]` (or its
hint), the deletions the answer, its Back Extra appended. Topic: a `topic::NAME` tag, else the
note's subdeck (`Deck::NAME`), else its first tag. Media a note shows (`<img src>`,
`[sound:...]`) are copied into the bank's `media/` folder and linked from its Markdown. Any
other field that holds text, and a note type with a single field, is named, not carried.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, unquote

from quiz.errors import QuizError
from quiz.importer.bank_out import media_name
from quiz.importer.common import Draft, Read, markdown, pitfalls_from, read_answer_side

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MAX_COLLECTION = 4 << 30  # a collection bigger than this once decompressed is refused (a zip bomb)
MAX_MEDIA = 1 << 30  # the media a deck's notes use, all together once unpacked: more is refused
CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
QUESTION_FIELDS = ("front", "question", "text")
ANSWER_FIELDS = ("back", "answer")
EXTRA_FIELDS = ("back extra", "extra")
OWN_FIELDS = {"errata", "follow-ups", "common mistakes", "source", "demo", "key points"}


# --- what the TSV reader shares -----------------------------------------------------------


def apply_tags(draft: Draft, tags: list[str]) -> None:
    """Anki tags into the draft: `[prefix::]topic::NAME` sets the topic, `[prefix::]difficulty::N`
    the difficulty; the rest are its tags (without the prefix those two carried)."""
    prefixes = set()
    rest = []
    for tag in tags:
        parts = tag.split("::")
        if len(parts) >= 2 and parts[-2].casefold() == "topic" and parts[-1]:
            draft.topic = draft.topic or parts[-1]
            prefixes.add("::".join(parts[:-2]))
        elif len(parts) >= 2 and parts[-2].casefold() == "difficulty" and parts[-1] in ("1", "2", "3"):
            draft.difficulty = int(parts[-1])
            prefixes.add("::".join(parts[:-2]))
        elif tag:
            rest.append(tag)
    prefix = next(iter(prefixes)) if len(prefixes) == 1 else ""
    draft.tags = [t.removeprefix(f"{prefix}::") if prefix else t for t in rest]


def cloze_draft(text: str, extra: str, where: str) -> Draft:
    """A Cloze note: the text with its deletions hidden is the question, the deletions the answer."""
    deletions = [m.group(2) for m in CLOZE.finditer(text)]
    question = CLOZE.sub(lambda m: f"[{m.group(3) or '...'}]", text)
    answers = [markdown(d) for d in deletions]
    answer = answers[0] if len(answers) == 1 else "\n".join(f"- {a}" for a in answers)
    if extra.strip():
        answer = f"{answer}\n\n{markdown(extra)}"
    return Draft(markdown(question), answer, where)


# --- protobuf, as little as the two messages read here need --------------------------------


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def proto_fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: varints as int, length-delimited as bytes."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        kind = key & 7
        value: int | bytes
        if kind == 0:
            value, i = _varint(buf, i)
        elif kind == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif kind in (1, 5):
            size = 8 if kind == 1 else 4
            value, i = buf[i:i + size], i + size
        else:
            raise ValueError(f"protobuf wire type {kind}")
        yield key >> 3, value


# --- the package ----------------------------------------------------------------------------


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()


def _media_map(zf: zipfile.ZipFile) -> dict[str, str]:
    """Media file name -> zip member."""
    try:
        raw = zf.read("media")
    except KeyError:
        return {}
    if raw.startswith(ZSTD_MAGIC):
        out = {}
        for index, (number, entry) in enumerate(proto_fields(_zstd(raw))):
            if number != 1 or not isinstance(entry, bytes):
                continue
            fields = dict(proto_fields(entry))
            name, legacy = fields.get(1), fields.get(255)
            if isinstance(name, bytes):
                out[name.decode("utf-8", "replace")] = str(legacy if isinstance(legacy, int) else index)
        return out
    data = json.loads(raw.decode("utf-8") or "{}")
    return {str(name): str(member) for member, name in data.items()} if isinstance(data, dict) else {}


def _collection(zf: zipfile.ZipFile, path: Path, folder: Path) -> Path:
    names = set(zf.namelist())
    kinds = ("collection.anki21b", "collection.anki21", "collection.anki2")  # the newest first
    member = next((n for n in kinds if n in names), None)
    if member is None:
        raise QuizError(f"{path}: not an Anki package (no collection inside).")
    target = folder / "collection.db"
    with zf.open(member) as source, target.open("wb") as sink:
        if member.endswith("b"):
            import zstandard

            with zstandard.ZstdDecompressor().stream_reader(source) as reader:
                _copy_bounded(reader, sink, path)
        else:
            _copy_bounded(source, sink, path)
    return target


def _copy_bounded(source: Any, sink: Any, path: Path) -> None:
    total = 0
    while chunk := source.read(1 << 20):
        total += len(chunk)
        if total > MAX_COLLECTION:
            raise QuizError(f"{path}: the collection inside is larger than {MAX_COLLECTION >> 30} GB.")
        sink.write(chunk)


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


class _NoteType:
    def __init__(self, name: str, cloze: bool, fields: list[str]):
        self.name, self.cloze, self.fields = name, cloze, fields
        lowered = [f.casefold() for f in fields]
        self.question = next((lowered.index(n) for n in QUESTION_FIELDS if n in lowered), 0)
        others = [i for i in range(len(fields)) if i != self.question]
        self.answer = next((lowered.index(n) for n in ANSWER_FIELDS + EXTRA_FIELDS if n in lowered),
                           others[0] if others else -1)
        self.own = {n: lowered.index(n) for n in OWN_FIELDS if n in lowered}
        used = {self.question, self.answer, *self.own.values()}
        self.extra = [i for i in range(len(fields)) if i not in used]


def _note_types(db: sqlite3.Connection) -> dict[int, _NoteType]:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    out: dict[int, _NoteType] = {}
    if "notetypes" in tables:
        fields: dict[int, list[tuple[int, str]]] = {}
        for ntid, ord_, name in db.execute("SELECT ntid, ord, name FROM fields"):
            fields.setdefault(ntid, []).append((ord_, name))
        for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
            kind = dict(proto_fields(config or b"")).get(1, 0)
            out[ntid] = _NoteType(name, kind == 1, [n for _, n in sorted(fields.get(ntid, []))])
    else:
        (models,) = db.execute("SELECT models FROM col").fetchone()
        for ntid, model in json.loads(models).items():
            flds = sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))
            out[int(ntid)] = _NoteType(model.get("name", "?"), model.get("type") == 1,
                                       [f.get("name", "") for f in flds])
    return out


def _decks(db: sqlite3.Connection) -> dict[int, str]:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "decks" in tables:
        return {i: name.replace("\x1f", "::") for i, name in db.execute("SELECT id, name FROM decks")}
    (decks,) = db.execute("SELECT decks FROM col").fetchone()
    return {int(i): d.get("name", "") for i, d in json.loads(decks).items()}


_IMG = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^"'\s>]+))""", re.IGNORECASE)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")


def _link_media(html: str, known: dict[str, str], used: set[str]) -> str:
    """The field with its media pointing into the bank's `media/` folder; `used` gets their names."""

    def image(m: re.Match[str]) -> str:
        name = unquote(next(g for g in m.groups()[1:] if g is not None))
        safe = media_name(name) if name in known else None
        if safe is None:
            return m.group(0)
        used.add(name)
        return f'{m.group(1)}"media/{quote(safe)}"'

    def sound(m: re.Match[str]) -> str:
        name = m.group(1)
        safe = media_name(name) if name in known else None
        if safe is None:
            return m.group(0)
        used.add(name)
        return f'<a href="media/{quote(safe)}">{safe}</a>'

    return _SOUND.sub(sound, _IMG.sub(image, html))


def read(path: Path, data: bytes) -> Read:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise QuizError(f"{path}: not an Anki package (not a zip file).") from None
    folder = Path(tempfile.mkdtemp(prefix="quiz-import-"))
    try:
        with zf:
            db_path = _collection(zf, path, folder)
            try:
                media = _media_map(zf)
            except (ValueError, IndexError):
                media = {}
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
            try:
                db.create_collation("unicase", _unicase)
                out = _read_notes(db, path, media)
            except sqlite3.DatabaseError as exc:
                raise QuizError(f"{path}: the collection inside cannot be read ({exc}).") from None
            finally:
                db.close()
            _read_media(zf, path, media, out)
        return out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read_media(zf: zipfile.ZipFile, path: Path, media: dict[str, str], out: Read) -> None:
    """The media the notes use, unpacked into `out.media`; all together at most MAX_MEDIA bytes
    (a QuizError past it, before anything is written)."""
    import zstandard

    room = MAX_MEDIA
    for name in list(out.media):
        member = media.get(name)
        safe = media_name(name)
        del out.media[name]
        try:
            content = None
            if member:
                with zf.open(member) as f:
                    if cast("zipfile.ZipExtFile", f).peek(4)[:4] == ZSTD_MAGIC:  # current Anki: zstd files
                        with zstandard.ZstdDecompressor().stream_reader(f) as reader:
                            content = _read_upto(reader, room + 1)
                    else:
                        content = _read_upto(f, room + 1)
        except KeyError:
            content = None
        except (zipfile.BadZipFile, zstandard.ZstdError, OSError) as exc:
            raise QuizError(f"{path}: the media file {name!r} inside cannot be read ({exc}).") from None
        if content is None or safe is None:
            out.skipped.append(f"{path.name}: media file {name!r} is missing from the package")
            continue
        room -= len(content)
        if room < 0:
            raise QuizError(f"{path}: the media its notes use come to more than {_size(MAX_MEDIA)} once "
                            "unpacked, so nothing was imported: split the deck, or remove its largest "
                            "media in Anki, and export it again.")
        out.media[safe] = content


def _read_upto(source: Any, limit: int) -> bytes:
    """At most `limit` bytes of a stream (a read may return fewer than asked: read on to the end)."""
    parts, total = [], 0
    while total < limit and (chunk := source.read(min(limit - total, 1 << 20))):
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def _size(n: int) -> str:
    return f"{n / 2**30:g} GB" if n >= 1 << 30 else f"{n / 2**20:g} MB" if n >= 1 << 20 else f"{n:,} bytes"


def _read_notes(db: sqlite3.Connection, path: Path, media: dict[str, str]) -> Read:
    types = _note_types(db)
    decks = _decks(db)
    note_deck = dict(db.execute("SELECT nid, MIN(did) FROM cards GROUP BY nid"))
    out = Read()
    used: set[str] = set()
    skipped_types: dict[str, int] = {}
    extra_fields: dict[tuple[str, str], int] = {}
    top_decks: dict[str, int] = {}
    for nid, mid, tags, flds in db.execute("SELECT id, mid, tags, flds FROM notes ORDER BY id"):
        nt = types.get(mid)
        values = flds.split("\x1f")
        if nt is None or (not nt.cloze and len(nt.fields) < 2):
            label = nt.name if nt else f"id {mid}"
            skipped_types[label] = skipped_types.get(label, 0) + 1
            continue
        values = [_link_media(v, media, used) for v in values] + [""] * max(0, len(nt.fields) - len(values))
        where = f"{path.name}: note {nid}"
        if nt.cloze:
            extra = values[nt.answer] if nt.answer >= 0 and nt.answer != nt.question else ""
            draft = cloze_draft(values[nt.question], extra, where)
        else:
            draft = Draft(markdown(values[nt.question]), "", where)
            read_answer_side(values[nt.answer], draft)
            _own_fields(nt, values, draft)
        for i in nt.extra:
            if values[i].strip():
                key = (nt.name, nt.fields[i])
                extra_fields[key] = extra_fields.get(key, 0) + 1
        apply_tags(draft, tags.split())
        deck = decks.get(note_deck.get(nid, -1), "")
        top, _, sub = deck.partition("::")
        if top:
            top_decks[top] = top_decks.get(top, 0) + 1
        if draft.topic is None and sub:
            draft.topic = sub.rsplit("::", 1)[-1]
        out.drafts.append(draft)
    out.deck = max(top_decks, key=lambda d: top_decks[d]) if top_decks else None
    out.skipped += [f"{path.name}: note type {name!r} has a single field: {n} note(s) not imported"
                    if name in {t.name for t in types.values()} else
                    f"{path.name}: {n} note(s) of an unknown note type ({name}) not imported"
                    for name, n in skipped_types.items()]
    out.skipped += [f"{path.name}: field {field!r} of note type {name!r} not carried ({n} note(s))"
                    for (name, field), n in extra_fields.items()]
    out.media = dict.fromkeys(sorted(used), b"")
    return out


def _own_fields(nt: _NoteType, values: list[str], draft: Draft) -> None:
    """What quiz's own note type carries besides the question and the answer."""
    own = {name: values[i] for name, i in nt.own.items()}
    if own.get("errata", "").strip():
        draft.errata = markdown(own["errata"])
    if own.get("follow-ups", "").strip():
        items = re.findall(r"<li>(.*?)</li>", own["follow-ups"], re.DOTALL)
        draft.follow_ups = [markdown(li) for li in items]
    if own.get("common mistakes", "").strip():
        from bs4 import BeautifulSoup

        draft.pitfalls = pitfalls_from(BeautifulSoup(own["common mistakes"], "html.parser"))
    demo = re.search(r"demo ([\w-]+)\s*$", markdown(own.get("demo", "")).strip("` "))
    if demo:
        draft.demo = demo.group(1)
    if own.get("source", "").strip():
        probe = Draft("", "", draft.where)
        read_answer_side(f"<p>{own['source']}</p>", probe)
        draft.id, draft.number, draft.references = probe.id, probe.number, probe.references
