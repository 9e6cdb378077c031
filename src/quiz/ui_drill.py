"""The drill and the exam in the terminal: reading answers and ratings, rendering results.

Two ways to read, chosen by whether stdin is a terminal:

- a terminal: the answer is typed line by line (line editing when readline exists); a blank
  line or Ctrl-D submits; the rating is one key (Enter accepts, 1-4 override, q quits);
- anything else (a pipe, a file, a test): the same, read line by line. An answer is the
  lines up to a blank line (or the end of input); a first line that is only `?`, `s`, `d`
  or `q` is that key; an empty first line asks to see the answer. The rating is the next
  line: empty accepts the suggestion, `1`-`4` or again/hard/good/easy (or their first
  letter) override it, `q` quits. The end of input ends the drill; a card whose rating
  line is missing is not rated.

Time is shown in local time. Nothing here imports fastapi: `d` imports the demo runner
when it is pressed.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from quiz import ui
from quiz.errors import QuizError
from quiz.grading import Rating

if TYPE_CHECKING:
    from quiz.bank import Bank
    from quiz.model import Question
    from quiz.scheduler import Plan
    from quiz.session import (
        Drill,
        DueItem,
        DueReport,
        Exam,
        Graded,
        Scorecard,
        Stats,
        Summary,
        TopicResult,
    )

KEYS = ("?", "s", "d", "q")
RATING_STYLE = {Rating.AGAIN: "bold red", Rating.HARD: "bold yellow", Rating.GOOD: "bold green",
                Rating.EASY: "bold cyan"}

DRILL_HELP = """\
Type your answer in your own words, on as many lines as you like.
A blank line (or Ctrl-D) submits it; an empty answer shows the model answer.
Alone on the first line:  ?  this help   s  skip the card   d  run the topic's demo   q  quit
After grading:  Enter accepts the suggested rating;  1 Again  2 Hard  3 Good  4 Easy;  q quits.
Ctrl-C quits at any moment; every card already rated is saved."""

EXAM_HELP = """\
A mock interview: answer as you would aloud; no hints, no demos, a timer.
A blank line (or Ctrl-D) submits the answer.
Alone on the first line:  s  skip the question   q  end the exam (the scorecard follows)."""


# --- time on screen -------------------------------------------------------------------------


def relative(when: datetime, now: datetime) -> str:
    """`when` from `now` in words: now, in 10 min, in 3 h, in 4 days; or 2 days ago."""
    seconds = (when - now).total_seconds()
    if abs(seconds) < 30:
        return "now"
    ago = seconds < 0
    seconds = abs(seconds)
    if seconds < 3600:
        text = f"{round(seconds / 60)} min"
    elif seconds < 86400:
        text = f"{round(seconds / 3600)} h"
    else:
        days = round(seconds / 86400)
        text = f"{days} day{'s' * (days != 1)}"
    return f"{text} ago" if ago else f"in {text}"


def local(when: datetime, fmt: str = "%a %d %b %H:%M") -> str:
    return when.astimezone().strftime(fmt)


def clock_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """What was typed at the answer prompt: an answer (maybe empty), or a key."""

    text: str = ""
    key: str | None = None  # one of KEYS, or "eof"


class Reader(Protocol):
    interactive: bool

    def answer(self) -> Typed: ...

    def rating(self, suggested: Rating) -> Rating | None: ...


def _as_key(line: str) -> str | None:
    word = line.strip().casefold()
    return word if word in KEYS else None


class LineReader:
    """Answers and ratings read line by line from a stream (stdin not being a terminal)."""

    interactive = False

    def __init__(self, stream: Any = None):
        self.stream = stream

    def _line(self) -> str | None:
        line = (self.stream or sys.stdin).readline()
        return None if line == "" else line.rstrip("\r\n")

    def answer(self) -> Typed:
        first = self._line()
        if first is None:
            return Typed(key="eof")
        if (key := _as_key(first)) is not None:
            return Typed(key=key)
        lines = []
        line: str | None = first
        while line is not None and line.strip():
            lines.append(line)
            line = self._line()
        return Typed("\n".join(lines))

    def rating(self, suggested: Rating) -> Rating | None:
        line = self._line()
        if line is None:
            return None
        word = line.strip()
        if not word:
            return suggested
        if word.casefold() in {"q", "quit"}:
            return None
        rating = Rating.parse(word)
        if rating is None:
            raise QuizError(f"Expected a rating line (empty to accept {suggested.label}, 1-4, "
                            f"again/hard/good/easy, or q), got '{word}'.")
        return rating


class TerminalReader:
    """A terminal: line editing for answers, a single key for the rating."""

    interactive = True

    def __init__(self, out: Console | None = None) -> None:
        self.out = out or ui.out
        try:
            import readline  # noqa: F401  (gives input() line editing)
        except ImportError:  # pragma: no cover - Windows
            pass

    def answer(self) -> Typed:
        lines: list[str] = []
        while True:
            try:
                line = self.out.input(Text("› " if not lines else "  ", style="cyan"))
            except EOFError:
                break
            if not lines and (key := _as_key(line)) is not None:
                return Typed(key=key)
            if not line.strip():
                break
            lines.append(line)
        return Typed("\n".join(lines))

    def rating(self, suggested: Rating) -> Rating | None:
        while True:
            key = _getkey()
            if key in ("\r", "\n", " ", ""):
                choice: Rating | None = suggested
            elif key in "1234":
                choice = Rating(int(key))
            elif key.casefold() == "q" or key == "\x04":
                choice = None
            else:
                continue
            label = choice.label if choice else "quit"
            self.out.print(Text(f"→ {label}", style=RATING_STYLE.get(choice, "dim") if choice else "dim"))
            return choice


def _getkey() -> str:
    """One key press, without Enter; Ctrl-C still interrupts."""
    try:
        import termios
        import tty
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        return str(msvcrt.getwch())  # type: ignore[attr-defined]
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW: a key pressed a moment early is kept
        data = os.read(fd, 32)
        termios.tcflush(fd, termios.TCIFLUSH)  # "3" then Enter: the Enter is not an answer
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    text = data.decode("utf-8", "replace")
    return text[:1] if len(text) == 1 or not text.startswith("\x1b") else "\x1b"


def reader(out: Console | None = None) -> Reader:
    """The reader for stdin: a terminal's (its prompts on `out`), or line by line."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty() and (out or ui.out).is_terminal:
        return TerminalReader(out)
    return LineReader()


