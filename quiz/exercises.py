"""Exercises: a demo with its key lines broken, for the candidate to fix; the demo's checks judge.

An exercise is data beside its demo, `demos/exercises/<demo>.yaml` (a bank's own demos get
theirs the same way, `<bank>/demos/exercises/<demo>.yaml`):

    exercises:
      - id: process-time                 # unique in the bank; progress is keyed by it
        title: A hard-coded X-Process-Time
        task: Measure the time the request took, with a monotonic clock.
        edits:
          - line: response.headers["X-Process-Time"]   # text of one line of the demo
            through: return response                   # optional: the span ends at this line
            replace: |                                 # what stands there instead
              response.headers["X-Process-Time"] = "123ms"  # TODO: measure it

Every exercise edits at least one of the demo's `# <-` lines and says `TODO:` where the
work is. The replacement is indented like the line it replaces. The exercise file is the
demo with the edits made; it is checked by the demo's own tour (read from the demo, so the
copy of the tour in the file is for reading). An exercise whose edits reach into the tour
(a test to fix) runs the file's tour instead, and every check the demo's tour names must
be made and pass.

Nothing here imports fastapi: `quiz stats` and `quiz validate` read exercises too.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quiz.bank import (
    Bank,
    Problem,
    did_you_mean,
    display,
    entry_label,
    fieldname,
    node_at,
    problem_at,
    schema_problems,
)
from quiz.demo import MARK, TOUR_MARKER, Demo, all_demos, find_demo, is_demo_path, split_tour
from quiz.errors import NotFoundError, QuizError

if TYPE_CHECKING:
    import yaml

    from quiz.demo import DemoResult, Event

FOLDER = "exercises"


@dataclass(frozen=True)
class Edit:
    line: str
    replace: str
    through: str | None = None


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    task: str
    edits: tuple[Edit, ...]
    demo: Demo
    source: Path  # the YAML file it was read from

    @property
    def file_name(self) -> str:
        """The exercise file's name in the practice folder: a valid module name."""
        return self.id.replace("-", "_") + ".py"

    def written(self) -> str:
        """The exercise file as written for the candidate: a header, then the broken demo."""
        header = [f"# Exercise {self.id}: {self.title}"]
        header += [f"# {line}".rstrip() for line in self.task.strip().splitlines()]
        header += [
            "# Fix the lines marked TODO and save: `quiz practice "
            f"{self.id}` checks them with the demo's own",
            "# checks (the tour below is a copy to read: the one that judges comes from the demo).",
            "",
        ]
        return "\n".join(header) + "\n" + apply_edits(self.demo.source, self.edits)

    def solution(self) -> str:
        """The reference: the demo itself."""
        return self.demo.source

    def solution_diff(self) -> str:
        """What to change, as a unified diff from the exercise as written to the reference."""
        written = apply_edits(self.demo.source, self.edits)
        return "".join(
            difflib.unified_diff(
                written.splitlines(keepends=True),
                self.solution().splitlines(keepends=True),
                f"exercise/{self.file_name}",
                f"solution/{self.demo.path.name}",
            )
        )

    @property
    def tests_the_tour(self) -> bool:
        """Whether an edit reaches into the tour: then the file's own tour runs."""
        _, _, marker = split_tour(self.demo.source)
        lines = self.demo.source.splitlines()
        return any(span(lines, e)[0] >= marker for e in self.edits)


# --- applying edits -----------------------------------------------------------------------


def _find(lines: Sequence[str], text: str, start: int = 0) -> list[int]:
    return [i for i in range(start, len(lines)) if text in lines[i]]


