"""A class report: every student's review log in a folder, summed per question and per topic.

Each log (`quiz progress export --learner NAME`, JSON Lines) is read a line at a time and
reduced to one small summary per student (per question: reviews, scores, Agains, the FSRS
card rebuilt by replaying its reviews, and the latest answer), so memory holds one student's
reviews at a time, never the class. Files are spread over the machine's cores. The pitfalls
a class asserts are found by grading each student's latest answer to each question again
(the same answer is graded once). Nothing is written: the logs are only read.

Per question and per topic: how many students tried it, the mean score of their reviews, the
share of reviews rated Again, and the mean recall (FSRS retrievability at the report's time,
over the students who tried it). The heatmap is students x topics, each cell a student's mean
recall over the topic's questions they tried.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.grading import Rating
from quiz.model import Question

SHOWN_PITFALLS = 3


@dataclass
class Cell:
    """One student's reviews of one question."""

    reviews: int = 0
    score_sum: int = 0
    scored: int = 0
    again: int = 0
    recall: float | None = None
    answer: str | None = None
    answered_at: datetime | None = None
    pitfalls: tuple[str, ...] = ()


@dataclass
class Student:
    name: str
    file: str
    cells: dict[str, Cell] = field(default_factory=dict)
    reviews: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # why lines were not counted
    problem: str | None = None  # the first bad line, `file:line: what`


# --- one student's log (runs in a worker process) -------------------------------------------


def _when(value: Any) -> datetime:
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError("no time zone")
    return when.astimezone(UTC)


def _lines(path: Path) -> Iterator[bytes | None]:
    """The log's lines, none longer than sync.MAX_LINE in memory (a longer one is None)."""
    from quiz.sync import _lines as bounded_lines
    from quiz.sync import open_log

    with open_log(path) as f:
        yield from bounded_lines(f)


def read_student(path: Path, bank_id: str, questions: dict[str, Question], now: datetime) -> Student:
    """One log reduced to its student's summary: the reviews of `bank_id`'s questions only."""
    import orjson

    name = path.stem.removeprefix("quiz-progress-")
    student = Student(name, path.name)
    history: dict[str, list[tuple[Rating, datetime, int | None]]] = {}
    named = False
    for number, raw in enumerate(_lines(path), 1):
        if raw is None or not raw.strip():
            if raw is None:
                student.skipped["bad line"] += 1
                student.problem = student.problem or f"{path.name}:{number}: longer than a review can be"
            continue
        try:
            line = orjson.loads(raw[3:] if number == 1 and raw.startswith(b"\xef\xbb\xbf") else raw)
            if isinstance(line, dict) and "exercise_id" in line and "review_id" not in line:
                continue  # an exercise solved (quiz practice), not a review
            rating = Rating(line["rating"])
            when = _when(line["reviewed_at"])
            qid, bank = line["question_id"], line["bank_id"]
            score = line.get("score")
            if score is not None and not (isinstance(score, int) and 0 <= score <= 100):
                raise ValueError("score")
        except (ValueError, KeyError, TypeError) as exc:
            student.skipped["bad line"] += 1
            student.problem = student.problem or f"{path.name}:{number}: not a review ({exc})"
            continue
        if not named and isinstance(line.get("learner"), str) and line["learner"].strip():
            student.name, named = line["learner"].strip(), True
        if bank != bank_id:
            student.skipped["another bank"] += 1
            continue
        if qid not in questions:
            student.skipped["a question not in the bank"] += 1
            continue
        cell = student.cells.setdefault(qid, Cell())
        cell.reviews += 1
        student.reviews += 1
        cell.again += rating == Rating.AGAIN
        if score is not None:
            cell.score_sum += score
            cell.scored += 1
        answer = line.get("answer")
        latest = cell.answered_at is None or when >= cell.answered_at
        if isinstance(answer, str) and answer.strip() and latest:
            cell.answer, cell.answered_at = answer, when
        history.setdefault(qid, []).append((rating, when, None))
    for qid, reviews in history.items():
        reviews.sort(key=lambda r: r[1])
        student.cells[qid].recall = recall(reviews, now)
    _grade(student, questions)
    return student


