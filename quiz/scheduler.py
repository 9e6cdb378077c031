"""Spaced repetition over the `fsrs` library: which cards are due, and what a rating does.

Pure, like py-fsrs itself: every function takes the time it works at (`now`, a
timezone-aware UTC datetime; naive or non-UTC times raise ValueError) and returns new
values; nothing here reads a clock, a file or the database. Days ("new cards a day", the
forecast, the streak) are local days: `tz` is the local timezone, `None` meaning the
system's.

`fsrs` is imported only when a card is reviewed or its retrievability computed, so that
starting a drill does not pay for it.

FSRS fuzzes long intervals with `random()`; here the fuzz is drawn from a generator seeded by
the question id and the review's time (only for a review that is fuzzed), so replaying a
card's review log (`replay`, after a merge of two devices' logs) gives exactly the card the
reviews gave when they were made.
"""

from __future__ import annotations

import _random
import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import IntEnum
from typing import TYPE_CHECKING

from quiz.grading import Rating

try:  # as the random module finds it
    from _sha512 import sha512 as _sha512  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import sha512 as _sha512

if TYPE_CHECKING:
    import fsrs

NEW_PER_DAY = 5
AHEAD_DEFAULT = 10
#: A card in a learning step due this soon comes back in the same drill when nothing else is
#: left (Anki's "learn ahead limit"); later than that, the drill ends.
LEARN_AHEAD = timedelta(minutes=20)


class State(IntEnum):
    """A card's learning state (same values as `fsrs.State`); a card never reviewed is new."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class CardState:
    """The FSRS memory state of one question, keyed by the question's id."""

    question_id: str
    state: State
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


def utc(when: datetime) -> datetime:
    """`when` as a UTC datetime; naive or other-offset datetimes are refused."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()}: pass a timezone-aware UTC time")
    if when.utcoffset() != timedelta(0):
        raise ValueError(f"{when.isoformat()} is not UTC: convert it with .astimezone(timezone.utc)")
    return when if when.tzinfo is UTC else when.replace(tzinfo=UTC)


def new_card(question_id: str, now: datetime) -> CardState:
    return CardState(question_id, State.LEARNING, 0, None, None, utc(now), None)


# --- fsrs ---------------------------------------------------------------------------------

_default: fsrs.Scheduler | None = None


def default_scheduler() -> fsrs.Scheduler:
    """The FSRS scheduler with its published defaults (fuzzing on: intervals spread a little)."""
    global _default
    if _default is None:
        import fsrs

        _default = fsrs.Scheduler()
    return _default


def _to_fsrs(card: CardState) -> fsrs.Card:
    import fsrs

    return fsrs.Card(card_id=1, state=fsrs.State(int(card.state)), step=card.step,
                     stability=card.stability, difficulty=card.difficulty, due=card.due,
                     last_review=card.last_review)


def review(card: CardState, rating: Rating, now: datetime, duration_ms: int | None = None,
           scheduler: fsrs.Scheduler | None = None) -> CardState:
    """The card after being rated `rating` at `now` (FSRS); the input card is unchanged."""
    sched = scheduler or default_scheduler()
    with _fuzz() as fuzz:
        return _review(sched, fuzz, card, rating, utc(now), duration_ms)


def replay(question_id: str, reviews: Iterable[tuple[Rating, datetime, int | None] | tuple[Rating, datetime,
           int | None, str]], scheduler: fsrs.Scheduler | None = None) -> list[CardState]:
    """The card after each of `reviews` (rating, UTC time, duration in ms, and optionally the
    time as `isoformat(timespec="microseconds")` writes it), given in time order to a new card:
    the card's state rebuilt from its review log.

    The same FSRS steps as `review` (the same card, rating, time and fuzz give the same card),
    with the card carried from one review to the next (`Replayer`).
    """
    replayer = Replayer(scheduler)
    out: list[CardState] = []
    memory: Memory | None = None
    with replayer.fuzzing():
        for rating, when, duration_ms, *text in reviews:
            if when.tzinfo is not UTC:
                when = utc(when)
            memory = replayer.step(memory, question_id, int(rating), when, text[0] if text else None,
                                   duration_ms)
            state, step, stability, difficulty, due, _ = memory
            out.append(CardState(question_id, State(state), step, stability, difficulty, due, when))
    return out


#: A card's FSRS memory as a replay carries it from one review to the next: state (State's
#: value), step, stability, difficulty, due, last review.
Memory = tuple[int, int | None, float, float, datetime, datetime]


class Replayer:
    """Reviews replayed one at a time, as a merge reads them (a card's reviews spread over a
    log in time order) or as `replay` gives them: the same card, review for review, as fsrs's
    `review_card` with quiz's fuzz (`review`). Use `step` inside `with replayer.fuzzing():`.

    With fsrs 6 and its own `Scheduler` class, the steps are `_Steps` (fsrs's formulas written
    out, without a copy of the card and a review log per review: 3-4x faster); with any other,
    fsrs's `review_card` itself."""

    def __init__(self, scheduler: fsrs.Scheduler | None = None):
        sched = scheduler or default_scheduler()
        self._draw = _Fuzz()
        self._steps = _Steps.of(sched)
        self._sched = sched

    @contextlib.contextmanager
    def fuzzing(self) -> Iterator[None]:
        if self._steps is not None:  # the steps draw from self._draw themselves
            yield
            return
        with _fuzz(self._draw):
            yield

    def step(self, card: Memory | None, question_id: str, rating: int, when: datetime, text: str | None,
             duration_ms: int | None) -> Memory:
        """The card after `rating` at `when` (UTC, with `tzinfo` UTC; `text` is `when` as
        `isoformat(timespec="microseconds")` writes it, or None); `card` None is a new card."""
        draw = self._draw
        draw.question_id, draw.when, draw.text = question_id, when, text
        if self._steps is not None:
            return self._steps.review(card, rating, when, draw)
        import fsrs

        before = (fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=when) if card is None else
                  fsrs.Card(card_id=1, state=fsrs.State(card[0]), step=card[1], stability=card[2],
                            difficulty=card[3], due=card[4], last_review=card[5]))
        after, _ = self._sched.review_card(before, fsrs.Rating(rating), when, duration_ms)
        assert after.stability is not None and after.difficulty is not None
        return (int(after.state), after.step, after.stability, after.difficulty, after.due, when)


