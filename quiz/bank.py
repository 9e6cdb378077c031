"""Question banks: YAML loading with file:line:column errors, selection.

A bank is a YAML file or a folder of them (read in name order). Every problem of every file
is collected before anything is reported, so an author sees them all at once.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import yaml

from quiz import __version__
from quiz.errors import NotFoundError, QuizError
from quiz.model import BUILTIN_BANK, BUILTIN_DEMOS, KeyPoint, Question, resolve_demo
from quiz.paths import cache_dir

__all__ = [
    "BUILTIN_BANK",
    "BUILTIN_DEMOS",
    "Bank",
    "BankError",
    "KeyPoint",
    "Problem",
    "Question",
    "bank_paths",
    "did_you_mean",
    "load_bank",
    "matches",
    "resolve_demo",
    "validate_paths",
]

BANK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of the validator, printed as `file:line:column: field: message`."""

    file: str
    line: int
    column: int
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        label = "" if self.severity == "error" else "warning: "
        fld = f"{self.field}: " if self.field else ""
        return f"{where}: {label}{fld}{self.message}"


class BankError(QuizError):
    """A bank that does not load; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        first = errors[0] if errors else self.problems[0]
        more = len(errors) - 1
        tail = f" (and {more} more problem{'s' * (more != 1)}; run `quiz validate`)" if more else ""
        super().__init__(f"{first}{tail}")


@dataclass
class Bank:
    """The questions of one or more bank files, in order."""

    questions: list[Question]
    deck: str = "FastAPI Advanced Interview"
    sources: list[Path] = field(default_factory=list)
    bank_id: str = ""  # the bank's identity for progress and Anki notes; by default from `deck`

    def __post_init__(self) -> None:
        if not self.bank_id:
            self.bank_id = derive_bank_id(self.deck)

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Any:
        return iter(self.questions)

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    @property
    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions})

    @property
    def tags(self) -> list[str]:
        return sorted({t for q in self.questions for t in q.tags})

    def get(self, ref: str | int) -> Question:
        """A question by number or id; an unknown one raises with the closest ids."""
        text = str(ref).strip()
        for q in self.questions:
            if q.id == text or (text.isdigit() and q.num == int(text)):
                return q
        if text.isdigit():
            nums = [q.num for q in self.questions]
            span = f"{min(nums)} to {max(nums)}" if nums else "none"
            raise NotFoundError(f"There is no question {text}: numbers run {span}.")
        raise NotFoundError(f"There is no question '{text}'.{did_you_mean(text, self.ids)}")

    def topic_names(self, names: Iterable[str]) -> list[str]:
        """Topics as the bank spells them, whatever the case given; an unknown one raises."""
        return _canonical(names, self.topics, "topic")

    def tag_names(self, names: Iterable[str]) -> list[str]:
        """Tags as the bank spells them, whatever the case given; an unknown one raises."""
        return _canonical(names, self.tags, "tag")

    def select(
        self,
        *,
        topics: Iterable[str] = (),
        tags: Iterable[str] = (),
        ids: Iterable[str] = (),
        search: str | None = None,
    ) -> list[Question]:
        """The questions matching every filter given (each filter: any of its values).

        Topics and tags match whatever their case; `search` as `matches` says.
        """
        topics, tags = self.topic_names(topics), self.tag_names(tags)
        wanted = {self.get(i).id for i in ids}
        out = []
        for q in self.questions:
            if topics and q.topic not in topics:
                continue
            if tags and not set(tags) & set(q.tags):
                continue
            if wanted and q.id not in wanted:
                continue
            if search and not matches(q, search):
                continue
            out.append(q)
        return out


def _canonical(names: Iterable[str], known: list[str], what: str) -> list[str]:
    by_fold = {k.casefold(): k for k in known}
    out = []
    for name in names:
        if (found := by_fold.get(name.strip().casefold())) is None:
            raise NotFoundError(f"There is no {what} '{name}'.{did_you_mean(name, known)}")
        out.append(found)
    return out


def _squash(text: str) -> str:
    """Casefolded, without spaces, hyphens and underscores: "Web-Socket" and "websocket" meet."""
    return re.sub(r"[\s_-]+", "", text.casefold())


def matches(q: Question, search: str) -> list[str]:
    """Where `search` occurs in `q`: some of question, id, answer, key point, tag (in that
    order); empty when nowhere. Case, spaces, hyphens and underscores are ignored."""
    needle = _squash(search)
    if not needle:
        return []
    fields = {
        "question": [q.question],
        "id": [q.id],
        "answer": [q.answer],
        "key point": [t for kp in q.key_points for t in (kp.point, *kp.terms)],
        "tag": list(q.tags),
    }
    return [name for name, texts in fields.items() if any(needle in _squash(t) for t in texts)]


def derive_bank_id(deck: str) -> str:
    """A stable identity from a deck name: `FastAPI Advanced Interview` -> `fastapi-advanced-interview`."""
    slug = re.sub(r"[^a-z0-9]+", "-", deck.casefold()).strip("-")
    return slug or "bank"


def did_you_mean(text: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(text, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return " Did you mean " + ", ".join(f"'{c}'" for c in close) + "?"


# --- loading ---------------------------------------------------------------------------


def bank_files(path: Path) -> list[Path]:
    """The YAML files of a bank path (a file, or a folder read recursively in name order)."""
    if not path.exists():
        raise QuizError(f"No bank at {path}: no such file or folder.")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.suffix in BANK_SUFFIXES and p.is_file())
    if not files:
        raise QuizError(f"No bank files (*.yaml, *.yml) in {path}.")
    return files


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _node_at(node: yaml.Node, loc: Sequence[int | str]) -> yaml.Node:
    """The YAML node a pydantic error location points at (the nearest one that exists)."""
    import yaml

    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _error_node(root: yaml.Node, err: Any) -> yaml.Node:
    """Where an error points: the value, or for an unknown field the key itself."""
    import yaml

    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        parent = _node_at(root, loc[:-1])
        if isinstance(parent, yaml.MappingNode):
            for key, _ in parent.value:
                if key.value == loc[-1]:
                    return key  # type: ignore[no-any-return]
    return _node_at(root, loc)


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "too_short" and err["loc"] and err["loc"][-1] == "key_points":
        return "needs at least one key point"
    msg = str(err["msg"])
    return msg[0].lower() + msg[1:] if msg else msg


def _problem(path: Path, node: yaml.Node, fld: str, message: str, severity: Any = "error") -> Problem:
    mark = node.start_mark
    return Problem(_display(path), mark.line + 1, mark.column + 1, fld, message, severity)


def _fieldname(loc: Sequence[int | str]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bank is parsed (or a demo's tour runs).

    Parsing builds hundreds of thousands of small objects that stay alive, and each
    collection walks them all again: on a 10,000-question bank the collector took three
    quarters of the time. Nothing parsed here forms a cycle worth collecting early.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Parsed:
    path: Path
    deck: str | None
    questions: list[tuple[dict[str, Any], yaml.Node]]
    bank_id: str | None = None


def _parse_file(path: Path, problems: list[Problem]) -> _Parsed | None:
    """Read and validate one file; every problem goes to `problems` with its position."""
    import yaml
    from pydantic import ValidationError

    from quiz.schema import BankFileSchema, QuestionSchema

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(_display(path), 1, 1, "", f"cannot read the file: {exc}"))
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        if root is None:
            problems.append(Problem(_display(path), 1, 1, "", "the file is empty"))
            return None
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or str(exc)
        problems.append(Problem(_display(path), line, col, "", f"YAML syntax error: {what}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(_display(path), 1, 1, "", f"YAML error: {exc}"))
        return None
    finally:
        loader.dispose()
    if isinstance(data, list):  # a bare list of questions is accepted too
        data = {"questions": data}
        root = yaml.MappingNode(
            "tag:yaml.org,2002:map", [(yaml.ScalarNode("", "questions"), root)], start_mark=root.start_mark
        )
    if not isinstance(data, dict):
        problems.append(_problem(path, root, "", "a bank file holds a mapping with `questions:`"))
        return None
    try:
        bank_file = BankFileSchema.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(_problem(path, _error_node(root, err), _fieldname(err["loc"]), _message(err)))
        return None
    qnode = _node_at(root, ["questions"])
    parsed: list[tuple[dict[str, Any], yaml.Node]] = []
    for i, raw in enumerate(bank_file.questions):
        node = _node_at(qnode, [i])
        try:
            q = QuestionSchema.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                fld = _fieldname(["questions", i, *err["loc"]])
                problems.append(_problem(path, _error_node(node, err), fld, _message(err)))
            continue
        parsed.append((q.model_dump(), node))
    return _Parsed(path, bank_file.deck, parsed, bank_file.bank_id)


def load_files(files: Sequence[Path]) -> tuple[Bank, list[Problem]]:
    """Load bank files into one bank; returns it with every problem found (errors and warnings)."""
    problems: list[Problem] = []
    with gc_paused():
        parsed = [p for f in files if (p := _parse_file(f, problems)) is not None]
        return _combine(parsed, files, problems)


def _combine(
    parsed: list[_Parsed], files: Sequence[Path], problems: list[Problem]
) -> tuple[Bank, list[Problem]]:
    """One bank from the parsed files: numbers by position, duplicates, demo warnings."""
    questions: list[Question] = []
    seen_ids: dict[str, tuple[Path, yaml.Node]] = {}
    seen_nums: dict[int, tuple[Path, yaml.Node]] = {}
    position = 0
    for pf in parsed:
        source = pf.path.resolve()
        for data, node in pf.questions:
            position += 1
            if data["number"] is None:
                data["number"] = position
            qid, num = data["id"], data["number"]
            if qid in seen_ids:
                other, onode = seen_ids[qid]
                msg = f"duplicate id '{qid}' (also at {_display(other)}:{onode.start_mark.line + 1})"
                problems.append(_problem(pf.path, _node_at(node, ["id"]), "id", msg))
                continue
            if num in seen_nums:
                other, onode = seen_nums[num]
                msg = f"duplicate number {num} (also at {_display(other)}:{onode.start_mark.line + 1})"
                problems.append(_problem(pf.path, _node_at(node, ["number"]), "number", msg))
                continue
            seen_ids[qid] = seen_nums[num] = (pf.path, node)
            q = Question.from_dict(data, source, node.start_mark.line + 1)
            for i, kp in enumerate(q.key_points):
                if not kp.terms:
                    problems.append(
                        _problem(
                            pf.path,
                            _node_at(node, ["key_points", i]),
                            f"key_points[{i}].terms",
                            "no terms: the point is matched on its own words only",
                            "warning",
                        )
                    )
            if q.demo and q.demo_path() is None:
                problems.append(
                    _problem(
                        pf.path,
                        _node_at(node, ["demo"]),
                        "demo",
                        f"names no demo file: '{q.demo}'",
                        "warning",
                    )
                )
            questions.append(q)
    questions.sort(key=lambda q: q.num)
    deck = next((pf.deck for pf in parsed if pf.deck), None) or "FastAPI Advanced Interview"
    bank_id = next((pf.bank_id for pf in parsed if pf.bank_id), None) or ""
    return Bank(questions, deck, list(files), bank_id), sorted(problems)


def validate_paths(paths: Sequence[Path]) -> tuple[Bank, list[Problem]]:
    """Every problem of every file under `paths`, errors and warnings, in file order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            files.extend(bank_files(path))
        except QuizError as exc:
            problems.append(Problem(_display(path), 0, 0, "", str(exc)))
    bank, found = load_files(files)
    return bank, problems + found


