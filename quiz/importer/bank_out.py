"""Drafts to a bank folder: ids, numbers and topics settled over every file, then `bank.yaml`
and the media written into a folder that did not exist.

- id: the one the file carried (quiz's own exports carry it) when it is a valid slug not yet
  taken, else made from the question's first words (`what-is-dependency-injection`), with
  `-2`, `-3` for a repeat;
- number: the one carried when it is free, else the next free one;
- tags: the topic first (the bank reads a question's topic from its first tag), then the
  rest, each once;
- key points: as carried (only the bank's own json/yaml carry them), else none: `quiz validate`
  lists the questions that need them.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.importer.common import Draft, Read
from quiz.model import BUILTIN_DEMOS, CONTROL, MAX_TEXT, SLUG

ID_WORDS = 6
MAX_ID = 60


def slug(text: str, fallback: str = "question") -> str:
    """Lowercase ASCII words joined by `-`: `What is CORS?` -> `what-is-cors`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words[:ID_WORDS]:
        if len(out) + len(word) + 1 > MAX_ID:
            break
        out = f"{out}-{word}" if out else word
    return out or fallback


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base[:MAX_ID - 1 - len(str(n))]}-{n}"
    taken.add(name)
    return name


def _text(value: str | None) -> str | None:
    """The text as written (control characters but tab and newline dropped); None when blank."""
    if value is None or not value.strip():
        return None
    return CONTROL.sub("", value.replace("\r\n", "\n"))


def questions(drafts: list[Draft], skipped: list[str], made: dict[int, str] | None = None
              ) -> list[dict[str, Any]]:
    """The drafts as bank-format questions; one that cannot be a question is named in `skipped`;
    `made` receives each draft's (by `id()`) question id."""
    usable = []
    for d in drafts:
        question, answer = _text(d.question), _text(d.answer)
        if not question or not answer:
            skipped.append(f"{d.where}: no {'question' if not question else 'answer'} text, not imported")
        elif max(len(question), len(answer)) > MAX_TEXT:
            skipped.append(f"{d.where}: a text longer than {MAX_TEXT // 1024} KB, not imported")
        else:
            d.question, d.answer = question, answer
            usable.append(d)
    ids: set[str] = set()
    carried = [d.id if d.id and SLUG.match(d.id) and len(d.id) <= 80 else None for d in usable]
    for i, qid in enumerate(carried):  # carried ids first, so a made one never takes a carried one
        if qid is not None and qid not in ids:
            ids.add(qid)
        else:
            carried[i] = None
    numbers = {d.number for d in usable if d.number is not None and d.number >= 1}
    used: set[int] = set()
    next_number = 1
    out = []
    for d, qid in zip(usable, carried, strict=True):
        if d.number is not None and d.number >= 1 and d.number not in used:
            number = d.number
        else:
            while next_number in used or next_number in numbers:
                next_number += 1
            number = next_number
        used.add(number)
        tags = [t for t in (_text(t) for t in ([d.topic] if d.topic else []) + d.tags) if t]
        item: dict[str, Any] = {
            "id": qid or _unique(slug(d.question), ids),
            "number": number,
            "question": d.question,
            "answer": d.answer,
            "key_points": d.key_points,
            "tags": list(dict.fromkeys(tags)),
        }
        if made is not None:
            made[id(d)] = item["id"]
        if d.difficulty in (1, 2, 3):
            item["difficulty"] = d.difficulty
        for name in ("demo", "errata"):
            value = _text(getattr(d, name))
            if name == "demo" and value and not _builtin_demo(value):
                skipped.append(f"{d.where}: its demo '{value}' is code the file does not hold "
                               "(copy it into the bank's demos/ and add `demo:`), left out")
            elif value:
                item[name] = value
        if d.pitfalls:
            item["pitfalls"] = d.pitfalls
        for name in ("follow_ups", "references"):
            values = [v for v in (_text(x) for x in getattr(d, name)) if v]
            if values:
                item[name] = values
        options = [{k: _text(v) if isinstance(v, str) else v for k, v in c.items()} for c in d.choices]
        if options and all(c["text"] and len(c["text"]) <= MAX_TEXT for c in options):
            item["choices"] = options
        out.append(item)
    return out


def _builtin_demo(name: str) -> bool:
    """Whether a `demo` value names a built-in demo (the one kind an imported bank can run)."""
    return SLUG.match(name) is not None and (BUILTIN_DEMOS / f"{name.replace('-', '_')}.py").is_file()


def bank_data(reads: list[Read], deck: str | None, bank_id: str | None, fallback: str) -> dict[str, Any]:
    """The bank: `bank_id`, `deck` (given, else the first file's, else `fallback`), questions."""
    skipped = [line for r in reads for line in r.skipped]
    drafts = [d for r in reads for d in r.drafts]
    deck = deck or next((r.deck for r in reads if r.deck), None) or fallback
    bank_id = bank_id or next((r.bank_id for r in reads if r.bank_id), None) or slug(deck, "imported")
    made: dict[int, str] = {}
    items = questions(drafts, skipped, made)
    out = {"bank_id": bank_id, "deck": deck, "questions": items, "skipped": skipped}
    if pitfalls := [p for r in reads for p in _bank_pitfalls(r, made, skipped)]:
        out["pitfalls"] = pitfalls
    return out


def _bank_pitfalls(read: Read, made: dict[int, str], skipped: list[str]) -> list[dict[str, Any]]:
    """A file's own bank-wide pitfalls, each listed under the questions it names by their ids here."""
    named = {d.id: made[id(d)] for d in reversed(read.drafts) if d.id and id(d) in made}  # the first
    out = []
    for raw in read.pitfalls:
        pitfall = dict(raw)
        if isinstance(pitfall.get("questions"), list):
            gone = [i for i in pitfall["questions"] if i not in named]
            if gone:
                skipped.append(f"the pitfall '{pitfall.get('claim')}': question {', '.join(map(str, gone))} "
                               "is not imported, not listed there")
            pitfall["questions"] = [named[i] for i in pitfall["questions"] if i in named]
        out.append(pitfall)
    return out


def media_name(name: str) -> str | None:
    """A media file's name as it may be written in the bank's `media/` folder, or None."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if not base or base.startswith(".") or CONTROL.search(base) or len(base.encode()) > 200:
        return None
    return base


def write_bank(out: Path, data: dict[str, Any], media: dict[str, bytes]) -> Path:
    """Write `bank.yaml` (and `media/`) into the new folder `out`; an existing `out` is an error.

    The folder is made first (which fails if anything took the name), and removed again if a
    write fails, so nothing is left half written and nothing of anyone's is touched.
    """
    import yaml

    from quiz.export.json_yaml import _dumper

    body = {k: data[k] for k in ("bank_id", "deck", "pitfalls", "questions") if k in data}
    text = yaml.dump(body, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    head = ("# A quiz bank made by quiz import. Check it: quiz validate DIR. Key points left empty\n"
            "# are yours to write: validate names each question that needs them.\n")
    try:
        out.mkdir()
    except FileExistsError:
        raise QuizError(f"{out} already exists: give a new folder with -o (an import never writes "
                        "into an existing one).") from None
    except FileNotFoundError:
        raise QuizError(f"Cannot make {out}: the folder {out.parent} does not exist.") from None
    try:
        (out / "bank.yaml").write_text(head + str(text), encoding="utf-8")
        if media:
            (out / "media").mkdir()
            for name, content in media.items():
                (out / "media" / name).write_bytes(content)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return out / "bank.yaml"
