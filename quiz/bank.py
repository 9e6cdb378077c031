"""Question banks: YAML loading with file:line:column errors, selection.

A bank is a YAML file or a folder of them (read in name order). Every problem of every file
is collected before anything is reported, so an author sees them all at once.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import gc
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import yaml

from quiz import __version__
from quiz.errors import NotFoundError, QuizError
from quiz.model import (
    BUILTIN_BANK,
    BUILTIN_DEMOS,
    CONTROL,
    MAX_TEXT,
    KeyPoint,
    Question,
    demo_escapes,
    resolve_demo,
    visible,
)
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

# Limits no bank author meets by accident; larger input is refused at validation, so that
# what is allowed stays fast (see bench/bench_scale.py). Stated in the README.
MAX_FILE_BYTES = 20 * 1024 * 1024  # a bank file: 20 MB
MAX_FILE_TEXT = "20 MB"


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
        return visible(f"{where}: {label}{fld}{self.message}")


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

    written: int = field(default=-1, compare=False)  # questions as written, valid or not (validate)

    def __post_init__(self) -> None:
        self.deck = visible(self.deck)
        if self.written < 0:
            self.written = len(self.questions)
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
    files = sorted(
        p
        for p in path.rglob("*")
        if p.suffix in BANK_SUFFIXES and p.is_file() and "demos" not in p.relative_to(path).parts[:-1]
    )  # a bank's demos/ folder holds code and exercises (demos/exercises/*.yaml), not questions
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


_ID_RULE = "is lower case letters, digits, `-` and `_`, starting with a letter or a digit"
_QUESTION_FIELDS = "each question is fields: `id`, `question`, `answer`, `key_points`, ..."
_ENTRY_FIELDS = {"key_points": "each key point needs `point` and `terms` (- point: ...  terms: [...])",
                 "pitfalls": "each pitfall needs `claim`, `terms` and `correction`",
                 "questions": _QUESTION_FIELDS, "": _QUESTION_FIELDS}
_TYPE_WORDS = {"string_type": "should be text", "int_type": "should be a whole number",
               "int_parsing": "should be a whole number", "int_from_float": "should be a whole number",
               "list_type": "should be a list: [a, b], or one `- item` a line",
               "string_too_short": "must not be empty", "bool_type": "should be true or false"}


def _message(err: Any) -> str:
    """A pydantic error in the bank format's own words."""
    from quiz.schema import MAX_NUMBER

    kind, loc = err["type"], err["loc"]
    last = loc[-1] if loc else ""
    parent = next((p for p in reversed(loc[:-1]) if isinstance(p, str)), "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "too_short" and last == "key_points":
        return "needs at least one key point"
    if kind == "too_short" and last == "terms":
        return "needs at least one term"
    if kind == "string_too_long" and err.get("ctx", {}).get("max_length") == MAX_TEXT:
        return f"too long: at most {MAX_TEXT // 1024} KB of text"
    if kind == "string_pattern_mismatch" and last in ("id", "bank_id"):
        return f"{'an id' if last == 'id' else 'a bank id'} {_ID_RULE}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _ENTRY_FIELDS.get(parent, "should be fields (`name: value`, one a line)")
    if last == "number" and kind in ("greater_than_equal", "less_than_equal"):
        return f"a number runs from 1 to {MAX_NUMBER}"
    if last == "difficulty" and kind in ("greater_than_equal", "less_than_equal"):
        return "difficulty is 1, 2 or 3"
    if kind == "string_too_long":
        return f"is too long: at most {err['ctx']['max_length']} characters"
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    if kind == "value_error":
        return str(err["ctx"]["error"])
    msg = str(err["msg"])
    return msg[0].lower() + msg[1:] if msg else msg


def _schema_problems(path: Path, node: yaml.Node, errors: list[Any], prefix: Sequence[int | str],
                     model: Any) -> list[Problem]:
    """Validation errors as problems: an unknown key close to a known one says "did you mean",
    and the missing-field error that typo causes is not reported a second time."""
    from quiz.schema import KeyPointSchema, PitfallSchema

    models = {"key_points": KeyPointSchema, "pitfalls": PitfallSchema}
    meant: set[tuple[Any, ...]] = set()
    notes: dict[int, str] = {}
    for k, err in enumerate(errors):
        if err["type"] != "extra_forbidden":
            continue
        loc = err["loc"]
        owner = next((p for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        known = list(models.get(owner, model).model_fields)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            notes[k] = f"unknown field; did you mean `{close[0]}`?"
            meant.add((*loc[:-1], close[0]))
    out = []
    for k, err in enumerate(errors):
        if err["type"] == "missing" and tuple(err["loc"]) in meant:
            continue
        fld = _fieldname([*prefix, *err["loc"]])
        out.append(_problem(path, _error_node(node, err), fld, notes.get(k) or _message(err)))
    return out


_QUOTE_HINT = ("; if the value holds `: ` or ` #`, or starts with `{`, `[` or another YAML sign, "
               "put it in quotes: question: \"...\"")
_HINTED = ("mapping values are not allowed", "did not find expected key", "cannot start any token",
           "expected ',' or '}'", "expected ',' or ']'", "found undefined alias", "found unexpected ':'")
_KEY_LINE = re.compile(r"^(\s*(?:-\s+)?[^\s:#'\"][^:#]*?:)(\s.*)?$")


def _yaml_problems(path: Path, text: str, first: Exception) -> list[Problem]:
    """Every YAML syntax error of a file, not only the first: after each one, the value on
    its line is blanked (the line kept, so later positions stay right) and the text parsed
    again; stops when an error does not move forward."""
    import yaml

    problems: list[Problem] = []
    lines = text.split("\n")
    exc: Exception | None = first
    last_line = -1
    while isinstance(exc, yaml.MarkedYAMLError) and len(problems) < 50:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line, mark.column) if mark else (0, 0)
        what = exc.problem or str(exc)
        hint = _QUOTE_HINT if any(h in what for h in _HINTED) and line < len(lines) \
            and _KEY_LINE.match(lines[line]) else ""
        problems.append(Problem(_display(path), line + 1, col + 1, "", f"YAML syntax error: {what}{hint}"))
        if mark is None or line <= last_line or line >= len(lines):
            break
        last_line = line
        key = _KEY_LINE.match(lines[line])
        lines[line] = f'{key.group(1)} ""' if key else ""
        try:
            yaml.compose("\n".join(lines), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            exc = None
        except yaml.YAMLError as again:
            exc = again
    return problems


def _problem(path: Path, node: yaml.Node, fld: str, message: str, severity: Any = "error") -> Problem:
    mark = node.start_mark
    return Problem(_display(path), mark.line + 1, mark.column + 1, fld, message, severity)


def _fieldname(loc: Sequence[int | str]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


@contextlib.contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while a bank is parsed (or a demo's tour runs).

    Parsing builds hundreds of thousands of small objects that stay alive, and each
    collection walks them all again: on a 10,000-question bank the collector took three
    quarters of the time. Nothing parsed here forms a cycle worth collecting early.

    With `freeze`, what survives is moved out of the collector's sight before it is enabled
    again: a loaded bank lives as long as the command, and the first collection would
    otherwise walk every object just made (a second on 100,000 questions).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


@dataclass
class _Entry:
    """One item of a file's `questions:` list: its validated data (None when invalid)."""

    raw: Any
    node: yaml.Node
    data: dict[str, Any] | None


@dataclass
class _Parsed:
    path: Path
    deck: str | None
    questions: list[_Entry]
    bank_id: str | None = None
    root: Path | None = None
    deck_node: yaml.Node | None = None  # where the file names its deck


@functools.cache
def _loader_class() -> Any:
    """The safe loader (libyaml's when present) that also notes duplicate mapping keys."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self.duplicates: list[tuple[yaml.Node, yaml.Node]] = []

        if not base.yaml_path_resolvers:  # the safe loader has none: resolve without looking for them

            def descend_resolver(self, current_node: Any, current_index: Any) -> None:
                pass

            def ascend_resolver(self) -> None:
                pass

            def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
                if kind is yaml.ScalarNode:
                    if implicit[0]:
                        for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                            if regexp.match(value):
                                return str(tag)
                    return str(self.DEFAULT_SCALAR_TAG)
                if kind is yaml.SequenceNode:
                    return str(self.DEFAULT_SEQUENCE_TAG)
                return str(self.DEFAULT_MAPPING_TAG)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[tuple[str, str], yaml.Node] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if (key.tag, key.value) in seen:
                        self.duplicates.append((key, seen[(key.tag, key.value)]))
                    else:
                        seen[(key.tag, key.value)] = key
            return super().construct_mapping(node, deep)

    return Loader


def _construct(loader: Any, root: yaml.Node) -> Any:
    """The document's data, as the safe loader would build it, about three times faster.

    Plain strings, lists and mappings (nearly all of a bank) are built here; anything else
    (numbers, null, merge keys, other tags) by the loader. A node reached twice (an alias)
    is built once, so an alias bomb stays small; nesting deeper than Python's recursion
    limit goes to the loader, which does not recurse.
    """
    try:
        return _Builder(loader).build(root)
    except RecursionError:
        loader.duplicates.clear()
        return loader.construct_document(root)


class _Builder:
    STR, SEQ, MAP, MERGE = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "merge"))

    def __init__(self, loader: Any) -> None:
        import yaml

        self.loader = loader
        self.built: dict[int, Any] = {}
        self.kinds = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

    def build(self, node: yaml.Node) -> Any:
        scalar, sequence, mapping = self.kinds
        kind = node.__class__
        if kind is scalar:
            return node.value if node.tag == self.STR else self.loader.construct_object(node, deep=True)
        if id(node) in self.built:
            return self.built[id(node)]
        if kind is sequence and node.tag == self.SEQ:
            items: list[Any] = []
            self.built[id(node)] = items
            items.extend(self.build(child) for child in node.value)
            return items
        if kind is mapping and node.tag == self.MAP and all(k.tag != self.MERGE for k, _ in node.value):
            return self.mapping(node)
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node) -> dict[Any, Any]:
        from yaml.constructor import ConstructorError

        out: dict[Any, Any] = {}
        self.built[id(node)] = out
        firsts: dict[Any, yaml.Node] = {}
        scalar, build = self.kinds[0], self.build
        for key_node, value_node in node.value:
            plain = key_node.__class__ is scalar and key_node.tag == self.STR
            key = key_node.value if plain else build(key_node)
            try:
                if key in out:
                    self.loader.duplicates.append((key_node, firsts[key]))
                else:
                    firsts[key] = key_node
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found unhashable key", key_node.start_mark) from None
            plain = value_node.__class__ is scalar and value_node.tag == self.STR
            out[key] = value_node.value if plain else build(value_node)
        return out


def _position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _control_warnings(path: Path, root: yaml.Node, problems: list[Problem]) -> None:
    """A warning at every text holding a control character (shown made visible, never raw)."""
    import yaml

    stack: list[tuple[yaml.Node, tuple[int | str, ...]]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if (m := CONTROL.search(node.value)) is not None:
                what = f"control character U+{ord(m.group()):04X}"
                msg = f"{what} in the text: it is shown as {visible(m.group())}"
                problems.append(_problem(path, node, _fieldname(loc), msg, "warning"))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*loc, i)) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                stack.append((key, loc))
                stack.append((value, (*loc, name)))


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file's text; a problem at the real line and column when it cannot be had."""
    where = _display(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            mb = size / 1024 / 1024
            problems.append(Problem(where, 1, 1, "", f"the file is {mb:.1f} MB: a bank file holds at most "
                                    f"{MAX_FILE_TEXT} (split it into several files)"))
            return None
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(where, 1, 1, "", f"cannot read the file: {exc.strerror or exc}"))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = raw[: exc.start].decode("utf-8", "replace")
        line, col = _position(head, len(head))
        problems.append(Problem(where, line, col, "", f"byte 0x{raw[exc.start]:02x} is not UTF-8: "
                                "save the file as UTF-8"))
        return None


def _parse_file(path: Path, problems: list[Problem], root: Path | None = None) -> _Parsed | None:
    """Read and validate one file; every problem goes to `problems` with its position."""
    import yaml
    from pydantic import ValidationError

    from quiz.schema import BankFileSchema, QuestionSchema

    text = _read_text(path, problems)
    if text is None:
        return None
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.append(Problem(_display(path), 1, 1, "", "the file is empty"))
            return None
        data = _construct(loader, node)
    except yaml.MarkedYAMLError as exc:
        problems.extend(_yaml_problems(path, text, exc))
        return None
    except yaml.reader.ReaderError as exc:
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
        line, col = _position(text, bad.start()) if bad else (1, 1)
        char = f"U+{ord(bad.group()):04X}" if bad else repr(exc.character)
        msg = f"character {char} is not allowed in a YAML file"
        problems.append(Problem(_display(path), line, col, "", msg))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(_display(path), 1, 1, "", f"YAML error: {exc}"))
        return None
    finally:
        loader.dispose()
    for key, first in loader.duplicates:
        also = first.start_mark.line + 1
        msg = f"duplicate key '{key.value}' (also at line {also}): the first one would be lost"
        problems.append(_problem(path, key, "", msg))
    if "\\" in text or CONTROL.search(text):  # escapes (or raw C1 characters) may hide control characters
        _control_warnings(path, node, problems)
    if isinstance(data, list):  # a bare list of questions is accepted too
        data = {"questions": data}
        node = yaml.MappingNode(
            "tag:yaml.org,2002:map", [(yaml.ScalarNode("", "questions"), node)], start_mark=node.start_mark
        )
    if not isinstance(data, dict):
        problems.append(_problem(path, node, "", "a bank file holds a mapping with `questions:`"))
        return None
    items: list[Any]
    try:
        bank_file = BankFileSchema.model_validate(data)
        deck, bank_id, items = bank_file.deck, bank_file.bank_id, bank_file.questions
    except ValidationError as exc:  # reported; the questions are still checked, one by one
        problems.extend(_schema_problems(path, node, exc.errors(), [], BankFileSchema))
        deck = data.get("deck") if isinstance(data.get("deck"), str) else None
        bank_id = data.get("bank_id") if isinstance(data.get("bank_id"), str) else None
        listed = data.get("questions")
        items = listed if isinstance(listed, list) else []
    qnode = _node_at(node, ["questions"])
    entries: list[_Entry] = []
    for i, raw in enumerate(items):
        qn = _node_at(qnode, [i])
        if not isinstance(raw, dict):  # reported by the bank file's schema
            entries.append(_Entry(raw, qn, None))
            continue
        try:
            q = QuestionSchema.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_schema_problems(path, qn, exc.errors(), ["questions", i], QuestionSchema))
            entries.append(_Entry(raw, qn, None))
            continue
        entries.append(_Entry(raw, qn, q.model_dump()))
    deck_node = _node_at(node, ["deck"]) if deck else None
    return _Parsed(path, deck, entries, bank_id, root, deck_node)


def load_files(
    files: Sequence[Path], roots: Mapping[Path, Path] | None = None, *, check_demos: bool = False
) -> tuple[Bank, list[Problem]]:
    """Load bank files into one bank; returns it with every problem found (errors and warnings).

    `roots` gives each file's bank folder (demos must stay inside it; by default the file's
    own folder); `check_demos` also parses every demo file a question names (never runs it).
    """
    problems: list[Problem] = []
    roots = roots or {}
    combiner = _Combiner(problems, check_demos)
    with gc_paused(freeze=True):
        for f in files:
            parsed = _parse_file(f, problems, roots.get(f))
            if parsed is not None:
                combiner.add(parsed)
            del parsed  # this file's YAML nodes go now, before the next file is read
        return combiner.bank(files)


def demo_file_problem(path: Path) -> str | None:
    """What is wrong with a demo file, read without running it: it parses, defines app and tour."""
    import ast

    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except OSError as exc:
        return f"cannot read the demo file {path.name}: {exc.strerror or exc}"
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        msg = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        return f"the demo file {path.name} is not valid Python{where}: {msg}"
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
    missing = [n for n in ("app", "tour") if n not in names]
    if missing:
        return f"the demo file {path.name} defines no {' and no '.join(f'`{n}`' for n in missing)}"
    return None


class _Combiner:
    """One bank from parsed files, added one at a time (so one file's YAML nodes live at once):
    numbers by position, duplicates, demo problems."""

    def __init__(self, problems: list[Problem], check_demos: bool = False) -> None:
        self.problems = problems
        self.check_demos = check_demos
        self.questions: list[Question] = []
        self.seen_ids: dict[str, tuple[Path, int]] = {}
        self.seen_nums: dict[int, tuple[Path, int]] = {}
        self.demo_checked: dict[Path, str | None] = {}
        self.position = 0
        self.deck: str | None = None
        self.deck_file: Path | None = None
        self.bank_id: str | None = None

    def _duplicate(self, seen: dict[Any, tuple[Path, int]], value: Any, what: str, pf: _Parsed,
                   node: yaml.Node, fld: str) -> bool:
        if value not in seen:
            seen[value] = (pf.path, node.start_mark.line + 1)
            return False
        other, line = seen[value]
        msg = f"duplicate {what} (also at {_display(other)}:{line})"
        self.problems.append(_problem(pf.path, _node_at(node, [fld]), fld, msg))
        return True

    def add(self, pf: _Parsed) -> None:
        problems = self.problems
        if self.deck and pf.deck and pf.deck != self.deck and pf.deck_node is not None:
            msg = f"'{pf.deck}' differs from '{self.deck}' ({_display(self.deck_file or pf.path)}): " \
                "the bank's deck is the first file's"
            problems.append(_problem(pf.path, pf.deck_node, "deck", msg, "warning"))
        if not self.deck and pf.deck:
            self.deck, self.deck_file = pf.deck, pf.path
        self.bank_id = self.bank_id or pf.bank_id
        source = pf.path.resolve()
        root = pf.root.resolve() if pf.root else source.parent
        for index, entry in enumerate(pf.questions):
            where = f"questions[{index}]"
            self.position += 1
            node, data = entry.node, entry.data
            fields = data if data is not None else entry.raw if isinstance(entry.raw, dict) else {}
            if data is not None and data["number"] is None:
                data["number"] = self.position
            qid, num = fields.get("id"), fields.get("number", self.position)
            duplicate = False
            if isinstance(qid, str):
                duplicate = self._duplicate(self.seen_ids, qid, f"id '{qid}'", pf, node, "id")
            if isinstance(num, int) and not isinstance(num, bool):
                dup_num = self._duplicate(self.seen_nums, num, f"number {num}", pf, node, "number")
                duplicate = duplicate or dup_num
            if data is None or duplicate:
                continue
            q = Question.from_dict(data, source, node.start_mark.line + 1, root)
            for i, kp in enumerate(q.key_points):
                if not kp.terms:
                    problems.append(
                        _problem(
                            pf.path,
                            _node_at(node, ["key_points", i]),
                            f"{where}.key_points[{i}].terms",
                            "no terms: the point is matched on its own words only",
                            "warning",
                        )
                    )
            if q.demo:
                self._check_demo(q, pf, _node_at(node, ["demo"]), source, root, f"{where}.demo")
            self.questions.append(q)

    def _check_demo(self, q: Question, pf: _Parsed, dnode: yaml.Node, source: Path, root: Path,
                    fld: str) -> None:
        assert q.demo is not None
        demo = q.demo_path()
        if demo_escapes(q.demo, source.parent, root):
            msg = f"'{q.demo}' is outside the bank's folder {_display(root)}: a demo stays inside it"
            self.problems.append(_problem(pf.path, dnode, fld, msg))
        elif demo is None:
            msg = f"names no demo file: '{q.demo}'"
            self.problems.append(_problem(pf.path, dnode, fld, msg, "warning"))
        elif self.check_demos and not demo.is_relative_to(BUILTIN_DEMOS.resolve()):
            if demo not in self.demo_checked:
                self.demo_checked[demo] = demo_file_problem(demo)
            if (found := self.demo_checked[demo]) is not None:
                self.problems.append(_problem(pf.path, dnode, fld, found))

    def bank(self, files: Sequence[Path]) -> tuple[Bank, list[Problem]]:
        self.questions.sort(key=lambda q: q.num)
        deck = self.deck or "FastAPI Advanced Interview"
        return Bank(self.questions, deck, list(files), self.bank_id or "", written=self.position), sorted(
            self.problems
        )


def _bank_roots(paths: Sequence[Path]) -> tuple[list[Path], dict[Path, Path]]:
    """The files of bank paths, and each file's bank folder (the folder named, or the file's own)."""
    files: list[Path] = []
    roots: dict[Path, Path] = {}
    for path in paths:
        found = bank_files(path)
        files.extend(found)
        for f in found:
            roots[f] = path if path.is_dir() else f.parent
    return files, roots


def validate_paths(paths: Sequence[Path]) -> tuple[Bank, list[Problem]]:
    """Every problem of every file under `paths`, errors and warnings, in file order."""
    files: list[Path] = []
    roots: dict[Path, Path] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            found, found_roots = _bank_roots([path])
        except QuizError as exc:
            problems.append(Problem(_display(path), 0, 0, "", str(exc)))
            continue
        files.extend(found)
        roots.update(found_roots)
    bank, found_problems = load_files(files, roots, check_demos=True)
    from quiz.exercises import validate as exercise_problems

    return bank, problems + found_problems + exercise_problems(bank)


# --- the cache: a validated bank as JSON, keyed by its files' paths and contents ------------

CACHE_KEEP = 8  # bank caches kept, the most recently used first
CACHE_MAX_BYTES = 64 * 1024 * 1024  # and at most this much in all


def _cache_file(files: Sequence[Path], roots: Mapping[Path, Path]) -> Path:
    digest = hashlib.sha256(__version__.encode())
    for f in files:
        digest.update(f"\0{f.resolve()}\0{roots.get(f, f.parent).resolve()}\0".encode())
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    return cache_dir() / f"bank-{digest.hexdigest()[:32]}.json"


def _read_cache(path: Path) -> Bank | None:
    try:
        with gc_paused():
            data = json.loads(path.read_text(encoding="utf-8"))
        questions = [
            Question.from_dict(q, Path(q["source"]), q["line"], Path(q["root"])) for q in data["questions"]
        ]
        bank = Bank(questions, data["deck"], [Path(p) for p in data["sources"]], data["bank_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    return bank


def _write_cache(path: Path, bank: Bank) -> None:
    data = {
        "bank_id": bank.bank_id,
        "deck": bank.deck,
        "sources": [str(p) for p in bank.sources],
        "questions": [
            {**q.to_dict(), "source": str(q.source), "line": q.line, "root": str(q.root or q.source.parent)}
            for q in bank
        ],
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only cache folder only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return
    prune_cache(path.parent)


def prune_cache(folder: Path, keep: int = CACHE_KEEP, max_bytes: int = CACHE_MAX_BYTES) -> None:
    """Delete the least recently used bank caches beyond `keep` files or `max_bytes` in all."""
    entries = []
    for f in folder.glob("bank-*"):
        with contextlib.suppress(OSError):
            st = f.stat()
            entries.append((st.st_mtime_ns, st.st_size, f))
    entries.sort(reverse=True)
    total = 0
    for i, (_, size, f) in enumerate(entries):
        total += size
        if i > 0 and (i >= keep or total > max_bytes):
            with contextlib.suppress(OSError):
                f.unlink()


def bank_paths(explicit: Sequence[Path] | None = None) -> list[Path]:
    """The bank paths in force: `--bank` options, else QUIZ_BANK, else the built-in bank."""
    if explicit:
        return list(explicit)
    env = os.environ.get("QUIZ_BANK", "").strip()
    if env:
        paths = [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]
        if not paths:
            raise QuizError(f"QUIZ_BANK names no bank ('{visible(env)}'): give a bank file or folder, "
                            "or unset it for the built-in bank.")
        return paths
    return [BUILTIN_BANK]


def load_bank(paths: Sequence[Path] | None = None) -> Bank:
    """Load the bank in force; any error (not a warning) raises BankError with all of them.

    A bank that loaded cleanly before is read back from the cache (no YAML, no pydantic)
    until the content of one of its files changes.
    """
    files, roots = _bank_roots(bank_paths(paths))
    try:
        cached: Path | None = _cache_file(files, roots)
    except OSError:
        cached = None
    if cached is not None and (bank := _read_cache(cached)) is not None:
        return bank
    bank, problems = load_files(files, roots)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BankError(errors)
    if cached is not None:
        _write_cache(cached, bank)
    return bank
