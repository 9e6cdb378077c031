"""The drill on screen: the question, the graded answer, the rating, the session summary."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from quiz import ui
from quiz.errors import QuizError
from quiz.grading import Contradiction, PitfallHit, PointResult, Rating
from quiz.ui import demo as demo_ui
from quiz.ui import questions as bank_ui
from quiz.ui.prompt import RATING_STYLE, Reader, prewarm
from quiz.ui.questions import CORE_LEGEND, point_text
from quiz.ui.rendered import ModelAnswer, prepare, prepared

if TYPE_CHECKING:
    from rich.table import Table

    from quiz.bank import Bank
    from quiz.model import Question
    from quiz.scheduler import Plan
    from quiz.session import Drill, Graded, Outcome, Summary, TopicResult


DRILL_HELP = """\
Type your answer in your own words, on as many lines as you like.
A blank line (or Ctrl-D) submits it; an empty answer shows the model answer.
Alone on the first line:  ?  this help   h  a hint (one key point)   d  run the topic's demo
                          s  skip the card   u  undo the last rating   q  quit
A hint caps the suggested rating at Good (two or more: Hard); the demo seen first caps it at Hard.
After grading, one key:  Enter accepts the suggested rating;  1 Again  2 Hard  3 Good  4 Easy;  q quits;
a, b, c ... marks that key point as said (✘ -> ✔) or not said: the score and the suggestion follow, and
your wording is credited for that point from then on.
Ctrl-C quits at any moment; every card already rated is saved."""




def nothing_due(plan: Plan, now: datetime, *, new_per_day: int, scope: str = "",
                options: str = "") -> None:
    """Why there is nothing to drill: the next due time, and new questions held back by --new.

    `scope` names the selection ("security", "tagged jwt"), `options` repeats it as options.
    """
    where = f" in {scope}" if scope else ""
    drill = ui.command("drill" + options)
    ui.out.print(Text(f"Nothing{where} is due now.", style="bold green"))
    if plan.held_back:
        n = plan.held_back
        what = f"{n} unseen {scope + ' ' if scope else ''}question{'s' * (n != 1)}"
        ui.out.print(f"{what} {'are' if n != 1 else 'is'} held back by the daily limit of {new_per_day}: "
                     f"{drill} --new {plan.new_today + n}, or {drill} --cram.", soft_wrap=True)
    if plan.next_due is not None:
        when = ui.relative(plan.next_due, now)
        when = "in less than a minute" if when == "now" else when
        ui.out.print(f"The next card{where} is due {when} ({ui.local(plan.next_due)}).")
        ui.out.print(Text(f"Study the soonest cards early: {drill} --ahead; "
                          f"all of them now: {drill} --cram", style="dim"), soft_wrap=True)
    elif not plan.held_back:
        ui.out.print("Every question here is new and today's new questions are done; more tomorrow "
                     f"(or {drill} --cram).", soft_wrap=True)  # a command is never cut in two


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
    return bank_ui.question_panel(q, subtitle)


def score_style(score: float) -> str:
    return "bold red" if score < 40 else "bold yellow" if score < 65 else "bold green"


def pitfall_text(hit: PitfallHit) -> Text:
    """ "You said: <claim>. Today: <correction>", in red, with the words that showed it."""
    text = Text("You said: ", style="bold red") + Text(hit.claim.strip(), style="red")
    text += Text(f"  (“{hit.found}”)", style="dim")
    text += Text("\nToday: ", style="bold") + Text(" ".join(hit.correction.split()))
    if hit.since:
        text += Text(f"  ({hit.since})", style="dim")
    return text


def contradiction_text(c: Contradiction) -> Text:
    """ "You said: <the answer's words>. It is <x>, not <y>: <the point>", in red."""
    text = Text("You said: ", style="bold red") + Text(c.found, style="red")
    return text + Text("\nIt is ", style="bold") + Text(f"{c.instead}, not {c.said}: {c.point}")


def missed_text(p: PointResult) -> Text:
    """A missed point, and on the next line the part of the answer that came closest and what
    it lacked."""
    line = point_text(p.point, p.core)
    if p.near:
        line += Text(f"\n  closest: “{p.near}”", style="dim")
        if p.lacked:
            line += Text(f" · lacks: {p.lacked}", style="dim")
    return line


#: Keys that mark a key point on the graded screen ("I said this"): a letter a point (q quits).
MARK_KEYS = "abcdefghijklmnoprstuvwxyz"


def markable(graded: Graded) -> str:
    """The keys that turn a point's verdict around on this screen ("" when there is no verdict)."""
    g = graded.grade
    return "" if g.shown_as_empty else MARK_KEYS[:len(g.points)]


