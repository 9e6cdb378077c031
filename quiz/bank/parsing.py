"""A bank parsed from its files: combined into one bank (numbers, duplicates, demos inside the
bank's folder), validated with every problem. Imported only when a bank is parsed (not when it
is read back from the cache): see quiz.bank.loading."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

from quiz.bank.core import Bank, derive_bank_id, did_you_mean
from quiz.bank.limits import gc_paused
from quiz.bank.loading import _bank_roots, builtin_or_path
from quiz.bank.problems import Problem, display, entry_label, fieldname, node_at, problem_at
from quiz.bank.yamlfile import Entry, Parsed, parse_file
from quiz.errors import QuizError
from quiz.model import (
    BUILTIN_DEMOS,
    Fact,
    Pitfall,
    Question,
    demo_escapes,
    image_path,
    image_refs,
)


def load_files(
    files: Sequence[Path], roots: Mapping[Path, Path] | None = None, *, check_demos: bool = False,
    contents: dict[Path, bytes] | None = None,
) -> tuple[Bank, list[Problem]]:
    """Load bank files into one bank; returns it with every problem found (errors and warnings).

    `roots` gives each file's bank folder (demos must stay inside it; by default the file's
    own folder); `check_demos` also parses every demo file a question names (never runs it);
    `contents`, the files' bytes already read (taken from the dict as each file is parsed).
    """
    problems: list[Problem] = []
    roots = roots or {}
    combiner = _Combiner(problems, check_demos)
    with gc_paused(freeze=True):
        for f in files:
            raw = contents.pop(f, None) if contents is not None else None
            parsed = parse_file(f, problems, roots.get(f), raw)
            del raw
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
        # the bank's first file and where it names its deck (not its questions' YAML nodes: they
        # go as soon as the file is added)
        self.first: tuple[Path, yaml.Node | None] | None = None
        self.vocabulary: dict[str, list[tuple[str, ...]]] = {"contrasts": [], "synonyms": []}
        self.facts: list[Fact] = []  # every file's, once: one tuple for the whole bank
        self.pitfalls: dict[Pitfall, tuple[Path, int]] = {}  # the bank-wide ones, once: where each is

    def _duplicate(self, seen: dict[Any, tuple[Path, int]], value: Any, what: str, pf: Parsed,
                   entry: Entry, fld: str) -> bool:
        if value not in seen:
            seen[value] = (pf.path, entry.line)
            return False
        other, line = seen[value]
        msg = f"duplicate {what} (also at {display(other)}:{line})"
        self.problems.append(problem_at(pf.path, node_at(entry.node, [fld]), fld, msg))
        return True

    def add(self, pf: Parsed) -> None:
        problems = self.problems
        if self.deck and pf.deck and pf.deck != self.deck and pf.deck_node is not None:
            msg = f"'{pf.deck}' differs from '{self.deck}' ({display(self.deck_file or pf.path)}): " \
                "the bank's deck is the first file's"
            problems.append(problem_at(pf.path, pf.deck_node, "deck", msg, "warning"))
        if not self.deck and pf.deck:
            self.deck, self.deck_file = pf.deck, pf.path
        self.first = self.first or (pf.path, pf.deck_node)
        self.bank_id = self.bank_id or pf.bank_id
        for name, groups in (pf.vocabulary or {}).items():  # one file's words serve the whole bank
            self.vocabulary[name] += [tuple(g) for g in groups if tuple(g) not in self.vocabulary[name]]
        self.facts += [f for f in pf.facts if f not in self.facts]
        for i, p in enumerate(pf.pitfalls):
            self.pitfalls.setdefault(p, (pf.path, i))
        source = pf.path.resolve()
        root = pf.root.resolve() if pf.root else source.parent
        for index, entry in enumerate(pf.questions):
            self.position += 1
            data = entry.data  # entry.node (composed again from its text) only for a problem's place
            fields = data if data is not None else entry.raw if isinstance(entry.raw, dict) else {}
            where = fieldname(entry_label("questions", index, fields))
            if data is not None and data["number"] is None:
                data["number"] = self.position
            qid, num = fields.get("id"), fields.get("number", self.position)
            duplicate = False
            if isinstance(qid, str):
                duplicate = self._duplicate(self.seen_ids, qid, f"id '{qid}'", pf, entry, "id")
            if isinstance(num, int) and not isinstance(num, bool):
                dup_num = self._duplicate(self.seen_nums, num, f"number {num}", pf, entry, "number")
                duplicate = duplicate or dup_num
            if data is None or duplicate:
                continue
            q = Question.from_dict(data, source, entry.line, root, checked=pf.clean)
            entry.data = data = None  # the question has it now
            if not q.key_points:
                problems.append(problem_at(pf.path, node_at(entry.node, ["key_points"]),
                                           f"{where}.key_points", "needs key points: without them the "
                                           "drill can only ask you to rate yourself", "warning"))
            if len(q.key_points) > 1 and all(kp.core for kp in q.key_points):
                at = node_at(entry.node, ["key_points"])
                problems.append(problem_at(pf.path, at, f"{where}.key_points",
                                           "every key point is core, so core changes nothing: mark core "
                                           "only what an interviewer must hear (two or three)"))
            for i, kp in enumerate(q.key_points):
                if not kp.terms:
                    problems.append(
                        problem_at(
                            pf.path,
                            node_at(entry.node, ["key_points", i]),
                            f"{where}.key_points[{i}].terms",
                            "no terms: the point is matched on its own words only",
                            "warning",
                        )
                    )
            if q.demo:
                self._check_demo(q, pf, entry, source, root, f"{where}.demo")
            self._check_images(q, pf, entry, source, root, where)
            self.questions.append(q)

    def _with_vocabulary(self, q: Question) -> Question:
        """`q` with the contrasts and synonyms the bank's other files declare (its own file's first)."""
        extra = {name: tuple(g for g in groups if g not in getattr(q, name))
                 for name, groups in self.vocabulary.items()}
        if not any(extra.values()):
            return q
        return dataclasses.replace(q, contrasts=q.contrasts + extra["contrasts"],
                                   synonyms=q.synonyms + extra["synonyms"])

    def _check_core(self) -> None:
        """In a bank that marks core key points, a question with none is rated by the share alone
        (one with a single point is rated the same either way)."""
        if not any(kp.core for q in self.questions for kp in q.key_points):
            return
        for q in self.questions:
            if len(q.key_points) > 1 and not any(kp.core for kp in q.key_points):
                msg = ("no core key point: it is rated by the share of points alone while the bank's "
                       "other questions lift terse answers that say theirs; mark `core: true` on what an "
                       "interviewer must hear")
                self.problems.append(Problem(display(q.source), q.line, 1, f"{q.id}.key_points", msg,
                                             "warning"))

    def _check_model_answers(self) -> None:
        """A model answer that contradicts one of the bank's facts, or says one of its bank-wide
        pitfalls: the fact or the pitfall (or its terms) is wrong."""
        from quiz.grading import grade

        shared = {p.claim for p in self.pitfalls}
        for q in self.questions:
            graded = grade(q.answer, q)
            for c in graded.contradictions:
                if any(c.point == f.fact for f in q.facts):
                    msg = (f"the model answer contradicts the fact '{c.point}' where it says "
                           f"'{c.found}' ({c.said} for {c.instead}): correct the fact or narrow its terms")
                    self.problems.append(Problem(display(q.source), q.line, 1, f"{q.id}.answer", msg,
                                                 "warning"))
            for hit in graded.pitfalls:
                if hit.claim in shared and hit.claim not in {p.claim for p in q.pitfalls}:
                    msg = (f"the model answer says the bank's pitfall '{hit.claim}' where it says "
                           f"'{hit.found}': correct the pitfall or narrow its terms")
                    self.problems.append(Problem(display(q.source), q.line, 1, f"{q.id}.answer", msg,
                                                 "warning"))

    def _check_pitfalls(self) -> None:
        """A bank-wide pitfall names questions and tags the bank has; a question's own pitfall
        does not repeat one (the copy would be shown twice)."""
        ids = {q.id for q in self.questions}
        tags = {t for q in self.questions for t in q.tags}
        for p, (path, i) in self.pitfalls.items():
            for fld, names, known in (("questions", p.questions, ids), ("tags", p.tags, tags)):
                for j, name in enumerate(names):
                    if name not in known:
                        what = "no question has the id" if fld == "questions" else "no question has the tag"
                        msg = f"{what} '{name}'.{did_you_mean(name, sorted(known))}"
                        at: list[int | str] = ["pitfalls", i, fld, j]
                        self.problems.append(_problem_in(path, at, f"pitfalls[{i}].{fld}", msg))
        shared = {p.claim for p in self.pitfalls}
        for q in self.questions:
            for k, p in enumerate(q.pitfalls):
                if p.claim in shared:
                    msg = (f"'{p.claim}' is also a pitfall of the whole bank: drop this copy and name "
                           f"'{q.id}' in the bank's pitfall's `questions:` to list it here")
                    self.problems.append(Problem(display(q.source), q.line, 1, f"{q.id}.pitfalls[{k}]", msg,
                                                 "warning"))

    def _check_images(self, q: Question, pf: Parsed, entry: Entry, source: Path, root: Path,
                      where: str) -> None:
        """An image an answer or errata shows must be a file inside the bank's folder."""
        for fld in ("answer", "errata"):
            for ref in image_refs(getattr(q, fld) or ""):
                path = image_path(ref, source.parent)
                if not path.is_relative_to(root):
                    msg = f"the image '{ref}' is outside the bank's folder {display(root)}: " \
                        "images stay inside it"
                    at = node_at(entry.node, [fld])
                    self.problems.append(problem_at(pf.path, at, f"{where}.{fld}", msg))
                elif not path.is_file():
                    msg = f"names no image file: '{ref}' (looked for {display(path)})"
                    at = node_at(entry.node, [fld])
                    self.problems.append(problem_at(pf.path, at, f"{where}.{fld}", msg, "warning"))

    def _check_demo(self, q: Question, pf: Parsed, entry: Entry, source: Path, root: Path,
                    fld: str) -> None:
        assert q.demo is not None

        def problem(msg: str) -> Problem:  # the demo's node is looked up only for a problem
            return problem_at(pf.path, node_at(entry.node, ["demo"]), fld, msg)

        demo = q.demo_path()
        if demo_escapes(q.demo, source.parent, root):
            msg = f"'{q.demo}' is outside the bank's folder {display(root)}: a demo stays inside it"
            self.problems.append(problem(msg))
        elif demo is None:
            msg = f"names no demo file: '{q.demo}' {_where_demos_are(q.demo, source.parent)}"
            self.problems.append(problem(msg))
        elif self.check_demos and not demo.is_relative_to(BUILTIN_DEMOS.resolve()):
            if demo not in self.demo_checked:
                self.demo_checked[demo] = demo_file_problem(demo)
            if (found := self.demo_checked[demo]) is not None:
                self.problems.append(problem(found))

    def bank(self, files: Sequence[Path]) -> tuple[Bank, list[Problem]]:
        self.questions = [self._with_vocabulary(q) for q in self.questions]
        if self.facts or self.pitfalls:
            facts, pitfalls = tuple(self.facts), tuple(self.pitfalls)
            self.questions = [dataclasses.replace(q, facts=facts, bank_pitfalls=pitfalls)
                              for q in self.questions]
            self._check_pitfalls()
            if self.check_demos:  # validating: a fact or pitfall a model answer says is wrong (or loose)
                self._check_model_answers()
        if self.check_demos:  # validating: a bank that marks core points marks them on every question
            self._check_core()
        self.questions.sort(key=lambda q: q.num)
        if not self.bank_id and self.first is not None:
            deck = derive_bank_id(self.deck or "")
            msg = (f"no bank_id: progress and Anki notes follow the deck's name ('{deck}'), so renaming the "
                   f"deck starts them over; add `bank_id: {deck}` at the top")
            path, node = self.first
            self.problems.append(Problem(display(path), node.start_mark.line + 1 if node else 1, 1,
                                         "bank_id", msg, "warning"))
        deck = self.deck or "FastAPI Advanced Interview"
        return Bank(self.questions, deck, list(files), self.bank_id or "", written=self.position), sorted(
            self.problems
        )