def _prewarm() -> threading.Thread:
    """Import what grading needs while the candidate types the first answer."""

    def load() -> None:
        try:
            import fsrs  # noqa: F401
            import rapidfuzz.fuzz  # noqa: F401
            import rapidfuzz.process  # noqa: F401
            import rich.markdown  # noqa: F401
        except Exception:  # pragma: no cover - the real import will say what is wrong
            pass

    thread = threading.Thread(target=load, name="quiz-prewarm", daemon=True)
    thread.start()
    return thread


# --- the drill --------------------------------------------------------------------------------


def nothing_due(plan: Plan, now: datetime) -> None:
    ui.out.print(Text("Nothing is due now.", style="bold green"))
    if plan.next_due is not None:
        ui.out.print(f"The next card is due {relative(plan.next_due, now)} ({local(plan.next_due)}).")
        ui.out.print(Text("Study the soonest cards early with: quiz drill --ahead", style="dim"))
    elif plan.new_left == 0:
        ui.out.print("Today's new questions are done; more tomorrow (or raise --new).")


def drill_header(drill: Drill) -> Text:
    p = drill.plan
    parts = [f"{len(p.due)} due"] if p.due else []
    if p.new:
        parts.append(f"{len(p.new)} new")
    if p.ahead:
        parts.append(f"{len(p.ahead)} early")
    text = Text("Today's drill: ", style="bold") + Text(" · ".join(parts) or "nothing")
    text += Text("   (? for help)", style="dim")
    return text