def points_table(graded: Graded, keys: str = "") -> Table:
    """✔ said, ✘ missed, each point with its key when `keys` (the candidate's marks say so)."""
    from rich.table import Table

    marked = {m.point: m.said for m in graded.marks}
    table = Table.grid(padding=(0, 1))
    if keys:
        table.add_column(no_wrap=True, style="bold cyan")
    table.add_column(no_wrap=True)
    table.add_column()
    for i, p in enumerate(graded.grade.points):
        if graded.grade.shown_as_empty:
            mark = Text("•", style="blue")
            line = point_text(p.point, p.core)
        elif p.hit:
            mark = Text("✔", style="bold green")
            line = point_text(p.point, p.core)
            if p.point in marked:
                line += Text("  (you said it)", style="yellow")
            elif p.own and p.matched:  # a wording they marked as said before, as they wrote it
                line += Text(f"  (your wording: “{p.matched}”)", style="cyan")
            elif p.matched and p.found:
                line += Text(f"  (“{p.found}”)", style="dim")
        else:
            mark = Text("✘", style="bold red")
            line = missed_text(p)
            if p.point in marked:
                line += Text("  (you did not say it)", style="yellow")
        table.add_row(*([keys[i]] if keys else []), mark, line)
    for hit in graded.grade.pitfalls:
        table.add_row(*([""] if keys else []), Text("✘", style="bold red"), pitfall_text(hit))
    for c in graded.grade.contradictions:
        table.add_row(*([""] if keys else []), Text("✘", style="bold red"), contradiction_text(c))
    return table


def rating_line(graded: Graded, now: datetime) -> Text:
    suggested = graded.grade.suggested
    text = Text("Enter", style="bold") + Text(" = ") + Text(suggested.label,
                                                             style=RATING_STYLE[suggested])
    for r in Rating:
        when = ui.relative(graded.previews[r], now).removeprefix("in ") if r in graded.previews else ""
        text += Text(f" · {int(r)} ", style="bold") + Text(r.label, style=RATING_STYLE[r])
        text += Text(f" {when}", style="dim")
    text += Text(" · q", style="bold") + Text(" quit")
    keys = markable(graded)
    if keys:
        text += Text(f"\n{keys[0]}-{keys[-1]}" if len(keys) > 1 else f"\n{keys}", style="bold cyan")
        text += Text(" mark a point: I said this (✘) / I did not (✔)", style="dim")
    return text


def verdict_view(graded: Graded, now: datetime) -> Group:
    """The verdict: score, key points (✔ said, ✘ missed), pitfalls asserted (in red, with what
    holds today), why the suggestion is capped, and the rating line: the last lines printed, so
    they sit next to the rating prompt on any terminal of 40 lines or more."""
    parts: list[RenderableType] = [verdict_panel(graded)]
    if graded.capped:
        parts.append(Text(graded.capped, style="yellow"))
    parts.append(rating_line(graded, now))
    return Group(*parts)


def verdict_panel(graded: Graded) -> Panel:
    """Score, suggestion and the key points, each with its marking key (the drill and the exam
    review)."""
    g = graded.grade
    if g.empty:
        title = Text("The answer, and what a good one mentions", style="bold")
    else:
        title = Text(f"Score {g.score}/100", style=score_style(g.score))
        if g.self_rated:
            title = Text("Rate yourself · ")
        elif g.non_answer:
            title += Text(" · not an answer: what a good one mentions · ")
        else:
            title += Text(f" · {len(g.hits)} of {len(g.points)} key points · ")
        if g.pitfalls:
            n = len(g.pitfalls)
            title += Text(f"{n} pitfall{'s' * (n != 1)}", style="bold red") + Text(" · ")
        if g.contradictions:
            n = len(g.contradictions)
            title += Text(f"{n} contradiction{'s' * (n != 1)}", style="bold red") + Text(" · ")
        title += Text("suggested: ") + Text(g.suggested.label, style=RATING_STYLE[g.suggested])
    body: RenderableType = points_table(graded, markable(graded))
    if g.self_rated:
        body = Group(Text("No key points to grade against: compare your answer with the model answer "
                          "above and rate it yourself."), body)
    legend = Text(CORE_LEGEND, style="dim") if any(p.core for p in g.points) else None
    return Panel(body, title=title, title_align="left", border_style="blue", subtitle=legend,
                 subtitle_align="left")


