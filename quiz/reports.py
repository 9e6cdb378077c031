"""The exam, the stats and the due report: flows over bank + scheduler + store, like the drill.

Apart from `quiz.session` so that the drill's launch does not build their classes (a dataclass
costs ~0.5 ms to make); `quiz.session` gives every name here as its own (`session.Exam`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from quiz import grading
from quiz import scheduler as sched
from quiz.grading import Grade, Rating
from quiz.scheduler import CardState, State
from quiz.session import (
    Clock,
    Mark,
    TopicResult,
    by_topic,
    marks_json,
    shielded,
    system_clock,
    toggled,
    with_marks,
)

if TYPE_CHECKING:
    import fsrs

    from quiz.model import Question
    from quiz.store import ReviewRow, Store


# --- the exam -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamAnswer:
    question: Question
    answer: str | None  # None: skipped or not reached
    grade: Grade | None
    duration_ms: int | None = None
    late: bool = False
    reviewed_at: datetime | None = None  # when it was recorded in the schedule (--record)
    marks: tuple[Mark, ...] = ()  # "I said this" in the review; `grade` has them applied
    graded: Grade | None = None  # the grader's own verdict, when marks changed it

    @property
    def score(self) -> int:
        return self.grade.score if self.grade else 0


@dataclass
class Scorecard:
    answers: list[ExamAnswer]
    topics: list[TopicResult]
    weakest: list[TopicResult]
    score: float  # over every question of the exam; skipped and not reached count 0
    answered: int
    seconds: float
    time_up: bool
    recorded: int

    def to_json(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 1),
            "answered": self.answered,
            "questions": len(self.answers),
            "seconds": round(self.seconds, 1),
            "time_up": self.time_up,
            "recorded": self.recorded,
            "topics": [{"topic": t.topic, "questions": t.cards, "average": round(t.average, 1)}
                       for t in self.topics],
            "weakest": [t.topic for t in self.weakest],
            "answers": [{"id": a.question.id, "number": a.question.num, "topic": a.question.topic,
                         "score": a.score, "answered": a.grade is not None, "late": a.late,
                         "suggested": a.grade.suggested.label if a.grade else None,
                         "missed": [p.point for p in a.grade.missed] if a.grade else [],
                         "pitfalls": [h.to_dict() for h in a.grade.pitfalls] if a.grade else [],
                         "contradictions": [c.to_dict() for c in a.grade.contradictions] if a.grade else [],
                         "why_missed": [{"point": p.point, "near": p.near, "lacked": p.lacked}
                                        for p in a.grade.missed if p.near] if a.grade else []}
                        for a in self.answers],
        }


WEAK_BELOW = 65


class Exam:
    """A mock interview: random questions, no hints, a time limit, a scorecard at the end.

    The FSRS schedule is left alone unless a `store` is given (`--record`): then every
    answer is committed with its suggested rating as it is given. When the time runs out
    the answer being typed still counts; the questions not reached count 0.
    """

    def __init__(self, questions: Sequence[Question], *, count: int = 10,
                 seconds: float | None = 20 * 60, seed: int | None = None,
                 clock: Clock = system_clock, store: Store | None = None,
                 scheduler: fsrs.Scheduler | None = None, shuffle: bool = True):
        if count < 1:
            raise ValueError("an exam needs at least one question")
        chosen = list(questions)
        if shuffle:
            chosen = random.Random(seed).sample(chosen, min(count, len(chosen)))
        self.questions = chosen[:count]
        self.clock = clock
        self.store = store
        self.scheduler = scheduler
        self.started = clock()
        self.deadline = self.started + timedelta(seconds=seconds) if seconds else None
        self.answers: list[ExamAnswer] = []
        self.stopped = False
        self.recorded = 0

    def time_left(self) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, (self.deadline - self.clock()).total_seconds())

    @property
    def time_up(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline

    @property
    def position(self) -> int:
        return len(self.answers)

    def next(self) -> Question | None:
        if self.stopped or self.time_up or self.position >= len(self.questions):
            return None
        return self.questions[self.position]

    def answer(self, q: Question, text: str, duration_ms: int | None = None) -> ExamAnswer:
        now = self.clock()
        late = self.deadline is not None and now > self.deadline
        result = ExamAnswer(q, text, grading.grade(text, q), duration_ms, late,
                            now if self.store is not None else None)
        rating = result.grade.suggested if result.grade else Rating.AGAIN
        with shielded():
            if self.store is not None:
                def apply(card: CardState) -> CardState:
                    return sched.review(card, rating, now, duration_ms, self.scheduler)

                self.store.record(q.id, rating, now, apply, score=result.score, answer=text,
                                  duration_ms=duration_ms, mode="exam")
                self.recorded += 1
            self.answers.append(result)
        return result

    def mark(self, position: int, index: int) -> ExamAnswer:
        """In the review: turn the grader's verdict on key point `index` of answer `position`
        around (or take the mark back). Score and suggestion follow at once; a recorded answer's
        review takes the new score, rating and marks (the card is replayed from its log), so
        the wording is the candidate's in the next drill, as a drill's marks are."""
        a = self.answers[position]
        base = a.graded or a.grade
        if base is None or base.shown_as_empty or not 0 <= index < len(base.points):
            return a
        marks = tuple(toggled(base, a.marks, index, a.answer or ""))
        now = replace(a, grade=with_marks(base, marks), marks=marks, graded=base)
        if self.store is not None and now.reviewed_at is not None and now.grade is not None:
            with shielded():
                self.store.amend(a.question.id, now.reviewed_at, now.grade.suggested, now.grade.score,
                                 marks_json(marks), self.scheduler)
        self.answers[position] = now
        return now

    def skip(self, q: Question) -> None:
        self.answers.append(ExamAnswer(q, None, None))

    def stop(self) -> None:
        self.stopped = True

    def scorecard(self) -> Scorecard:
        seconds = (self.clock() - self.started).total_seconds()
        answers = list(self.answers)
        answers += [ExamAnswer(q, None, None) for q in self.questions[len(answers):]]
        topics = by_topic([(a.question.topic, a.score) for a in answers])
        ranked = sorted(topics, key=lambda t: t.average)
        weakest = [t for t in ranked if t.average < WEAK_BELOW][:3] or ranked[:1]
        total = sum(a.score for a in answers) / len(answers) if answers else 0.0
        answered = sum(1 for a in answers if a.grade is not None)
        time_up = self.deadline is not None and self.clock() >= self.deadline
        return Scorecard(answers, topics, weakest, total, answered, seconds, time_up, self.recorded)


# --- stats, due, reset ----------------------------------------------------------------------


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    questions: int
    seen: int
    mastery: float  # mean retrievability now over every question of the topic (unseen, learning: 0)
    recall: float | None  # mean retrievability over the cards learned (in review), None: none yet
    learning: int = 0  # cards seen but still in (re)learning: just failed or new, not recalled yet


@dataclass(frozen=True)
class BankTotal:
    """One bank's line in `quiz stats --all`."""

    bank_id: str
    cards: int
    reviews: int
    due: int  # cards due now
    last_review: datetime | None


