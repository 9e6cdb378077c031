"""The mock interview on screen: the timed questions and the scorecard by topic."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from quiz import ui
from quiz.model import CORE_MARK
from quiz.ui.drill import (
    MARK_KEYS,
    contradiction_text,
    pitfall_text,
    points_table,
    question_view,
    score_style,
    verdict_panel,
)
from quiz.ui.prompt import Reader
from quiz.ui.rendered import ModelAnswer

if TYPE_CHECKING:
    from quiz.session import Exam, ExamAnswer, Graded, Scorecard


EXAM_HELP = """\
A mock interview: answer as you would aloud; no hints, no demos, a timer.
A blank line (or Ctrl-D) submits the answer. In a terminal the time left ticks on the prompt;
at zero the exam ends, and the answer typed so far counts.
Alone on the first line:  s  skip the question   q  end the exam (the scorecard follows)."""





def _exam_loop(exam: Exam, read: Reader, out: Console) -> None:
    total = len(exam.questions)
    while (q := exam.next()) is not None:
        left = exam.time_left()
        subtitle = f"{exam.position + 1} of {total}"
        if left is not None and not read.interactive:  # in a terminal the prompt is the one clock
            subtitle += f" · {ui.clock_text(left)} left"
        out.print()
        out.print(question_view(q, subtitle))
        started = time.monotonic()
        while True:
            typed = read.answer(exam.time_left)
            if typed.timed_out:
                if typed.text.strip():
                    exam.answer(q, typed.text, int((time.monotonic() - started) * 1000))
                    out.print(Text("Time is up: the answer typed so far counts, and the exam ends here.",
                                   style="bold yellow"))
                else:
                    exam.skip(q)
                    out.print(Text("Time is up: the exam ends here.", style="bold yellow"))
                break
            if typed.key == "?":
                out.print(Text(EXAM_HELP, style="dim"))
                continue
            if typed.key == "d":
                later = Text(f"No demos during an exam: run `{ui.command('demo')}` afterwards.", style="dim")
                out.print(later, soft_wrap=True)
                continue
            if typed.key in ("h", "u"):
                out.print(Text("No hints and no undo during an exam.", style="dim"))
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
    head += Text(f", {ui.clock_text(limit)} on the clock" if limit is not None else ", no time limit")
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
            missed = Text("; ".join(CORE_MARK * p.core + p.point for p in a.grade.missed) or "nothing",
                          style="dim")
            if a.grade.pitfalls or a.grade.contradictions:
                n = len(a.grade.pitfalls) + len(a.grade.contradictions)
                missed = Text(f"{n} wrong statement{'s' * (n != 1)} · ", style="bold red") + missed
            for p in a.grade.missed:
                if p.near:
                    missed += Text(f"\n{p.point[:40]}: closest “{p.near}”, lacks {p.lacked}", style="dim")
            if a.late:
                missed = Text("late · ", style="yellow") + missed
        table.add_row(str(a.question.num), a.question.question, a.question.topic, score, missed)
    pitfalls = Table.grid(padding=(0, 1))
    pitfalls.add_column(justify="right", style="cyan", no_wrap=True)
    pitfalls.add_column(no_wrap=True)
    pitfalls.add_column()
    for a in card.answers:
        for hit in a.grade.pitfalls if a.grade else ():
            pitfalls.add_row(f"#{a.question.num}", Text("✘", style="bold red"), pitfall_text(hit))
        for c in a.grade.contradictions if a.grade else ():
            pitfalls.add_row(f"#{a.question.num}", Text("✘", style="bold red"), contradiction_text(c))
    topics = Table(title="By topic", title_justify="left")
    topics.add_column("topic")
    topics.add_column("questions", justify="right")
    topics.add_column("average", justify="right")
    for t in sorted(card.topics, key=lambda t: t.average):
        topics.add_row(t.topic, str(t.cards), Text(f"{t.average:.0f}", style=score_style(t.average)))
    verdict = Text("Overall ", style="bold") + Text(f"{card.score:.0f}/100", style=score_style(card.score))
    verdict += Text(f" · {card.answered} of {len(card.answers)} answered in {ui.clock_text(card.seconds)}")
    if card.time_up:
        verdict += Text(" · time ran out", style="yellow")
    lines: list[RenderableType] = [table]
    if pitfalls.row_count:
        lines += [Text("What you said that does not hold", style="bold red"), pitfalls]
    lines += [topics, verdict]
    if card.weakest:
        names = ", ".join(f"{t.topic} ({t.average:.0f})" for t in card.weakest)
        lines.append(Text("Weakest: ", style="bold") + Text(names, style="bold red"))
        options = "".join(f" --topic {t.topic}" for t in card.weakest)
        lines.append(Text(f"Drill them now: {ui.command('drill --cram' + options)}", style="dim"))
    if card.recorded:
        lines.append(Text(f"{card.recorded} answers recorded in your schedule.", style="dim"))
    return Group(*lines)


def missed(card: Scorecard) -> list[ExamAnswer]:
    """The questions not answered in full: skipped, not reached, a point missed, a pitfall said."""
    return [a for a in card.answers if a.grade is None or a.grade.missed or a.grade.pitfalls]


def review_missed(card: Scorecard, read: Reader, out: Console | None = None,
                  exam: Exam | None = None) -> None:
    """After the scorecard, in a terminal: one key (m) shows the model answers of the questions
    missed, each with the points said (✔) and missed (✘); any other key ends. With the `exam`,
    a, b, c ... on a question mark that key point as said (or not said), as in the drill: the
    score and the suggestion change at once, and a recorded answer keeps the marks."""
    out = out or ui.out
    todo = missed(card)
    if not todo:
        return
    n = len(todo)
    out.print(Text("m", style="bold") + Text(f": the model answers of the {n} question{'s' * (n != 1)} "
                                              "missed · any other key: done", style="dim"))
    if read.key().casefold() != "m":
        return
    for a in todo:
        q = a.question
        out.print()
        out.print(question_view(q, f"{a.score}/100" if a.grade else "not answered"))
        if a.answer:
            out.print(Text("You said: ", style="bold") + Text(a.answer, style="dim"), soft_wrap=True)
        out.print(ModelAnswer(q))
        if a.grade is None or a.grade.shown_as_empty:
            continue
        if exam is None or a not in exam.answers:
            out.print(points_table(_graded(a)))
            continue
        position = exam.answers.index(a)
        while True:
            out.print(_review_verdict(exam.answers[position]))
            key = read.key().casefold()
            keys = MARK_KEYS[:len(a.grade.points)]
            if len(key) != 1 or key not in keys:
                break
            exam.mark(position, keys.index(key))


def _graded(a: ExamAnswer) -> Graded:
    from quiz.session import Graded

    assert a.grade is not None
    return Graded(a.question, a.answer or "", a.grade, {}, marks=a.marks, graded=a.graded)


def _review_verdict(a: ExamAnswer) -> Group:
    """The score, the suggestion and the key points with their marking keys."""
    graded = _graded(a)
    keys = MARK_KEYS[:len(graded.grade.points)]
    line = Text(f"{keys[0]}-{keys[-1]}" if len(keys) > 1 else keys, style="bold cyan")
    line += Text(" mark a point: I said this (✘) / I did not (✔)", style="dim")
    line += Text(" · any other key: next", style="dim")
    return Group(verdict_panel(graded), line)