def graded_view(graded: Graded, now: datetime) -> Group:
    """The screen after an answer: the model answer and the errata first (they may be long and
    scroll), then the verdict and the rating line at the bottom, where the prompt is."""
    parts: list[RenderableType] = [ModelAnswer(graded.question)]  # rendered once per question and width
    if graded.question.errata:
        parts.append(Panel(Text(graded.question.errata.strip()), title="What changed (errata)",
                           title_align="left", border_style="yellow"))
    parts.append(verdict_view(graded, now))
    return Group(*parts)


def summary_view(summary: Summary) -> Panel:
    from rich.table import Table

    rows = Table.grid(padding=(0, 2))
    rows.add_column(style="bold", no_wrap=True)
    rows.add_column()
    done = f"{summary.cards}"
    if len(summary.done) != summary.cards:
        done += f" ({len(summary.done)} reviews)"
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
            when = ui.relative(summary.next_due, summary.now)
            rows.add_row("Next card due", f"{when} ({ui.local(summary.next_due)})")
    rows.add_row("Streak", f"{summary.streak} day{'s' * (summary.streak != 1)}")
    title = "Drill interrupted: every rated card is saved" if summary.interrupted else "Drill over"
    return Panel(rows, title=title, title_align="left", border_style="magenta")


def topic_line(t: TopicResult) -> Text:
    return (Text(f"{t.topic}: ") + Text(f"{t.average:.0f}", style=score_style(t.average))
            + Text(f" ({t.cards} card{'s' * (t.cards != 1)})", style="dim"))


def _run_demo(q: Question, bank: Bank | None) -> bool:
    """Run the question's demo inline; False when there is none to run."""
    from quiz.demo import find_demo, run_demo

    if bank is None:
        ui.warn("No demo here.")
        return False
    try:
        demo = find_demo(q.id, bank)
        demo = demo_ui.approve_demo(demo)  # a bank's demo runs only once the user approved its content
    except QuizError as exc:
        ui.warn(str(exc))
        return False
    demo_ui.demo_origin(demo)
    result = run_demo(demo, lambda e: demo_ui.demo_event(e, verbose=False))
    demo_ui.demo_summary(result)
    ui.out.print(Text("Back to the question: type your answer (having seen the demo, the suggestion "
                      "is at most Hard).", style="dim"))
    return True


def _save(drill: Drill, read: Reader, graded: Graded, rating: Rating, duration: int) -> Outcome:
    """Commit the rating; when the database fails (locked, full), keep the answer and offer to
    try again. Giving up prints the answer, so nothing typed is lost, and ends the drill."""
    while True:
        try:
            return drill.rate(graded, rating, duration)
        except QuizError as exc:
            ui.warn(f"Not saved yet: {exc}")
            ui.out.print(Text("Your answer is kept. Enter (or r) tries again; q gives up.", style="yellow"))
            if not read.retry():
                if graded.answer.strip():
                    ui.out.print(Text("Your answer, to keep:", style="bold"))
                    ui.out.print(Text(graded.answer), soft_wrap=True)
                raise


LABELS = {"due": "due", "new": "new", "ahead": "early", "again": "learning", "learning": "learning"}


def card_subtitle(drill: Drill, q: Question) -> str:
    """What this card is (new, due, learning: rated Again or Hard earlier in this drill, early),
    then what is left after it as Anki counts it: new, learning, due."""
    label = LABELS[drill.kind(q)]
    last = drill.last_rating(q)
    if last is not None:
        label = "again" if last is Rating.AGAIN else f"learning (rated {last.label})"
    early = drill.early_by(q)
    if early is not None:
        due = ui.relative(drill.clock() + early, drill.clock())
        label += f" · early: due {due}" if label != "early" else f" (due {due})"
    new, learning, due_left = drill.counts()
    text = f"{label} · left: {new} new · {learning} learning · {due_left} due"
    return text + (" · d: see it run" if q.demo else "")


