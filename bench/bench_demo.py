"""Demo figures (a script, not a test): `quiz demo middleware` against importing the web stack,
and every demo in one process.

    uv run python bench/bench_demo.py [--runs 7]
Targets: `quiz demo middleware` <= 1.3x `python -c "import fastapi, httpx2"`; `quiz demo --all`
under 15 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PY = sys.executable


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # as a user runs it: bytecode cached after the first import (a warm-up run writes it)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"QUIZ_HOME": tmp, "NO_COLOR": "1"}
        timed([PY, "-m", "quiz", "demo", "middleware"], env)  # warm-up: bytecode and bank cache
        base, demo = [], []
        for _ in range(args.runs):  # interleaved, so a busy moment hurts both alike
            base.append(timed([PY, "-c", "import fastapi, httpx2"], env))
            demo.append(timed([PY, "-m", "quiz", "demo", "middleware"], env))
        all_s = timed([PY, "-m", "quiz", "demo", "--all"], env)
    b, d = statistics.median(base), statistics.median(demo)
    print(f"{'command':40} {'median s':>9} {'ratio':>7} {'target':>8}")
    print(f"{'python -c import fastapi, httpx2':40} {b:9.3f} {1:6.2f}x")
    print(
        f"{'quiz demo middleware':40} {d:9.3f} {d / b:6.2f}x {'1.3x':>8} {'ok' if d / b <= 1.3 else 'OVER'}"
    )
    print(
        f"{'quiz demo --all (one process)':40} {all_s:9.3f} {'':>7} {'< 15 s':>8} "
        f"{'ok' if all_s < 15 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
