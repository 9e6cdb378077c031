"""A validator's findings: `Problem` (file:line:column: field: message), `BankError`, and the
words for them: where a YAML node stands, a pydantic error in the bank format's own words."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import yaml

from quiz.errors import QuizError
from quiz.model import MAX_TEXT, SLUG, visible


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


def display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):  # not under it, or the current folder was removed
        return str(path)


def node_at(node: yaml.Node, loc: Sequence[int | str]) -> yaml.Node:
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


def error_node(root: yaml.Node, err: Any) -> yaml.Node:
    """Where an error points: the value, or for an unknown field the key itself."""
    import yaml

    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        parent = node_at(root, loc[:-1])
        if isinstance(parent, yaml.MappingNode):
            for key, _ in parent.value:
                if key.value == loc[-1]:
                    return key  # type: ignore[no-any-return]
    return node_at(root, loc)


_ID_RULE = "is lower case letters, digits, `-` and `_`, starting with a letter or a digit"
_QUESTION_FIELDS = "each question is fields: `id`, `question`, `answer`, `key_points`, ..."
_ENTRY_FIELDS = {"key_points": "each key point needs `point` and `terms` (- point: ...  terms: [...])",
                 "pitfalls": "each pitfall needs `claim`, `terms` and `correction`",
                 "choices": "each choice needs `text` (and `correct: true` on the right ones)",
                 "questions": _QUESTION_FIELDS, "": _QUESTION_FIELDS}
_TYPE_WORDS = {"string_type": "should be text", "int_type": "should be a whole number",
               "int_parsing": "should be a whole number", "int_from_float": "should be a whole number",
               "list_type": "should be a list: [a, b], or one `- item` a line",
               "string_too_short": "must not be empty", "bool_type": "should be true or false"}


def schema_message(err: Any) -> str:
    """A pydantic error in the bank format's own words."""
    from quiz.model import MAX_NUMBER

    kind, loc = err["type"], err["loc"]
    last = loc[-1] if loc else ""
    parent = next((p for p in reversed(loc[:-1]) if isinstance(p, str)), "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "too_short" and last == "terms":
        return "needs at least one term"
    if kind == "too_short":
        return "needs at least one entry (`- ...`)"
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


def schema_problems(path: Path, node: yaml.Node, errors: list[Any], prefix: Sequence[int | str],
                     model: Any) -> list[Problem]:
    """Validation errors as problems: an unknown key close to a known one says "did you mean",
    and the missing-field error that typo causes is not reported a second time."""
    from quiz.schema import ChoiceSchema, EditSchema, KeyPointSchema, PitfallSchema

    models = {"key_points": KeyPointSchema, "pitfalls": PitfallSchema, "edits": EditSchema,
              "choices": ChoiceSchema}
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
        fld = fieldname([*prefix, *err["loc"]])
        out.append(problem_at(path, error_node(node, err), fld, notes.get(k) or schema_message(err)))
    return out


def problem_at(path: Path, node: yaml.Node, fld: str, message: str, severity: Any = "error") -> Problem:
    mark = node.start_mark
    return Problem(display(path), mark.line + 1, mark.column + 1, fld, message, severity)


def entry_label(kind: str, index: int, raw: Any) -> list[int | str]:
    """How messages name an entry of a list (a question, an exercise, a mutant): by its id when it
    has a valid one (`middleware.answer`), else by its place (`questions[2].answer`)."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    return [ident] if isinstance(ident, str) and SLUG.match(ident) else [kind, index]


def fieldname(loc: Sequence[int | str]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1