def _rate(drill: Drill, read: Reader, q: Question, answer: str, duration: int) -> bool:
    """Grade `answer`, show the verdict, read and save the rating; False when the drill ends."""
    out = ui.out
    prepared()  # what `prepare` began while the candidate typed: done, and never graded twice at once
    graded = drill.grade(q, answer)
    read.flush()  # keys pressed before the grade is on screen do not rate it
    out.print()  # the panel starts on a line of its own, whatever the prompt left
    out.print(graded_view(graded, drill.clock()))
    while True:
        rating = read.rating(graded.grade.suggested, markable(graded))
        if not isinstance(rating, str):
            break
        graded = drill.mark(graded, MARK_KEYS.index(rating))  # "I said this": score and rating follow
        out.print(verdict_view(graded, drill.clock()))
    if rating is None:
        out.print(Text(f"#{q.num} {q.id} was not rated: it stays as it was.", style="dim"))
        return False
    outcome = _save(drill, read, graded, rating, duration)
    when = ui.relative(outcome.card.due, drill.clock())
    back = " It comes back in this drill." if outcome.question.id in drill.learning else ""
    out.print(Text(f"Saved: {rating.label}. Next review {when}.{back}", style="dim"))
    return True


def _drill_loop(drill: Drill, read: Reader, bank: Bank | None, warm: list[threading.Thread]) -> None:
    out = ui.out
    kept: dict[str, tuple[str, int]] = {}  # answers of undone ratings: rated again, not retyped
    while (q := drill.next()) is not None:
        out.print()
        out.print(question_view(q, card_subtitle(drill, q)))
        if q.id in kept:
            answer, duration = kept.pop(q.id)
            out.print(Text("Your answer, kept: rate it again.", style="yellow"))
            out.print(Text(answer or "(empty)", style="dim"), soft_wrap=True)
            if not _rate(drill, read, q, answer, duration):
                return
            continue
        started = time.monotonic()
        if read.interactive:
            if not warm:  # once the first question is on the screen
                warm.append(prewarm())
            prepare(q, out, after=warm[0])  # while the candidate types
        while True:
            typed = read.answer()
            if typed.key == "?":
                out.print(Text(DRILL_HELP, style="dim"))
                continue
            if typed.key == "h":
                hint = drill.hint(q)
                n = drill.hints(q)
                if hint is None:
                    out.print(Text("No more hints: every key point is shown.", style="dim"))
                else:
                    out.print(Text(f"Hint {n} of {len(q.key_points)}: ", style="bold yellow") + Text(hint))
                continue
            if typed.key == "d":
                if _run_demo(q, bank):
                    drill.saw_demo(q)
                continue
            if typed.key == "u":
                undone = drill.undo(current=q)
                if undone is None:
                    out.print(Text("Nothing to undo in this drill.", style="dim"))
                    continue
                kept[undone.question.id] = (undone.answer, undone.duration_ms or 0)
                out.print(Text(f"Undone: {undone.rating.label} on #{undone.question.num} "
                               f"{undone.question.id}. Rate it again.", style="yellow"))
                break
            if typed.key == "s":
                drill.skip(q)
                out.print(Text("Skipped.", style="dim"))
                break
            if typed.key in ("q", "eof"):
                return
            if not _rate(drill, read, q, typed.text, int((time.monotonic() - started) * 1000)):
                return
            break


def run_drill(drill: Drill, read: Reader, bank: Bank | None = None) -> Summary:
    """Run the drill to its end, a quit, or Ctrl-C; then print and return the summary."""
    warm: list[threading.Thread] = []
    ui.out.print(drill_header(drill))
    interrupted = False
    try:
        _drill_loop(drill, read, bank, warm)
    except KeyboardInterrupt:
        interrupted = True
        ui.out.print()
    except QuizError:
        ui.out.print(summary_view(drill.summary()))
        raise
    finally:
        for thread in warm:
            thread.join(timeout=5)
    summary = drill.summary(interrupted)
    ui.out.print(summary_view(summary))
    return summary
