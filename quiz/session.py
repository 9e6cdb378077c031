"""The drill and the exam as flows over bank + scheduler + store; no terminal I/O.

The UI asks for the next question, feeds in what the candidate typed and chose, and renders
what comes back. Time comes from a `clock` (a function returning an aware UTC datetime)
given to every flow, so tests fix it; `tz` is the local timezone for days (None: the
system's).
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from quiz import grading
from quiz import scheduler as sched
from quiz.grading import Grade, PointResult, Rating, rate, rated_score
from quiz.scheduler import CardState

if TYPE_CHECKING:
    import fsrs

    from quiz.model import Question
    from quiz.store import Store

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Hold Ctrl-C until the block is over, so a review is saved and counted, or neither.

    Only the main thread receives signals; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


@dataclass(frozen=True)
class Mark:
    """The candidate's word on one key point ("I said this", or "I did not say this"), and the
    part of the answer that said it: remembered as their own wording for that point."""

    point: str
    said: bool
    wording: str

    def to_dict(self) -> dict[str, Any]:
        return {"point": self.point, "said": self.said, "wording": self.wording}


_CLAUSES = re.compile(r"[.;!?\n]+|\s[-–—]\s|,\s*(?:and|but|so)\s")


def wording_for(point: str, answer: str) -> str:
    """The clause of `answer` closest to `point`: what the candidate means by it."""
    from rapidfuzz import fuzz

    normalise = grading.normalise
    clauses = [c.strip(" ,-*•") for c in _CLAUSES.split(answer) if c.strip(" ,-*•")]
    if not clauses:
        return answer.strip()
    return str(max(clauses, key=lambda c: fuzz.token_set_ratio(normalise(c), normalise(point))))


def rescore(g: Grade, points: Sequence[PointResult]) -> Grade:
    """The grade with `points` judged as given: score and suggestion follow (pitfalls and
    contradictions still cap), by the grader's own rule."""
    score, suggested = rate(points, bool(g.pitfalls or g.contradictions))
    return replace(g, points=tuple(points), score=score, suggested=suggested)


@dataclass(frozen=True)
class Graded:
    """An answer judged: the grade, and when the card would come back for each rating.

    `capped` says why the suggested rating was held down (hints taken, the demo seen), if so.
    `marks` are the candidate's overrides of the grader ("I said this"); `grade` has them
    applied, `graded` is the grader's own verdict.
    """

    question: Question
    answer: str
    grade: Grade
    previews: dict[Rating, datetime]
    capped: str | None = None
    marks: tuple[Mark, ...] = ()
    graded: Grade | None = None


@dataclass(frozen=True)
class Outcome:
    """A rated card, committed."""

    question: Question
    grade: Grade
    rating: Rating
    card: CardState
    duration_ms: int | None
    reviewed_at: datetime | None = None
    before: CardState | None = None  # the card before this rating (None: it was new)
    answer: str = ""
    hints: int = 0  # hints taken before the answer, and the demo seen: given back by undo
    demo_seen: bool = False


@dataclass(frozen=True)
class TopicResult:
    topic: str
    cards: int
    average: float


def by_topic(items: Sequence[tuple[str, float]]) -> list[TopicResult]:
    """(topic, score) pairs to one row per topic, in order of first appearance."""
    scores: dict[str, list[float]] = {}
    for topic, score in items:
        scores.setdefault(topic, []).append(score)
    return [TopicResult(t, len(s), sum(s) / len(s)) for t, s in scores.items()]


@dataclass
class Summary:
    """The end of a drill: what was done, and what comes next."""

    done: list[Outcome]
    skipped: int
    next_due: datetime | None
    streak: int
    now: datetime
    interrupted: bool = False

    @property
    def cards(self) -> int:
        """Cards rated (a card rated twice in the drill counts once; `done` has every review)."""
        return len({o.question.id for o in self.done})

    @property
    def average(self) -> float | None:
        return sum(o.grade.score for o in self.done) / len(self.done) if self.done else None

    @property
    def ratings(self) -> dict[Rating, int]:
        counts = Counter(o.rating for o in self.done)
        return {r: counts[r] for r in Rating if counts[r]}

    @property
    def topics(self) -> list[TopicResult]:
        return by_topic([(o.question.topic, o.grade.score) for o in self.done])


