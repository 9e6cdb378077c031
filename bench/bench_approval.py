"""What approving a bank's demo costs (a script, not a test).

    uv run python bench/bench_approval.py [--runs 9] [--copies 1]

A bank whose `demos/` folder is a copy of the built-in demos (every demo, companion folder and
exercise: the largest demo folder quiz ships), `--copies` times over
(the copies as sub-folders). Each row is CPU seconds
(median of --runs, this process), and a ratio against the floor measured in the same run:
reading every file of the folder and hashing it with SHA-256, which any approval must do.

- fingerprint: the folder read once and fingerprinted (`read_tree`), what the prompt shows;
- first snapshot: read, fingerprinted and written under QUIZ_HOME (`take_snapshot`, new);
- snapshot reused: the same, when the snapshot is already there (it is read back and checked
  byte for byte, since a snapshot edited on disk must not run).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def cpu(fn: Callable[[], object], runs: int,
        before: Callable[[], object] = lambda: None) -> tuple[float, float]:
    """Median CPU seconds and median wall seconds of `fn`."""
    times, walls = [], []
    for _ in range(runs):
        before()
        start, wall = time.process_time(), time.perf_counter()
        fn()
        times.append(time.process_time() - start)
        walls.append(time.perf_counter() - wall)
    return statistics.median(times), statistics.median(walls)


def floor(folder: Path) -> None:
    for dirpath, _, names in os.walk(folder):
        for name in names:
            hashlib.sha256(Path(dirpath, name).read_bytes()).digest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["QUIZ_HOME"] = str(Path(tmp) / "home")
        from quiz.approval import read_tree, snapshots_dir, take_snapshot
        from quiz.demo import Demo
        from quiz.model import BUILTIN_DEMOS

        demos = Path(tmp) / "bank" / "demos"
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(BUILTIN_DEMOS, demos, ignore=ignore)
        for i in range(1, args.copies):  # more of the same, as sub-folders of the demo's folder
            shutil.copytree(BUILTIN_DEMOS, demos / f"copy{i}", ignore=ignore)
        demo = Demo("middleware", demos / "middleware.py")
        files = sum(len(n) for _, _, n in os.walk(demos))
        size = sum(f.stat().st_size for f in demos.rglob("*") if f.is_file()) / 1024 / 1024

        def fresh() -> None:
            shutil.rmtree(snapshots_dir(), ignore_errors=True)

        base = cpu(lambda: floor(demos), args.runs)
        rows = [
            ("read + SHA-256 of every file (floor)", base),
            ("fingerprint (read_tree)", cpu(lambda: read_tree(demos).fingerprint, args.runs)),
            ("first snapshot (take_snapshot)", cpu(lambda: take_snapshot(demo), args.runs, fresh)),
            ("snapshot reused (take_snapshot)", cpu(lambda: take_snapshot(demo), args.runs)),
        ]
    print(f"bank demo folder: {files} files, {size:.1f} MB (the built-in demos x {args.copies})")
    print(f"{'measure':40} {'CPU s':>7} {'ratio':>7} {'wall s':>7}")
    for label, (seconds, wall) in rows:
        print(f"{label:40} {seconds:7.3f} {seconds / base[0]:6.2f}x {wall:7.3f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
