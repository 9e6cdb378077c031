"""Scheduling with fixed clocks and fuzzing off: exact due dates, due selection, days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Scheduler

from quiz import scheduler as s
from quiz.bank import load_bank
from quiz.grading import Rating
from quiz.scheduler import CardState, State
from quiz.session import Drill
from quiz.store import Store

from .test_drill import write_bank

T = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday
FSRS = Scheduler(enable_fuzzing=False)
PARIS = timezone(timedelta(hours=1))


def card(qid: str, due: datetime, state: State = State.REVIEW) -> CardState:
    return CardState(qid, state, None, 5.0, 5.0, due, due - timedelta(days=5))


@pytest.mark.parametrize(
    ("rating", "state", "after"),
    [
        (Rating.AGAIN, State.LEARNING, timedelta(minutes=1)),
        (Rating.HARD, State.LEARNING, timedelta(minutes=5, seconds=30)),
        (Rating.GOOD, State.LEARNING, timedelta(minutes=10)),
        (Rating.EASY, State.REVIEW, timedelta(days=8)),
    ],
)
def test_first_review_of_a_new_card(rating: Rating, state: State, after: timedelta) -> None:
    reviewed = s.review(s.new_card("q", T), rating, T, 30_000, FSRS)
    assert reviewed.state is state
    assert reviewed.due == T + after
    assert reviewed.last_review == T
    assert reviewed.question_id == "q"


def test_good_every_time_gives_exact_intervals() -> None:
    c, now, intervals = s.new_card("q", T), T, []
    for _ in range(6):
        c = s.review(c, Rating.GOOD, now, None, FSRS)
        intervals.append(c.due - now)
        now = c.due
    assert intervals == [timedelta(minutes=10), timedelta(days=2), timedelta(days=11),
                         timedelta(days=46), timedelta(days=163), timedelta(days=498)]
    assert c.state is State.REVIEW


def test_a_lapse_relearns() -> None:
    c = s.review(s.new_card("q", T), Rating.EASY, T, None, FSRS)
    lapsed = s.review(c, Rating.AGAIN, c.due, None, FSRS)
    assert lapsed.state is State.RELEARNING
    assert lapsed.due == c.due + timedelta(minutes=10)


def test_review_leaves_the_card_alone() -> None:
    before = s.new_card("q", T)
    s.review(before, Rating.GOOD, T, None, FSRS)
    assert before == s.new_card("q", T)


def test_preview_gives_every_rating() -> None:
    p = s.preview(s.new_card("q", T), T, FSRS)
    assert p == {Rating.AGAIN: T + timedelta(minutes=1), Rating.HARD: T + timedelta(seconds=330),
                 Rating.GOOD: T + timedelta(minutes=10), Rating.EASY: T + timedelta(days=8)}


@pytest.mark.parametrize("bad", [datetime(2025, 1, 6, 9, 0), datetime(2025, 1, 6, 9, 0, tzinfo=PARIS)])
def test_naive_or_local_times_are_refused(bad: datetime) -> None:
    with pytest.raises(ValueError, match="UTC"):
        s.review(s.new_card("q", T), Rating.GOOD, bad, None, FSRS)
    with pytest.raises(ValueError):
        s.plan(["q"], {}, bad)


def test_retrievability() -> None:
    assert s.retrievability(s.new_card("q", T), T, FSRS) == 0.0
    c = s.review(s.new_card("q", T), Rating.EASY, T, None, FSRS)
    assert s.retrievability(c, T, FSRS) == 1.0
    at_due = s.retrievability(c, c.due, FSRS)
    assert 0.88 < at_due < 0.92  # FSRS schedules at 90% desired retention
    assert s.retrievability(c, c.due + timedelta(days=30), FSRS) < at_due


def test_plan_puts_the_most_overdue_first_then_new() -> None:
    ids = ["a", "b", "c", "d", "e", "f"]
    cards = {"a": card("a", T - timedelta(hours=1)), "b": card("b", T - timedelta(days=3)),
             "c": card("c", T + timedelta(days=1)), "d": card("d", T)}
    p = s.plan(ids, cards, T)
    assert p.due == ("b", "a", "d")
    assert p.new == ("e", "f")
    assert p.ahead == ()
    assert p.queue == ("b", "a", "d", "e", "f")
    assert p.next_due == T + timedelta(days=1)
    assert p.kind("b") == "due" and p.kind("e") == "new"


def test_plan_counts_the_new_cards_of_today() -> None:
    ids = [f"q{i}" for i in range(10)]
    assert s.plan(ids, {}, T).new == ("q0", "q1", "q2", "q3", "q4")
    assert s.plan(ids, {}, T, new_today=3).new == ("q0", "q1")
    p = s.plan(ids, {}, T, new_today=7)
    assert p.new == () and p.new_left == 0
    assert s.plan(ids, {}, T, new_per_day=0).queue == ()


def test_plan_limit_keeps_due_cards_first() -> None:
    ids = ["a", "b", "c", "d"]
    cards = {"a": card("a", T - timedelta(days=1)), "b": card("b", T - timedelta(days=2))}
    p = s.plan(ids, cards, T, limit=3)
    assert p.queue == ("b", "a", "c")
    assert s.plan(ids, cards, T, limit=1).queue == ("b",)


def test_plan_ahead_takes_the_soonest_cards() -> None:
    ids = ["a", "b", "c"]
    cards = {x: card(x, T + timedelta(days=d)) for x, d in (("a", 5), ("b", 1), ("c", 3))}
    quiet = s.plan(ids, cards, T)
    assert quiet.queue == () and quiet.next_due == T + timedelta(days=1)
    early = s.plan(ids, cards, T, ahead=True, limit=2)
    assert early.ahead == ("b", "c")
    assert early.next_due == T + timedelta(days=5)
    assert early.kind("b") == "ahead"


def test_new_cards_are_counted_by_local_day() -> None:
    now = datetime(2025, 1, 6, 23, 30, tzinfo=UTC)  # 00:30 on the 7th in Paris
    firsts = [datetime(2025, 1, 6, 22, 0, tzinfo=UTC),  # 23:00 on the 6th in Paris
              datetime(2025, 1, 6, 23, 10, tzinfo=UTC)]  # 00:10 on the 7th in Paris
    assert s.new_introduced(firsts, now, UTC) == 2
    assert s.new_introduced(firsts, now, PARIS) == 1
    assert s.day_start(now, PARIS) == datetime(2025, 1, 6, 23, 0, tzinfo=UTC)


def test_forecast_puts_overdue_cards_today() -> None:
    dues = [T - timedelta(days=2), T + timedelta(hours=2), T + timedelta(days=1),
            T + timedelta(days=1, hours=3), T + timedelta(days=20)]
    f = s.forecast(dues, T, UTC, days=3)
    assert f == [(date(2025, 1, 6), 2), (date(2025, 1, 7), 2), (date(2025, 1, 8), 0)]
    assert len(s.forecast(dues, T, UTC)) == 14


def test_streak_current_and_longest() -> None:
    days = [T - timedelta(days=d) for d in (1, 2, 3, 7, 8, 9, 10, 11)]
    assert s.streak(days, T, UTC) == (3, 5)  # nothing yet today: the run is not broken
    assert s.streak([*days, T], T, UTC) == (4, 5)
    assert s.streak([T - timedelta(days=2)], T, UTC) == (0, 1)
    assert s.streak([], T, UTC) == (0, 0)


def test_heatmap_starts_on_a_monday() -> None:
    wed = T + timedelta(days=2)
    h = s.heatmap([T, T, wed - timedelta(days=7)], wed, UTC, weeks=2)
    assert h[0] == (date(2024, 12, 30), 0)
    assert h[0][0].weekday() == 0
    assert h[-1] == (date(2025, 1, 8), 0)
    assert dict(h)[date(2025, 1, 6)] == 2
    assert dict(h)[date(2025, 1, 1)] == 1
    assert len(h) == 10


def learning(qid: str, due: datetime) -> CardState:
    return CardState(qid, State.LEARNING, 0, 1.0, 5.0, due, due - timedelta(minutes=1))


def test_plan_takes_learning_steps_due_within_the_learn_ahead_limit() -> None:
    ids = ["a", "b", "c"]
    cards = {"a": learning("a", T + timedelta(minutes=5)), "b": learning("b", T + timedelta(hours=1)),
             "c": card("c", T + timedelta(minutes=5))}  # a review card is not learned ahead
    p = s.plan(ids, cards, T)
    assert p.learning == ("a",) and p.queue == ("a",) and p.kind("a") == "learning"
    assert p.next_due == T + timedelta(minutes=5)  # c, left out
    assert s.plan(ids, cards, T, learn_ahead=timedelta(0)).queue == ()


def test_plan_cram_takes_everything_whatever_the_schedule() -> None:
    ids = ["a", "b", "c", "d"]
    cards = {"a": card("a", T + timedelta(days=3)), "b": card("b", T - timedelta(days=1))}
    p = s.plan(ids, cards, T, new_today=9, new_per_day=5, cram=True)
    assert p.queue == ("b", "c", "d", "a")
    assert s.plan(ids, cards, T, cram=True, limit=2).queue == ("b", "c")


def test_plan_says_how_many_new_questions_the_daily_limit_holds_back() -> None:
    ids = [f"q{i}" for i in range(8)]
    done = {q: card(q, T + timedelta(days=2)) for q in ids[:5]}
    p = s.plan(ids, done, T, new_today=5, new_per_day=5)
    assert p.queue == () and p.unseen == 3 and p.held_back == 3 and p.new_today == 5
    assert s.plan(ids, done, T, new_today=5, new_per_day=8).held_back == 0


# --- learning steps in a drill, with the clock moved by hand ------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> datetime:
        return self.now


def drill_over(tmp_path: Path, clock: FakeClock, new_per_day: int) -> Drill:
    questions = load_bank([write_bank(tmp_path / "b")]).questions
    store = Store.open(bank_id="drill-test")
    return Drill(questions, store, clock=clock, scheduler=FSRS, new_per_day=new_per_day)


def test_a_card_rated_again_comes_back_once_its_step_is_due(tmp_path: Path) -> None:
    clock = FakeClock()
    d = drill_over(tmp_path, clock, new_per_day=3)
    order = []

    def study(rating: Rating, minutes: float = 0.5) -> None:
        q = d.next()
        assert q is not None
        order.append((q.id, d.kind(q)))
        d.rate(d.grade(q, ""), rating)
        clock.now += timedelta(minutes=minutes)

    study(Rating.AGAIN)  # middleware: a one-minute step
    study(Rating.EASY)  # cors
    study(Rating.EASY, 1)  # middleware's step is due now: it comes before pagination
    study(Rating.EASY)
    assert order == [("middleware", "new"), ("cors", "new"), ("middleware", "again"),
                     ("pagination", "new")]
    assert d.next() is None


def test_the_drill_waits_for_no_step_beyond_the_learn_ahead_limit(tmp_path: Path) -> None:
    clock = FakeClock()
    d = drill_over(tmp_path, clock, new_per_day=1)
    q = d.next()
    assert q is not None
    d.rate(d.grade(q, ""), Rating.HARD)  # a new card, Hard: 5.5 min
    assert d.learning == {"middleware"}
    again = d.next()  # nothing else left: learned ahead
    assert again is not None and again.id == "middleware"
    d.rate(d.grade(again, ""), Rating.AGAIN)
    clock.now += timedelta(minutes=30)  # a break longer than the step: it is due, it comes back
    back = d.next()
    assert back is not None and back.id == "middleware"
    d.rate(d.grade(back, ""), Rating.EASY)
    assert d.next() is None and not d.learning


def test_undo_restores_the_card_and_deletes_the_log_row(tmp_path: Path) -> None:
    clock = FakeClock()
    d = drill_over(tmp_path, clock, new_per_day=2)
    first = d.next()
    assert first is not None
    d.rate(d.grade(first, ""), Rating.EASY)
    after_first = d.store.cards()
    clock.now += timedelta(days=9)
    again = d.next()  # cors, new
    assert again is not None
    d.rate(d.grade(again, ""), Rating.AGAIN)
    on_screen = d.next()
    assert on_screen is None or on_screen.id == "cors"
    undone = d.undo(on_screen)
    assert undone is not None and undone.question.id == "cors" and undone.rating is Rating.AGAIN
    assert d.store.cards() == after_first  # cors is new again
    assert d.store.counts() == (1, 1)
    asked = d.next()
    assert asked is not None and asked.id == "cors"  # asked again
    assert d.undo() is not None  # and the one before
    assert d.store.counts() == (0, 0)
    assert d.undo() is None