def recall(reviews: Sequence[tuple[Rating, datetime, int | None]], now: datetime) -> float:
    """The FSRS retrievability at `now` of a card with these reviews (in time order), as
    py-fsrs's `review_card` replay (without fuzz) gives it.

    A card's stability and difficulty follow only the ratings and the whole days between
    reviews: the learning and relearning steps (the card's state) change when it is due, never
    these two, and fuzz only spreads due dates. So the replay keeps the two numbers, with
    py-fsrs's formulas written out in its own order of operations (the same floats:
    `tests/test_class.py` checks it against `review_card` on random logs) and its parameters,
    and skips the copy, the due date and the review log of each review."""
    steps = _steps()
    factor, decay = steps.factor, steps.decay
    stability = difficulty = 0.0
    last: datetime | None = None
    for rating, when, _ in reviews:
        r = int(rating)
        if last is None:
            stability, difficulty = steps.first[r]
        else:
            days = (when - last).days
            if days < 1:
                stability = steps.short_term(stability, r)
            else:
                retrievability = (1 + factor * days / stability) ** decay
                stability = steps.long_term(difficulty, stability, retrievability, r)
            difficulty = steps.difficulty(difficulty, r)
        last = when
    if last is None:
        return 0.0
    elapsed = max(0, (max(now, last) - last).days)
    return float((1 + factor * elapsed / stability) ** decay)


class _Steps:
    """py-fsrs 6's stability and difficulty steps (`fsrs/scheduler.py`: `_initial_stability`,
    `_initial_difficulty`, `_short_term_stability`, `_next_difficulty`, `_next_stability`) over
    plain floats, with the default parameters of a scheduler without fuzz."""

    def __init__(self) -> None:
        import math

        import fsrs
        from fsrs import scheduler as fs

        sched = fsrs.Scheduler(enable_fuzzing=False)
        p = [float(x) for x in sched.parameters]
        self.p, self.e = p, math.e
        self.factor, self.decay = sched._FACTOR, sched._DECAY
        self.s_min, self.d_min, self.d_max = fs.STABILITY_MIN, fs.MIN_DIFFICULTY, fs.MAX_DIFFICULTY
        self.first = {r: (max(p[r - 1], self.s_min), self._clamp(p[4] - (math.e ** (p[5] * (r - 1))) + 1))
                      for r in (1, 2, 3, 4)}
        self.easy = p[4] - (math.e ** (p[5] * (4 - 1))) + 1
        self.short = {r: math.e ** (p[17] * (r - 3 + p[18])) for r in (1, 2, 3, 4)}
        self.forget_short = math.e ** (p[17] * p[18])
        self.recall_base = math.e ** (p[8])

    def _clamp(self, d: float) -> float:
        return min(max(d, self.d_min), self.d_max)

    def short_term(self, s: float, r: int) -> float:
        increase: float = self.short[r] * (s ** -self.p[19])
        if r > 1:
            increase = max(increase, 1.0)
        return max(s * increase, self.s_min)

    def difficulty(self, d: float, r: int) -> float:
        p = self.p
        delta = -(p[6] * (r - 3))
        arg_2 = d + (10.0 - d) * delta / 9.0
        return self._clamp(p[7] * self.easy + (1 - p[7]) * arg_2)

    def long_term(self, d: float, s: float, retrievability: float, r: int) -> float:
        p, e = self.p, self.e
        if r == 1:
            long = p[11] * (d ** -p[12]) * (((s + 1) ** (p[13])) - 1) * (e ** ((1 - retrievability) * p[14]))
            found: float = min(long, s / self.forget_short)
        else:
            hard = p[15] if r == 2 else 1
            easy = p[16] if r == 4 else 1
            found = s * (1 + self.recall_base * (11 - d) * (s ** -p[9])
                         * ((e ** ((1 - retrievability) * p[10])) - 1) * hard * easy)
        return max(found, self.s_min)


_steps_made: _Steps | None = None


def _steps() -> _Steps:
    global _steps_made
    if _steps_made is None:
        _steps_made = _Steps()
    return _steps_made


_graded: dict[tuple[str, str], tuple[str, ...]] = {}


def _grade(student: Student, questions: dict[str, Question]) -> None:
    """The pitfalls each latest answer asserts (one grading per distinct answer and question)."""
    from quiz.grading import grade

    for qid, cell in student.cells.items():
        q = questions[qid]
        if cell.answer is None or not q.pitfalls:
            continue
        key = (qid, cell.answer)
        if key not in _graded:
            if len(_graded) > 100_000:
                _graded.clear()
            _graded[key] = tuple(hit.claim for hit in grade(cell.answer, q).pitfalls)
        cell.pitfalls = _graded[key]
        cell.answer = None  # not carried back: only what the report shows


_worker: tuple[str, dict[str, Question], datetime] | None = None


def _init(bank_id: str, questions: dict[str, Question], now: datetime) -> None:
    global _worker
    _worker = (bank_id, questions, now)