def question_view(q: Question, subtitle: str) -> Panel:
    return ui.question_panel(q, subtitle)


def score_style(score: float) -> str:
    return "bold red" if score < 40 else "bold yellow" if score < 65 else "bold green"


def points_table(graded: Graded) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column()
    for p in graded.grade.points:
        if graded.grade.empty:
            mark = Text("•", style="blue")
            line = Text(p.point)
        elif p.hit:
            mark = Text("✔", style="bold green")
            line = Text(p.point)
            if p.matched and p.found:
                line += Text(f"  (“{p.found}”)", style="dim")
        else:
            mark = Text("✘", style="bold red")
            line = Text(p.point)
        table.add_row(mark, line)
    return table


def rating_line(graded: Graded, now: datetime) -> Text:
    suggested = graded.grade.suggested
    text = Text("Enter", style="bold") + Text(" = ") + Text(suggested.label,
                                                             style=RATING_STYLE[suggested])
    for r in Rating:
        when = relative(graded.previews[r], now).removeprefix("in ") if r in graded.previews else ""
        text += Text(f" · {int(r)} ", style="bold") + Text(r.label, style=RATING_STYLE[r])
        text += Text(f" {when}", style="dim")
    text += Text(" · q", style="bold") + Text(" quit")
    return text


def graded_view(graded: Graded, now: datetime) -> Group:
    """The screen after an answer: score, key points, model answer, suggested rating."""
    g = graded.grade
    if g.empty:
        title = Text("The answer, and what a good one mentions", style="bold")
    else:
        title = Text(f"Score {g.score}/100", style=score_style(g.score))
        title += Text(f" · {len(g.hits)} of {len(g.points)} key points · suggested: ")
        title += Text(g.suggested.label, style=RATING_STYLE[g.suggested])
    parts: list[RenderableType] = [
        Panel(points_table(graded), title=title, title_align="left", border_style="blue"),
        Panel(ui.answer_markdown(graded.question), title="Model answer", title_align="left",
              border_style="green"),
    ]
    if graded.question.errata:
        parts.append(Panel(Text(graded.question.errata.strip()), title="What changed (errata)",
                           title_align="left", border_style="yellow"))
    parts.append(rating_line(graded, now))
    return Group(*parts)


def summary_view(summary: Summary) -> Panel:
    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="bold", no_wrap=True)
    rows.add_column()
    done = f"{len(summary.done)}"
    if summary.skipped:
        done += f" (skipped {summary.skipped})"
    rows.add_row("Cards done", done)
    if summary.average is not None:
        rows.add_row("Average score", Text(f"{summary.average:.0f}/100", style=score_style(summary.average)))
    if summary.ratings:
        line = Text()
        for r, n in summary.ratings.items():
            line += Text(f"{r.label} ", style=RATING_STYLE[r]) + Text(f"{n}   ")
        rows.add_row("Ratings", line)
    for i, t in enumerate(summary.topics):
        rows.add_row("By topic" if i == 0 else "", topic_line(t))
    if summary.next_due is not None:
        if summary.next_due <= summary.now:
            rows.add_row("Next card due", "now")
        else:
            when = relative(summary.next_due, summary.now)
            rows.add_row("Next card due", f"{when} ({local(summary.next_due)})")
    rows.add_row("Streak", f"{summary.streak} day{'s' * (summary.streak != 1)}")
    title = "Drill interrupted: every rated card is saved" if summary.interrupted else "Drill over"
    return Panel(rows, title=title, title_align="left", border_style="magenta")


def topic_line(t: TopicResult) -> Text:
    return (Text(f"{t.topic}: ") + Text(f"{t.average:.0f}", style=score_style(t.average))
            + Text(f" ({t.cards} card{'s' * (t.cards != 1)})", style="dim"))