_LEARNING, _REVIEW, _RELEARNING = 1, 2, 3  # fsrs.State's values (State's too)
_AGAIN, _HARD, _GOOD, _EASY = 1, 2, 3, 4  # fsrs.Rating's values (Rating's too)


class _Steps:
    """fsrs 6's `Scheduler.review_card` (fsrs/scheduler.py) written out over a `Memory`: the
    same branches, and each formula with fsrs's own operations in fsrs's order, so the same
    floats (`tests/test_progress_import.py` checks every field against `review_card` on random
    logs, fuzz included, for several schedulers). What depends on the rating alone is computed
    once."""

    @classmethod
    def of(cls, sched: fsrs.Scheduler) -> _Steps | None:
        """The steps of `sched`, or None when they would not be its own: an fsrs other than 6,
        or a Scheduler subclass."""
        import fsrs

        if type(sched) is not fsrs.Scheduler or _fsrs_major() != 6:
            return None
        return cls(sched)

    def __init__(self, sched: fsrs.Scheduler):
        import math

        from fsrs import scheduler as fs

        p = sched.parameters
        e = math.e
        self.p = p
        self.decay, self.factor = sched._DECAY, sched._FACTOR
        self.s_min, self.d_min, self.d_max = fs.STABILITY_MIN, fs.MIN_DIFFICULTY, fs.MAX_DIFFICULTY
        self.learning, self.relearning = sched.learning_steps, sched.relearning_steps
        self.maximum = sched.maximum_interval
        self.fuzzing = sched.enable_fuzzing
        self.fuzz_ranges = [(r["start"], r["end"], r["factor"]) for r in fs.FUZZ_RANGES]
        self.fuzz_bounds: dict[int, tuple[int, int]] = {}  # _get_fuzz_range's, by interval: (low, span)
        self.retention = sched.desired_retention ** (1 / self.decay) - 1  # _next_interval's
        # _initial_stability and _initial_difficulty(clamp=True) per rating
        self.first = {r: (max(p[r - 1], self.s_min), self._clamp(p[4] - (e ** (p[5] * (r - 1))) + 1))
                      for r in (1, 2, 3, 4)}
        self.easy = p[4] - (e ** (p[5] * (_EASY - 1))) + 1  # _initial_difficulty(Easy, clamp=False)
        self.delta = {r: -(p[6] * (r - 3)) for r in (1, 2, 3, 4)}  # _next_difficulty's
        self.short = {r: e ** (p[17] * (r - 3 + p[18])) for r in (1, 2, 3, 4)}  # _short_term_stability's
        self.forget_short = e ** (p[17] * p[18])  # _next_forget_stability's
        self.recall = e ** (p[8])  # _next_recall_stability's
        self.bonus = {r: (p[15] if r == _HARD else 1, p[16] if r == _EASY else 1) for r in (1, 2, 3, 4)}
        self.e = e

    def _clamp(self, d: float) -> float:
        return min(max(d, self.d_min), self.d_max)

    def _difficulty(self, d: float, r: int) -> float:
        p7 = self.p[7]
        arg_2 = d + (10.0 - d) * self.delta[r] / 9.0
        difficulty: float = min(max(p7 * self.easy + (1 - p7) * arg_2, self.d_min), self.d_max)
        return difficulty

    def _short_term(self, s: float, r: int) -> float:
        increase: float = self.short[r] * (s ** -self.p[19])
        if r != _AGAIN:
            increase = max(increase, 1.0)
        return max(s * increase, self.s_min)

    def _long_term(self, d: float, s: float, last: datetime, when: datetime, r: int) -> float:
        p, e = self.p, self.e
        elapsed = max(0, (when - last).days)
        retrievability = (1 + self.factor * elapsed / s) ** self.decay
        if r == _AGAIN:
            long_term = (p[11] * (d ** -p[12]) * (((s + 1) ** (p[13])) - 1)
                         * (e ** ((1 - retrievability) * p[14])))
            stability: float = min(long_term, s / self.forget_short)
        else:
            hard, easy = self.bonus[r]
            stability = s * (1 + self.recall * (11 - d) * (s ** -p[9])
                             * ((e ** ((1 - retrievability) * p[10])) - 1) * hard * easy)
        return max(stability, self.s_min)

    def _interval(self, s: float) -> int:
        days: int = min(max(round((s / self.factor) * self.retention), 1), self.maximum)
        return days

    def review(self, card: Memory | None, r: int, when: datetime, draw: Callable[[], float]) -> Memory:
        interval: timedelta
        step: int | None
        if card is None:
            state, step = _LEARNING, 0
            s, d = self.first[r]
        else:
            state, step, s, d, _, last = card
            if (when - last).days < 1:
                s = self._short_term(s, r)
            else:
                s = self._long_term(d, s, last, when, r)
            d = self._difficulty(d, r)
        if state == _REVIEW:
            if r == _AGAIN and self.relearning:
                state, step = _RELEARNING, 0
                interval = self.relearning[0]
            else:
                interval = timedelta(days=self._interval(s))
        else:  # learning or relearning: the steps
            steps = self.learning if state == _LEARNING else self.relearning
            assert step is not None
            if not steps or (step >= len(steps) and r != _AGAIN):
                state, step = _REVIEW, None
            elif r == _AGAIN:
                step = 0
                interval = steps[0]
            elif r == _HARD:
                if step == 0 and len(steps) == 1:
                    interval = steps[0] * 1.5
                elif step == 0 and len(steps) >= 2:
                    interval = (steps[0] + steps[1]) / 2.0
                else:
                    interval = steps[step]
            elif r == _GOOD and step + 1 != len(steps):
                step += 1
                interval = steps[step]
            else:  # Good at the last step, Easy
                state, step = _REVIEW, None
            if state == _REVIEW:
                interval = timedelta(days=self._interval(s))
        if self.fuzzing and state == _REVIEW:
            interval = self._fuzzed(interval, draw)
        return (state, step, s, d, when + interval, when)

    def _fuzzed(self, interval: timedelta, draw: Callable[[], float]) -> timedelta:
        days = interval.days
        if days < 2.5:
            return interval
        bounds = self.fuzz_bounds.get(days)
        if bounds is None:
            delta = 1.0
            for start, end, factor in self.fuzz_ranges:
                delta += factor * max(min(float(days), end) - start, 0.0)
            low, high = round(days - delta), round(days + delta)
            low = max(2, low)
            high = min(high, self.maximum)
            low = min(low, high)
            bounds = self.fuzz_bounds[days] = (low, high - low + 1)
        low, span = bounds
        return timedelta(days=min(round((draw() * span) + low), self.maximum))