# --- the drill ----------------------------------------------------------------------------


def remember(own: dict[str, dict[str, list[str]]], question_id: str, mark: Mark) -> None:
    """A mark made: a wording said is the candidate's for that point; one unsaid is not."""
    wordings = own.setdefault(question_id, {}).setdefault(mark.point, [])
    if mark.wording in wordings:
        wordings.remove(mark.wording)
    if mark.said:
        wordings.append(mark.wording)


def own_wordings(store: Store) -> dict[str, dict[str, list[str]]]:
    """question id -> key point -> the candidate's wordings for it, from every review's marks
    (in time order: a later "not said" takes a wording back)."""
    own: dict[str, dict[str, list[str]]] = {}
    for _, qid, raw, _ in store.overrides():
        for m in marks_of(raw):
            remember(own, qid, m)
    return own


def with_marks(graded: Grade, marks: Sequence[Mark]) -> Grade:
    """The grader's verdict with the candidate's marks applied: score and suggestion follow."""
    if not marks:
        return graded
    said = {m.point: m.said for m in marks}
    return rescore(graded, [replace(p, hit=said[p.point], matched="you said it" if said[p.point] else None,
                                    found=None) if p.point in said else p for p in graded.points])


def toggled(base: Grade, marks: Sequence[Mark], index: int, answer: str) -> list[Mark]:
    """The marks with key point `index` turned around, or its mark taken back."""
    point = base.points[index]
    out = [m for m in marks if m.point != point.point]
    if len(out) == len(marks):
        out.append(Mark(point.point, not point.hit, wording_for(point.point, answer)))
    return out


def marks_json(marks: Sequence[Mark]) -> str | None:
    return json.dumps([m.to_dict() for m in marks], ensure_ascii=False) if marks else None


def marks_of(raw: str) -> list[Mark]:
    """A review's stored marks (anything unreadable is left out)."""
    try:
        items = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [Mark(str(i["point"]), bool(i["said"]), str(i["wording"])) for i in items
            if isinstance(i, dict) and {"point", "said", "wording"} <= set(i)]


