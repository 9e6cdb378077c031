"""The review log between devices: export it, import (merge) others', sync through a folder.

The log is JSON Lines, one review a line, oldest first:

    {"review_id":"0b7d…","bank_id":"quiz-fastapi","question_id":"middleware","rating":3,
     "score":80,"duration_ms":41234,"reviewed_at":"2026-11-30T09:12:03.123456Z","mode":"drill",
     "answer":"…"}

`review_id` is the UUID the review got when it was made: importing skips the reviews already
held, so importing twice changes nothing, and the cards an import touches are rebuilt by
replaying their whole log in time order (`Store.merge`), so two devices that swapped logs
hold the same cards with the same due dates. Unknown keys are ignored (a newer quiz may add
some). A file with a bad line is refused whole, its line named.

A sync folder holds one file per device, `quiz-progress-<device>.jsonl`: each device writes
only its own (every review it holds) and imports every other.
"""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quiz.errors import QuizError
from quiz.grading import Rating
from quiz.store import LogEntry, Merged

if TYPE_CHECKING:
    from pydantic import BaseModel

    from quiz.store import Store

DEVICE_FILE = "device-id"
PREFIX, SUFFIX = "quiz-progress-", ".jsonl"
_DEVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SHOWN = 3  # bad lines named in the error; the rest are counted


class LogError(QuizError):
    """A log file with bad lines: nothing of it was imported."""

    def __init__(self, path: Path, problems: Sequence[tuple[int, str]]):
        self.path = path
        self.problems = list(problems)
        named = "; ".join(f"{path}:{line}: {msg}" for line, msg in self.problems[:_SHOWN])
        more = len(self.problems) - _SHOWN
        tail = f" (and {more} more bad line{'s' * (more != 1)})" if more > 0 else ""
        super().__init__(f"{named}{tail}; nothing was imported from {path}.")


# --- lines ------------------------------------------------------------------------------------


def to_line(e: LogEntry) -> str:
    return json.dumps({
        "review_id": e.uuid, "bank_id": e.bank_id, "question_id": e.question_id, "rating": int(e.rating),
        "score": e.score, "duration_ms": e.duration_ms,
        "reviewed_at": e.reviewed_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "mode": e.mode, "answer": e.answer,
    }, ensure_ascii=False, separators=(",", ":"))


def to_lines(entries: Iterable[LogEntry]) -> Iterator[str]:
    for e in entries:
        yield to_line(e) + "\n"


_model: type[BaseModel] | None = None


def _line_model() -> type[BaseModel]:
    """The schema of one line (pydantic, built on first use: only import needs it)."""
    global _model
    if _model is None:
        from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

        from quiz.schema import SLUG_PATTERN

        class LogLine(BaseModel):
            model_config = ConfigDict(extra="ignore", strict=True)

            review_id: uuid.UUID
            bank_id: str = Field(pattern=SLUG_PATTERN, max_length=80)
            question_id: str = Field(pattern=SLUG_PATTERN, max_length=80)
            rating: int = Field(ge=1, le=4)
            reviewed_at: AwareDatetime
            score: int | None = Field(default=None, ge=0, le=100)
            duration_ms: int | None = Field(default=None, ge=0)
            mode: str = Field(default="drill", min_length=1, max_length=40)
            answer: str | None = None

        _model = LogLine
    return _model


def _problem(exc: Any) -> str:
    """The first error of a pydantic ValidationError, in words: `field: message`."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = str(first["msg"])
    if first["type"] == "json_invalid":
        return "not a JSON object (" + msg.removeprefix("Invalid JSON: ") + ")"
    if first["type"] == "model_type":
        return "not a JSON object"
    return f"{where}: {msg}" if where else msg


def parse_lines(lines: Iterable[bytes], path: Path) -> list[LogEntry]:
    """Every review of a log file's lines (blank lines skipped); LogError naming the bad ones."""
    from pydantic import ValidationError

    model = _line_model()
    entries: list[LogEntry] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            line: Any = model.model_validate_json(raw)
        except ValidationError as exc:
            problems.append((number, _problem(exc)))
            continue
        entries.append(LogEntry(str(line.review_id), line.bank_id, line.question_id, Rating(line.rating),
                                line.reviewed_at.astimezone(UTC), line.duration_ms, line.score, line.mode,
                                line.answer))
    if problems:
        raise LogError(path, problems)
    return entries


