"""The whole test suite and every demo on a machine held busy (a script, not a test).

    uv run python bench/bench_stress.py [--pytest 5] [--demos 10] [--busy 4]

While `--busy` busy-loop processes hold the cores (four on a two-core machine: every process
waits its turn), runs the whole `pytest` suite `--pytest` times, then `quiz demo --all`
`--demos` times (fresh QUIZ_HOME each, progress bar on a pty, as bench_demo_all does).
Target: every run passes. A failure names the test or the demo's check that failed: a timing
claim decided by when a client thread got its response, not by the server's own record of
events, shows up here first.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_demo_all import demo_all  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUSY_SECONDS = 7200  # each busy loop stops by itself after this, whatever happens to the bench


@contextlib.contextmanager
def busy_loops(count: int) -> Iterator[None]:
    """`count` processes spinning on the CPU for as long as the block runs."""
    code = f"import time\nend = time.monotonic() + {BUSY_SECONDS}\nwhile time.monotonic() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def suite(env: dict[str, str]) -> tuple[bool, float, list[str]]:
    """One whole `pytest -q`: (passed, seconds, the tests that failed)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=3600)
    seconds = time.perf_counter() - start
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", proc.stdout, re.MULTILINE)
    summary = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else ["(no output)"]
    return proc.returncode == 0, seconds, failed or ([] if proc.returncode == 0 else summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pytest", type=int, default=5, help="whole-suite runs")
    parser.add_argument("--demos", type=int, default=10, help="`quiz demo --all` runs")
    parser.add_argument("--busy", type=int, default=4, help="busy-loop processes")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "QUIZ_BANK")}
    env |= {"NO_COLOR": "1"}

    print(f"{os.cpu_count()} cores, {args.busy} busy loops", flush=True)
    results: dict[str, list[bool]] = {"pytest": [], "demo --all": []}
    with busy_loops(args.busy):
        for i in range(1, args.pytest + 1):
            ok, seconds, failed = suite(env)
            results["pytest"].append(ok)
            print(f"  pytest run {i:2}: {'pass' if ok else 'FAIL'} in {seconds:6.1f} s  {'; '.join(failed)}",
                  flush=True)
        for i in range(1, args.demos + 1):
            ok, seconds, failed = demo_all(env)
            results["demo --all"].append(ok)
            print(f"  demo --all run {i:2}: {'pass' if ok else 'FAIL'} in {seconds:5.1f} s  "
                  f"{'; '.join(failed)}", flush=True)

    print()
    print(f"{'measure':44} {'passes':>8} {'target':>8}")
    for name, runs in results.items():
        if runs:
            verdict = "ok" if all(runs) else "MISSED"
            print(f"{name + f', {args.busy} busy loops':44} {f'{sum(runs)}/{len(runs)}':>8} "
                  f"{f'{len(runs)}/{len(runs)}':>8} {verdict}")


if __name__ == "__main__":
    main()
