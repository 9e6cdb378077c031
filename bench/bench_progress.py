"""Progress log figures: importing a large review log (a script, not a test).

    uv run python bench/bench_progress.py [--reviews 1000000] [--cards 2000] [--runs 1]

A generated log shaped like years of drilling: `--cards` cards over two banks, each reviewed
the same number of times at growing intervals (50 times by default, which ends before today:
a review more than a day ahead is refused), ratings mostly Good, a typed answer of a
sentence or two on each review. Figures, each the best of --runs:

1. `quiz progress import LOG` into an empty QUIZ_HOME, as a user runs it (a fresh process):
   every review is new and every card is rebuilt by replaying its reviews with FSRS. Its peak
   memory (the process's maximum resident set) is shown beside the peak of importing a log a
   tenth the size: the file is streamed, so the two are about the same (ratio near 1).
   Target: under 5 s per 100,000 reviews (wall; its CPU time is shown too, what the wall time
   would be with a core to itself on a shared machine). Beside it, in this process: reading
   and checking the lines, and the merge (look up, insert and replay); and the floor,
   `json.loads` of every line plus a plain executemany of the rows into SQLite, as the ratio's
   baseline; and the CPU time of fsrs's `review_card` alone for every review, the floor of
   the CPU ratio (target: at most 1.5x).
2. The same import again: every review skipped, nothing rebuilt.
3. `quiz progress export -o FILE` of the imported log.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quiz.grading import Rating
from quiz.store import LogEntry, Store
from quiz.sync import LogReader, to_lines

QUIZ = Path(sys.executable).with_name("quiz")
TARGET = 5.0  # seconds, for 100,000 reviews (scaled with --reviews)


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
    """(wall, CPU) seconds and peak memory (MB) of `quiz ARGS` in a fresh process: on a shared
    machine the CPU seconds (user + system) are what the wall time would be with a core to itself.

    The peak is the child's own VmHWM, read until it exits: its ru_maxrss would start from this
    process's size at the fork (Linux keeps the high-water mark across exec)."""
    env = {**os.environ, "QUIZ_HOME": str(home)}
    start = time.perf_counter()
    child = subprocess.Popen([str(QUIZ), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
            peak = max(peak, int(hwm.split()[1]))
        except (OSError, StopIteration):
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - _cpu_so_far[0]
    _cpu_so_far[0] += cpu
    assert child.stderr is not None
    err = child.stderr.read()
    if child.returncode != 0:
        raise SystemExit(f"quiz {' '.join(args)} failed: {err.decode()}")
    return wall, cpu, peak / 1024


_cpu_so_far = [0.0]  # CPU seconds of the children already counted


def floor(log: Path, db_file: Path) -> float:
    """json.loads of every line and one executemany of the rows: the least an import can do."""
    start = time.perf_counter()
    rows = [tuple(json.loads(line).values()) for line in log.read_text(encoding="utf-8").splitlines()]
    db = sqlite3.connect(db_file)
    db.execute("CREATE TABLE r (a, b, c, d, e, f, g, h, i)")
    db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return time.perf_counter() - start


def fsrs_floor(log: Path) -> float:
    """CPU seconds of fsrs's `review_card` alone over every review of the log, card by card in
    time order: what any import that rebuilds the cards must pay (issue 26: import <= 1.5x)."""
    import fsrs

    now = datetime.now(UTC)
    by_card: dict[tuple[str, str], list[LogEntry]] = {}
    for e in LogReader(log, now).entries():
        by_card.setdefault((e.bank_id, e.question_id), []).append(e)
    scheduler = fsrs.Scheduler()
    start = time.process_time()
    for entries in by_card.values():
        card = fsrs.Card()
        for e in sorted(entries, key=lambda e: e.reviewed_at):
            card, _ = scheduler.review_card(card, fsrs.Rating(int(e.rating)), e.reviewed_at, e.duration_ms)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--cards", type=int, default=None,
                        help="default: one card per 50 reviews (a log that ends before today)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    args.cards = args.cards or max(1, args.reviews // 50)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log = folder / "log.jsonl"
        generated_log(log, args.reviews, args.cards)
        tenth = folder / "tenth.jsonl"
        generated_log(tenth, args.reviews // 10, args.cards)
        print(f"log: {args.reviews:,} reviews of {args.cards:,} cards, {log.stat().st_size / 1e6:.1f} MB\n")
        best: dict[str, float] = {}

        def keep(name: str, seconds: float) -> None:
            best[name] = min(seconds, best.get(name, seconds))

        for run in range(args.runs):
            home = folder / f"home{run}"
            for name, args_ in (("cli", ["progress", "import", str(log)]),
                                ("again", ["progress", "import", str(log)]),
                                ("export", ["progress", "export", "-o", str(folder / f"out{run}.jsonl")])):
                wall, cpu, memory = cli(args_, home)
                keep(name, wall)
                keep(name + " cpu", cpu)
                keep(name + " memory", memory)
            keep("tenth memory", cli(["progress", "import", str(tenth)], folder / f"tenth{run}")[2])
            keep("floor", floor(log, folder / f"floor{run}.db"))
            keep("fsrs", fsrs_floor(log))
            now = datetime.now(UTC)
            start = time.perf_counter()
            lines = sum(1 for _ in LogReader(log, now).entries())
            keep("parse", time.perf_counter() - start)
            assert lines == args.reviews
            inproc = folder / f"inproc{run}"
            inproc.mkdir()
            with Store.open(inproc / "progress.db") as store:
                start = time.perf_counter()
                merged = store.merge(LogReader(log, now).entries())
                keep("merge", time.perf_counter() - start - best["parse"])
            assert merged.added == args.reviews and merged.cards == args.cards, merged
            shutil.rmtree(home)
            shutil.rmtree(inproc)
            shutil.rmtree(folder / f"tenth{run}")

        ratio = best["cli"] / best["floor"]
        target = TARGET * args.reviews / 100_000
        rows = [
            ("quiz progress import (fresh process, empty home)", f"{best['cli']:.2f} s",
             f"{ratio:.1f}x floor", f"< {target:.1f} s", "ok" if best["cli"] < target else "OVER"),
            ("  its CPU time (user + system)", f"{best['cli cpu']:.2f} s",
             f"{best['cli cpu'] / best['fsrs']:.1f}x fsrs", "<= 1.5x",
             "ok" if best["cli cpu"] <= 1.5 * best["fsrs"] else "OVER"),
            ("  floor: fsrs review_card for every review (CPU)", f"{best['fsrs']:.2f} s", "1.0x", "", ""),
            ("  its peak memory", f"{best['cli memory']:.0f} MB",
             f"{best['cli memory'] / best['tenth memory']:.2f}x tenth", "", ""),
            ("  peak memory importing a tenth of the log", f"{best['tenth memory']:.0f} MB", "1.00x", "", ""),
            ("  reading and checking the lines (in process)", f"{best['parse']:.2f} s", "", "", ""),
            ("  merge: look up, insert, replay every card with FSRS", f"{best['merge']:.2f} s", "", "", ""),
            ("  floor: json.loads + executemany", f"{best['floor']:.2f} s", "1.0x", "", ""),
            ("the same import again (all skipped)", f"{best['again']:.2f} s", "", "", ""),
            ("quiz progress export -o FILE", f"{best['export']:.2f} s", "", "", ""),
        ]
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} cores (wall times grow with it)\n")
        print(f"{'figure':<52} {'best of ' + str(args.runs):>10} {'ratio':>11} {'target':>7}")
        for name, value, r, target, mark in rows:
            print(f"{name:<52} {value:>10} {r:>11} {target:>7} {mark}")


if __name__ == "__main__":
    main()
