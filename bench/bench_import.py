"""Import figures: a 20,000-note Anki deck into a bank folder (a script, not a test).

    uv run python bench/bench_import.py [--notes 20000] [--runs 1]

The deck is bench_export.py's generated questions (Markdown with a list and a fenced Python
block each), exported with `quiz export --format apkg` (Anki's own backend reads these in
tests/test_export.py; a current zstd collection is read the same way, one step more).
Figures, each the best of `--runs`, as a user runs them (a fresh process):

1. `quiz import deck.apkg -o DIR`: wall and CPU seconds, peak memory.
2. Baselines measured in the same run: `quiz import` of the same questions as quiz's own JSON
   (the same bank writer, no HTML to turn back into Markdown), and the floor: unpacking the
   package and reading every note's fields with sqlite3, in this process.
The ratios say where the time goes: apkg / json is the cost of Anki's container and of HTML to
Markdown; apkg / floor the whole import against just reading the notes.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from bench_export import generated_bank  # noqa: E402

PY = sys.executable
PER_FILE = 10_000  # a bank file holds at most 20 MB


def bank(folder: Path, notes: int) -> Path:
    """`notes` generated questions in files of PER_FILE (ids and numbers made unique)."""
    folder.mkdir()
    (folder / "bank.yaml").write_text("bank_id: bench-import\ndeck: Generated\nquestions: []\n",
                                      encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for part in range((notes + PER_FILE - 1) // PER_FILE):
        size = min(PER_FILE, notes - part * PER_FILE)
        path = generated_bank(folder / f"part{part:02d}.yaml", size)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        for q in data["questions"]:
            q["id"] = f"p{part}-{q['id']}"
            q["number"] += part * PER_FILE
        with path.open("w", encoding="utf-8") as f:
            yaml.dump(data, f, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return folder


def run(argv: list[str]) -> tuple[float, float, float]:
    """Wall s, CPU s (user + system) and peak MB of one command in its own process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    if child.stderr:
        child.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best_import(source: Path, work: Path, runs: int) -> tuple[float, float, float]:
    results = []
    for _ in range(runs):
        out = work / f"imported-{source.suffix[1:]}"
        shutil.rmtree(out, ignore_errors=True)
        results.append(run([PY, "-m", "quiz", "import", str(source), "-o", str(out)]))
    return min(r[0] for r in results), min(r[1] for r in results), max(r[2] for r in results)


def floor(deck: Path) -> tuple[float, int]:
    """CPU s of unpacking the package and reading every note's fields with sqlite3 alone."""
    import zstandard

    started = time.process_time()
    with zipfile.ZipFile(deck) as zf, tempfile.TemporaryDirectory() as tmp:
        names = set(zf.namelist())
        kinds = ("collection.anki21b", "collection.anki21", "collection.anki2")
        member = next(n for n in kinds if n in names)
        raw = zf.read(member)
        db_path = Path(tmp) / "c.db"
        if member.endswith("b"):
            raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)).read()
        db_path.write_bytes(raw)
        db = sqlite3.connect(db_path)
        count = sum(len(flds.split("\x1f")) > 0 for (flds,) in db.execute("SELECT flds FROM notes"))
        db.close()
    return time.process_time() - started, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        folder = bank(work / "bank", args.notes)
        deck, own = work / "deck.apkg", work / "bank.json"
        for fmt, out in (("apkg", deck), ("json", own)):
            argv = [PY, "-m", "quiz", "--bank", str(folder), "export", "--format", fmt, "-o", str(out)]
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        base, notes = floor(deck)
        print(f"deck: {notes:,} notes, {deck.stat().st_size / 1e6:.1f} MB (quiz export --format apkg)")
        wall, cpu, peak = best_import(deck, work, args.runs)
        j_wall, j_cpu, j_peak = best_import(own, work, args.runs)
        print(f"quiz import deck.apkg: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.0f} MB")
        print(f"quiz import bank.json (same questions): {j_wall:.1f} s wall, {j_cpu:.1f} s CPU, "
              f"peak {j_peak:.0f} MB; apkg / json CPU = {cpu / j_cpu:.1f}")
        print(f"floor (unpack + read the notes with sqlite3, CPU): {base:.2f} s; "
              f"apkg / floor = {cpu / base:.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
