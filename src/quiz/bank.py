"""Question banks: the pydantic models, YAML loading with file:line:column errors, selection.

A bank is a YAML file or a folder of them (read in name order). Every problem of every file
is collected before anything is reported, so an author sees them all at once.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from quiz.errors import NotFoundError, QuizError

PACKAGE_DIR = Path(__file__).resolve().parent
BUILTIN_BANK = PACKAGE_DIR / "questions"
BUILTIN_DEMOS = PACKAGE_DIR / "demos"
BANK_SUFFIXES = (".yaml", ".yml")

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class KeyPoint(BaseModel):
    """One thing a good spoken answer mentions, and the words that show it was mentioned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    point: str = Field(min_length=1)
    terms: list[str] = Field(default_factory=list)

    @field_validator("terms")
    @classmethod
    def _terms_not_blank(cls, terms: list[str]) -> list[str]:
        if any(not t.strip() for t in terms):
            raise ValueError("terms must not be blank")
        return terms


class Question(BaseModel):
    """One interview question. Progress is keyed by `id`, never by text or position."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    number: int | None = Field(default=None, ge=1)
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    key_points: list[KeyPoint] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    difficulty: int = Field(default=2, ge=1, le=3)
    demo: str | None = None
    errata: str | None = None
    follow_ups: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)

    _source: Path = PrivateAttr(default=Path("."))
    _line: int = PrivateAttr(default=0)

    @property
    def topic(self) -> str:
        """The first tag names the question's topic (an area such as `security`)."""
        return self.tags[0] if self.tags else "general"

    @property
    def source(self) -> Path:
        return self._source

    @property
    def line(self) -> int:
        return self._line

    @property
    def num(self) -> int:
        """The question's number (set by the loader when the file leaves it out)."""
        assert self.number is not None
        return self.number

    def demo_path(self) -> Path | None:
        """The demo file this question names, or None when it names none or none exists."""
        if not self.demo:
            return None
        return resolve_demo(self.demo, self._source.parent)


class BankFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deck: str | None = None
    questions: list[dict[str, Any]] = Field(default_factory=list)


def resolve_demo(name: str, bank_dir: Path) -> Path | None:
    """A `demo` value to a file: a path relative to the bank file, or a slug.

    A slug is looked up as `demos/<slug>.py` beside the bank file, then among the built-in
    demos. Hyphens and underscores are the same in a slug.
    """
    if name.endswith(".py") or "/" in name:
        path = (bank_dir / name).resolve()
        return path if path.is_file() else None
    stem = name.replace("-", "_")
    for folder in (bank_dir / "demos", BUILTIN_DEMOS):
        path = folder / f"{stem}.py"
        if path.is_file():
            return path
    return None


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
    warnings: list[Problem] = field(default_factory=list)

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

    def select(
        self,
        *,
        topics: Iterable[str] = (),
        tags: Iterable[str] = (),
        ids: Iterable[str] = (),
        search: str | None = None,
    ) -> list[Question]:
        """The questions matching every filter given (each filter: any of its values)."""
        topics, tags, ids = list(topics), list(tags), list(ids)
        for t in topics:
            if t not in self.topics:
                raise NotFoundError(f"There is no topic '{t}'.{did_you_mean(t, self.topics)}")
        for t in tags:
            if t not in self.tags:
                raise NotFoundError(f"There is no tag '{t}'.{did_you_mean(t, self.tags)}")
        wanted = {self.get(i).id for i in ids}
        needle = search.casefold() if search else None
        out = []
        for q in self.questions:
            if topics and q.topic not in topics:
                continue
            if tags and not set(tags) & set(q.tags):
                continue
            if wanted and q.id not in wanted:
                continue
            if needle and needle not in f"{q.id}\n{q.question}\n{q.answer}".casefold():
                continue
            out.append(q)
        return out


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