_major: int | None = None


def _fsrs_major() -> int:
    global _major
    if _major is None:
        from importlib.metadata import version

        _major = int(version("fsrs").split(".")[0])
    return _major


def _fuzz_seed(question_id: str, when: datetime) -> str:
    """What seeds the fuzz of one review (fsrs draws it from `random()`)."""
    return f"{question_id}|{when.isoformat(timespec='microseconds')}"


class _Fuzz:
    """fsrs's `random()` while quiz reviews: the number a generator seeded with the review's
    question id and time draws first, computed only when fsrs asks for one (an interval long
    enough to be fuzzed), so that the other reviews cost no seeding."""

    def __init__(self) -> None:
        self.generator = _random.Random()
        self.question_id = ""
        self.when = datetime.min.replace(tzinfo=UTC)
        self.text: str | None = None  # `when` as _fuzz_seed writes it, when the caller has it

    def __call__(self) -> float:
        text = f"{self.question_id}|{self.text}" if self.text else _fuzz_seed(self.question_id, self.when)
        seed = text.encode()
        # what random.Random(seed) does with a text (version 2), without its Python-level checks
        _random.Random.seed(self.generator, int.from_bytes(seed + _sha512(seed).digest(), "big"))
        return self.generator.random()


_FUZZ_LOCK = threading.Lock()


