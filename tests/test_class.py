"""`quiz progress export --learner` and `quiz class report`: the tables, the heatmap, the JSON,
and the HTML page as headless Chromium shows it, its numbers compared with the JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quiz import session
from quiz.bank import BUILTIN_BANK, load_bank
from quiz.cli import app

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MIDDLEWARE_PITFALL = 'Write a fixed value such as "123ms" into the response header.'


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "system_clock", lambda: NOW)


def line(learner: str | None, qid: str, rating: int, score: int, days_ago: float, answer: str = "",
         bank_id: str = "quiz-fastapi") -> str:
    data: dict[str, Any] = {"learner": learner} if learner else {}
    data |= {"review_id": str(uuid.uuid4()), "bank_id": bank_id, "question_id": qid, "rating": rating,
             "score": score, "duration_ms": 1000,
             "reviewed_at": (NOW - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z"),
             "mode": "drill", "answer": answer}
    return json.dumps(data) + "\n"


def write_class(folder: Path) -> Path:
    """Three students: alice strong on middleware, bob weak and asserting its pitfall, carol
    (no learner label: named by her file) on CORS only, plus a line of another bank and a bad line."""
    folder.mkdir()
    (folder / "alice.jsonl").write_text(
        line("Alice", "middleware", 3, 80, 10) + line("Alice", "middleware", 4, 100, 2)
        + line("Alice", "cors", 1, 20, 1), encoding="utf-8")
    (folder / "bob.jsonl").write_text(
        line("Bob", "middleware", 1, 10, 40, "You set a hard-coded 123ms header.")
        + line("Bob", "middleware", 1, 0, 35, MIDDLEWARE_PITFALL)
        + line("Bob", "middleware", 2, 30, 30, MIDDLEWARE_PITFALL)
        + line("Bob", "cors", 3, 70, 1, bank_id="other-bank"), encoding="utf-8")
    (folder / "quiz-progress-carol.jsonl").write_text(
        line(None, "cors", 3, 90, 4) + "{not json\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a log", encoding="utf-8")
    return folder


def report_json(runner: CliRunner, folder: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["class", "report", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_class_in_numbers(runner: CliRunner, tmp_path: Path) -> None:
    data = report_json(runner, write_class(tmp_path / "logs"))
    assert (data["students"], data["reviews"], data["files"]) == (3, 7, 3)
    assert data["skipped"] == {"another bank": 1, "bad line": 1}
    assert data["problems"] == ["quiz-progress-carol.jsonl:2: not a review (unexpected character, "
                                "expected a string key: line 1 column 2 (char 1))"]
    q = {row["id"]: row for row in data["questions"]}
    mw, cors = q["middleware"], q["cors"]
    assert (mw["students"], mw["reviews"], mw["mean_score"], mw["again_share"]) == (2, 5, 44.0, 0.4)
    assert mw["pitfalls"] == [{"claim": MIDDLEWARE_PITFALL, "students": 1}]  # bob's latest answer
    assert (cors["students"], cors["reviews"], cors["mean_score"], cors["again_share"]) == (2, 2, 55.0, 0.5)
    assert q["asgi"] == {"id": "asgi", "number": q["asgi"]["number"], "topic": "async", "students": 0,
                         "reviews": 0, "mean_score": None, "again_share": None, "mean_recall": None,
                         "pitfalls": []}
    assert 0 < mw["mean_recall"] < 1 and 0 < cors["mean_recall"] < 1
    heat = data["heatmap"]
    assert heat["students"] == ["Alice", "Bob", "carol"]
    core = heat["topics"].index("core")
    alice, bob, carol = heat["recall"]
    assert alice[core] > bob[core]  # alice: Easy two days ago; bob: Hard a month ago
    assert carol[core] is None


def test_recall_is_what_py_fsrs_review_card_gives() -> None:
    """The report's replay (the scheduler's own steps, no copy, no due date) against py-fsrs's
    `review_card` on random logs: gaps of minutes to months, every rating, long runs."""
    import random

    import fsrs

    from quiz.classreport import recall
    from quiz.grading import Rating

    rng = random.Random(11)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    for _ in range(300):
        when = NOW - timedelta(days=400)
        reviews = []
        for _ in range(rng.choice([1, 2, 5, 30, 120])):
            when += timedelta(minutes=rng.choice([1, 10, 300, 1439, 1441, 4000, 20_000, 90_000]))
            reviews.append((Rating(rng.choice([1, 2, 3, 4])), when, None))
        card = fsrs.Card(card_id=1)
        for rating, at, _ in reviews:
            card, _log = scheduler.review_card(card, fsrs.Rating(int(rating)), at)
        now = max(NOW, when)
        assert recall(reviews, now) == scheduler.get_card_retrievability(card, now)


def test_the_terminal_report(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["class", "report", str(write_class(tmp_path / "logs"))])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "FastAPI Advanced Interview: 3 students, 7 reviews" in out
    assert "By topic" in out and "By question" in out and "Recall, students x topics" in out
    assert "#3 middleware" in out and "(1)" in out
    assert "Not counted: 1 review line (another bank), 1 review line (bad line)" in out


def test_nothing_is_written_into_anyones_progress(runner: CliRunner, tmp_path: Path, quiz_home: Path) -> None:
    folder = write_class(tmp_path / "logs")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    report_json(runner, folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not (quiz_home / "progress.db").exists()


def test_a_folder_without_logs_is_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["class", "report", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path} holds no .jsonl log" in result.stderr and "Traceback" not in result.output


def test_progress_export_labels_the_log_and_import_still_reads_it(runner: CliRunner, tmp_path: Path,
                                                                  quiz_home: Path) -> None:
    log = tmp_path / "in.jsonl"
    log.write_text(line(None, "middleware", 3, 80, 1), encoding="utf-8")
    assert runner.invoke(app, ["progress", "import", str(log)]).exit_code == 0
    out = tmp_path / "alice.jsonl"
    result = runner.invoke(app, ["progress", "export", "--learner", "Alice Ng", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 review to" in result.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["learner"], r["question_id"], r["rating"]) for r in rows] == [("Alice Ng", "middleware", 3)]
    again = runner.invoke(app, ["progress", "import", str(out)])  # the label is ignored there
    assert again.exit_code == 0, again.output
    assert "0 new reviews, 1 already here" in again.stdout
    bad = runner.invoke(app, ["progress", "export", "--learner", " "])
    assert bad.exit_code == 2 and "a name of 1 to 80 printable characters" in bad.output


def test_the_html_page_in_chromium_shows_the_json_numbers(runner: CliRunner, tmp_path: Path) -> None:
    folder = write_class(tmp_path / "logs")
    data = report_json(runner, folder)
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["class", "report", str(folder), "--format", "html", "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script" not in html
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180,
                         check=True).stdout
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(dom, "html.parser")
    assert soup.select_one('[data-field="students"]').get_text() == str(data["students"])  # type: ignore[union-attr]
    shown = {(td["data-row"], td["data-field"]): td["data-value"] for td in soup.select("td[data-row]")}
    for row in data["questions"]:
        for name in ("students", "reviews", "mean_score", "again_share", "mean_recall"):
            assert shown[(row["id"], name)] == str(row[name]), (row["id"], name)
    for row in data["topics"]:
        assert shown[(row["topic"], "mean_recall")] == str(row["mean_recall"])
    cells = soup.select("rect[data-student]")
    assert len(cells) == 3 * len(data["heatmap"]["topics"])
    for rect in cells:
        value = data["heatmap"]["recall"][int(str(rect["data-student"]))][int(str(rect["data-topic"]))]
        assert rect["data-value"] == ("" if value is None else str(value))
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=1000,1400",
                    page.as_uri()], capture_output=True, timeout=180, check=True)
    assert shot.stat().st_size > 10_000  # the test's artefact: a picture of the page
    assert len(load_bank([BUILTIN_BANK]).questions) == len(data["questions"])