def span(lines: Sequence[str], edit: Edit) -> tuple[int, int]:
    """The lines an edit replaces, [first, last] by index; ValueError when they are not found.

    `line` is looked for in the app (above the tour marker), then, when the app has no such
    line, in the tour.
    """
    marker = lines.index(TOUR_MARKER) if TOUR_MARKER in lines else len(lines)
    found = _find(lines, edit.line)
    app = [i for i in found if i < marker]
    found = app or found  # the app's lines first: the tour is edited only where the app has no match
    if len(found) != 1:
        where = "no line of the demo contains" if not found else f"{len(found)} lines of the demo contain"
        raise ValueError(f"{where} {edit.line!r}")
    first = last = found[0]
    if edit.through is not None:
        later = _find(lines, edit.through, first)
        if not later:
            raise ValueError(f"no line at or after {edit.line!r} contains {edit.through!r}")
        last = later[0]
    return first, last


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    lines = source.splitlines()
    spans = sorted(((*span(lines, e), e) for e in edits), key=lambda s: s[0], reverse=True)
    for (first, _, _), (_, last, _) in zip(spans, spans[1:], strict=False):
        if last >= first:
            raise ValueError("two edits replace the same line")
    for first, last, edit in spans:
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        new = [indent + r if r.strip() else "" for r in edit.replace.rstrip("\n").splitlines()]
        lines[first : last + 1] = new
    return "\n".join(lines) + "\n"


def check_labels(source: str) -> list[str]:
    """The labels of the checks a tour names as plain strings: `t.check("label", ...)`."""
    _, tour, _ = split_tour(source)
    try:
        tree = ast.parse(tour)
    except SyntaxError:
        return []
    labels = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "check"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            labels.append(node.args[0].value)
    return labels


# --- reading exercise files -----------------------------------------------------------------


def exercise_file(demo: Demo) -> Path:
    return demo.path.parent / FOLDER / f"{demo.path.stem}.yaml"