@contextlib.contextmanager
def _fuzz(fuzz: _Fuzz | None = None) -> Iterator[_Fuzz]:
    """fsrs's fuzz drawn from a `_Fuzz` (fsrs calls the `random` it imported); the `random`
    module's own state is never touched."""
    import fsrs.scheduler

    fuzz = fuzz or _Fuzz()
    with _FUZZ_LOCK:
        drawn = fsrs.scheduler.random  # type: ignore[attr-defined]
        fsrs.scheduler.random = fuzz  # type: ignore[attr-defined]
        try:
            yield fuzz
        finally:
            fsrs.scheduler.random = drawn  # type: ignore[attr-defined]


def _review(sched: fsrs.Scheduler, fuzz: _Fuzz, card: CardState, rating: Rating, now: datetime,
            duration_ms: int | None) -> CardState:
    import fsrs

    fuzz.question_id, fuzz.when, fuzz.text = card.question_id, now, None
    new, _ = sched.review_card(_to_fsrs(card), fsrs.Rating(int(rating)), now, duration_ms)
    return replace(card, state=State(int(new.state)), step=new.step, stability=new.stability,
                   difficulty=new.difficulty, due=utc(new.due), last_review=now)


def preview(card: CardState, now: datetime,
            scheduler: fsrs.Scheduler | None = None) -> dict[Rating, datetime]:
    """When the card would next be due for each rating given at `now`."""
    return {r: review(card, r, now, None, scheduler).due for r in Rating}


def retrievability(card: CardState, now: datetime, scheduler: fsrs.Scheduler | None = None) -> float:
    """The probability (0 to 1) of recalling the card at `now`; 0 for a card never reviewed."""
    if card.last_review is None or card.stability is None:
        return 0.0
    sched = scheduler or default_scheduler()
    return float(sched.get_card_retrievability(_to_fsrs(card), utc(now)))


