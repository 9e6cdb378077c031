"""Demos under load, and practice against demo (a script, not a test).

    uv run python bench/bench_demo_all.py [--runs 10] [--ratio-runs 7]

1. `quiz demo --all` with a fresh QUIZ_HOME and its progress bar on a terminal (a pty), `--runs`
   times on the machine as it is, then
   `--runs` times with two busy-loop processes competing for the CPU. Target: every run
   passes (10 of 10, both ways): a user who runs `quiz demo --all` never sees a false failure.
2. `quiz practice middleware --once` (writing the exercise and checking it, to the verdict)
   against `quiz demo middleware --quiet`, interleaved, medians. Target: at most 1.2x.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

PY = sys.executable
BUSY_SECONDS = 600  # each busy loop stops by itself after this, whatever happens to the bench


@contextlib.contextmanager
def busy_loops(count: int) -> Iterator[None]:
    code = f"import time\nend = time.monotonic() + {BUSY_SECONDS}\nwhile time.monotonic() < end:\n    pass\n"
    procs = [subprocess.Popen([PY, "-c", code]) for _ in range(count)]
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):
        while os.read(fd, 65536):
            pass


def demo_all(env: dict[str, str]) -> tuple[bool, float, list[str]]:
    """One `quiz demo --all --json` with a fresh QUIZ_HOME: (passed, seconds, what failed).

    Its stderr is a terminal (a pty, read and dropped), so the progress bar runs, as it does
    for a user; stdout is the JSON.
    """
    master, slave = pty.openpty()
    reader = threading.Thread(target=_drain, args=(master,), daemon=True)
    reader.start()
    try:
        with tempfile.TemporaryDirectory() as home:
            start = time.perf_counter()
            proc = subprocess.run([PY, "-m", "quiz", "demo", "--all", "--json"], stdout=subprocess.PIPE,
                                  stderr=slave, text=True, env={**env, "QUIZ_HOME": home, "TERM": "xterm"},
                                  timeout=600)
            seconds = time.perf_counter() - start
    finally:
        os.close(slave)
        reader.join(timeout=5)
        os.close(master)
    try:
        rows = json.loads(proc.stdout)
    except ValueError:
        return False, seconds, [f"no JSON (exit {proc.returncode})"]
    failed = [f"{r['demo']}: {r['failure'] or ', '.join(r['failed_checks'])}" for r in rows if not r["ok"]]
    return proc.returncode == 0 and not failed, seconds, failed


def series(label: str, runs: int, env: dict[str, str]) -> int:
    passed = 0
    for i in range(1, runs + 1):
        ok, seconds, failed = demo_all(env)
        passed += ok
        print(f"  {label} run {i:2}: {'pass' if ok else 'FAIL'} in {seconds:5.1f} s  {'; '.join(failed)}",
              flush=True)
    return passed


def timed(cmd: list[str], env: dict[str, str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd, timeout=120)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--ratio-runs", type=int, default=7)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "QUIZ_BANK")}
    env |= {"NO_COLOR": "1"}

    print(f"quiz demo --all, {args.runs} runs, fresh QUIZ_HOME each", flush=True)
    idle = series("idle", args.runs, env)
    print(f"quiz demo --all, {args.runs} runs, with two busy-loop processes", flush=True)
    with busy_loops(2):
        loaded = series("busy", args.runs, env)

    with tempfile.TemporaryDirectory() as tmp:
        env_home = {**env, "QUIZ_HOME": os.path.join(tmp, "home")}
        timed([PY, "-m", "quiz", "demo", "middleware", "--quiet"], env_home)  # warm-up: bytecode, bank cache
        demo, practice = [], []
        for i in range(args.ratio_runs):  # interleaved, so a busy moment hurts both alike
            demo.append(timed([PY, "-m", "quiz", "demo", "middleware", "--quiet"], env_home))
            folder = os.path.join(tmp, f"practice{i}")  # fresh: the exercise is written, then checked
            practice.append(timed([PY, "-m", "quiz", "practice", "middleware", "--once", "--dir", folder],
                                  env_home, cwd=tmp))
    d, p = statistics.median(demo), statistics.median(practice)

    print()
    print(f"{'measure':52} {'result':>10} {'target':>8}")
    print(f"{'quiz demo --all passes, idle':52} {f'{idle}/{args.runs}':>10} {'10/10':>8} "
          f"{'ok' if idle == args.runs else 'MISSED'}")
    print(f"{'quiz demo --all passes, two busy loops':52} {f'{loaded}/{args.runs}':>10} {'10/10':>8} "
          f"{'ok' if loaded == args.runs else 'MISSED'}")
    print(f"{'quiz demo middleware --quiet (median s)':52} {d:10.3f}")
    print(f"{'quiz practice middleware --once (median s)':52} {p:10.3f}")
    print(f"{'practice / demo':52} {p / d:9.2f}x {'1.2x':>8} {'ok' if p / d <= 1.2 else 'OVER'}")


if __name__ == "__main__":
    main()
