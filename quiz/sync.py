"""The review log between devices: export it, import (merge) others', sync through a folder.

The log is JSON Lines, one review a line, oldest first:

    {"review_id":"0b7d…","bank_id":"quiz-fastapi","question_id":"middleware","rating":3,
     "score":80,"duration_ms":41234,"reviewed_at":"2026-11-30T09:12:03.123456Z","mode":"drill",
     "answer":"…"}

`review_id` is the UUID the review got when it was made: importing skips the reviews already
held, so importing twice changes nothing, and the cards an import touches are rebuilt by
replaying their whole log in time order (`Store.merge`), so two devices that swapped logs
hold the same cards with the same due dates. Unknown keys are ignored (a newer quiz may add
some). A file with a bad line is refused whole, its line named; so is one holding a review whose
id is held with other content (a conflict, both lines shown). A file is read a line at a time:
memory does not grow with it.

After the reviews, one line per exercise solved (`quiz practice`), oldest first:

    {"bank_id":"quiz-fastapi","exercise_id":"process-time","solved_at":"2026-11-30T09:20:00.000000Z"}

Importing adds the solves not held and keeps the earlier time of those held, so two devices
that swapped logs show the same exercises solved. A log without them (an older quiz's) imports
as before; a quiz older than this refuses a log that holds them (it reads reviews only).

A sync folder holds one file per device, `quiz-progress-<device>.jsonl`: each device writes
only its own (every review it holds) and imports every other.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from quiz.errors import QuizError
from quiz.grading import Rating
from quiz.model import MAX_TEXT
from quiz.store import LogEntry, MergeConflict, Merged, Solve

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

    from quiz.store import Store

DEVICE_FILE = "device-id"
PREFIX, SUFFIX = "quiz-progress-", ".jsonl"
_DEVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SHOWN = 3  # bad lines named in the error; the rest are counted
MAX_SOLVES = 100_000  # exercises solved one file may hold (memory stays bounded while it is read)
#: Review times are refused outside these bounds: one peer's clock set to 2100 would bury a
#: card for a lifetime, and a year-1 time overflows once shown in a local time zone.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE = timedelta(days=1)
#: No line holding a review is longer: an answer of MAX_TEXT characters, each at most 12 bytes
#: of JSON (a surrogate pair written as two \\u escapes), and the other fields.
MAX_LINE = 12 * MAX_TEXT + 4096


class LogError(QuizError):
    """A log file with bad lines: nothing of it was imported."""

    def __init__(self, path: Path, problems: Sequence[tuple[int, str]], total: int | None = None):
        self.path = path
        self.problems = list(problems)[:_SHOWN]
        named = "; ".join(f"{path}:{line}: {msg}" for line, msg in self.problems)
        more = (len(problems) if total is None else total) - len(self.problems)
        tail = f" (and {more} more bad line{'s' * (more != 1)})" if more > 0 else ""
        super().__init__(f"{named}{tail}; nothing was imported from {path}.")


# --- lines ------------------------------------------------------------------------------------


def to_line(e: LogEntry) -> str:
    return json.dumps({
        "review_id": e.uuid, "bank_id": e.bank_id, "question_id": e.question_id, "rating": int(e.rating),
        "score": e.score, "duration_ms": e.duration_ms,
        "reviewed_at": e.reviewed_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "mode": e.mode, "answer": e.answer,
        **({"overrides": json.loads(e.overrides)} if e.overrides else {}),
    }, ensure_ascii=False, separators=(",", ":"))


def solve_line(s: Solve) -> str:
    return json.dumps({
        "bank_id": s.bank_id, "exercise_id": s.exercise_id,
        "solved_at": s.solved_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
    }, ensure_ascii=False, separators=(",", ":"))


def to_lines(entries: Iterable[LogEntry | Solve]) -> Iterator[str]:
    for e in entries:
        yield (solve_line(e) if isinstance(e, Solve) else to_line(e)) + "\n"


def log_lines(store: Store, count: Count) -> Iterator[str]:
    """The lines of `to_lines(store_lines(store))`, the same text, made from the stored rows
    without a LogEntry and a datetime per review: a time stored as `_iso` writes it is the
    line's, "+00:00" written "Z" (once it reads back). Counted in `count`."""
    from quiz.store import _canonical, _held

    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    fromisoformat = datetime.fromisoformat
    ratings = {1, 2, 3, 4}
    with store._readable():  # a review that does not read back: the words of iter_log
        for row in store.log_rows():
            u, b, q, r, t, d, s, m, a, o = row
            if not (type(t) is str and _canonical(t) and fromisoformat(t) and r in ratings and type(u) is str
                    and type(b) is str and type(q) is str):
                yield to_line(_held(row)) + "\n"
            elif o:
                yield dumps({"review_id": u, "bank_id": b, "question_id": q, "rating": r, "score": s,
                             "duration_ms": d, "reviewed_at": t[:-6] + "Z", "mode": m, "answer": a,
                             "overrides": json.loads(o)}) + "\n"
            else:
                yield dumps({"review_id": u, "bank_id": b, "question_id": q, "rating": r, "score": s,
                             "duration_ms": d, "reviewed_at": t[:-6] + "Z", "mode": m, "answer": a}) + "\n"
            count.n += 1
    for solve in store.iter_solves():
        count.solves += 1
        yield solve_line(solve) + "\n"


