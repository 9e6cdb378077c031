"""`quiz import`: decks, spreadsheets and LMS exports into a bank folder, one module per format.

    from quiz.importer import import_files
    result = import_files([Path("deck.apkg")], Path("my-bank"))

Each module reads one file into a `Read` (drafts, what it could not carry, media);
`bank_out` settles ids, numbers and topics over all of them and writes the folder. The
format comes from the file name, or `fmt` for every file.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.importer.common import Read

#: format name -> (module, the file name endings that imply it, binary)
FORMATS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "apkg": ("quiz.importer.anki", (".apkg", ".colpkg"), True),
    "anki-tsv": ("quiz.importer.anki_tsv", (".tsv", ".txt"), False),
    "csv": ("quiz.importer.csv_", (".csv",), False),
    "gift": ("quiz.importer.gift", (".gift",), False),
    "moodle-xml": ("quiz.importer.moodle_xml", (".xml",), False),
    "json": ("quiz.importer.json_yaml", (".json",), False),
    "yaml": ("quiz.importer.json_yaml", (".yaml", ".yml"), False),
}
MAX_INPUT = 1 << 30  # one file: 1 GB at most


@dataclass
class Imported:
    """What an import made: the bank file, its counts, and what was not carried."""

    bank_file: Path
    bank_id: str
    deck: str
    questions: int
    media: int
    skipped: list[str]
    need_key_points: int

    def to_dict(self) -> dict[str, Any]:
        return {"bank": str(self.bank_file), "bank_id": self.bank_id, "deck": self.deck,
                "questions": self.questions, "media": self.media, "not_carried": self.skipped,
                "need_key_points": self.need_key_points}


def format_of(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise QuizError(f"There is no import format '{fmt}'. Formats: {', '.join(FORMATS)}.")
        return fmt
    name = path.name.lower()
    for key, (_, suffixes, _) in FORMATS.items():
        if name.endswith(suffixes):
            return key
    raise QuizError(f"{path}: cannot tell its format from the name; give --format "
                    f"({', '.join(FORMATS)}).")


def read_file(path: Path, fmt: str | None = None, mapping: dict[str, str] | None = None) -> Read:
    """One file's drafts, in its format."""
    name = format_of(path, fmt)
    module_name, _, binary = FORMATS[name]
    if not path.is_file():
        raise QuizError(f"{path}: no such file." if not path.exists() else f"{path}: not a file.")
    if path.stat().st_size > MAX_INPUT:
        raise QuizError(f"{path}: larger than {MAX_INPUT >> 30} GB, not read.")
    data = path.read_bytes()
    module = importlib.import_module(module_name)
    if binary:
        result: Read = module.read(path, data)
        return result
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuizError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again.") \
            from None
    result = module.read(path, text, mapping) if name == "csv" else module.read(path, text)
    return result


def import_files(paths: list[Path], out: Path, *, fmt: str | None = None,
                 mapping: dict[str, str] | None = None,
                 deck: str | None = None, bank_id: str | None = None) -> Imported:
    """Read every file, then write the bank folder `out` (which must not exist)."""
    from quiz.importer.bank_out import bank_data, write_bank

    if out.exists() or out.is_symlink():
        raise QuizError(f"{out} already exists: give a new folder with -o (an import never writes "
                        "into an existing one).")
    reads = [read_file(p, fmt, mapping) for p in paths]
    data = bank_data(reads, deck, bank_id, out.name)
    media: dict[str, bytes] = {}
    for r in reads:
        for name, content in r.media.items():
            if name in media and media[name] != content:
                data["skipped"].append(f"media file {name!r}: two different files of this name, "
                                       "the first kept")
                continue
            media[name] = content
    if not data["questions"]:
        raise QuizError("Nothing to import: no question was found in "
                        + ", ".join(str(p) for p in paths) + "."
                        + ("".join(f"\n  {line}" for line in data["skipped"])))
    bank_file = write_bank(out, data, media)
    return Imported(bank_file, data["bank_id"], data["deck"], len(data["questions"]), len(media),
                    data["skipped"], sum(1 for q in data["questions"] if not q["key_points"]))