@dataclass
class Stats:
    now: datetime
    topics: list[TopicMastery]
    states: dict[str, int]
    orphans: int  # cards whose question is no longer in the bank (history kept)
    forecast: list[tuple[date, int]]
    heatmap: list[tuple[date, int]]
    streak: int
    longest: int
    reviews: int
    reviews_today: int
    weekly: list[tuple[date, int, float | None]]  # week start, reviews, average score
    bank_id: str | None = None  # None: every bank's progress, summed
    banks: list[BankTotal] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "bank": self.bank_id,
            "banks": [{"bank": b.bank_id, "cards": b.cards, "reviews": b.reviews, "due": b.due,
                       "last_review": b.last_review.isoformat() if b.last_review else None}
                      for b in self.banks],
            "topics": [{"topic": t.topic, "questions": t.questions, "seen": t.seen,
                        "mastery": round(t.mastery, 3),
                        "recall": None if t.recall is None else round(t.recall, 3), "learning": t.learning}
                       for t in self.topics],
            "states": self.states,
            "not_in_bank": self.orphans,
            "forecast": [{"date": d.isoformat(), "due": n} for d, n in self.forecast],
            "heatmap": [{"date": d.isoformat(), "reviews": n} for d, n in self.heatmap],
            "streak": self.streak,
            "longest_streak": self.longest,
            "reviews": self.reviews,
            "reviews_today": self.reviews_today,
            "weekly": [{"week": d.isoformat(), "reviews": n,
                        "average_score": None if s is None else round(s, 1)}
                       for d, n, s in self.weekly],
        }