def read_log(path: Path) -> list[LogEntry]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuizError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return parse_lines(data.splitlines(), path)


# --- export, import ---------------------------------------------------------------------------


def write_log(store: Store, path: Path) -> int:
    """Write the whole log to `path`; the number of reviews written."""
    entries = store.log()
    _write(path, "".join(to_lines(entries)))
    return len(entries)


def _write(path: Path, text: str) -> None:
    """Atomically (a reader, or a sync tool, never sees half of it), a regular file only."""
    from quiz.fileio import write_file

    write_file(path, text.encode("utf-8"))


@dataclass(frozen=True)
class FileResult:
    """One file imported (`merged`), or refused (`error`: nothing of it was imported)."""

    path: Path
    merged: Merged | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        m = self.merged
        return {"file": str(self.path), "added": m.added if m else 0, "skipped": m.skipped if m else 0,
                "cards": m.cards if m else 0, "error": self.error}


def import_files(store: Store, paths: Iterable[Path]) -> list[FileResult]:
    """Merge each file's reviews into the store, a file at a time; a bad file is reported,
    the others imported. The collector is paused meanwhile: a log makes a few objects per
    review, all alive until the file is merged (100,000 reviews: 10% faster)."""
    from quiz.bank import gc_paused

    results = []
    for path in paths:
        with gc_paused():
            try:
                entries = read_log(path)
            except QuizError as exc:
                results.append(FileResult(path, error=str(exc)))
                continue
            results.append(FileResult(path, store.merge(entries)))
    return results


# --- sync through a folder --------------------------------------------------------------------


def device_id(home: Path) -> str:
    """This device's id, made once and kept in `home/device-id`: the host name and a random part."""
    path = home / DEVICE_FILE
    host = re.sub(r"[^a-z0-9]+", "-", socket.gethostname().casefold()).strip("-")[:24] or "device"
    try:
        home.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as f:  # "x": two processes at once keep one id
            f.write(f"{host}-{uuid.uuid4().hex[:8]}\n")
    except FileExistsError:
        pass
    except OSError as exc:
        raise QuizError(f"Cannot keep this device's id in {path}: {exc.strerror or exc}.") from exc
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuizError(f"Cannot read this device's id from {path}: {exc}.") from exc
    if not _DEVICE.match(text):
        raise QuizError(f"{path} does not hold a device id (lowercase letters, digits and dashes): "
                        "delete it and sync again to get a new one.")
    return text


@dataclass
class SyncReport:
    folder: Path
    device: str
    own: Path
    imported: list[FileResult] = field(default_factory=list)
    written: int | None = None  # reviews in this device's file; None: it was not written

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.imported if r.error]

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "device": self.device, "file": str(self.own),
                "imported": [r.to_json() for r in self.imported], "written": self.written}


def sync_folder(store: Store, folder: Path, device: str) -> SyncReport:
    """Import every device's file in `folder` (this one's too: it may hold what a reset or a
    lost database no longer does), then write this device's file with the merged log.

    This device's file is not written over when it could not be read.
    """
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "not there"
        raise QuizError(f"The sync folder {folder} is {what}: create the folder (one you keep in git, "
                        "Syncthing or Dropbox) and sync again.")
    own = folder / f"{PREFIX}{device}{SUFFIX}"
    report = SyncReport(folder, device, own)
    files = sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    report.imported = import_files(store, files)
    if any(r.path == own and r.error for r in report.imported):
        return report
    text = "".join(to_lines(store.log()))
    try:
        same = own.is_file() and own.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        same = False
    if not same:  # an unchanged file is left alone: no churn in git or the sync tool
        _write(own, text)
    report.written = text.count("\n")
    return report