def _run_demo(q: Question, bank: Bank | None) -> None:
    from quiz.demo import find_demo, run_demo

    if bank is None:
        ui.warn("No demo here.")
        return
    try:
        demo = find_demo(q.id, bank)
    except QuizError as exc:
        ui.warn(str(exc))
        return
    result = run_demo(demo, lambda e: ui.demo_event(e, verbose=False))
    ui.demo_summary(result)
    ui.out.print(Text("Back to the question: type your answer.", style="dim"))


def _drill_loop(drill: Drill, read: Reader, bank: Bank | None) -> None:
    out = ui.out
    while (q := drill.next()) is not None:
        kind = drill.kind(q)
        label = {"due": "due", "new": "new", "ahead": "early", "again": "again"}[kind]
        out.print()
        subtitle = f"{drill.shown} of {drill.shown + drill.remaining} · {label}"
        if q.demo:
            subtitle += " · d: see it run"
        out.print(question_view(q, subtitle))
        started = time.monotonic()
        while True:
            typed = read.answer()
            if typed.key == "?":
                out.print(Text(DRILL_HELP, style="dim"))
                continue
            if typed.key == "d":
                _run_demo(q, bank)
                continue
            if typed.key == "s":
                drill.skip(q)
                out.print(Text("Skipped.", style="dim"))
                break
            if typed.key in ("q", "eof"):
                return
            duration = int((time.monotonic() - started) * 1000)
            graded = drill.grade(q, typed.text)
            out.print(graded_view(graded, drill.clock()))
            rating = read.rating(graded.grade.suggested)
            if rating is None:
                return
            outcome = drill.rate(graded, rating, duration)
            out.print(Text(f"Saved: {rating.label}. Next review {relative(outcome.card.due, drill.clock())}.",
                           style="dim"))
            break


def run_drill(drill: Drill, read: Reader, bank: Bank | None = None) -> Summary:
    """Run the drill to its end, a quit, or Ctrl-C; then print and return the summary."""
    warm = _prewarm() if read.interactive else None
    ui.out.print(drill_header(drill))
    interrupted = False
    try:
        _drill_loop(drill, read, bank)
    except KeyboardInterrupt:
        interrupted = True
        ui.out.print()
    except QuizError:
        ui.out.print(summary_view(drill.summary()))
        raise
    finally:
        if warm is not None:
            warm.join(timeout=5)
    summary = drill.summary(interrupted)
    ui.out.print(summary_view(summary))
    return summary


# --- the exam ---------------------------------------------------------------------------------


def _exam_loop(exam: Exam, read: Reader, out: Console) -> None:
    total = len(exam.questions)
    while (q := exam.next()) is not None:
        left = exam.time_left()
        subtitle = f"{exam.position + 1} of {total}"
        if left is not None:
            subtitle += f" · {clock_text(left)} left"
        out.print()
        out.print(question_view(q, subtitle))
        started = time.monotonic()
        while True:
            typed = read.answer()
            if typed.key == "?":
                out.print(Text(EXAM_HELP, style="dim"))
                continue
            if typed.key == "d":
                out.print(Text("No demos during an exam: run `quiz demo` afterwards.", style="dim"))
                continue
            if typed.key == "s" or (typed.key is None and not typed.text.strip()):
                exam.skip(q)
                out.print(Text("Skipped.", style="dim"))
                break
            if typed.key in ("q", "eof"):
                exam.stop()
                break
            result = exam.answer(q, typed.text, int((time.monotonic() - started) * 1000))
            if result.late:
                out.print(Text("Time is up: this answer counts, and the exam ends here.",
                               style="bold yellow"))
            break


def run_exam(exam: Exam, read: Reader, out: Console | None = None) -> tuple[Scorecard, bool]:
    """Run the exam on `out` (stdout by default); returns the scorecard and whether Ctrl-C
    ended it."""
    out = out or ui.out
    limit = exam.time_left()
    head = Text("Mock interview: ", style="bold") + Text(f"{len(exam.questions)} questions")
    head += Text(f", {clock_text(limit)} on the clock" if limit is not None else ", no time limit")
    head += Text(". No hints. A blank line submits; s skips; q ends the exam.", style="dim")
    out.print(head)
    interrupted = False
    try:
        _exam_loop(exam, read, out)
    except KeyboardInterrupt:
        interrupted = True
        out.print()
    return exam.scorecard(), interrupted


