"""Scale figures within the bank limits (a script, not a test).

- `quiz validate` of 100,000 questions (ten files of 10,000: a file holds at most 20 MB):
  wall time and peak memory, against reading the same YAML with PyYAML's C loader alone,
  measured in the same run. Targets (issue 26): under 8 s of CPU and under 300 MB.
- `quiz show` of a question whose answer is the largest allowed (64 KB of Markdown:
  paragraphs, lists and fenced code), against `quiz show` of a short answer. Target: under 1 s.

Wall time and CPU time (user + system) are both shown: on a machine shared with other work
the wall time grows with the load, the CPU time much less; the verdicts use the CPU time.

    uv run python bench/bench_scale.py [--questions 100000] [--runs 3] [--heavy]

The validate row's bank has one-line answers (the shape the issue's figures were taken on:
~35 MB of YAML for 100,000 questions); `--heavy` also validates bench_startup.py's bank, answers
of Markdown and fenced code ~1.3 KB each (~169 MB), with no target: its questions alone, kept
for the cross-question checks, take more than 300 MB.
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

sys.path.insert(0, str(Path(__file__).parent))
from bench_startup import generated_bank  # noqa: E402

from quiz.model import MAX_TEXT  # noqa: E402

PY = sys.executable
QUIZ = [PY, "-m", "quiz"]
PER_FILE = 10_000


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak memory (MB) of one command, as its own process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        err = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"{' '.join(argv)} failed: {err}")
    if child.stderr:
        child.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: kilobytes


def median_run(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float]:
    results = [run(argv, env) for _ in range(runs)]
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            max(r[2] for r in results))


def big_bank(folder: Path, questions: int) -> Path:
    folder.mkdir()
    for part in range((questions + PER_FILE - 1) // PER_FILE):
        path = folder / f"part{part:02d}.yaml"
        generated_bank(path, min(PER_FILE, questions - part * PER_FILE))
        path.write_text(path.read_text(encoding="utf-8").replace("id: q", f"id: p{part}-q"), encoding="utf-8")
    return folder


def largest_answer() -> str:
    """Markdown as an answer is written (paragraphs, a list, fenced code), up to the limit."""
    block = (
        "Middleware wraps **every request**: it runs before the endpoint, calls `call_next`, and "
        "runs again after it. Register it with `@app.middleware(\"http\")`.\n\n"
        "- it sees the request and the response\n- it can add headers such as `X-Process-Time`\n\n"
        "```python\n@app.middleware(\"http\")\nasync def timing(request, call_next):\n"
        "    start = time.perf_counter()\n    response = await call_next(request)\n"
        "    response.headers[\"X-Process-Time\"] = str(time.perf_counter() - start)\n"
        "    return response\n```\n\n"
    )
    text = block * (MAX_TEXT // len(block))
    return text[: MAX_TEXT - 10].rstrip() + "\n"


def answer_bank(path: Path, answer: str) -> Path:
    indented = "".join(f"      {line}\n" if line else "\n" for line in answer.splitlines())
    path.write_text(
        "questions:\n  - id: big\n    question: Explain middleware.\n    answer: |\n" + indented
        + "    key_points: [{point: Wraps every request, terms: [every request]}]\n",
        encoding="utf-8",
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--heavy", action="store_true", help="also bench_startup.py's bank of long answers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"QUIZ_HOME": str(Path(tmp) / "home"), "NO_COLOR": "1", "COLUMNS": "100"}
        folder = big_bank(Path(tmp) / "bank", args.questions)
        size = sum(f.stat().st_size for f in folder.iterdir()) / 1024 / 1024
        load = "import sys, yaml\nfor f in sys.argv[1:]: yaml.load(open(f).read(), yaml.CSafeLoader)"
        yaml_only = [PY, "-c", load, *map(str, sorted(folder.iterdir()))]
        base_s, base_cpu, base_mb = median_run(yaml_only, env, args.runs)
        val_s, val_cpu, val_mb = median_run([*QUIZ, "validate", str(folder)], env, args.runs)

        small = answer_bank(Path(tmp) / "small.yaml", "Middleware wraps every request.\n")
        big = answer_bank(Path(tmp) / "big.yaml", largest_answer())
        for bank in (small, big):  # the first load parses and caches; time what a user meets after
            run([*QUIZ, "--bank", str(bank), "show", "1"], env)
        small_s, small_cpu, _ = median_run([*QUIZ, "--bank", str(small), "show", "1"], env, args.runs)
        big_s, big_cpu, big_mb = median_run([*QUIZ, "--bank", str(big), "show", "1"], env, args.runs)
        first_s, first_cpu, _ = run([*QUIZ, "validate", str(big)], env)
        if args.heavy:
            from bench_startup import heavy_bank

            heavy = heavy_bank(Path(tmp) / "heavy", args.questions)
            heavy_mb = sum(f.stat().st_size for f in heavy.iterdir()) / 1024 / 1024
            heavy_s, heavy_cpu, heavy_peak = median_run([*QUIZ, "validate", str(heavy)], env, args.runs)

    n = f"{args.questions:,}"
    print(f"{'measure':46} {'wall s':>7} {'CPU s':>6} {'MB':>5} {'CPU ratio':>9} {'target':>15}")

    def row(label: str, wall: float, cpu: float, mb: float | None = None, base: float | None = None,
            target: str = "", ok: bool | None = None) -> None:
        ratio = f"{cpu / base:8.2f}x" if base else ""
        verdict = "" if ok is None else "ok" if ok else "OVER"
        print(f"{label:46} {wall:7.2f} {cpu:6.2f} {'' if mb is None else f'{mb:5.0f}':>5} {ratio:>9} "
              f"{target:>15} {verdict}")

    row(f"PyYAML C loader alone, {n} questions", base_s, base_cpu, base_mb)
    row(f"quiz validate, {n} questions ({size:.0f} MB)", val_s, val_cpu, val_mb, base_cpu,
        "< 8 s, 300 MB", val_cpu < 8 and val_mb < 300)
    row("quiz show, a short answer", small_s, small_cpu)
    row(f"quiz show, a {MAX_TEXT // 1024} KB answer (the limit)", big_s, big_cpu, big_mb, small_cpu,
        "< 1 s", big_cpu < 1)
    row(f"quiz validate, the {MAX_TEXT // 1024} KB answer", first_s, first_cpu)
    if args.heavy:
        row(f"quiz validate, {n} long answers ({heavy_mb:.0f} MB)", heavy_s, heavy_cpu, heavy_peak, base_cpu)


if __name__ == "__main__":
    main()