def _problem_in(path: Path, loc: list[int | str], fld: str, msg: str) -> Problem:
    """A problem at `loc` of a bank file read again (only when there is one to report)."""
    from quiz.bank.yamlfile import _loader_class

    loader = _loader_class()(path.read_text(encoding="utf-8"))
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    return problem_at(path, node_at(root, loc), fld, msg)


def _where_demos_are(name: str, bank_dir: Path) -> str:
    """Where a `demo` value was looked for, and the demo file it may have meant."""
    if name.endswith(".py") or "/" in name or "\\" in name:
        where = f"looked for {display(bank_dir / name)}"
        folders = [bank_dir, bank_dir / "demos"]
        near = [p.relative_to(bank_dir).as_posix() for f in folders for p in sorted(f.glob("*.py"))]
    else:
        stem = name.replace("-", "_")
        where = f"looked for {display(bank_dir / 'demos' / (stem + '.py'))} and among the built-in demos"
        near = [p.stem for f in (bank_dir / "demos", BUILTIN_DEMOS) for p in sorted(f.glob("*.py"))]
        name = stem
    return f"({where}).{did_you_mean(name, near)}"


def validate_paths(paths: Sequence[Path]) -> tuple[Bank, list[Problem]]:
    """Every problem of every file under `paths`, errors and warnings, in file order (the bank's
    own: its demos' exercise files are checked by `quiz.exercises.validate`)."""
    files: list[Path] = []
    roots: dict[Path, Path] = {}
    problems: list[Problem] = []
    for path in map(builtin_or_path, paths):
        try:
            found, found_roots = _bank_roots([path])
        except QuizError as exc:
            problems.append(Problem(display(path), 0, 0, "", str(exc)))
            continue
        files.extend(found)
        roots.update(found_roots)
    bank, found_problems = load_files(files, roots, check_demos=True)
    return bank, problems + found_problems
