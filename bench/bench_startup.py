"""Start-up and validation figures for the bank commands (a script, not a test).

Ratios against `python -c "import typer, rich.console"` measured in the same run, median of
several runs each, so the figures hold on a slower or busier machine too.

    uv run python bench/bench_startup.py [--runs 9]
Targets: `quiz --help` <= 1.3x, `quiz list` <= 1.6x, validate of 10,000 questions < 3 s.
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

PY = sys.executable
QUIZ = [PY, "-m", "quiz"]


def median_time(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generated_bank(path: Path, n: int) -> Path:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # as a user runs it: bytecode cached after the first import (a warm-up run writes it)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"QUIZ_HOME": tmp, "NO_COLOR": "1"}
        subprocess.run([*QUIZ, "list"], stdout=subprocess.DEVNULL, check=True, env=env)  # warm the cache
        base = median_time([PY, "-c", "import typer, rich.console"], args.runs, env)
        rows = [("python -c 'import typer, rich.console'", base, None)]
        for label, argv, target in [
            ("quiz --help", ["--help"], 1.3),
            ("quiz list", ["list"], 1.6),
            ("quiz show 3", ["show", "3"], None),
        ]:
            rows.append((label, median_time([*QUIZ, *argv], args.runs, env), target))
        bank = generated_bank(Path(tmp) / "big.yaml", 10_000)
        start = time.perf_counter()
        subprocess.run([*QUIZ, "validate", str(bank)], stdout=subprocess.DEVNULL, check=True, env=env)
        validate_s = time.perf_counter() - start
    print(f"{'command':45} {'median s':>9} {'ratio':>7} {'target':>7}")
    for label, seconds, target in rows:
        ratio = seconds / base
        verdict = "" if target is None else ("ok" if ratio <= target else "OVER")
        tgt = "" if target is None else f"{target:.1f}x"
        print(f"{label:45} {seconds:9.3f} {ratio:6.2f}x {tgt:>7} {verdict}")
    verdict = "ok" if validate_s < 3 else "OVER"
    print(f"{'quiz validate (10,000 questions)':45} {validate_s:9.3f} {'':>7} {'< 3 s':>7} {verdict}")


if __name__ == "__main__":
    main()
