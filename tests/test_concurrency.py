"""Two terminals drilling the same database at once: every review arrives, none is lost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from quiz.store import MIGRATIONS

from .conftest import rows
from .test_drill import generated_bank

QUESTIONS = 30


def wait_for(proc: subprocess.Popen[str], marker: str) -> str:
    """Read the process's output until `marker` shows (its drill is planned and waiting)."""
    seen = []
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        assert line, "".join(seen)
        seen.append(line)
        if marker in line:
            return "".join(seen)


def test_two_drills_at_once_lose_no_review(tmp_path: Path, quiz_home: Path) -> None:
    bank = generated_bank(tmp_path / "bank", QUESTIONS)
    env = {**os.environ, "QUIZ_HOME": str(quiz_home), "NO_COLOR": "1"}
    env.pop("QUIZ_BANK", None)
    args = [sys.executable, "-m", "quiz", "--bank", str(bank), "drill", "--new", str(QUESTIONS)]
    procs = [subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    try:
        for p in procs:  # both have planned all 30 new cards before either rates one
            wait_for(p, f"left: {QUESTIONS - 1} new")
        script = "an answer\n\n3\n" * QUESTIONS
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(script)
            p.stdin.flush()
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert "Error" not in err
        assert re.search(rf"Cards done\s+{QUESTIONS}\b", out)
    assert rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(2 * QUESTIONS,)]
    assert rows(quiz_home, "SELECT COUNT(*) FROM cards") == [(QUESTIONS,)]
    # each card was reviewed twice, the second time from the state the first one left
    per_card = rows(quiz_home, "SELECT question_id, COUNT(*), COUNT(state_before) FROM reviews "
                               "GROUP BY question_id")
    assert len(per_card) == QUESTIONS
    assert {(n, before) for _, n, before in per_card} == {(2, 1)}


WORKER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from quiz import scheduler
    from quiz.grading import Rating
    from quiz.store import Store

    worker, count = int(sys.argv[1]), int(sys.argv[2])
    with Store.open(bank_id="hammered") as store:
        for i in range(count):
            qid = f"q{i % 5}"
            now = datetime.now(UTC)
            rating = Rating(1 + (i + worker) % 4)
            store.record(qid, rating, now, lambda c: scheduler.review(c, rating, now),
                         score=i, answer=f"worker {worker}", mode="drill")
""")


def test_many_writers_hammering_the_store(quiz_home: Path) -> None:
    env = {**os.environ, "QUIZ_HOME": str(quiz_home)}
    workers, each = 4, 50
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(w), str(each)], env=env,
                              stderr=subprocess.PIPE, text=True) for w in range(workers)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * workers, errors
    assert rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(workers * each,)]
    assert rows(quiz_home, "SELECT answer, COUNT(*) FROM reviews GROUP BY answer") == [
        (f"worker {w}", each) for w in range(workers)]
    assert rows(quiz_home, "SELECT COUNT(*), SUM(state_before IS NULL) FROM reviews") == [
        (workers * each, 5)]  # each of the 5 cards was new exactly once


OPEN = "from quiz.store import Store\nStore.open().close()\n"


def test_many_processes_creating_the_database_at_once(tmp_path: Path) -> None:
    for round_ in range(5):
        home = tmp_path / f"home{round_}"
        env = {**os.environ, "QUIZ_HOME": str(home)}
        procs = [subprocess.Popen([sys.executable, "-c", OPEN], env=env, stderr=subprocess.PIPE,
                                  text=True) for _ in range(6)]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 6, errors
        assert rows(home, "SELECT name FROM migrations") == [(name,) for name, _ in MIGRATIONS]
