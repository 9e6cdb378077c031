"""Demo figures (a script, not a test): `quiz demo middleware --quiet` against importing the web
stack, and every demo in one process.

    uv run python bench/bench_demo.py [--runs 7]

CPU seconds (user + system) of each process, medians of --runs interleaved with the floor's
(CPU time hardly grows with the load of a shared machine; wall time is shown beside it).
Targets: `quiz demo middleware --quiet` <= 1.3x `python -c "import fastapi, httpx2"`;
`quiz demo --all` under 10 s (wall, on an idle machine: its demos sleep a few seconds in all).
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


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command as its own process."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # as a user runs it: bytecode cached after the first import (a warm-up run writes it)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"QUIZ_HOME": tmp, "NO_COLOR": "1"}
        demo_cmd = [PY, "-m", "quiz", "demo", "middleware", "--quiet"]
        timed(demo_cmd, env)  # warm-up: bytecode and bank cache
        base, demo = [], []
        for _ in range(args.runs):  # interleaved, so a busy moment hurts both alike
            base.append(timed([PY, "-c", "import fastapi, httpx2"], env)[1])
            demo.append(timed(demo_cmd, env)[1])
        all_wall, all_cpu = timed([PY, "-m", "quiz", "demo", "--all", "--quiet"], env)
    b, d = statistics.median(base), statistics.median(demo)
    load = os.getloadavg()[0]
    print(f"CPU seconds, median of {args.runs}; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'command':40} {'CPU s':>9} {'ratio':>7} {'target':>8}")
    print(f"{'python -c import fastapi, httpx2':40} {b:9.3f} {1:6.2f}x")
    print(f"{'quiz demo middleware --quiet':40} {d:9.3f} {d / b:6.2f}x {'1.3x':>8} "
          f"{'ok' if d / b <= 1.3 else 'OVER'}")
    print(f"{'quiz demo --all (worker processes)':40} {all_cpu:9.3f} {'':>7} {'< 10 s':>8} "
          f"wall {all_wall:.1f} s {'ok' if all_wall < 10 else 'OVER (wall grows with the load)'}")


if __name__ == "__main__":
    main()
