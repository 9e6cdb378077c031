"""Export figures (issue 26): a generated 10,000-question bank to every format (a script, not a test).

    uv run python bench/bench_export.py [--questions 10000] [--runs 1] [--shape heavy|light]

For each format, `quiz --bank BANK export --format F -o FILE` as a user runs it (a fresh
process; the bank's parse cache warmed once before, as after any first use): wall seconds
and CPU seconds (the process and the workers it forks), twice:
- cold: no rendering kept from an earlier export (the kept HTML under QUIZ_HOME/cache/html
  deleted first): what the first export of a new or edited bank costs;
- warm: run again, as every later export of the bank (any format) is.
Then the same CPU as a ratio against the json export (loading the bank and writing it, no
Markdown) in the same run. Target: under 2 s (wall) each format.

apkg against its floor, in this process: the apkg render (CPU of this process and its
render workers), cold and warm, against genanki alone writing the very same notes (their
fields made beforehand, untimed). Target: <= 2x.

The generated answers (`--shape heavy`, the default) are shaped like the built-in bank's,
each one different: three paragraphs of Markdown with inline code, a list, and a fenced
Python block of a dozen lines; three key points, tags, follow-ups, a reference, an errata on
every fifth question. `--shape light` gives bench_startup.py's one-line answers instead, the
floor: what an export costs when there is little Markdown and no code to highlight.

The machine's load average is printed before and after: on a shared machine, wall seconds
follow the load, CPU seconds much less.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
TARGET = 2.0


def generated_bank(path: Path, n: int, shape: str = "heavy") -> Path:
    import yaml

    questions = []
    for i in range(1, n + 1):
        light = f"Thing {i} is a generated answer with `code` and a paragraph of text.\n"
        answer = light if shape == "light" else (
            f"Topic {i} is about **request handling**: FastAPI reads the request, validates it with "
            f"Pydantic and calls `endpoint_{i}()` with typed arguments. The `{i % 97}` routes of the "
            "app share one dependency graph, resolved once per request.\n\n"
            f"- **Validation**: a bad `item_{i}` answers 422 before the endpoint runs.\n"
            f"- **Dependencies**: `Depends(get_db_{i % 13})` opens a session and closes it after.\n"
            "- **Docs**: every parameter appears in the OpenAPI schema.\n\n"
            "```python\n"
            "from typing import Annotated\n\n"
            "from fastapi import Depends, FastAPI, HTTPException\n\n"
            "app = FastAPI()\n\n"
            f"def get_db_{i}():\n"
            f"    db = {{'id': {i}, 'name': 'item {i}'}}\n"
            "    try:\n"
            "        yield db\n"
            "    finally:\n"
            "        db.clear()\n\n"
            f"@app.get('/items/{{item_id}}')\n"
            f"def endpoint_{i}(item_id: int, db: Annotated[dict, Depends(get_db_{i})]):\n"
            f"    if item_id != {i}:\n"
            "        raise HTTPException(status_code=404, detail='not found')\n"
            "    return db\n"
            "```\n\n"
            f"Measure it with `time.perf_counter()`; question {i} has its own numbers so no two "
            "answers are the same.\n"
        )
        q = {
            "id": f"q{i}",
            "number": i,
            "question": f"How does FastAPI handle request number {i}, and why does it matter?",
            "answer": answer,
            "key_points": [
                {"point": f"Validates item {i} with Pydantic", "terms": ["pydantic", f"item {i}", "422"]},
                {"point": "Resolves dependencies once per request", "terms": ["Depends", "once per request"]},
                {"point": "Documents parameters in OpenAPI", "terms": ["openapi", "docs"]},
            ],
            "tags": ["generated", f"group-{i % 20}", "bench"],
            "difficulty": 1 + i % 3,
            "follow_ups": [f"What happens when item {i} is missing?", "How would you test it?"],
            "references": [f"https://fastapi.tiangolo.com/tutorial/#{i}"],
        }
        if i % 5 == 0:
            q["errata"] = f"The source said `{i}ms`; measure it with `time.perf_counter()` instead."
        questions.append(q)
    with path.open("w", encoding="utf-8") as f:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        yaml.dump({"deck": "Generated", "questions": questions}, f, Dumper=dumper,
                  sort_keys=False, allow_unicode=True, width=100)
    return path


def forget_renderings(home: Path) -> None:
    """Delete the HTML kept by earlier exports: the next export renders every answer again."""
    shutil.rmtree(home / "cache" / "html", ignore_errors=True)


def cli_run(bank: Path, fmt: str, out: Path, env: dict[str, str], runs: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the export as a user runs it, the best of `runs`; CPU counts the
    process and the render workers it forked and reaped (wait4's usage)."""
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        cmd = [PY, "-m", "quiz", "--bank", str(bank), "export", "--format", fmt, "-o", str(out), "--force"]
        if out.is_dir():  # a folder format writes a new folder each time
            shutil.rmtree(out)
        start = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise SystemExit(f"{' '.join(cmd)} exited {child.returncode}")
        best = min(best, (wall, usage.ru_utime + usage.ru_stime))
    return best


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _cpu() -> float:
    """CPU seconds of this process and the workers it forked to render (reaped by now)."""
    import resource

    mine, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime


def genanki_floor(questions: list, options: object, folder: Path) -> tuple[float, float, float]:
    """(apkg's render cold, warm, genanki alone) CPU seconds: genanki writing the very notes
    the apkg export makes (their fields made beforehand, untimed), the floor of issue 26's
    `apkg <= 2x genanki`."""
    import genanki  # type: ignore[import-untyped]

    from quiz.export import FORMATS, apkg

    forget_renderings(folder / "home")
    start = _cpu()
    FORMATS["apkg"].render(questions, options)  # type: ignore[arg-type]  # as the CLI calls it
    cold = _cpu() - start
    start = _cpu()
    FORMATS["apkg"].render(questions, options)  # type: ignore[arg-type]
    warm = _cpu() - start
    notes = [(apkg.fields(q, options), apkg.note_tags(q, options), apkg.note_guid(q, options.bank_id), q.num)  # type: ignore[arg-type, attr-defined]
             for q in questions]
    start = _cpu()
    model = genanki.Model(apkg.MODEL_ID, apkg.MODEL_NAME, fields=[{"name": f} for f in apkg.FIELDS],
                          templates=[{"name": "q", "qfmt": apkg.QFMT, "afmt": apkg.AFMT}], css=apkg.css())
    deck = genanki.Deck(1, "floor")
    for fields, tags, guid, due in notes:
        deck.add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid, due=due))
    genanki.Package([deck]).write_to_file(str(folder / "floor.apkg"))
    return cold, warm, _cpu() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1, help="runs per format (the best is shown)")
    parser.add_argument("--shape", choices=["heavy", "light"], default="heavy")
    args = parser.parse_args()

    from quiz.bank import load_bank
    from quiz.export import FORMATS, ExportOptions

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = folder / "home"
        env = {**os.environ, "QUIZ_HOME": str(home)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # or every import is compiled again
        os.environ["QUIZ_HOME"] = env["QUIZ_HOME"]
        bank_path = generated_bank(folder / "bank.yaml", args.questions, args.shape)
        start = time.perf_counter()
        bank = load_bank([bank_path])  # validates, and warms the parse cache for the CLI runs
        load_s = time.perf_counter() - start
        print(f"{len(bank)} questions ({args.shape}), {bank_path.stat().st_size / 1e6:.1f} MB of YAML; "
              f"first load (validation) {load_s:.2f} s; {os.cpu_count()} cores, {load()}\n")
        options = ExportOptions(deck=bank.deck, banks=(str(bank_path),))
        rows = []
        for fmt in FORMATS.values():
            out = folder / f"out.{fmt.name}"
            forget_renderings(home)
            cold = cli_run(bank_path, fmt.name, out, env, args.runs)
            warm = cli_run(bank_path, fmt.name, out, env, args.runs)
            size = sum(p.stat().st_size for p in out.rglob("*")) if out.is_dir() else out.stat().st_size
            rows.append((fmt.name, cold, warm, size))
        base = {name: warm[1] for name, _, warm, _ in rows}["json"]
        print(f"{'format':<11} {'cold wall':>9} {'cold CPU':>9} {'warm wall':>9} {'warm CPU':>9} "
              f"{'warm CPU/json':>13} {'MB':>6}  target < {TARGET:.0f} s wall")
        worst = 0.0
        for name, (cold_wall, cold_cpu), (warm_wall, warm_cpu), size in rows:
            worst = max(worst, warm_wall)
            marks = "/".join("ok" if w < TARGET else "SLOW" for w in (cold_wall, warm_wall))
            print(f"{name:<11} {cold_wall:>9.2f} {cold_cpu:>9.2f} {warm_wall:>9.2f} {warm_cpu:>9.2f} "
                  f"{warm_cpu / base:>12.2f}x {size / 1e6:>6.1f}  {marks}")
        cold, warm, floor = genanki_floor(list(bank.questions), options, folder)
        print(f"\napkg render in process, CPU: cold {cold:.2f} s ({cold / floor:.1f}x), warm {warm:.2f} s "
              f"({warm / floor:.1f}x); genanki alone writing the same notes {floor:.2f} s (target <= 2x)")
        verdict = "within" if worst < TARGET else "over"
        print(f"\nslowest warm export: {worst:.2f} s wall ({verdict} the {TARGET:.0f} s target); {load()}")


if __name__ == "__main__":
    main()