class Drill:
    """Today's cards: due ones most overdue first, then new ones; each rating is committed.

    Learning steps, as in Anki: a card rated in this drill that is in a learning step (Again,
    or Hard on a new card: a minute or a few) comes back as soon as its step is due, before
    the rest of the queue; when the queue is empty, the learning card due soonest comes back
    if it is due within LEARN_AHEAD. The drill ends when nothing more is due within it.
    `limit` caps the cards shown.
    """

    def __init__(self, questions: Sequence[Question], store: Store, *, clock: Clock = system_clock,
                 tz: tzinfo | None = None, new_per_day: int = sched.NEW_PER_DAY,
                 limit: int | None = None, ahead: bool = False, cram: bool = False,
                 scheduler: fsrs.Scheduler | None = None):
        self.store = store
        self.clock = clock
        self.tz = tz
        self.limit = limit
        self.scheduler = scheduler
        self.questions = {q.id: q for q in questions}
        now = clock()
        self.cards = store.cards(self.questions)
        self.own = own_wordings(store)
        new_today = sched.new_introduced(store.first_reviews().values(), now, tz)
        self.plan = sched.plan(list(self.questions), self.cards, now, new_today=new_today,
                               new_per_day=new_per_day, limit=limit, ahead=ahead, cram=cram)
        self._queue: deque[str] = deque(self.plan.queue)
        self._kinds = {qid: self.plan.kind(qid) for qid in self.plan.queue}
        self._learning: set[str] = set()  # rated in this drill and in a learning step
        self._hints: dict[str, int] = {}
        self._demo_seen: set[str] = set()
        self.shown = 0
        self.done: list[Outcome] = []
        self.skipped: list[str] = []

    @property
    def planned(self) -> int:
        return len(self.plan.queue)

    @property
    def remaining(self) -> int:
        return len(self._queue)

    @property
    def learning(self) -> frozenset[str]:
        """Cards rated in this drill that come back in it (a learning step within LEARN_AHEAD)."""
        if self.limit is not None and self.shown >= self.limit:
            return frozenset()
        return frozenset(self._learning)

    def kind(self, q: Question) -> str:
        """'due', 'new', 'learning', 'ahead' (studied early) or 'again' (back in the same drill)."""
        return self._kinds.get(q.id, "due")

    def counts(self) -> tuple[int, int, int]:
        """What is left after the card on screen, as Anki counts it: new, learning, due (cards
        studied early count as due)."""
        kinds = Counter(self._kinds.get(qid, "due") for qid in self._queue)
        learning = kinds["learning"] + len(self.learning)
        return kinds["new"], learning, kinds["due"] + kinds["ahead"]

    def last_rating(self, q: Question) -> Rating | None:
        """The rating `q` was given last in this drill, if any."""
        return next((o.rating for o in reversed(self.done) if o.question.id == q.id), None)

    def early_by(self, q: Question) -> timedelta | None:
        """How long before its due time `q` is shown (learn-ahead), or None when it is due."""
        card = self.cards.get(q.id)
        if card is None or card.last_review is None:
            return None
        ahead = card.due - self.clock()
        return ahead if ahead > timedelta(seconds=30) else None

    def _learning_due(self, by: datetime) -> str | None:
        """The learning card of this drill due soonest, if it is due by `by`."""
        waiting = sorted((self.cards[q] for q in self._learning), key=lambda c: c.due)
        if waiting and waiting[0].due <= by:
            qid = waiting[0].question_id
            self._learning.discard(qid)
            self._kinds[qid] = "again"
            return qid
        return None

    def next(self) -> Question | None:
        """The next question, or None when the drill is over."""
        if self.limit is not None and self.shown >= self.limit:
            return None
        now = self.clock()
        qid = self._learning_due(now)
        if qid is None and self._queue:
            qid = self._queue.popleft()
        if qid is None:
            qid = self._learning_due(now + sched.LEARN_AHEAD)
        if qid is None:
            return None
        self.shown += 1
        return self.questions[qid]

    def hint(self, q: Question) -> str | None:
        """The next key point of `q` not shown yet (None when all are); each hint caps the rating."""
        taken = self._hints.get(q.id, 0)
        if taken >= len(q.key_points):
            return None
        self._hints[q.id] = taken + 1
        return q.key_points[taken].point

    def hints(self, q: Question) -> int:
        return self._hints.get(q.id, 0)

    def saw_demo(self, q: Question) -> None:
        """The demo ran before the answer: its narration states the key points."""
        self._demo_seen.add(q.id)

    def cap(self, q: Question) -> tuple[Rating | None, str | None]:
        """The highest rating to suggest for `q`, and why (hints: one at most Good, two or more
        at most Hard; the demo seen before answering: at most Hard; its model answer shown
        earlier in this drill: at most Good, since recognising an answer just read is not
        recalling it)."""
        n = self._hints.get(q.id, 0)
        reasons = []
        if n:
            reasons.append(f"{n} hint{'s' * (n != 1)} taken")
        if q.id in self._demo_seen:
            reasons.append("the demo seen first")
        if self.last_rating(q) is not None:  # rated in this drill: its graded screen was seen
            reasons.append("its model answer shown earlier in this drill")
        if not reasons:
            return None, None
        cap = Rating.GOOD if n <= 1 and q.id not in self._demo_seen else Rating.HARD
        return cap, f"{' and '.join(reasons).capitalize()}: the suggestion is at most {cap.label}."

    def grade(self, q: Question, answer: str, marks: Sequence[Mark] = ()) -> Graded:
        """Judge an answer (pure: nothing is saved until `rate`): the grader's verdict, points
        said in the candidate's own wording credited, then their marks, then the caps."""
        now = self.clock()
        card = self.cards.get(q.id) or sched.new_card(q.id, now)
        graded = grading.grade(answer, q, own=self.own.get(q.id))  # their wordings: matched as terms are
        result = with_marks(graded, marks)
        cap, why = self.cap(q)
        if cap is not None and result.suggested > cap:
            result = replace(result, suggested=cap)
        return Graded(q, answer, result, sched.preview(card, now, self.scheduler), why, tuple(marks),
                      graded)

    def mark(self, graded: Graded, index: int) -> Graded:
        """Turn the grader's verdict on key point `index` around ("I said this" on a missed
        point, "I did not say this" on a credited one); again, and the mark goes."""
        base = graded.graded or graded.grade
        if graded.grade.shown_as_empty or not 0 <= index < len(base.points):
            return graded
        return self.grade(graded.question, graded.answer, toggled(base, graded.marks, index, graded.answer))

    def rate(self, graded: Graded, rating: Rating, duration_ms: int | None = None) -> Outcome:
        """Commit the rating: the card's new FSRS state and a review log row, at once.

        A database that fails (locked, full) raises QuizError and nothing changes here: the
        same call can be tried again.
        """
        now = self.clock()
        q = graded.question
        before = self.cards.get(q.id)

        def apply(card: CardState) -> CardState:
            return sched.review(card, rating, now, duration_ms, self.scheduler)

        with shielded():
            result = graded.grade
            if result.self_rated:  # recorded with the score of the rating the candidate chose
                result = replace(result, score=rated_score(rating))
            marks = marks_json(graded.marks)
            card = self.store.record(q.id, rating, now, apply, score=result.score,
                                     answer=graded.answer, duration_ms=duration_ms, mode="drill",
                                     overrides=marks)
            for m in graded.marks:  # the next answer in the same words is credited at once
                remember(self.own, q.id, m)
            self.cards[q.id] = card
            outcome = Outcome(q, result, rating, card, duration_ms, now, before, graded.answer,
                              self._hints.get(q.id, 0), q.id in self._demo_seen)
            self.done.append(outcome)
            if sched.in_learning(card) and card.due - now <= sched.LEARN_AHEAD:
                self._learning.add(q.id)
            self._hints.pop(q.id, None)
            self._demo_seen.discard(q.id)
        return outcome

    def undo(self, current: Question | None = None) -> Outcome | None:
        """Take back the last rating of this drill: its log row goes, the card's previous state
        comes back, and it is asked again next (then `current`, the card on screen)."""
        if not self.done:
            return None
        last = self.done[-1]
        q = last.question
        with shielded():
            card = self.store.undo(q.id, last.reviewed_at or last.card.last_review or self.clock(),
                                   self.scheduler)
            self.done.pop()
            if card is None:
                self.cards.pop(q.id, None)
            else:
                self.cards[q.id] = card
            self._learning.discard(q.id)
            if last.hints:
                self._hints[q.id] = last.hints
            if last.demo_seen:
                self._demo_seen.add(q.id)
        if current is not None:
            self._queue.appendleft(current.id)
            self.shown -= 1
        self._queue.appendleft(q.id)
        self.shown -= 1
        return last

    def skip(self, q: Question) -> None:
        self.skipped.append(q.id)

    def summary(self, interrupted: bool = False) -> Summary:
        now = self.clock()
        cards = self.store.cards(self.questions)
        next_due = min((c.due for c in cards.values()), default=None)
        current, _ = sched.streak(self.store_times(), now, self.tz)
        return Summary(list(self.done), len(self.skipped), next_due, current, now, interrupted)

    def store_times(self) -> list[datetime]:
        return [r.reviewed_at for r in self.store.reviews()]


#: What quiz.reports defines (the exam, stats, due): made on first use, given as this module's.
_REPORTS = ("ExamAnswer", "Scorecard", "WEAK_BELOW", "Exam", "TopicMastery", "BankTotal", "Stats",
            "stats", "stats_all", "_history", "DueItem", "DueReport", "due_report")

if TYPE_CHECKING:
    # given as this module's own: `from quiz.session import Exam`
    from quiz.reports import WEAK_BELOW as WEAK_BELOW
    from quiz.reports import BankTotal as BankTotal
    from quiz.reports import DueItem as DueItem
    from quiz.reports import DueReport as DueReport
    from quiz.reports import Exam as Exam
    from quiz.reports import ExamAnswer as ExamAnswer
    from quiz.reports import Scorecard as Scorecard
    from quiz.reports import Stats as Stats
    from quiz.reports import TopicMastery as TopicMastery
    from quiz.reports import _history as _history
    from quiz.reports import due_report as due_report
    from quiz.reports import stats as stats
    from quiz.reports import stats_all as stats_all


def __getattr__(name: str) -> Any:
    if name in _REPORTS:
        from quiz import reports

        return getattr(reports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