def stats(questions: Sequence[Question], store: Store, now: datetime, tz: tzinfo | None = None,
          scheduler: fsrs.Scheduler | None = None, weeks: int = 12) -> Stats:
    """The store's bank: mastery per topic, cards by state, forecast, heatmap, streak and
    scores over time.

    A card in (re)learning (new, or failed and shown again within minutes) has not been
    recalled after a wait yet: its retrievability right after being shown says nothing, so it
    counts 0 in mastery and is left out of recall (counted as `learning`)."""
    now = sched.utc(now)
    cards = store.cards()
    ids = {q.id for q in questions}
    learning = {qid for qid, c in cards.items() if c.state in (State.LEARNING, State.RELEARNING)}
    recall = {qid: sched.retrievability(c, now, scheduler) for qid, c in cards.items()
              if qid in ids and qid not in learning}
    topics: dict[str, list[Question]] = {}
    for q in questions:
        topics.setdefault(q.topic, []).append(q)
    mastery = []
    for topic, qs in sorted(topics.items()):
        held = [recall[q.id] for q in qs if q.id in recall]
        pending = sum(q.id in learning for q in qs)
        mastery.append(TopicMastery(topic, len(qs), len(held) + pending, sum(held) / len(qs),
                                    sum(held) / len(held) if held else None, pending))
    states = {"new": len(ids - set(cards))}
    counts = Counter(c.state for qid, c in cards.items() if qid in ids)
    states.update({s.name.lower(): counts[s] for s in State})
    return Stats(now=now, topics=mastery, states=states, orphans=len(set(cards) - ids),
                 forecast=sched.forecast([c.due for qid, c in cards.items() if qid in ids], now, tz),
                 bank_id=store.bank_id, **_history(store.reviews(), now, tz, weeks))


def stats_all(store: Store, now: datetime, tz: tzinfo | None = None, weeks: int = 12) -> Stats:
    """Every bank's progress summed (`quiz stats --all`): cards by state, forecast, heatmap,
    streak and scores over every review, and one line per bank."""
    now = sched.utc(now)
    cards = store.all_cards()
    reviews = store.reviews()
    counts = Counter(c.state for _, c in cards)
    last: dict[str, datetime] = {}
    for r in reviews:
        last[r.bank_id] = r.reviewed_at
    per_bank = Counter(r.bank_id for r in reviews)
    banks = [BankTotal(b, sum(1 for bb, _ in cards if bb == b), per_bank[b],
                       sum(1 for bb, c in cards if bb == b and c.due <= now), last.get(b))
             for b in sorted({b for b, _ in cards} | set(per_bank))]
    return Stats(now=now, topics=[], states={s.name.lower(): counts[s] for s in State}, orphans=0,
                 forecast=sched.forecast([c.due for _, c in cards], now, tz), bank_id=None, banks=banks,
                 **_history(reviews, now, tz, weeks))


def _history(reviews: Sequence[ReviewRow], now: datetime, tz: tzinfo | None, weeks: int) -> dict[str, Any]:
    """The parts of Stats read from the review log: heatmap, streak, counts, scores by week."""
    times = [r.reviewed_at for r in reviews]
    current, longest = sched.streak(times, now, tz)
    today = sched.local_date(now, tz)
    monday = today - timedelta(today.weekday())
    weekly = []
    for i in range(weeks - 1, -1, -1):
        start = monday - timedelta(weeks=i)
        scores = [r.score for r in reviews
                  if start <= sched.local_date(r.reviewed_at, tz) < start + timedelta(7)]
        known = [s for s in scores if s is not None]
        weekly.append((start, len(scores), sum(known) / len(known) if known else None))
    return {"heatmap": sched.heatmap(times, now, tz, weeks), "streak": current, "longest": longest,
            "reviews": len(reviews),
            "reviews_today": sum(1 for t in times if sched.local_date(t, tz) == today), "weekly": weekly}


@dataclass(frozen=True)
class DueItem:
    question_id: str
    question: Question | None  # None: no longer in the bank
    due: datetime


@dataclass
class DueReport:
    today: list[DueItem]  # due before the end of today, overdue included
    week: list[DueItem]  # due in the six days after today
    new_today: int  # new questions the drill would still introduce today
    next_due: datetime | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        def row(i: DueItem) -> dict[str, Any]:
            q = i.question
            return {"id": i.question_id, "number": q.num if q else None,
                    "topic": q.topic if q else None, "due": i.due.isoformat()}

        return {"today": [row(i) for i in self.today], "week": [row(i) for i in self.week],
                "new_today": self.new_today,
                "next_due": self.next_due.isoformat() if self.next_due else None}


def due_report(questions: Sequence[Question], store: Store, now: datetime,
               tz: tzinfo | None = None, new_per_day: int = sched.NEW_PER_DAY) -> DueReport:
    now = sched.utc(now)
    by_id = {q.id: q for q in questions}
    cards = store.cards(by_id)
    tomorrow = sched.day_start(now + timedelta(days=1), tz)
    week_end = sched.day_start(now + timedelta(days=7), tz)
    items = sorted((DueItem(c.question_id, by_id.get(c.question_id), c.due) for c in cards.values()),
                   key=lambda i: (i.due, i.question_id))
    new_used = sched.new_introduced(store.first_reviews().values(), now, tz)
    unseen = len(set(by_id) - set(cards))
    return DueReport(
        today=[i for i in items if i.due < tomorrow],
        week=[i for i in items if tomorrow <= i.due < week_end],
        new_today=min(unseen, max(0, new_per_day - new_used)),
        next_due=items[0].due if items else None)