def scorecard_view(card: Scorecard) -> Group:
    table = Table(title="Scorecard", title_justify="left")
    table.add_column("#", justify="right", style="cyan", no_wrap=True)
    table.add_column("question")
    table.add_column("topic", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("missed")
    for a in card.answers:
        if a.grade is None:
            score = Text("—", style="dim")
            missed = Text("not answered", style="dim")
        else:
            score = Text(str(a.grade.score), style=score_style(a.grade.score))
            missed = Text("; ".join(p.point for p in a.grade.missed) or "nothing", style="dim")
            if a.late:
                missed = Text("late · ", style="yellow") + missed
        table.add_row(str(a.question.num), a.question.question, a.question.topic, score, missed)
    topics = Table(title="By topic", title_justify="left")
    topics.add_column("topic")
    topics.add_column("questions", justify="right")
    topics.add_column("average", justify="right")
    for t in sorted(card.topics, key=lambda t: t.average):
        topics.add_row(t.topic, str(t.cards), Text(f"{t.average:.0f}", style=score_style(t.average)))
    verdict = Text("Overall ", style="bold") + Text(f"{card.score:.0f}/100", style=score_style(card.score))
    verdict += Text(f" · {card.answered} of {len(card.answers)} answered in {clock_text(card.seconds)}")
    if card.time_up:
        verdict += Text(" · time ran out", style="yellow")
    lines: list[RenderableType] = [table, topics, verdict]
    if card.weakest:
        names = ", ".join(f"{t.topic} ({t.average:.0f})" for t in card.weakest)
        lines.append(Text("Weakest: ", style="bold") + Text(names, style="bold red"))
        lines.append(Text(f"Drill them: quiz drill --topic {card.weakest[0].topic} --ahead",
                          style="dim"))
    if card.recorded:
        lines.append(Text(f"{card.recorded} answers recorded in your schedule.", style="dim"))
    return Group(*lines)


# --- stats and due ------------------------------------------------------------------------------

_LEVELS = (" ·", " ░", " ▒", " ▓", " █")
_LEVEL_STYLES = ("dim", "green", "green", "bold green", "bold green")


def _level(n: int) -> int:
    return 0 if n == 0 else 1 if n <= 2 else 2 if n <= 5 else 3 if n <= 10 else 4


def bar(share: float, width: int = 20) -> Text:
    filled = round(max(0.0, min(1.0, share)) * width)
    return Text("█" * filled, style=score_style(share * 100)) + Text("░" * (width - filled), style="dim")


def heatmap_view(days: Sequence[tuple[date, int]]) -> Table:
    weeks = (len(days) + 6) // 7
    table = Table.grid()
    table.add_column(no_wrap=True)
    for _ in range(weeks):
        table.add_column(no_wrap=True)
    grid: list[list[Text]] = [[Text("  ") for _ in range(weeks)] for _ in range(7)]
    for i, (_, n) in enumerate(days):
        level = _level(n)
        grid[i % 7][i // 7] = Text(_LEVELS[level], style=_LEVEL_STYLES[level])
    for row, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        table.add_row(Text(name, style="dim"), *grid[row])
    return table


def forecast_view(days: Sequence[tuple[date, int]]) -> Table:
    """Due counts under their days: a row of weekdays, a row of dates, a row of counts."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    for _ in days:
        table.add_column(justify="right", no_wrap=True, min_width=2)
    table.add_row(Text("Due", style="bold"), *(Text(d.strftime("%a")[:2], style="dim") for d, _ in days))
    table.add_row(Text("day", style="dim"), *(Text(d.strftime("%d"), style="dim") for d, _ in days))
    table.add_row(Text("cards", style="dim"), *(Text(str(n), style="bold" if n else "dim") for _, n in days))
    return table


def stats_view(stats: Stats) -> Group:
    topics = Table(title="Mastery by topic (FSRS recall probability now)", title_justify="left")
    topics.add_column("topic")
    topics.add_column("seen", justify="right")
    topics.add_column("mastery")
    topics.add_column("", justify="right")
    topics.add_column("recall of seen", justify="right")
    for t in stats.topics:
        recall = "—" if t.recall is None else f"{t.recall * 100:.0f}%"
        topics.add_row(t.topic, f"{t.seen}/{t.questions}", bar(t.mastery), f"{t.mastery * 100:.0f}%",
                       recall)
    states = Text("Cards: ", style="bold") + Text(" · ".join(
        f"{name.capitalize()} {n}" for name, n in stats.states.items()))
    if stats.orphans:
        states += Text(f" · {stats.orphans} of questions no longer in the bank", style="dim")
    forecast = forecast_view(stats.forecast)
    weeks = len(stats.heatmap) // 7 + (1 if len(stats.heatmap) % 7 else 0)
    streak = Text("Streak: ", style="bold") + Text(f"{stats.streak} day{'s' * (stats.streak != 1)}")
    streak += Text(f" (longest {stats.longest}) · {stats.reviews} review{'s' * (stats.reviews != 1)}"
                   f", {stats.reviews_today} today")
    scores = Table(title="Average score by week", title_justify="left", show_edge=False)
    scores.add_column("week of")
    scores.add_column("reviews", justify="right")
    scores.add_column("average", justify="right")
    scores.add_column("")
    for start, n, avg in stats.weekly:
        if n:
            shown = "—" if avg is None else f"{avg:.0f}"
            scores.add_row(start.strftime("%d %b"), str(n), shown,
                           bar((avg or 0) / 100, 10) if avg is not None else Text(""))
    parts: list[RenderableType] = [topics, states, Text(""),
                                   Text(f"Due in the next {len(stats.forecast)} days (first: today)",
                                        style="bold italic"), forecast, Text(""),
                                   Text(f"Reviews, last {weeks} weeks", style="bold italic"),
                                   heatmap_view(stats.heatmap), streak]
    if scores.row_count:
        parts += [Text(""), scores]
    return Group(*parts)


def due_when(item: DueItem, now: datetime) -> str:
    if item.due <= now:
        ago = relative(item.due, now)
        return "now" if ago == "now" else "overdue " + ago.removesuffix(" ago")
    if local(item.due, "%Y%m%d") == local(now, "%Y%m%d"):
        return local(item.due, "today %H:%M")
    return local(item.due, "%a %H:%M")


def due_table(items: list[DueItem], now: datetime) -> Table:
    """One line a card: when, which question, its topic and text (cut to fit the line)."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, min_width=14)
    table.add_column(no_wrap=True)
    table.add_column(overflow="ellipsis", no_wrap=True, ratio=1)
    for item in items:
        q = item.question
        ref = Text(f"#{q.num} {item.question_id}" if q else item.question_id, style="bold")
        text = Text(f"{q.topic} · {q.question}" if q else "(no longer in the bank)", style="dim")
        table.add_row(due_when(item, now), ref, text)
    return table


def due_view(report: DueReport, now: datetime) -> Group:
    parts: list[RenderableType] = [Text(f"Today: {len(report.today)} due", style="bold")]
    if report.today:
        parts.append(due_table(report.today, now))
    parts.append(Text(f"This week: {len(report.week)} more", style="bold"))
    if report.week:
        parts.append(due_table(report.week, now))
    new = Text(f"New questions today: {report.new_today}", style="bold")
    parts.append(new)
    if not report.today and report.next_due is not None and report.next_due > now:
        parts.append(Text(f"Next card due {relative(report.next_due, now)}.", style="dim"))
    return Group(*parts)
