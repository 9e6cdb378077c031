"""Progress log figures: importing a large review log (a script, not a test).

    uv run python bench/bench_progress.py [--reviews 100000] [--cards 2000] [--runs 5]

A generated log shaped like years of drilling: `--cards` cards over two banks, each reviewed
the same number of times at growing intervals (50 times by default, which ends before today:
a review more than a day ahead is refused), ratings mostly Good, a typed answer of a
sentence or two on each review.

Each run measures, one after the other (so that a change in the machine's load touches all
of them alike), and the figures are the medians over the runs, CPU time (user + system: what
the wall time would be with a core to itself on a shared machine) and wall time:

- the floor: fsrs's `review_card` alone for every review of the log, card by card in time
  order, in this process: what any import that rebuilds the cards must pay;
- the import in this process: `import_file` (read and check the lines, merge, replay every
  card, commit) into an empty store;
- `quiz progress import LOG` into an empty QUIZ_HOME, as a user runs it (a fresh process:
  Python's start-up and the imports too), with its peak memory beside that of importing a
  tenth of the log (the file is streamed: the two are near);
- the same import again (every review skipped), and `quiz progress export -o FILE`;
- `json.loads` of every line plus a plain executemany of the rows into SQLite (no index).

Target (issue 26): the import, in process and as a command, at most 1.5x the fsrs floor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quiz.grading import Rating
from quiz.store import LogEntry, Store
from quiz.sync import LogReader, import_file, to_lines

QUIZ = Path(sys.executable).with_name("quiz")
TARGET = 1.5  # the import's CPU time against fsrs review_card for every review


def generated_log(path: Path, reviews: int, cards: int) -> None:
    rng = random.Random(13)
    start = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)
    per_card = reviews // cards
    entries = []
    for c in range(cards):
        bank = "quiz-fastapi" if c % 2 else "my-bank"
        at = start + timedelta(minutes=rng.randrange(60 * 24 * 30))
        gap = 0.01
        for _ in range(per_card):
            rating = Rating(rng.choices([1, 2, 3, 4], weights=[10, 15, 60, 15])[0])
            entries.append(LogEntry(str(uuid.uuid4()), bank, f"q{c:05d}", rating, at,
                                    rng.randrange(5_000, 90_000), rng.randrange(0, 101), "drill",
                                    "It wraps every request; registered with app.add_middleware."))
            gap = 0.01 if rating == Rating.AGAIN else min(gap * 2.5 + 1, 30)
            at += timedelta(days=gap, seconds=rng.randrange(3600))
    entries.sort(key=lambda e: (e.reviewed_at, e.uuid))
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(to_lines(entries))


def cli(args: list[str], home: Path) -> tuple[float, float, float]:
    """(wall, CPU) seconds and peak memory (MB) of `quiz ARGS` in a fresh process.

    The peak is the child's own VmHWM, read until it exits: its ru_maxrss would start from this
    process's size at the fork (Linux keeps the high-water mark across exec)."""
    env = {**os.environ, "QUIZ_HOME": str(home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # else every module is compiled again each run
    start = time.perf_counter()
    child = subprocess.Popen([str(QUIZ), *args], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    peak = 0
    status = Path(f"/proc/{child.pid}/status")
    while True:
        pid, code, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        try:
            hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
            peak = max(peak, int(hwm.split()[1]))
        except (OSError, StopIteration):
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(code)
    if child.returncode != 0:
        raise SystemExit(f"quiz {' '.join(args)} failed (exit {child.returncode})")
    return wall, usage.ru_utime + usage.ru_stime, peak / 1024


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of `work()` in this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def floor(log: Path, db_file: Path) -> None:
    """json.loads of every line and one executemany of the rows: the least SQLite work."""
    rows = [tuple(json.loads(line).values()) for line in log.read_text(encoding="utf-8").splitlines()]
    db = sqlite3.connect(db_file)
    db.execute("CREATE TABLE r (a, b, c, d, e, f, g, h, i)")
    db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def fsrs_reviews(log: Path) -> Callable[[], None]:
    """fsrs's `review_card` for every review of the log, card by card in time order (the log
    read beforehand, outside the timing): what any import that rebuilds the cards must pay."""
    import fsrs

    by_card: dict[tuple[str, str], list[LogEntry]] = {}
    for e in LogReader(log, datetime.now(UTC)).entries():
        by_card.setdefault((e.bank_id, e.question_id), []).append(e)
    logs = [sorted(entries, key=lambda e: e.reviewed_at) for entries in by_card.values()]
    scheduler = fsrs.Scheduler()

    def run() -> None:
        for entries in logs:
            card = fsrs.Card(card_id=1)
            for e in entries:
                card, _ = scheduler.review_card(card, fsrs.Rating(int(e.rating)), e.reviewed_at,
                                                e.duration_ms)

    return run


def in_process(log: Path, folder: Path, reviews: int, cards: int) -> Callable[[], None]:
    def run() -> None:
        with Store.open(folder / "progress.db") as store:
            result = import_file(store, log, datetime.now(UTC))
        merged = result.merged
        assert merged is not None and merged.added == reviews and merged.cards == cards, result
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=None,
                        help="default: one card per 50 reviews (a log that ends before today)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.cards = args.cards or max(1, args.reviews // 50)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log = folder / "log.jsonl"
        generated_log(log, args.reviews, args.cards)
        tenth = folder / "tenth.jsonl"
        generated_log(tenth, args.reviews // 10, args.cards)
        print(f"log: {args.reviews:,} reviews of {args.cards:,} cards, {log.stat().st_size / 1e6:.1f} MB")
        figures: dict[str, list[float]] = {}
        loads = [os.getloadavg()[0]]

        def keep(name: str, wall: float, cpu: float) -> None:
            figures.setdefault(name + " wall", []).append(wall)
            figures.setdefault(name + " cpu", []).append(cpu)

        fsrs_run = fsrs_reviews(log)
        for run in range(args.runs):
            keep("fsrs", *timed(fsrs_run))
            home = folder / f"inproc{run}"
            home.mkdir()
            keep("inproc", *timed(in_process(log, home, args.reviews, args.cards)))
            shutil.rmtree(home)
            home = folder / f"home{run}"
            for name, cmd in (("cli", ["progress", "import", str(log)]),
                              ("again", ["progress", "import", str(log)]),
                              ("export", ["progress", "export", "-o", str(folder / f"out{run}.jsonl")])):
                wall, cpu, memory = cli(cmd, home)
                keep(name, wall, cpu)
                figures.setdefault(name + " memory", []).append(memory)
            figures.setdefault("tenth memory", []).append(cli(["progress", "import", str(tenth)],
                                                               folder / f"tenth{run}")[2])
            db_file = folder / f"floor{run}.db"
            keep("floor", *timed(lambda: floor(log, db_file)))  # noqa: B023 (called at once)
            for gone in (home, folder / f"tenth{run}", folder / f"floor{run}.db", folder / f"out{run}.jsonl"):
                shutil.rmtree(gone) if gone.is_dir() else gone.unlink()
            loads.append(os.getloadavg()[0])

        m = {name: statistics.median(values) for name, values in figures.items()}
        print(f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores; "
              f"medians of {args.runs} runs\n")
        print(f"{'figure':<58} {'CPU s':>7} {'wall s':>7} {'CPU':>6} {'wall':>6} {'target':>7}")

        def row(label: str, name: str, against: str | None = "fsrs", target: float | None = None) -> None:
            cpu, wall = m[name + " cpu"], m[name + " wall"]
            ratios = (f"{cpu / m[against + ' cpu']:5.2f}x {wall / m[against + ' wall']:5.2f}x"
                      if against else f"{'':6} {'':6}")
            met = against is not None and cpu <= (target or 0) * m[against + " cpu"]
            verdict = "" if target is None else f"<= {target}x {'ok' if met else 'OVER'}"
            print(f"{label:<58} {cpu:7.2f} {wall:7.2f} {ratios} {verdict}")

        row("floor: fsrs review_card for every review (in process)", "fsrs")
        row("import in process (read, merge, replay, commit)", "inproc", target=TARGET)
        row("quiz progress import (fresh process, empty home)", "cli", target=TARGET)
        row("the same import again (all skipped)", "again")
        row("quiz progress export -o FILE", "export", None)
        row("json.loads + executemany, no index (in process)", "floor", None)
        print(f"\npeak memory of the import: {m['cli memory']:.0f} MB; importing a tenth of the log: "
              f"{m['tenth memory']:.0f} MB ({m['cli memory'] / m['tenth memory']:.2f}x)")


if __name__ == "__main__":
    main()
