"""Drill figures: answer -> graded screen, and start-up to the first question (a script, not a test).

    uv run python bench/bench_drill.py [--runs 15] [--answers 200]

1. Answer -> graded screen: grading a typed answer, computing the next due date of each
   rating (FSRS), and rendering the whole graded screen (score, key points, Markdown model
   answer, rating line) to a 100-column terminal, on the built-in bank (40 questions) and on
   a generated bank of 10,000 questions with 3,000 cards of progress: median, 95th
   percentile, worst. Then the first answer of a fresh process, which pays for importing
   rapidfuzz, fsrs and rich.markdown: cold (scripted input), and in a terminal, where the
   drill imports them while the candidate types. Target: under 50 ms.
2. Start-up: `quiz` (the drill) from launch to its first question on screen, stdin a pipe,
   against `python -c "import typer, rich.console"`, median of --runs each, interleaved.
   Target: at most 1.6x. The drill's modules must not import fastapi, httpx2 or uvicorn.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import select
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console

from quiz import session
from quiz.bank import load_bank
from quiz.model import Question
from quiz.store import Store
from quiz.ui import drill as drill_ui

PY = sys.executable
QUIZ = Path(PY).with_name("quiz")
TARGET_MS = 50.0
TARGET_RATIO = 1.6


# --- answer -> graded screen ------------------------------------------------------------------


def typed_answer(q: Question, rng: random.Random) -> str:
    """What a candidate types: a few sentences in their words, some key terms, a typo or two."""
    words = q.answer.replace("`", "").split()
    start = rng.randrange(max(1, len(words) - 60))
    text = " ".join(words[start:start + 60])
    terms = [t for kp in q.key_points for t in kp.terms[:1]]
    text += " Also: " + ", ".join(rng.sample(terms, k=max(1, len(terms) // 2))) + "."
    return text.replace("the ", "teh ", 1)


def big_bank(questions: list[Question], n: int) -> list[Question]:
    """`n` questions cloned from the real ones (same key points and answers), new ids."""
    out = []
    for i in range(n):
        q = questions[i % len(questions)]
        out.append(replace(q, id=f"{q.id}-{i:05d}", number=i + 1))
    return out


def seed_progress(store: Store, ids: list[str], now: datetime) -> None:
    """Cards and a review log for `ids` in one transaction (as months of drilling leave them)."""
    db = store.db
    bank = store.bank_id
    db.execute("BEGIN")
    for i, qid in enumerate(ids):
        due = (now + timedelta(hours=i % 500 - 100)).isoformat(timespec="microseconds")
        last = (now - timedelta(days=3)).isoformat(timespec="microseconds")
        db.execute("INSERT INTO cards (bank_id, question_id, state, step, stability, difficulty, due, "
                   "last_review, created_at) VALUES (?, ?, 2, NULL, 12.5, 5.1, ?, ?, ?)",
                   (bank, qid, due, last, last))
        for k in range(3):
            at = (now - timedelta(days=3 + 7 * k)).isoformat(timespec="microseconds")
            db.execute("INSERT INTO reviews (uuid, bank_id, question_id, rating, reviewed_at, duration_ms, "
                       "score, answer, mode, state_before, due_after) VALUES (?, ?, ?, 3, ?, 20000, 70, "
                       "'x', 'drill', 2, ?)", (str(uuid.uuid4()), bank, qid, at, due))
    db.execute("COMMIT")


def answer_to_screen(questions: list[Question], answers: int, progress: int,
                     home: Path) -> tuple[float, float, float, float]:
    """(first, median, p95, max) milliseconds from a submitted answer to the graded screen."""
    now = datetime.now(UTC)
    rng = random.Random(1)
    os.environ["QUIZ_HOME"] = str(home)
    store = Store.open(home / "progress.db", bank_id="bench")
    seed_progress(store, [q.id for q in questions[:progress]], now)
    drill = session.Drill(questions, store, clock=lambda: now, new_per_day=10_000, limit=answers)
    console = Console(file=io.StringIO(), width=100, force_terminal=True, color_system="truecolor")
    times = []
    while (q := drill.next()) is not None:
        text = typed_answer(q, rng)
        start = time.perf_counter()
        graded = drill.grade(q, text)
        console.print(drill_ui.graded_view(graded, now))
        times.append((time.perf_counter() - start) * 1000)
    store.close()
    ordered = sorted(times[1:])
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return times[0], statistics.median(ordered), p95, max(ordered)


FIRST_ANSWER = """
import io, sys, time
from datetime import UTC, datetime
from rich.console import Console
from quiz import session
from quiz.ui import drill as drill_ui, prompt
from quiz.bank import load_bank
from quiz.store import Store