def store_lines(store: Store) -> Iterator[LogEntry | Solve]:
    """What the log carries: every review, oldest first, then every exercise solved."""
    yield from store.iter_log()
    yield from store.iter_solves()


_model: TypeAdapter[Any] | None = None
_solve_model: type[BaseModel] | None = None


def _line_model() -> TypeAdapter[Any]:
    """The schema of one review's line (pydantic, built on first use: only import needs it).
    A TypedDict, not a model: validating into a dict is 3x faster than building a model."""
    global _model, _solve_model
    if _model is None:
        from typing import Annotated, NotRequired

        from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter
        from typing_extensions import TypedDict  # pydantic's choice below Python 3.12

        from quiz.model import SLUG_PATTERN

        slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]

        class LogLine(TypedDict):
            __pydantic_config__ = ConfigDict(extra="ignore", strict=True)  # type: ignore[misc]

            review_id: uuid.UUID
            bank_id: slug
            question_id: slug
            rating: Annotated[int, Field(ge=1, le=4)]
            reviewed_at: AwareDatetime
            score: NotRequired[Annotated[int | None, Field(ge=0, le=100)]]
            duration_ms: NotRequired[Annotated[int | None, Field(ge=0, le=2**63 - 1)]]  # SQLite's INTEGER
            mode: NotRequired[Annotated[str, Field(min_length=1, max_length=40)]]
            # a bank's limit for a text
            answer: NotRequired[Annotated[str | None, Field(max_length=MAX_TEXT)]]
            # "I said this"
            overrides: NotRequired[Annotated[list[dict[str, Any]] | None, Field(max_length=100)]]

        class SolveLine(BaseModel):
            model_config = ConfigDict(extra="ignore", strict=True)

            bank_id: str = Field(pattern=SLUG_PATTERN, max_length=80)
            exercise_id: str = Field(pattern=SLUG_PATTERN, max_length=80)
            solved_at: AwareDatetime

        _model, _solve_model = TypeAdapter(LogLine), SolveLine
    return _model


def _problem(exc: Any) -> str:
    """The first error of a pydantic ValidationError, in words: `field: message`."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = str(first["msg"])
    if first["type"] == "json_invalid":
        return "not a JSON object (" + msg.removeprefix("Invalid JSON: ") + ")"
    if first["type"] in ("model_type", "dict_type"):
        return "not a JSON object"
    return f"{where}: {msg}" if where else msg


def _when(value: datetime, now: datetime) -> datetime:
    """A review's time in UTC, within bounds every later step can use; ValueError in words."""
    try:
        when = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value.isoformat()} is out of range once converted to UTC") from None
    if when < EARLIEST:
        raise ValueError(f"{value.isoformat()} is before {EARLIEST.year}")
    if when > now + FUTURE:
        raise ValueError(f"{value.isoformat()} is more than a day in the future "
                         "(a clock set wrong where it was written?)")
    return when