def _compose(path: Path) -> tuple[Any, yaml.Node | None, str | None]:
    """(data, root node, error) of a YAML file, read with the safe loader."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, f"cannot read the file: {exc}"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None, "the file is empty"
        return loader.construct_document(root), root, None
    except yaml.YAMLError as exc:
        return None, None, f"YAML error: {exc}"
    finally:
        loader.dispose()


def entries(path: Path, kind: str, problems: list[Problem]) -> list[tuple[Any, yaml.Node]]:
    """The entries of an exercise or mutant file (`kind`: "exercises" or "mutants"), each with its
    YAML node; a file that is not `kind:` and a list is one problem, then no entries."""
    import yaml

    data, root, error = _compose(path)
    if error is not None or root is None:
        problems.append(Problem(display(path), 1, 1, "", error or "the file is empty"))
        return []
    pairs = root.value if isinstance(root, yaml.MappingNode) else []
    keys = {k.value: k for k, _ in pairs if isinstance(k, yaml.ScalarNode)}
    if not isinstance(data, dict) or not isinstance(data.get(kind), list) or not data[kind]:
        extra = [k for k in data if k != kind] if isinstance(data, dict) else []
        where = keys.get(extra[0], root) if extra else root
        hint = did_you_mean(str(extra[0]), [kind]) if extra else ""
        message = f"the file holds `{kind}:` and a list of them (- id: ...), and nothing else.{hint}"
        problems.append(problem_at(path, where, str(extra[0]) if extra else "", message))
        return []
    listed = node_at(root, [kind])
    for key in data:
        if key != kind:
            message = f"unknown field: the file holds `{kind}:` only.{did_you_mean(str(key), [kind])}"
            problems.append(problem_at(path, keys.get(key, root), str(key), message))
    return [(entry, listed.value[i]) for i, entry in enumerate(data[kind])
            if isinstance(listed, yaml.SequenceNode) and i < len(listed.value)]


def checked(path: Path, kind: str, model: Any,
            problems: list[Problem]) -> list[tuple[Any, tuple[Edit, ...], yaml.Node, str]]:
    """Each entry of the file: (parsed, its edits, node, label); parsed is None when its schema
    refused it (the problems are reported), and the edits are still there to check when they are
    valid themselves, so all of a file's problems come at once, named by the entry's id."""
    from pydantic import ValidationError

    from quiz.schema import EditSchema

    out = []
    for i, (raw, node) in enumerate(entries(path, kind, problems)):
        label = entry_label(kind, i, raw)
        parsed = None
        try:
            parsed = model.model_validate(raw)
            listed = parsed.edits
        except ValidationError as exc:
            problems.extend(schema_problems(path, node, exc.errors(), label, model))
            bad_edits = any(err["loc"][:1] == ("edits",) for err in exc.errors())
            listed = raw.get("edits") if isinstance(raw, dict) and not bad_edits else None
            if not isinstance(listed, list):
                continue
            listed = [EditSchema.model_validate(e) for e in listed]
        edits = tuple(Edit(e.line, e.replace, e.through) for e in listed)
        out.append((parsed, edits, node, fieldname(label)))
    return out


def _parse(path: Path, demo: Demo, problems: list[Problem]) -> list[Exercise]:
    """The exercises of one file; every problem found goes to `problems`, with its position."""
    from quiz.schema import ExerciseSchema

    out = []
    for ex, edits, node, fld in checked(path, "exercises", ExerciseSchema, problems):
        found = edit_problems(path, node, fld, demo, edits, problems)
        if found is None:
            continue
        marked, more = found
        own = []
        if not marked:
            own.append(problem_at(path, node, fld, "no edit touches a `# <-` line of the demo"))
        if not any("TODO:" in e.replace for e in edits):
            own.append(problem_at(path, node, fld, "no replacement says `TODO:` where the work is"))
        problems.extend(own + more)
        if ex is not None and not own and not more:
            out.append(Exercise(ex.id, ex.title, ex.task, edits, demo, path))
    return out


def _replacement_line(node: yaml.Node, row: int) -> yaml.Node:
    """A node marking row `row` of an edit's `replace` text in the YAML (a block scalar's rows
    start on the line after its `|`), for a problem pointing at the line that holds it."""
    import yaml

    value = node_at(node, ["replace"])
    mark = value.start_mark
    if isinstance(value, yaml.ScalarNode) and value.style in ("|", ">"):
        text_line = mark.line + 1 + row
        indent = node.start_mark.column + 2
        mark = yaml.Mark(mark.name, mark.index, text_line, indent, mark.buffer, mark.pointer)
    return yaml.ScalarNode("tag:yaml.org,2002:str", "", start_mark=mark)


def _syntax_problem(path: Path, node: yaml.Node, fld: str, demo: Demo, edits: Sequence[Edit],
                    exc: SyntaxError) -> Problem:
    """Where a syntax error of the edited demo comes from: the row of the edit's `replace` in the
    YAML that made that line, or (an edit's indentation breaking the demo's own code) that line
    of the demo."""
    lines = demo.source.splitlines()
    bad = (exc.lineno or 1) - 1  # index in the edited file
    offset = 0
    for first, last, j in sorted((*span(lines, e), j) for j, e in enumerate(edits)):
        new = len(edits[j].replace.rstrip("\n").splitlines())
        start = first + offset
        if bad < start:
            break
        if bad < start + new:
            where = _replacement_line(node_at(node, ["edits", j]), bad - start)
            return problem_at(path, where, f"{fld}.edits[{j}].replace",
                              f"this line of the replacement is not valid Python: {_words(exc)}")
        offset += new - (last - first + 1)
    original = bad - offset + 1
    return problem_at(path, node, fld, f"after the edits, line {original} of {demo.path.name} is not "
                      f"valid Python: {_words(exc)} (check the replacements' indentation)")


def _words(exc: SyntaxError) -> str:
    """A syntax error's message without the edited file's line numbers (the YAML's are given)."""
    import re

    return re.sub(r" (?:on|at) line \d+", "", exc.msg)


def edit_problems(
    path: Path, node: yaml.Node, fld: str, demo: Demo, edits: Sequence[Edit], problems: list[Problem]
) -> tuple[bool, list[Problem]] | None:
    """Check the edits of one entry (an exercise or a mutant) against its demo: each `line` found
    exactly once (the problem goes to `problems`, with the YAML position of that edit; then None),
    then whether one touches a `# <-` line, and the problems of the result (not valid Python, at
    the YAML line that made it; the tour marker gone), returned for the caller to add after its own."""
    lines = demo.source.splitlines()
    marked = False
    failed = False
    for j, edit in enumerate(edits):
        try:
            first, last = span(lines, edit)
        except ValueError as exc:
            guess = _near_line(edit.line, lines) if str(exc).startswith("no line") else ""
            message = f"{exc} ({demo.path.name}){guess}"
            problems.append(problem_at(path, node_at(node, ["edits", j, "line"]), f"{fld}.edits[{j}].line",
                                       message))
            failed = True
            continue
        marked = marked or any(MARK.search(line) for line in lines[first : last + 1])
    if failed:
        return None
    more: list[Problem] = []
    try:
        written = apply_edits(demo.source, edits)
    except ValueError as exc:
        more.append(problem_at(path, node, fld, str(exc)))
        return marked, more
    try:
        ast.parse(written)
    except SyntaxError as exc:
        more.append(_syntax_problem(path, node, fld, demo, edits, exc))
    else:
        if TOUR_MARKER not in written.splitlines():
            more.append(problem_at(path, node, fld, f"an edit removed the `{TOUR_MARKER}` line"))
    return marked, more


def _near_line(text: str, lines: Sequence[str]) -> str:
    """A did-you-mean for an edit's `line` that no line of the demo contains: the closest stretch
    of a line, starting at a word."""
    import re

    starts = [(line, m.start()) for line in lines for m in re.finditer(r"(?<!\w)\S", line)]
    sizes = range(len(text) - 2, len(text) + 3)
    stretches = {line[i:i + size].rstrip() for line, i in starts for size in sizes}
    close = difflib.get_close_matches(text, sorted(stretches), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def collect(bank: Bank, demos: Sequence[Demo] | None = None) -> tuple[list[Exercise], list[Problem]]:
    """Every exercise of the bank's demos (or of `demos`), and every problem of their files."""
    problems: list[Problem] = []
    exercises: list[Exercise] = []
    seen: dict[str, Exercise] = {}
    for demo in all_demos(bank) if demos is None else demos:
        path = exercise_file(demo)
        if not path.is_file():
            continue
        for ex in _parse(path, demo, problems):
            if ex.id in seen:
                data, root, _ = _compose(path)
                index = [e.get("id") for e in data["exercises"]].index(ex.id)
                node = node_at(root, ["exercises", index, "id"])  # type: ignore[arg-type]
                other = display(seen[ex.id].source)
                message = f"duplicate exercise id '{ex.id}' (also in {other})"
                problems.append(problem_at(path, node, "id", message))
                continue
            seen[ex.id] = ex
            exercises.append(ex)
    return exercises, sorted(problems)


def validate(bank: Bank) -> list[Problem]:
    """The problems of the exercise and mutant files beside the demos the bank's questions name."""
    from quiz import mutants

    demos = list({p: Demo(p.stem, p) for q in bank.questions if (p := q.demo_path()) is not None}.values())
    return sorted(collect(bank, demos)[1] + mutants.collect(demos)[1])


def exercise_ids(bank: Bank) -> list[str]:
    """The ids of the bank's exercises, read without validating them (for `quiz stats`, which
    should neither pay for pydantic nor fail on an instructor's broken exercise file)."""
    ids: list[str] = []
    for demo in all_demos(bank):
        path = exercise_file(demo)
        data = _compose(path)[0] if path.is_file() else None
        entries = data.get("exercises") if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] not in ids:
                ids.append(entry["id"])
    return ids


def bank_exercises(bank: Bank) -> list[Exercise]:
    exercises, problems = collect(bank)
    if problems:
        raise QuizError(f"{problems[0]} (run `quiz validate` on the bank to see every problem)")
    return exercises


def next_unsolved(rows: Sequence[Exercise], current: Exercise, solved: Collection[str]) -> list[Exercise]:
    """The exercises not solved yet, the ones after `current` first (in the bank's order), then
    from the start: where `quiz practice` goes after a solve."""
    at = next((i for i, e in enumerate(rows) if e.id == current.id), len(rows))
    return [e for e in [*rows[at + 1:], *rows[:at]] if e.id not in solved]


def find_exercise(ref: str, bank: Bank, solved: Collection[str] = ()) -> Exercise:
    """The first exercise (not solved yet, if any) of a demo named as `quiz demo` names it, or an
    exercise by id. A demo's own exercise file is all that is read when a demo is named."""
    text = ref.strip()
    if is_demo_path(text):
        from quiz import ui

        raise QuizError(f"Name an exercise or a topic, not a file: `{ui.command(f'demo {text} --watch')}` "
                        "runs a file.")
    try:
        demo: Demo | None = find_demo(text, bank)
    except NotFoundError:
        if text.isdigit():
            raise
        demo = None
    if demo is not None:
        mine, problems = collect(bank, [demo])
        if problems:
            raise QuizError(f"{problems[0]} (run `quiz validate` on the bank to see every problem)")
        if not mine:
            from quiz import ui

            raise NotFoundError(f"The {demo.slug} demo has no exercise yet: "
                                f"see `{ui.command('practice --list')}`.")
        return next((e for e in mine if e.id not in solved), mine[0])
    exercises = bank_exercises(bank)
    for ex in exercises:
        if ex.id == text:
            return ex
    names = [e.id for e in exercises] + sorted({e.demo.slug for e in exercises})
    raise NotFoundError(f"There is no exercise '{text}'.{did_you_mean(text, names)}")


# --- writing and checking ---------------------------------------------------------------------


#: What `quiz practice` writes into a folder it makes: the folder is ignored whole, by git.
GITIGNORE = "# Written by quiz practice: your exercise files stay out of git.\n*\n"


def write(ex: Exercise, folder: Path) -> tuple[Path, bool]:
    """The exercise file in `folder`, written if absent: (its path, whether it was written now).

    An existing file is the candidate's work: it is never overwritten. A folder made here gets
    a `.gitignore` that ignores it whole (practice files stay out of the enclosing repository's
    `git status`); a folder that was there is left as it is.
    """
    import shutil

    path = folder / ex.file_name
    if path.exists():
        if not path.is_file():
            raise QuizError(f"{path} is not a file: choose another --dir.")
        return path, False
    try:
        made = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if made:
            (folder / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        with path.open("x", encoding="utf-8") as f:
            f.write(ex.written())
        for companion in ex.demo.companions():  # what the demo imports from beside it
            if not (folder / companion.name).exists():
                skip = shutil.ignore_patterns("__pycache__")
                shutil.copytree(companion, folder / companion.name, ignore=skip)
    except FileExistsError:
        return path, False
    except OSError as exc:
        raise QuizError(f"Cannot write into {folder}: {exc.strerror or exc}.") from None
    return path, True


def reread(ex: Exercise, demo: Demo) -> Exercise:
    """The exercise as `demo`'s own exercise file has it: for a bank's demo, the file in the
    snapshot that was approved (what runs is what was read and hashed, never a second read)."""
    if demo == ex.demo:
        return ex
    problems: list[Problem] = []
    path = exercise_file(demo)
    found = [e for e in (_parse(path, demo, problems) if path.is_file() else []) if e.id == ex.id]
    if not found:
        raise QuizError(f"The exercise {ex.id} changed while it was read: run the command again.")
    return found[0]


def check(ex: Exercise, path: Path, emit: Callable[[Event], None] = lambda e: None) -> DemoResult:
    """Run the demo's checks against the candidate's file."""
    from quiz.demo import Check, run_demo

    candidate = Demo(path.stem, path)
    if not ex.tests_the_tour:
        return run_demo(candidate, emit, tour_from=ex.demo.path)
    result = run_demo(candidate, emit, judged_by=ex.demo.path)
    made = {c.label for c in result.checks}
    for label in check_labels(ex.demo.source):
        if label not in made:
            missing = Check(f"the demo's check is made: {label}", False)
            result.checks.append(missing)
            emit(missing)
    return result