def _node_at(node: yaml.Node, loc: Sequence[int | str]) -> tuple[yaml.Node, bool]:
    """The YAML node a pydantic error location points at; False when it stops short."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    break
            else:
                return node, False
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node, False
            node = node.value[part]
        else:
            return node, False
    return node, True


def _key_node(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return k  # type: ignore[no-any-return]
    return None


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    msg = str(err["msg"])
    if kind == "too_short" and "key_points" in map(str, err["loc"]):
        return "needs at least one key point"
    return msg[0].lower() + msg[1:] if msg else msg


def _problem(path: Path, node: yaml.Node, fld: str, message: str, severity: Any = "error") -> Problem:
    mark = node.start_mark
    return Problem(_display(path), mark.line + 1, mark.column + 1, fld, message, severity)


def _fieldname(loc: Sequence[int | str]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


@dataclass
class _Parsed:
    path: Path
    deck: str | None
    questions: list[tuple[Question, yaml.Node]]


def _parse_file(path: Path, problems: list[Problem]) -> _Parsed | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(_display(path), 1, 1, "", f"cannot read the file: {exc}"))
        return None
    loader = _Loader(text)
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
        root = yaml.MappingNode("tag:yaml.org,2002:map", [(yaml.ScalarNode("", "questions"), root)])
        root.start_mark = root.value[0][1].start_mark
    if not isinstance(data, dict):
        problems.append(_problem(path, root, "", "a bank file holds a mapping with `questions:`"))
        return None
    try:
        bank_file = BankFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            node, _ = _node_at(root, err["loc"])
            if err["type"] == "extra_forbidden":
                node = _key_node(_node_at(root, err["loc"][:-1])[0], str(err["loc"][-1])) or node
            problems.append(_problem(path, node, _fieldname(err["loc"]), _message(err)))
        return None
    qnode, _ = _node_at(root, ["questions"])
    parsed: list[tuple[Question, yaml.Node]] = []
    for i, raw in enumerate(bank_file.questions):
        node, _ = _node_at(qnode, [i])
        try:
            q = Question.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ["questions", i, *err["loc"]]
                target, _ = _node_at(node, err["loc"])
                if err["type"] == "extra_forbidden":
                    parent, _ = _node_at(node, err["loc"][:-1])
                    target = _key_node(parent, str(err["loc"][-1])) or target
                problems.append(_problem(path, target, _fieldname(loc), _message(err)))
            continue
        q._source = path.resolve()
        q._line = node.start_mark.line + 1
        parsed.append((q, node))
    return _Parsed(path, bank_file.deck, parsed)


def load_files(files: Sequence[Path]) -> tuple[Bank, list[Problem]]:
    """Load bank files into one bank; returns it with every problem found (errors and warnings)."""
    problems: list[Problem] = []
    parsed = [p for f in files if (p := _parse_file(f, problems)) is not None]
    questions: list[Question] = []
    seen_ids: dict[str, tuple[Path, yaml.Node]] = {}
    seen_nums: dict[int, tuple[Path, yaml.Node]] = {}
    position = 0
    for pf in parsed:
        for q, node in pf.questions:
            position += 1
            if q.id in seen_ids:
                other, onode = seen_ids[q.id]
                where = f"{_display(other)}:{onode.start_mark.line + 1}"
                target = _node_at(node, ["id"])[0]
                problems.append(_problem(pf.path, target, "id", f"duplicate id '{q.id}' (also at {where})"))
                continue
            if q.number is None:
                q = q.model_copy(update={"number": position})
                q._source, q._line = pf.path.resolve(), node.start_mark.line + 1
            if q.num in seen_nums:
                other, onode = seen_nums[q.num]
                where = f"{_display(other)}:{onode.start_mark.line + 1}"
                target = _node_at(node, ["number"])[0]
                msg = f"duplicate number {q.num} (also at {where})"
                problems.append(_problem(pf.path, target, "number", msg))
                continue
            seen_ids[q.id] = (pf.path, node)
            seen_nums[q.num] = (pf.path, node)
            for i, kp in enumerate(q.key_points):
                if not kp.terms:
                    target = _node_at(node, ["key_points", i])[0]
                    problems.append(
                        _problem(pf.path, target, f"key_points[{i}].terms",
                                 "no terms: the point is matched on its own words only", "warning")
                    )
            if q.demo and q.demo_path() is None:
                target = _node_at(node, ["demo"])[0]
                problems.append(
                    _problem(pf.path, target, "demo", f"names no demo file: '{q.demo}'", "warning")
                )
            questions.append(q)
    questions.sort(key=lambda q: q.num)
    deck = next((pf.deck for pf in parsed if pf.deck), None) or "FastAPI Advanced Interview"
    return Bank(questions, deck, list(files)), sorted(problems)


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


def bank_paths(explicit: Sequence[Path] | None = None) -> list[Path]:
    """The bank paths in force: `--bank` options, else QUIZ_BANK, else the built-in bank."""
    if explicit:
        return list(explicit)
    env = os.environ.get("QUIZ_BANK", "").strip()
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [BUILTIN_BANK]


def load_bank(paths: Sequence[Path] | None = None) -> Bank:
    """Load the bank in force; any error (not a warning) raises BankError with all of them."""
    bank, problems = validate_paths(bank_paths(paths))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BankError(errors)
    bank.warnings = problems
    return bank