# --- the cache: a validated bank as JSON, keyed by its files' paths, sizes and times -------


def _cache_file(files: Sequence[Path]) -> Path:
    stamp = [__version__]
    for f in files:
        st = f.stat()
        stamp.append(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(stamp).encode()).hexdigest()[:24]
    return cache_dir() / f"bank-{digest}.json"


def _read_cache(path: Path) -> Bank | None:
    try:
        with gc_paused():
            data = json.loads(path.read_text(encoding="utf-8"))
        questions = [Question.from_dict(q, Path(q["source"]), q["line"]) for q in data["questions"]]
        return Bank(questions, data["deck"], [Path(p) for p in data["sources"]], data["bank_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(path: Path, bank: Bank) -> None:
    data = {
        "bank_id": bank.bank_id,
        "deck": bank.deck,
        "sources": [str(p) for p in bank.sources],
        "questions": [{**q.to_dict(), "source": str(q.source), "line": q.line} for q in bank],
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only cache folder only costs speed
        tmp.unlink(missing_ok=True)


def bank_paths(explicit: Sequence[Path] | None = None) -> list[Path]:
    """The bank paths in force: `--bank` options, else QUIZ_BANK, else the built-in bank."""
    if explicit:
        return list(explicit)
    env = os.environ.get("QUIZ_BANK", "").strip()
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [BUILTIN_BANK]


def load_bank(paths: Sequence[Path] | None = None) -> Bank:
    """Load the bank in force; any error (not a warning) raises BankError with all of them.

    A bank that loaded cleanly before is read back from the cache (no YAML, no pydantic)
    until one of its files changes.
    """
    files = [f for p in bank_paths(paths) for f in bank_files(p)]
    try:
        cached: Path | None = _cache_file(files)
    except OSError:
        cached = None
    if cached is not None and (bank := _read_cache(cached)) is not None:
        return bank
    bank, problems = load_files(files)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BankError(errors)
    if cached is not None:
        _write_cache(cached, bank)
    return bank