class LogReader:
    """The reviews of one log file, read a line at a time, with its problems (`file:line:
    field: message`) and how far the file has been read (`done` bytes of `size`)."""

    def __init__(self, path: Path, now: datetime):
        self.path = path
        self.now = now
        self.problems: list[tuple[int, str]] = []  # the first few, named in the error
        self.bad = 0  # bad lines, all counted
        self.done = 0
        self.size = 0
        self.solves: dict[tuple[str, str], datetime] = {}  # (bank, exercise): the earliest solve read

    def solved(self) -> list[Solve]:
        return [Solve(b, e, t) for (b, e), t in self.solves.items()]

    def entries(self) -> Iterator[LogEntry]:
        """Every review of the file (blank lines skipped), nothing more once a line is bad;
        LogError at the end if any was."""
        from pydantic import ValidationError

        validate = _line_model().validate_json
        ratings = {int(r): r for r in Rating}
        with open_log(self.path) as f:
            self.size = os.fstat(f.fileno()).st_size
            for number, raw in enumerate(_lines(f), 1):
                if raw is None:
                    self._bad(number, f"longer than {MAX_LINE // 1024} KiB: not a review")
                    continue
                self.done += len(raw)
                if not raw.strip():
                    continue
                try:
                    line: dict[str, Any] = validate(raw)
                    when = _when(line["reviewed_at"], self.now)
                except ValidationError as exc:
                    if b'"exercise_id"' in raw:  # not a review: an exercise solved?
                        self._solve(number, raw)
                    else:
                        self._bad(number, _problem(exc))
                    continue
                except ValueError as exc:
                    self._bad(number, f"reviewed_at: {exc}")
                    continue
                if not self.bad:
                    marks = line.get("overrides")
                    yield LogEntry(str(line["review_id"]), line["bank_id"], line["question_id"],
                                   ratings[line["rating"]], when, line.get("duration_ms"), line.get("score"),
                                   line.get("mode", "drill"), line.get("answer"), line=number,
                                   overrides=None if marks is None else json.dumps(marks, ensure_ascii=False))
        if self.bad:
            raise LogError(self.path, self.problems, self.bad)

    def _solve(self, number: int, raw: bytes) -> None:
        """A line holding an exercise solved: kept (the earliest time of each), or a bad line."""
        from pydantic import ValidationError

        assert _solve_model is not None
        try:
            line: Any = _solve_model.model_validate_json(raw)
            when = _when(line.solved_at, self.now)
        except ValidationError as exc:
            self._bad(number, _problem(exc))
            return
        except ValueError as exc:
            self._bad(number, f"solved_at: {exc}")
            return
        key = (line.bank_id, line.exercise_id)
        if key not in self.solves and len(self.solves) >= MAX_SOLVES:
            self._bad(number, f"more than {MAX_SOLVES:,} exercises solved: not a log quiz wrote")
        elif key not in self.solves or when < self.solves[key]:
            self.solves[key] = when

    def _bad(self, number: int, problem: str) -> None:
        """A bad line: counted, and kept to be named if it is among the first (memory stays bounded)."""
        self.bad += 1
        if len(self.problems) < _SHOWN:
            self.problems.append((number, problem))