# --- what to study ------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A drill's queue: due cards (most overdue first), then new ones, then cards in a learning
    step due within LEARN_AHEAD, then ones studied early."""

    due: tuple[str, ...]
    new: tuple[str, ...]
    ahead: tuple[str, ...]
    new_left: int  # new cards still allowed today, before this plan's
    next_due: datetime | None  # the soonest due time of a card left out of the plan
    learning: tuple[str, ...] = ()
    unseen: int = 0  # questions never reviewed among those planned from
    new_today: int = 0  # new questions already introduced today

    @property
    def queue(self) -> tuple[str, ...]:
        return self.due + self.new + self.learning + self.ahead

    @property
    def held_back(self) -> int:
        """Unseen questions left out by the daily new-card limit."""
        return self.unseen - len(self.new) if self.new_left <= len(self.new) else 0

    def kind(self, question_id: str) -> str:
        if question_id in self.due:
            return "due"
        if question_id in self.new:
            return "new"
        if question_id in self.learning:
            return "learning"
        return "ahead"


def in_learning(card: CardState) -> bool:
    """A card in a learning or relearning step (minutes apart, not days)."""
    return card.state is not State.REVIEW and card.last_review is not None


def plan(question_ids: Sequence[str], cards: Mapping[str, CardState], now: datetime, *,
         new_today: int = 0, new_per_day: int = NEW_PER_DAY, limit: int | None = None,
         ahead: bool = False, cram: bool = False, learn_ahead: timedelta = LEARN_AHEAD) -> Plan:
    """Choose the cards to study at `now` among `question_ids` (in bank order).

    Due cards (due <= now) come first, most overdue first; then never-reviewed questions in
    bank order, as many as `new_per_day` allows once the `new_today` already introduced
    today are counted; then cards in a learning step due within `learn_ahead`; the whole
    limited to `limit`. With `ahead`, the soonest-due cards that are not due yet fill what
    is left of `limit` (AHEAD_DEFAULT when there is none). With `cram`, every question is
    taken whatever its schedule and the daily limit (within `limit`).
    """
    now = utc(now)
    if new_per_day < 0 or new_today < 0 or (limit is not None and limit < 0):
        raise ValueError("counts and limits cannot be negative")
    order = {qid: i for i, qid in enumerate(question_ids)}
    known = [cards[q] for q in question_ids if q in cards]
    due = sorted((c for c in known if c.due <= now), key=lambda c: (c.due, order[c.question_id]))
    room = limit if limit is not None else len(question_ids)
    due_ids = tuple(c.question_id for c in due[:room])
    room -= len(due_ids)
    new_left = max(0, new_per_day - new_today)
    fresh = [q for q in question_ids if q not in cards]
    new_ids = tuple(fresh[:room if cram else min(new_left, room)])
    room -= len(new_ids)
    later = sorted((c for c in known if c.due > now), key=lambda c: (c.due, order[c.question_id]))
    soon = [c for c in later if in_learning(c) and c.due <= now + learn_ahead]
    learning_ids = tuple(c.question_id for c in soon[:room])
    room -= len(learning_ids)
    ahead_ids: tuple[str, ...] = ()
    if ahead or cram:
        room = room if limit is not None or cram else AHEAD_DEFAULT
        ahead_ids = tuple(c.question_id for c in later if c.question_id not in learning_ids)[:room]
    taken = set(due_ids) | set(ahead_ids) | set(learning_ids)
    left = [c.due for c in known if c.question_id not in taken]
    return Plan(due_ids, new_ids, ahead_ids, new_left, min(left) if left else None,
                learning_ids, len(fresh), new_today)


# --- days: the new-card quota, forecast, streak, heatmap ------------------------------------


def local_date(when: datetime, tz: tzinfo | None = None) -> date:
    return utc(when).astimezone(tz).date()


def day_start(now: datetime, tz: tzinfo | None = None) -> datetime:
    """The start of `now`'s local day, as a UTC datetime."""
    local = utc(now).astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC)


def new_introduced(first_reviews: Iterable[datetime], now: datetime, tz: tzinfo | None = None) -> int:
    """How many cards had their first review today (local day): the new-card quota used."""
    start = day_start(now, tz)
    return sum(1 for t in first_reviews if utc(t) >= start)


def forecast(dues: Iterable[datetime], now: datetime, tz: tzinfo | None = None,
             days: int = 14) -> list[tuple[date, int]]:
    """Cards due on each of the next `days` local days; today's count includes the overdue."""
    today = local_date(now, tz)
    counts: Counter[date] = Counter()
    for d in dues:
        day = max(local_date(d, tz), today)
        counts[day] += 1
    return [(today + timedelta(i), counts[today + timedelta(i)]) for i in range(days)]


def review_days(times: Iterable[datetime], tz: tzinfo | None = None) -> Counter[date]:
    return Counter(local_date(t, tz) for t in times)


def streak(times: Iterable[datetime], now: datetime, tz: tzinfo | None = None) -> tuple[int, int]:
    """(current, longest) runs of consecutive local days with a review.

    The current run ends today, or yesterday when there is no review yet today: a streak is
    not broken until the day is over.
    """
    days = set(review_days(times, tz))
    today = local_date(now, tz)
    day = today if today in days else today - timedelta(1)
    current = 0
    while day in days:
        current += 1
        day -= timedelta(1)
    longest = run = 0
    previous: date | None = None
    for d in sorted(days):
        run = run + 1 if previous is not None and d - previous == timedelta(1) else 1
        longest = max(longest, run)
        previous = d
    return current, longest


def heatmap(times: Iterable[datetime], now: datetime, tz: tzinfo | None = None,
            weeks: int = 12) -> list[tuple[date, int]]:
    """Reviews per local day, from the Monday `weeks - 1` weeks ago up to today."""
    counts = review_days(times, tz)
    today = local_date(now, tz)
    start = today - timedelta(today.weekday() + 7 * (weeks - 1))
    return [(start + timedelta(i), counts[start + timedelta(i)])
            for i in range((today - start).days + 1)]
