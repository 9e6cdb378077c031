"""Class report figures (a script, not a test).

    uv run python bench/bench_class.py [--students 300] [--reviews 10000]

A generated class: `--students` logs (as `quiz progress export --learner` writes them) of
`--reviews` reviews each over the built-in bank's questions, a few days apart, ratings
mostly Good, each answer one of a few per question (some asserting one of its pitfalls).
Figures:

1. `quiz class report DIR --json`, as an instructor runs it (a fresh process): wall and CPU
   time, and peak memory (the largest resident set among the process and its workers).
   Target: under 30 s and 300 MB for 300 x 10,000, judged on the CPU time of every process
   (the wall time on a shared machine follows the load). Beside it, the floor measured in the
   same run: `json.loads` of every line of every log, in this process (the ratio's baseline).
2. The same report of a class a tenth the size: peak memory stays about the same (logs are
   streamed one student at a time), time scales with the reviews.
3. The FSRS replay of one student's log (10,000 reviews): the report's `recall` against
   py-fsrs's `review_card` replay (what the report did before), CPU time in this process, as a
   ratio measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quiz.bank import load_bank

QUIZ = Path(sys.executable).with_name("quiz")


def generate(folder: Path, students: int, reviews: int) -> int:
    bank = load_bank()
    rng = random.Random(7)
    answers = {q.id: ["I am not sure.", q.answer.split("\n")[0][:200]]
               + [p.claim for p in q.pitfalls[:2]] for q in bank.questions}
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    size = 0
    for s in range(students):
        at = start + timedelta(minutes=rng.randrange(600))
        lines = []
        for _ in range(reviews):
            q = rng.choice(bank.questions)
            rating = rng.choices([1, 2, 3, 4], weights=[15, 20, 50, 15])[0]
            at += timedelta(minutes=rng.randrange(5, 60))
            lines.append(json.dumps({
                "learner": f"student {s:03d}", "review_id": str(uuid.uuid4()), "bank_id": bank.bank_id,
                "question_id": q.id, "rating": rating, "score": rng.randrange(101), "duration_ms": 30_000,
                "reviewed_at": at.isoformat().replace("+00:00", "Z"), "mode": "drill",
                "answer": rng.choice(answers[q.id])}, separators=(",", ":")) + "\n")
        path = folder / f"student-{s:03d}.jsonl"
        path.write_text("".join(lines), encoding="utf-8")
        size += path.stat().st_size
    return size


def floor(folder: Path) -> float:
    started = time.perf_counter()
    for path in sorted(folder.glob("*.jsonl")):
        with path.open("rb") as f:
            for raw in f:
                json.loads(raw)
    return time.perf_counter() - started


def replay_ratio(folder: Path) -> tuple[float, float]:
    """CPU s of one log's replay: py-fsrs's review_card for every review, and the report's recall."""
    import fsrs

    from quiz.classreport import _when, recall
    from quiz.grading import Rating

    path = sorted(folder.glob("*.jsonl"))[0]
    history: dict[str, list[tuple[Rating, datetime, None]]] = {}
    with path.open("rb") as f:
        for raw in f:
            line = json.loads(raw)
            history.setdefault(line["question_id"], []).append(
                (Rating(line["rating"]), _when(line["reviewed_at"]), None))
    now = datetime(2027, 1, 1, tzinfo=UTC)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)

    def before() -> None:
        for reviews in history.values():
            card = fsrs.Card(card_id=1)
            for rating, when, _ in reviews:
                card, _log = scheduler.review_card(card, fsrs.Rating(int(rating)), when)
            scheduler.get_card_retrievability(card, now)

    def after() -> None:
        for reviews in history.values():
            recall(reviews, now)

    best = {}
    for name, step in (("before", before), ("after", after)) * 3:
        started = time.process_time()
        step()
        best[name] = min(best.get(name, 1e9), time.process_time() - started)
    return best["before"], best["after"]


def run_report(folder: Path) -> tuple[float, float, float, dict[str, object]]:
    """Wall s, CPU s (process and workers), peak MB of the largest, and the report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([str(QUIZ), "class", "report", str(folder), "--json"], capture_output=True,
                         text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--reviews", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-class-"))
    try:
        small, large = work / "small", work / "large"
        small.mkdir()
        large.mkdir()
        generate(small, max(1, args.students // 10), args.reviews)
        started = time.perf_counter()
        size = generate(large, args.students, args.reviews)
        print(f"class: {args.students} logs x {args.reviews:,} reviews, {size / 1e6:.0f} MB "
              f"(generated in {time.perf_counter() - started:.0f} s)")
        wall_s, cpu_s, peak_s, _ = run_report(small)  # first: ru_maxrss of children only grows
        wall, cpu, peak, data = run_report(large)
        base = floor(large)
        print(f"report: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.0f} MB "
              f"({data['students']} students, {data['reviews']:,} reviews)")
        print(f"floor (json.loads of every line, one core): {base:.1f} s; report / floor = {wall / base:.1f}")
        print(f"a tenth the class: {wall_s:.1f} s wall, {cpu_s:.1f} s CPU, peak {peak_s:.0f} MB "
              f"(peak ratio {peak / peak_s:.2f})")
        old, new = replay_ratio(small)
        print(f"FSRS replay of one log ({args.reviews:,} reviews, CPU, best of 3): review_card {old:.3f} s, "
              f"the report's {new:.3f} s: {old / new:.1f}x faster")
        scale = args.students * args.reviews / 3_000_000
        # on a machine shared with other work the wall time grows with the load, the CPU time much
        # less (bench_scale.py does the same): the verdict is on the CPU time of every process
        print(f"target (scaled to this size): under {30 * scale:.1f} s and 300 MB: "
              f"{'met' if cpu < 30 * scale and peak < 300 else 'NOT met'} on CPU time "
              f"({'met' if wall < 30 * scale else 'not met'} on wall time at this load)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
