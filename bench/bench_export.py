"""Export figures: a generated 10,000-question bank to every format (a script, not a test).

    uv run python bench/bench_export.py [--questions 10000] [--runs 1] [--shape heavy|light]

For each format: the seconds `quiz --bank BANK export --format F -o FILE` takes as a user
runs it (a fresh process; the bank's parse cache warmed once before, as after any first
use), and the seconds of the rendering alone, in this process. Target: under 5 s each.

The generated answers (`--shape heavy`, the default) are shaped like the built-in bank's,
each one different: three paragraphs of Markdown with inline code, a list, and a fenced
Python block of a dozen lines; three key points, tags, follow-ups, a reference, an errata on
every fifth question. `--shape light` gives bench_startup.py's one-line answers instead, the
floor: what an export costs when there is little Markdown and no code to highlight.
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
TARGET = 5.0


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


def cli_seconds(bank: Path, fmt: str, out: Path, env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        cmd = [PY, "-m", "quiz", "--bank", str(bank), "export", "--format", fmt, "-o", str(out), "--force"]
        if out.is_dir():  # a folder format writes a new folder each time
            shutil.rmtree(out)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def genanki_floor(questions: list, options: object, folder: Path) -> tuple[float, float]:
    """(apkg's render, genanki alone) CPU seconds, of this process and its render workers:
    genanki writing the very notes the apkg export makes (their fields rendered beforehand,
    untimed), the floor of issue 26's `apkg <= 2x genanki`."""
    import genanki  # type: ignore[import-untyped]

    from quiz.export import apkg
    from quiz.export import html as h

    def cpu() -> float:  # this process and the workers it forked to render (reaped by now)
        import resource

        mine, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return mine.ru_utime + mine.ru_stime + workers.ru_utime + workers.ru_stime

    start = cpu()
    apkg.render(questions, options)  # type: ignore[arg-type]
    render = cpu() - start
    h.prerender_questions(questions, inline_styles=False)
    notes = [(apkg.fields(q, options), apkg.note_tags(q, options), apkg.note_guid(q, options.bank_id), q.num)  # type: ignore[arg-type, attr-defined]
             for q in questions]
    start = cpu()
    model = genanki.Model(apkg.MODEL_ID, apkg.MODEL_NAME, fields=[{"name": f} for f in apkg.FIELDS],
                          templates=[{"name": "q", "qfmt": apkg.QFMT, "afmt": apkg.AFMT}], css=apkg.css())
    deck = genanki.Deck(1, "floor")
    for fields, tags, guid, due in notes:
        deck.add_note(genanki.Note(model=model, fields=fields, tags=tags, guid=guid, due=due))
    genanki.Package([deck]).write_to_file(str(folder / "floor.apkg"))
    return render, cpu() - start


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
        env = {**os.environ, "QUIZ_HOME": str(folder / "home")}
        os.environ["QUIZ_HOME"] = env["QUIZ_HOME"]
        bank_path = generated_bank(folder / "bank.yaml", args.questions, args.shape)
        start = time.perf_counter()
        bank = load_bank([bank_path])  # validates, and warms the parse cache for the CLI runs
        load_s = time.perf_counter() - start
        print(f"{len(bank)} questions ({args.shape}), {bank_path.stat().st_size / 1e6:.1f} MB of YAML; "
              f"first load (validation) {load_s:.2f} s\n")
        options = ExportOptions(deck=bank.deck, banks=(str(bank_path),))
        print(f"{'format':<11} {'cli s':>7} {'render s':>9} {'size MB':>8}  target < {TARGET:.0f} s")
        worst = 0.0
        for fmt in FORMATS.values():
            start = time.perf_counter()
            if fmt.folder:
                size = sum(len(d) for d in fmt.files(bank.questions, options).values())
            else:
                data = fmt.render(bank.questions, options)
                size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8"))
            render_s = time.perf_counter() - start
            out = folder / f"out.{fmt.name}"
            cli_s = cli_seconds(bank_path, fmt.name, out, env, args.runs)
            worst = max(worst, cli_s)
            mark = "ok" if cli_s < TARGET else "SLOW"
            print(f"{fmt.name:<11} {cli_s:>7.2f} {render_s:>9.2f} {size / 1e6:>8.1f}  {mark}")
        render, floor = genanki_floor(list(bank.questions), options, folder)
        print(f"\napkg render {render:.2f} s CPU, genanki alone writing the same notes {floor:.2f} s: "
              f"{render / floor:.1f}x (target <= 2x)")
        verdict = "within" if worst < TARGET else "over"
        print(f"\nslowest: {worst:.2f} s ({verdict} the {TARGET:.0f} s target)")


if __name__ == "__main__":
    main()
