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
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    with the fsrs card carried from one review to the next.
    """
    import fsrs

    sched = scheduler or default_scheduler()
    ratings = {r: fsrs.Rating(int(r)) for r in Rating}
    states = {fsrs.State(int(s)): s for s in State}
    out: list[CardState] = []
    card: fsrs.Card | None = None
    with _fuzz() as fuzz:
        fuzz.question_id = question_id
        for rating, when, duration_ms, *text in reviews:
            if when.tzinfo is not UTC:
                when = utc(when)
            if card is None:
                card = _to_fsrs(new_card(question_id, when))
            fuzz.when, fuzz.text = when, text[0] if text else None
            card, _ = sched.review_card(card, ratings[rating], when, duration_ms)
            out.append(CardState(question_id, states[card.state], card.step, card.stability, card.difficulty,
                                 card.due, when))
    return out


class Replayer:
    """Reviews replayed one at a time onto fsrs cards, as a merge reads them (a card's reviews
    spread over a log in time order): the same FSRS steps and fuzz as `review` and `replay`,
    without a CardState per review. Use `step` inside `with replayer.fuzzing():`."""

    def __init__(self, scheduler: fsrs.Scheduler | None = None):
        import fsrs

        self._review = (scheduler or default_scheduler()).review_card
        self._ratings = {int(r): fsrs.Rating(int(r)) for r in Rating}
        self._card, self._learning = fsrs.Card, fsrs.State.Learning
        self._draw = _Fuzz()

    @contextlib.contextmanager
    def fuzzing(self) -> Iterator[None]:
        with _fuzz(self._draw):
            yield

    def step(self, card: fsrs.Card | None, question_id: str, rating: int, when: datetime, text: str,
             duration_ms: int | None) -> fsrs.Card:
        """The fsrs card after `rating` at `when` (UTC, with `tzinfo` UTC; `text` is `when` as
        `isoformat(timespec="microseconds")` writes it); `card` None is a new card."""
        draw = self._draw
        draw.question_id, draw.when, draw.text = question_id, when, text
        if card is None:
            card = self._card(card_id=1, state=self._learning, step=0, due=when)
        return self._review(card, self._ratings[rating], when, duration_ms)[0]


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
