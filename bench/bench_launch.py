"""Start-up of the two ways to run quiz: `uv run quiz` from the clone, and `quiz` installed
with `uv tool install .` (a script, not a test).

The installed tool goes into a temporary folder (UV_TOOL_DIR, UV_TOOL_BIN_DIR: nothing of yours
is touched), built from this checkout with `--offline` (the packages come from uv's cache).
Each command runs several times, median kept; the ratio is `uv run quiz X` against the
installed `quiz X` measured in the same run, and both against `python -c pass` (the
interpreter's own start), so the figures hold on a slower or busier machine too.

    uv run python bench/bench_launch.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_time(cmd: list[str], runs: int, env: dict[str, str], cwd: Path) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env,
                       cwd=cwd)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("UV_RUN", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE"))}
        env |= {"QUIZ_HOME": str(Path(tmp) / "home"), "NO_COLOR": "1",
                "UV_TOOL_DIR": str(Path(tmp) / "tools"), "UV_TOOL_BIN_DIR": str(Path(tmp) / "bin")}
        subprocess.run(["uv", "tool", "install", "--offline", "--quiet", str(ROOT)], check=True, env=env,
                       cwd=tmp)
        installed = str(Path(tmp) / "bin" / "quiz")
        rows: list[tuple[str, float, float, float]] = []
        base = median_time([sys.executable, "-c", "pass"], args.runs, env, ROOT)
        for argv in (["--version"], ["--help"], ["list"]):
            for warm in ([installed, *argv], ["uv", "run", "quiz", *argv]):  # bytecode and bank cache
                subprocess.run(warm, stdout=subprocess.DEVNULL, check=True, env=env, cwd=ROOT)
            tool = median_time([installed, *argv], args.runs, env, ROOT)
            uv = median_time(["uv", "run", "quiz", *argv], args.runs, env, ROOT)
            rows.append((" ".join(argv), tool, uv, uv / tool))
    print(f"python -c pass: {base:.3f} s (median of {args.runs})")
    print(f"{'command':12} {'quiz (tool)':>12} {'uv run quiz':>12} {'uv run / tool':>14} "
          f"{'tool / python':>14} {'uv run / python':>16}")
    for label, tool, uv, ratio in rows:
        print(f"{label:12} {tool:11.3f}s {uv:11.3f}s {ratio:13.2f}x {tool / base:13.2f}x {uv / base:15.2f}x")


if __name__ == "__main__":
    main()