def _lines(f: BinaryIO) -> Iterator[bytes | None]:
    """The file's lines, none longer than MAX_LINE in memory: a longer one is None."""
    while raw := f.readline(MAX_LINE + 1):
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while (rest := f.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield raw


def open_log(path: Path) -> BinaryIO:
    """`path` opened to read, a regular file only (a FIFO would wait for a writer forever)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise QuizError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    kind = stat.S_IFMT(os.fstat(fd).st_mode)
    if kind != stat.S_IFREG:
        os.close(fd)
        what = "a folder" if kind == stat.S_IFDIR else "not a regular file (a FIFO, device or socket)"
        raise QuizError(f"{path} is {what}: not reading it (name a log file).")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_log(path: Path, now: datetime | None = None) -> list[LogEntry]:
    return list(LogReader(path, now or datetime.now(UTC)).entries())


# --- export, import ---------------------------------------------------------------------------


def write_log(store: Store, path: Path) -> tuple[int, int]:
    """Write the whole log to `path`; the number of reviews and of exercises solved written."""
    from quiz.fileio import write_chunks

    count = Count()
    write_chunks(path, _chunked(log_lines(store, count)))
    return count.n, count.solves


class Count:
    """Counts the reviews (`n`) and the exercises solved (`solves`) that pass through it."""

    n = 0
    solves = 0

    def __call__(self, entries: Iterable[LogEntry | Solve]) -> Iterator[LogEntry | Solve]:
        for e in entries:
            if isinstance(e, Solve):
                self.solves += 1
            else:
                self.n += 1
            yield e


def _chunked(lines: Iterator[str], per_chunk: int = 1000) -> Iterator[bytes]:
    """`lines`, encoded, a thousand to a chunk."""
    while chunk := "".join(itertools.islice(lines, per_chunk)):
        yield chunk.encode("utf-8")


@dataclass(frozen=True)
class FileResult:
    """One file imported (`merged`), refused (`error`: nothing of it was imported), or not
    read at all (`ignored`: why)."""

    path: Path
    merged: Merged | None = None
    error: str | None = None
    ignored: str | None = None

    def to_json(self) -> dict[str, Any]:
        m = self.merged
        return {"file": str(self.path), "added": m.added if m else 0, "skipped": m.skipped if m else 0,
                "cards": m.cards if m else 0, "solved": m.solved if m else 0, "error": self.error,
                "ignored": self.ignored}


#: Called as a file is imported: (what is being done, done, total), in bytes of the file read,
#: then in cards rebuilt.
Progress = Callable[[str, int, int], None]


def import_file(store: Store, path: Path, now: datetime, progress: Progress | None = None) -> FileResult:
    """Merge one file's reviews into the store, streamed (memory does not grow with the file).
    A bad line, a review that conflicts with one held, or a file that cannot be read or merged
    leaves the store as it was: a FileResult with the error, never an exception."""
    reader = LogReader(path, now)

    def read() -> Iterator[LogEntry]:
        for n, e in enumerate(reader.entries()):
            if progress is not None and n % 1000 == 0:
                progress(f"Reading {path.name}", reader.done, reader.size)
            yield e

    def rebuilt(done: int, total: int) -> None:
        if progress is not None:
            progress(f"Rebuilding the cards of {path.name}", done, total)

    try:
        merged = store.merge(read(), progress=rebuilt, solves=reader.solved)
    except MergeConflict as exc:
        problems = [(e.line or 0, _conflict(e, held)) for e, held in exc.conflicts]
        return FileResult(path, error=str(LogError(path, problems, exc.total)))
    except QuizError as exc:
        return FileResult(path, error=str(exc))
    except OSError as exc:  # the file failed while being read (a disk error, a file cut short)
        return FileResult(path, error=f"Cannot read {path}: {exc.strerror or exc}; nothing was imported.")
    return FileResult(path, merged)


def _conflict(incoming: LogEntry, held: LogEntry) -> str:
    return (f"review_id: {incoming.uuid} is already held with other content: held {to_line(held)} , "
            f"here {to_line(incoming)}")


def import_files(store: Store, paths: Iterable[Path], now: datetime | None = None,
                 progress: Progress | None = None) -> list[FileResult]:
    """Merge each file's reviews into the store, a file at a time; a bad file is reported,
    the others imported."""
    now = now or datetime.now(UTC)
    return [import_file(store, path, now, progress) for path in paths]


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
    solved: int = 0  # exercises solved in this device's file

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.imported if r.error]

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "device": self.device, "file": str(self.own),
                "imported": [r.to_json() for r in self.imported], "written": self.written,
                "solved": self.solved}


def sync_folder(store: Store, folder: Path, device: str, now: datetime | None = None,
                progress: Progress | None = None) -> SyncReport:
    """Import every device's file in `folder` (this one's too: it may hold what a reset or a
    lost database no longer does), then write this device's file with the merged log.

    A file that is not a regular file, or a link that leads outside the folder, is not read
    (`ignored`). A bad file is reported and the others merged; this device's file is written
    unless it is itself one that could not be read.
    """
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "not there"
        raise QuizError(f"The sync folder {folder} is {what}: create the folder (one you keep in git, "
                        "Syncthing or Dropbox) and sync again.")
    now = now or datetime.now(UTC)
    own = folder / f"{PREFIX}{device}{SUFFIX}"
    report = SyncReport(folder, device, own)
    for path in sorted(folder.glob(f"{PREFIX}*{SUFFIX}")):
        why = _not_to_read(path, folder)
        result = FileResult(path, ignored=why) if why else import_file(store, path, now, progress)
        report.imported.append(result)
    if any(r.path == own and (r.error or r.ignored) for r in report.imported):
        return report
    from quiz.fileio import write_chunks

    count = Count()
    write_chunks(own, _chunked(log_lines(store, count)), keep_same=True)  # unchanged: no churn in git
    report.written, report.solved = count.n, count.solves
    return report


def _not_to_read(path: Path, folder: Path) -> str | None:
    """Why a file found in the sync folder is not read, if it is not: a special file, or a link
    that leads outside the folder (to /proc/self/environ, say)."""
    try:
        target = path.resolve(strict=True)
        inside = target.is_relative_to(folder.resolve(strict=True))
        regular = stat.S_ISREG(target.stat().st_mode)
    except (OSError, RuntimeError) as exc:
        return f"cannot be followed ({getattr(exc, 'strerror', None) or exc})"
    if not inside:
        return "a link to a file outside the sync folder"
    if not regular:
        return "not a regular file (a FIFO, device, socket or folder)"
    return None