def _read(path: Path) -> Student | QuizError:
    assert _worker is not None
    try:
        return read_student(path, *_worker)
    except QuizError as exc:
        return exc


# --- the class ----------------------------------------------------------------------------------


def log_files(folder: Path) -> list[Path]:
    """The logs of a class folder: its `.jsonl` files, in name order (no sub-folders)."""
    if not folder.is_dir():
        raise QuizError(f"{folder} is not a folder: name the folder that holds the students' logs.")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file())
    if not files:
        from quiz.paths import launcher

        raise QuizError(f"{folder} holds no .jsonl log: each student writes one with "
                        f"{launcher()} progress export --learner NAME -o NAME.jsonl.")
    return files


def students(files: Sequence[Path], bank_id: str, questions: dict[str, Question], now: datetime,
             workers: int | None = None) -> Iterator[Student | QuizError]:
    """Each file's student summary, in file order; spread over the cores for more than a few."""
    workers = workers or min(len(files), os.cpu_count() or 1)
    if workers <= 1 or len(files) < 4:
        _init(bank_id, questions, now)
        yield from (_read(p) for p in files)
        return
    context = multiprocessing.get_context("spawn" if os.name != "posix" else "fork")
    with context.Pool(workers, initializer=_init, initargs=(bank_id, questions, now)) as pool:
        yield from pool.imap(_read, files, chunksize=4)


@dataclass
class _Sum:
    students: int = 0
    reviews: int = 0
    score_sum: int = 0
    scored: int = 0
    again: int = 0
    recall_sum: float = 0.0

    def add(self, cell: Cell, new_student: bool = True) -> None:
        self.students += new_student
        self.reviews += cell.reviews
        self.score_sum += cell.score_sum
        self.scored += cell.scored
        self.again += cell.again
        self.recall_sum += cell.recall or 0.0

    def row(self, pairs: int) -> dict[str, Any]:
        return {"students": self.students, "reviews": self.reviews,
                "mean_score": round(self.score_sum / self.scored, 1) if self.scored else None,
                "again_share": round(self.again / self.reviews, 3) if self.reviews else None,
                "mean_recall": round(self.recall_sum / pairs, 3) if pairs else None}


def report(folder: Path, questions: Sequence[Question], bank_id: str, deck: str, now: datetime,
           workers: int | None = None) -> dict[str, Any]:
    """The class report as data (what --json prints, what the tables and charts show)."""
    files = log_files(folder)
    by_id = {q.id: q for q in questions}
    topics = list(dict.fromkeys(q.topic for q in questions))
    per_q = {q.id: _Sum() for q in questions}
    pairs_q: Counter[str] = Counter()
    per_t = {t: _Sum() for t in topics}
    pairs_t: Counter[str] = Counter()
    students_in_topic: dict[str, set[int]] = {t: set() for t in topics}
    pitfalls: dict[str, Counter[str]] = {q.id: Counter() for q in questions}
    names: list[str] = []
    heat: list[list[float | None]] = []
    problems: list[str] = []
    skipped: Counter[str] = Counter()
    total = 0
    for index, s in enumerate(students(files, bank_id, by_id, now, workers)):
        if isinstance(s, QuizError):
            problems.append(str(s))
            continue
        names.append(s.name if s.name not in names else f"{s.name} ({s.file})")
        total += s.reviews
        skipped.update(s.skipped)
        if s.problem:
            problems.append(s.problem)
        row: dict[str, list[float]] = {}
        for qid, cell in s.cells.items():
            topic = by_id[qid].topic
            per_q[qid].add(cell)
            pairs_q[qid] += 1
            per_t[topic].add(cell, index not in students_in_topic[topic])
            students_in_topic[topic].add(index)
            pairs_t[topic] += 1
            row.setdefault(topic, []).append(cell.recall or 0.0)
            pitfalls[qid].update(cell.pitfalls)
        heat.append([round(sum(row[t]) / len(row[t]), 3) if t in row else None for t in topics])
    return {
        "bank_id": bank_id, "deck": deck, "at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "students": len(names), "reviews": total, "files": len(files),
        "skipped": dict(skipped), "problems": problems,
        "questions": [{"id": q.id, "number": q.number, "topic": q.topic, **per_q[q.id].row(pairs_q[q.id]),
                       "pitfalls": [{"claim": c, "students": n}
                                    for c, n in pitfalls[q.id].most_common(SHOWN_PITFALLS)]}
                      for q in questions],
        "topics": [{"topic": t, "questions": sum(q.topic == t for q in questions), **per_t[t].row(pairs_t[t])}
                   for t in topics],
        "heatmap": {"students": names, "topics": topics, "recall": heat},
    }