now = datetime.now(UTC)
bank = load_bank()
questions = bank.questions
store = Store.open(bank_id=bank.bank_id)
drill = session.Drill(questions, store, clock=lambda: now)
q = drill.next()
if sys.argv[1] == "terminal":  # the terminal reader pre-imports while the candidate types
    prompt.prewarm()
    time.sleep(1.5)
text = q.answer[:300]
console = Console(file=io.StringIO(), width=100, force_terminal=True)
start = time.perf_counter()
console.print(drill_ui.graded_view(drill.grade(q, text), now))
print((time.perf_counter() - start) * 1000)
"""


def first_answer(mode: str, env: dict[str, str], runs: int) -> float:
    """Median ms of the first answer of a fresh process: 'cold' (scripted) or 'terminal'."""
    times = []
    for _ in range(runs):
        done = subprocess.run([PY, "-c", FIRST_ANSWER, mode], capture_output=True, text=True,
                              env=env, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


# --- start-up ---------------------------------------------------------------------------------


def until_first_question(cmd: list[str], env: dict[str, str], marker: bytes) -> float:
    """Seconds from launch until `marker` is on the process's stdout; then it is killed."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    seen = b""
    try:
        while marker not in seen:
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                raise RuntimeError(f"no first question: {seen.decode(errors='replace')[-500:]}")
            seen += chunk
        return time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()


def run_time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def heavy_imports(env: dict[str, str]) -> list[str]:
    code = ("import sys\nfrom quiz.cli import app\ntry:\n    app(['drill'])\nexcept SystemExit:\n"
            "    pass\nprint(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'fastapi', 'httpx2', 'uvicorn', 'starlette', 'pydantic', 'yaml'}), file=sys.stderr)")
    done = subprocess.run([PY, "-c", code], input="q\n", capture_output=True, text=True, env=env)
    import ast

    found: list[str] = ast.literal_eval(done.stderr.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="start-up runs of each command")
    parser.add_argument("--answers", type=int, default=200, help="answers graded on each bank")
    args = parser.parse_args()
    builtin = load_bank().questions
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for label, questions, progress in [
            (f"built-in bank ({len(builtin)} questions)", list(builtin), len(builtin) // 2),
            ("generated bank (10,000 questions, 3,000 cards)", big_bank(list(builtin), 10_000), 3000),
        ]:
            home = root / f"home-{len(questions)}"
            home.mkdir()
            _, median, p95, worst = answer_to_screen(questions, min(args.answers, len(questions)),
                                                          progress, home)
            verdict = "ok" if median < TARGET_MS and p95 < TARGET_MS else "OVER"
            rows.append((f"answer -> graded screen, {label}",
                         f"median {median:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms", "",
                         f"< {TARGET_MS:.0f} ms {verdict}"))

        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONDONTWRITEBYTECODE", "QUIZ_BANK"}}
        env |= {"QUIZ_HOME": str(root / "startup"), "NO_COLOR": "1", "COLUMNS": "100"}
        for mode, label in [("cold", "first answer, scripted (cold imports)"),
                            ("terminal", "first answer, in a terminal (imported while typing)")]:
            ms = first_answer(mode, env, max(3, args.runs // 3))
            rows.append((label, f"median {ms:.1f} ms", "",
                         f"< {TARGET_MS:.0f} ms {'ok' if ms < TARGET_MS else 'OVER'}"))
        quiz = [str(QUIZ)] if QUIZ.exists() else [PY, "-m", "quiz"]
        marker = b" left: "  # the question panel's subtitle: "new · left: 4 new · 0 learning · 0 due"
        until_first_question(quiz, env, marker)  # warm-up: bytecode, bank cache, database
        base_times, quiz_times = [], []
        for _ in range(args.runs):  # interleaved, so that a busy moment hits both
            base_times.append(run_time([PY, "-c", "import typer, rich.console"], env))
            quiz_times.append(until_first_question(quiz, env, marker))
        base, first_q = statistics.median(base_times), statistics.median(quiz_times)
        ratio = first_q / base
        rows.append(("python -c 'import typer, rich.console'", f"median {base * 1000:.0f} ms", "", ""))
        rows.append(("quiz -> first question on screen", f"median {first_q * 1000:.0f} ms",
                     f"{ratio:.2f}x", f"<= {TARGET_RATIO}x {'ok' if ratio <= TARGET_RATIO else 'OVER'}"))
        heavy = heavy_imports(env)
        rows.append(("modules of the web stack imported by the drill", ", ".join(heavy) or "none",
                     "", "none " + ("ok" if not heavy else "OVER")))

    rows.insert(0, ("figure", "measured", "ratio", "target"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
