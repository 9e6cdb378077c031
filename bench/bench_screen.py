"""Answer -> graded screen in a real terminal (a pty, 100x40), first answer included (a script, not a test).

    uv run python bench/bench_screen.py [--answers 12] [--sessions 2] [--questions 10000]

`quiz drill --cram` runs in a pseudo-terminal (pexpect), as a candidate uses it: each answer is
typed, then, a second later (a candidate types for longer), the blank line that submits it; the
time is from that Enter to the rating line ("Enter = ...") being printed. On the built-in bank
and on a generated bank of --questions questions cloned from it (same answers and key points, new
ids). Each session starts with an empty QUIZ_HOME but for the bank cache, so its first answer is
the first of a fresh process: first, median, p95 and worst over every answer of every session.
The second pass of each bank reuses the screen cache the first one wrote (model answers rendered
once per question and width). Target: under 50 ms at p95, first answer included. With
--before DIR, the same figures of the quiz in the checkout DIR (PYTHONPATH), in the same run.

First, in this process (CPU time, no terminal): the model answers of the built-in bank printed
as the graded screen shows them, rendered (Markdown, Pygments) against read back from the
screen cache, in the same run: the first in the process, then median and p95 of each, and the
ratio. In the drill the rendering is done while the candidate types; the cache makes it cheap.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import yaml

ROOT = Path(__file__).parents[1]
PY = sys.executable
ANSWER = ("Depends declares what the endpoint needs and FastAPI calls the dependency per request, "
          "injecting the result; middleware wraps every request, added with app.add_middleware, "
          "and a plain def endpoint runs in the thread pool while async def runs on the event loop.")
TARGET_MS = 50.0


def cloned_bank(folder: Path, n: int) -> Path:
    """`n` questions cloned from the built-in bank, in files of at most 2,000 questions."""
    data = yaml.safe_load((ROOT / "questions" / "fastapi.yaml").read_text(encoding="utf-8"))
    base = data.pop("questions")
    folder.mkdir(parents=True)
    data["bank_id"] = f"bench-{n}"
    for part, first in enumerate(range(0, n, 2000)):
        chunk = []
        for i in range(first, min(n, first + 2000)):
            q = dict(base[i % len(base)])
            q.pop("demo", None)
            q["id"], q["number"] = f"{q['id']}-{i:05d}", i + 1
            chunk.append(q)
        text = yaml.safe_dump({**data, "questions": chunk}, sort_keys=False, allow_unicode=True)
        (folder / f"part{part:02d}.yaml").write_text(text, encoding="utf-8")
    return folder


def session(bank: list[str], home: Path, answers: int, code: Path | None = None) -> list[float]:
    """Milliseconds from each submitting Enter to the rating line, in one drill (of the quiz in
    the checkout `code`, when given)."""
    env = {**os.environ, "QUIZ_HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
    env.pop("QUIZ_BANK", None)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    child = pexpect.spawn(PY, ["-m", "quiz", *bank, "drill", "--cram", "--limit", str(answers)], env=env,
                          encoding="utf-8", codec_errors="replace", dimensions=(40, 100), timeout=300)
    child.delaybeforesend = None  # pexpect sleeps 50 ms before each send by default
    times = []
    for _ in range(answers):
        child.expect("› ")
        child.sendline(ANSWER)
        time.sleep(1.0)
        start = time.perf_counter()
        child.sendline("")
        child.expect("Enter = ")
        times.append((time.perf_counter() - start) * 1000)
        child.send("\r")
        child.expect("Saved: ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    return times


def figures(bank: list[str], cache: Path, runs: int, answers: int, code: Path | None) -> tuple[float, str]:
    """p95 and the figures of `runs` drills, each in a fresh QUIZ_HOME holding a copy of `cache`."""
    times: list[float] = []
    firsts = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(cache, Path(tmp) / "cache")
            got = session(bank, Path(tmp), answers, code)
        firsts.append(got[0])
        times += got
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    verdict = "ok" if p95 < TARGET_MS else "OVER"
    return p95, (f"first {statistics.median(firsts):.0f} ms, median {statistics.median(times):.0f} ms, "
                 f"p95 {p95:.0f} ms, max {times[-1]:.0f} ms ({len(times)}; < {TARGET_MS:.0f} ms {verdict})")


def rendering() -> str:
    """Model answers rendered against read from the screen cache (CPU ms), in a fresh QUIZ_HOME."""
    import io

    from rich.console import Console

    from quiz.bank import load_bank
    from quiz.model import Question
    from quiz.ui import rendered

    questions = load_bank().questions

    def cpu(q: Question, cached: bool) -> float:
        console = Console(file=io.StringIO(), width=100, force_terminal=True, color_system="256")
        if not cached:
            rendered._memo.clear()
            shutil.rmtree(Path(os.environ["QUIZ_HOME"]) / "cache" / "screens", ignore_errors=True)
        start = time.process_time()
        console.print(rendered.ModelAnswer(q))
        return (time.process_time() - start) * 1000

    first = cpu(questions[0], False)
    fresh = sorted(cpu(q, False) for q in questions)
    for q in questions:
        cpu(q, True)  # kept in the cache folder
    rendered._memo.clear()  # as a new process finds them
    kept = sorted(cpu(q, True) for q in questions)
    p95 = int(0.95 * (len(kept) - 1))
    return (f"first in a process {first:.0f} ms; rendered: median {statistics.median(fresh):.1f} ms, "
            f"p95 {fresh[p95]:.1f} ms; from the cache: median {statistics.median(kept):.1f} ms, "
            f"p95 {kept[p95]:.1f} ms ({statistics.median(kept) / statistics.median(fresh):.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=12, help="answers per drill")
    parser.add_argument("--sessions", type=int, default=2, help="drills (fresh processes) per figure")
    parser.add_argument("--questions", type=int, default=10_000, help="questions of the generated bank")
    parser.add_argument("--before", type=Path, help="another checkout of quiz (say, main before a change), "
                        "measured in the same run: each figure also as a ratio to it")
    args = parser.parse_args()
    codes = [None, args.before] if args.before else [None]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["QUIZ_HOME"] = str(Path(tmp) / "inprocess")
        print(f"model answers, CPU: {rendering()}", flush=True)
        big = cloned_bank(Path(tmp) / "big", args.questions)
        for name, bank in (("built-in bank", []), (f"{args.questions:,} questions", ["--bank", str(big)])):
            warm = Path(tmp) / f"warm-{len(bank)}"
            session(bank, warm, 1)  # builds the bank cache (not timed)
            shutil.rmtree(warm / "cache" / "screens", ignore_errors=True)
            for label in ("no screen cache", "screens cached"):
                got = [figures(bank, warm / "cache", args.sessions, args.answers, code) for code in codes]
                print(f"{name}, {label}: {got[0][1]}", flush=True)
                if args.before:
                    ratio = got[0][0] / got[1][0]
                    print(f"  before ({args.before}): {got[1][1]}; p95 now/before {ratio:.2f}x", flush=True)
                if label == "no screen cache":
                    session(bank, warm, args.answers)  # leaves the screens of these answers cached


if __name__ == "__main__":
    main()
