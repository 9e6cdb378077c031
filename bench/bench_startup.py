"""Start-up figures of the bank commands, at 40, 10,000 and 100,000 questions (a script, not a test).

    uv run python bench/bench_startup.py [--runs 9] [--sizes 10000,100000]

Every figure is the CPU time (user + system) of a fresh process, as a user runs it (bytecode and
the bank cache warmed by a first run), the median of --runs runs interleaved with the floor's,
and a ratio against its floor measured in the same run: CPU time, unlike wall time, hardly
grows with the load of a shared machine.

- `quiz --help`, `quiz list`, `quiz show 3`: floor `python -c "import typer, rich.console"`.
  Targets: 1.3x, 1.3x, 1.5x.
- The drill, from launch to its first question on the screen of a terminal (a pty; the CPU
  time read from /proc at that moment): floor, the same import printing one line in the same
  pty. Target 1.5x.
- Generated banks (bench_export.py's answers: Markdown, a list, fenced code; files of 10,000
  questions), against the same command on the built-in bank: `show 3` and the drill's first
  question (target 1.5x), `list` (it streams: the wall time to its first rows, and the CPU
  time of the whole list of 10,000 rows).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PY = sys.executable
QUIZ = [PY, "-m", "quiz"]
FLOOR = [PY, "-c", "import typer, rich.console"]
TICK = os.sysconf("SC_CLK_TCK")
PER_FILE = 10_000


def generated_bank(path: Path, n: int) -> Path:
    """One-line answers (bench_scale.py and older figures use this shape)."""
    lines = ["deck: Generated", "questions:"]
    for i in range(1, n + 1):
        lines += [
            f"  - id: q{i}",
            f"    question: What is thing number {i}?",
            "    answer: |",
            f"      Thing {i} is a generated answer with `code` and a paragraph of text.",
            "    key_points:",
            f"      - point: Names thing {i}",
            f"        terms: [thing {i}, number {i}]",
            "      - point: Mentions code",
            "        terms: [code, snippet]",
            "    tags: [generated, bench]",
            f"    difficulty: {1 + i % 3}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def heavy_bank(folder: Path, n: int) -> Path:
    """A folder of files of 10,000 questions shaped like the built-in bank's (bench_export.py)."""
    import re

    from bench_export import generated_bank as heavy

    folder.mkdir()
    for part in range((n + PER_FILE - 1) // PER_FILE):
        path = heavy(folder / f"part{part:02d}.yaml", min(PER_FILE, n - part * PER_FILE))
        if part:  # ids and numbers of their own
            offset = part * PER_FILE
            text = path.read_text(encoding="utf-8").replace("\n- id: q", f"\n- id: p{part}-q")
            text = re.sub(r"(?m)^  number: (\d+)$", lambda m, o=offset: f"  number: {o + int(m[1])}", text)
            path.write_text(text, encoding="utf-8")
    return folder


def cpu_run(argv: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one command as its own process."""
    return cpu_and_peak(argv, env)[0]


def cpu_and_peak(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + system) and peak memory (MB) of one command as its own process."""
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        err = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{' '.join(argv)} failed: {err}")
    if child.stderr:
        child.stderr.close()
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: kilobytes


def cpu_so_far(pid: int) -> tuple[float, float]:
    """CPU seconds of a running process, (all its threads, its main thread): the nanoseconds
    each ran (/proc/PID/task/*/schedstat); else utime + stime in clock ticks for both (10 ms:
    too coarse for figures of 50-100 ms)."""
    tasks: dict[int, float] = {}
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):  # a thread that just ended
                tasks[int(task.name)] = int((task / "schedstat").read_text().split()[0]) / 1e9
    if tasks.get(pid):
        return sum(tasks.values()), tasks[pid]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return ticks, ticks


def until_marker(argv: list[str], env: dict[str, str], marker: bytes,
                 terminal: bool = True) -> tuple[float, float, float]:
    """(wall, CPU, main thread's CPU) seconds from launch until `marker` is on the process's
    screen (a pty, or a pipe); the CPU time is read from /proc then (`cpu_so_far`), and the
    process killed."""
    if terminal:
        master, slave = pty.openpty()
        os.set_blocking(master, False)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        reader = master
    else:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        assert proc.stdout is not None
        reader = proc.stdout.fileno()
    seen = b""
    try:
        while marker not in seen:
            ready, _, _ = select.select([reader], [], [], 60)
            try:
                chunk = os.read(reader, 65536) if ready else b""
            except OSError:
                chunk = b""
            if not chunk:
                raise RuntimeError(f"{argv}: no {marker!r} in {seen.decode(errors='replace')[-500:]}")
            seen += chunk
        wall = time.perf_counter() - start
        return (wall, *cpu_so_far(proc.pid))
    finally:
        proc.kill()
        proc.wait()
        if terminal:
            os.close(master)


def median(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--sizes", default="10000,100000", help="generated bank sizes (comma-separated)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows: list[tuple[str, float, float | None, float | None]] = []  # label, value, ratio, target
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONDONTWRITEBYTECODE", "QUIZ_BANK"}}
        env |= {"QUIZ_HOME": str(Path(tmp) / "home"), "NO_COLOR": "1", "COLUMNS": "100", "LINES": "40"}
        cpu_run([*QUIZ, "list"], env)  # warm: bytecode, the bank cache

        floor_times: list[float] = []
        timed: dict[str, list[float]] = {}
        commands = {"quiz --help": ["--help"], "quiz list": ["list"], "quiz show 3": ["show", "3"]}
        for _ in range(args.runs):  # interleaved, so that a busy moment hits all of them
            floor_times.append(cpu_run(FLOOR, env))
            for label, argv in commands.items():
                timed.setdefault(label, []).append(cpu_run([*QUIZ, *argv], env))
        base = statistics.median(floor_times)
        rows.append(("floor: python -c 'import typer, rich.console'", base, 1.0, None))
        for label, target in (("quiz --help", 1.3), ("quiz list", 1.3), ("quiz show 3", 1.5)):
            value = statistics.median(timed[label])
            rows.append((label, value, value / base, target))

        marker = b" left: "  # the question panel's subtitle: "new · left: 4 new · 0 learning · 0 due"
        floor_tty = [PY, "-c", "import typer, rich.console\nrich.console.Console().print('ready left: ')\n"
                     "import time\ntime.sleep(30)"]
        until_marker([*QUIZ, "drill"], env, marker)  # warm: the database
        tty_floor, tty_drill, tty_main = [], [], []
        for _ in range(args.runs):
            tty_floor.append(until_marker(floor_tty, env, marker)[1])
            _, every, main_thread = until_marker([*QUIZ, "drill"], env, marker)
            tty_drill.append(every)
            tty_main.append(main_thread)
        tty_base, drill40 = statistics.median(tty_floor), statistics.median(tty_main)
        every40 = statistics.median(tty_drill)
        rows.append(("floor in a pty: the same import, one line printed", tty_base, 1.0, None))
        # The main thread's time is the launch: once the question is up, two threads start on
        # what the answer will need (the grader's imports, the model answer's rendering) while
        # the candidate reads and types; their time until /proc is read is shown apart.
        rows.append(("quiz drill: launch to the first question (pty, main thread)", drill40,
                     drill40 / tty_base, 1.5))
        rows.append(("  the same with the threads started after it, until read", every40,
                     every40 / tty_base, None))

        show40 = statistics.median(timed["quiz show 3"])
        for n in sizes:
            folder = heavy_bank(Path(tmp) / f"bank{n}", n)
            mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
            big = [*QUIZ, "--bank", str(folder)]
            validate, peak = cpu_and_peak([*QUIZ, "validate", str(folder)], env)
            cpu_run([*big, "show", "1"], env)  # the first load: parsed and cached
            show = median(lambda big=big: cpu_run([*big, "show", "3"], env), args.runs)
            first = statistics.median(until_marker([*big, "drill"], env, marker)[2] for _ in range(args.runs))
            to_rows = statistics.median(until_marker([*big, "list"], env, b"q3", terminal=False)[0]
                                        for _ in range(max(3, args.runs // 3)))
            whole = cpu_run([*big, "list"], env) if n <= PER_FILE else None
            label = f"{n:,} questions ({mb:.0f} MB of YAML)"
            # bench_scale.py's validate row is the target (< 8 s, < 300 MB) on one-line answers;
            # these answers are ~1.3 KB of Markdown and code each (five times the YAML)
            rows.append((f"{label}: validate (CPU s; peak {peak:.0f} MB)", validate, None, None))
            rows.append((f"{label}: show 3, against the built-in bank's", show, show / show40, 1.5))
            rows.append((f"{label}: drill's first question (pty), against the built-in's", first,
                         first / drill40, 1.5))
            rows.append((f"{label}: list, wall s to its first rows", to_rows, None, None))
            if whole is not None:
                rows.append((f"{label}: list, CPU s of the whole list", whole, None, None))

    load = os.getloadavg()[0]
    print(f"CPU seconds, median of {args.runs}; load average {load:.1f} on {os.cpu_count()} cores\n")
    print(f"{'figure':78} {'s':>7} {'ratio':>7} {'target':>7}")
    for label, value, ratio, target in rows:
        r = "" if ratio is None else f"{ratio:.2f}x"
        verdict = "" if target is None or ratio is None else ("ok" if ratio <= target else "OVER")
        tgt = "" if target is None else f"{target:.1f}x"
        print(f"{label:78} {value:7.3f} {r:>7} {tgt:>7} {verdict}")


if __name__ == "__main__":
    main()
