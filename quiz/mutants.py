"""Mutants: small edits of a demo that break the claim its answer makes; its tour must catch each.

A demo proves its claim only if breaking the claim turns a check red. A mutant is written like
an exercise (an exercise is a mutant a candidate is asked to fix), in the same shape, in
`demos/mutants/<demo>.yaml` beside `demos/exercises/`:

    mutants:
      - id: swapped-order                  # unique in the file
        title: The two middlewares registered the other way round   # what the edit breaks
        edits:
          - line: app.middleware("http")(add_process_time_header)  # text of one line of the app
            through: app.middleware("http")(watch_errors)            # optional: a span
            replace: |
              app.middleware("http")(watch_errors)
              app.middleware("http")(add_process_time_header)

Unlike an exercise's, a mutant's edits stay above the tour marker (it breaks the app, never
the checks) and need no `TODO:`. Run against the demo's own tour, a mutant must turn at least
one check red: a mutant that passes every check (green) shows a claim nobody checks, and one
that makes the tour raise (a crash) shows checks that do not say what broke.

Nothing here imports fastapi at import time: `quiz validate` reads mutants too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quiz.bank import Problem
from quiz.demo import TOUR_MARKER, Demo
from quiz.exercises import Edit, apply_edits, checked, edit_problems, span

if TYPE_CHECKING:
    from quiz.demo import DemoResult, Event

FOLDER = "mutants"
RED, GREEN, CRASH = "red", "green", "crash"


@dataclass(frozen=True)
class Mutant:
    id: str
    title: str
    edits: tuple[Edit, ...]
    demo: Demo
    source: Path  # the YAML file it was read from

    def written(self) -> str:
        """The demo with the edits made."""
        return apply_edits(self.demo.source, self.edits)


@dataclass
class MutantResult:
    mutant: Mutant
    result: DemoResult

    @property
    def verdict(self) -> str:
        """red: a check failed (the claim is proven); green: every check passed; crash: the tour raised."""
        if self.result.failure is not None:
            return CRASH
        return RED if any(not c.ok for c in self.result.checks) else GREEN

    @property
    def failed_checks(self) -> list[str]:
        return [c.label for c in self.result.checks if not c.ok]


def mutant_file(demo: Demo) -> Path:
    return demo.path.parent / FOLDER / f"{demo.path.stem}.yaml"


def _parse(path: Path, demo: Demo, problems: list[Problem]) -> list[Mutant]:
    """The mutants of one file; every problem found goes to `problems`, with its position."""
    from quiz.bank import node_at, problem_at
    from quiz.schema import MutantSchema

    out: list[Mutant] = []
    lines = demo.source.splitlines()
    marker = lines.index(TOUR_MARKER) if TOUR_MARKER in lines else len(lines)
    for entry, edits, node, fld in checked(path, "mutants", MutantSchema, problems):
        found = edit_problems(path, node, fld, demo, edits, problems)
        if found is None:
            continue
        own = []
        if entry is not None and any(out_id.id == entry.id for out_id in out):
            message = f"duplicate mutant id '{entry.id}'"
            own.append(problem_at(path, node_at(node, ["id"]), f"{fld}.id", message))
        for j, edit in enumerate(edits):
            if span(lines, edit)[1] >= marker:
                message = "a mutant edits the app, not the tour: this edit reaches below the tour marker"
                own.append(problem_at(path, node_at(node, ["edits", j]), f"{fld}.edits[{j}]", message))
        problems.extend(own + found[1])
        if entry is not None and not own and not found[1]:
            out.append(Mutant(entry.id, entry.title, edits, demo, path))
    return out


def collect(demos: Sequence[Demo]) -> tuple[list[Mutant], list[Problem]]:
    """Every mutant of `demos`, and every problem of their files."""
    problems: list[Problem] = []
    mutants: list[Mutant] = []
    for demo in demos:
        path = mutant_file(demo)
        if path.is_file():
            mutants.extend(_parse(path, demo, problems))
    return mutants, problems


def run(mutant: Mutant, emit: Callable[[Event], None] = lambda e: None) -> MutantResult:
    """Run the mutant's file (the demo with the edits made) with its own tour, as an exercise's
    file runs: written into a temporary folder with the demo's companion folders, so a tour that
    serves the file from disk (a uvicorn subprocess) serves the mutant too."""
    import shutil
    import tempfile

    from quiz.demo import run_demo

    with tempfile.TemporaryDirectory(prefix="quiz-mutant-") as tmp:
        path = Path(tmp) / mutant.demo.path.name
        path.write_text(mutant.written(), encoding="utf-8")
        for companion in mutant.demo.companions():
            skip = shutil.ignore_patterns("__pycache__")
            shutil.copytree(companion, Path(tmp) / companion.name, ignore=skip)
        result = run_demo(Demo(mutant.demo.slug, path), emit)
    result.demo = mutant.demo
    return MutantResult(mutant, result)
