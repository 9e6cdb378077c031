"""`quiz drill` (also plain `quiz`), `quiz exam`, `quiz stats`, `quiz due`, `quiz reset`.

Each command parses, calls the core (quiz.session over quiz.store) and renders
(quiz.ui). Nothing here, nor on the drill's path, imports fastapi: the `d` key loads
the demo runner when it is pressed.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from quiz.commands._common import (
    TagOpt,
    TopicOpt,
    complete_question,
    emit_json,
    examples,
    load,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

SCRIPTED_INPUT = (
    "Scripted input (stdin not a terminal): an answer is the lines up to a blank line; a "
    "first line that is only ?, h, s, d, u or q is that key; an empty first line shows the answer. "
    "Then one rating line: empty accepts the suggestion, 1-4 or again/hard/good/easy "
    "override it, q quits; a line a, b, c ... marks that key point as said (or not said) and the "
    "rating line is read again. After a failed save, an empty line tries again and q gives up. "
    "The end of input ends the drill."
)


def drill(
    ctx: typer.Context,
    topic: TopicOpt = None,
    tag: TagOpt = None,
    new: Annotated[
        int,
        typer.Option(
            "--new", "-n", metavar="N", min=0, help="New questions a day (counted from the review log)."
        ),
    ] = 5,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-l",
            metavar="N",
            min=1,
            help="At most this many cards in this drill.",
            show_default=False,
        ),
    ] = None,
    ahead: Annotated[
        bool, typer.Option("--ahead", help="When little is due, study the soonest-due cards early.")
    ] = False,
    cram: Annotated[
        bool,
        typer.Option(
            "--cram",
            help="Every chosen question now, whatever its schedule and the daily new limit "
            "(ratings are still recorded).",
        ),
    ] = False,
    ids: Annotated[
        list[str] | None,
        typer.Option("--id", metavar="QUESTION", autocompletion=complete_question, show_default=False,
                     help="Drill this question now, by number or id, whatever its schedule "
                     "(repeatable)."),
    ] = None,
) -> None:
    """Today's drill: the cards due (most overdue first), then new questions.

    Each question is shown; type an answer (a blank line or Ctrl-D submits, an empty answer
    shows the model answer). It is scored against the key points; Enter accepts the
    suggested rating, 1-4 (Again, Hard, Good, Easy) override it, and the card is saved at
    once. A card rated Again comes back in the same drill once its learning step is due.
    At the prompt: ? help, h a hint (caps the rating), s skip, d run the topic's demo, u undo
    the last rating, q quit. Ctrl-C quits at any moment (exit 130) and keeps every rated card.
    """
    from quiz import session, ui
    from quiz.store import Store
    from quiz.ui import drill as drill_ui
    from quiz.ui import prompt

    bank = load(ctx)
    topics, tags = bank.topic_names(topic or ()), bank.tag_names(tag or ())
    if ids:  # the named questions, in the order given, now
        questions = [bank.get(ref) for ref in dict.fromkeys(ids)]
        cram = True
    else:
        questions = bank.select(topics=topics, tags=tags)
    with Store.open(bank_id=bank.bank_id) as store:
        run = session.Drill(
            questions, store, clock=session.system_clock, new_per_day=new, limit=limit, ahead=ahead, cram=cram
        )
        if not run.planned:
            scope = " or ".join([*topics, *(f"tagged {t}" for t in tags)])
            options = "".join([*(f" --topic {t}" for t in topics), *(f" --tag {t}" for t in tags)])
            now = session.system_clock()
            drill_ui.nothing_due(run.plan, now, new_per_day=new, scope=scope, options=options)
            return
        store.check_writable()  # a locked database is said now, not after the first answer
        summary = drill_ui.run_drill(run, prompt.reader(), bank)
    if summary.interrupted:
        ui.err.print("Interrupted.")
        raise typer.Exit(130)


_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> float | None:
    """`20m`, `1h30m`, `90s`, `45` (minutes); `0` or `none` for no limit. Seconds, or None."""
    value = text.strip().lower()
    if value in {"0", "none", "off", "no"}:
        return None
    if value.isdigit():
        return int(value) * 60.0
    match = _DURATION.match(value)
    if not value or not match or not any(match.groups()):
        raise typer.BadParameter(
            f"'{text}' is not a duration: write 20m, 1h30m, 90s or 0.", param_hint="'--time'"
        )
    h, m, s = (int(g or 0) for g in match.groups())
    return float(h * 3600 + m * 60 + s) or None


def exam(
    ctx: typer.Context,
    count: Annotated[
        int, typer.Option("--count", "-c", metavar="N", min=1, help="Number of questions.")
    ] = 10,
    time_: Annotated[
        str, typer.Option("--time", metavar="DURATION", help="Time limit: 20m, 1h30m, 90s; 0 for none.")
    ] = "20m",
    topic: TopicOpt = None,
    tag: TagOpt = None,
    ids: Annotated[
        list[str] | None,
        typer.Option("--id", metavar="QUESTION", autocompletion=complete_question,
                     help="Ask this question, by number or id (repeatable; asked in the order given)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", metavar="N", help="Seed for the question order (reproducible).", show_default=False
        ),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Also rate each card in your FSRS schedule.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the scorecard as JSON (the questions go to stderr).")
    ] = False,
) -> None:
    """A mock interview: random questions, typed answers, no hints, a timer.

    At the end, a scorecard by question and by topic names the weakest topics. Your
    schedule is not touched unless --record (each answer then counts with its suggested
    rating). In a terminal the time left ticks on the prompt; when it runs out, the answer
    typed so far counts and the exam ends at once; questions not reached score 0. After the
    scorecard, in a terminal, m shows the model answers of the questions missed, where a, b,
    c ... mark a key point as said (or not said): the score and the suggestion change at once,
    and with --record the answer's review keeps them. Scripted input: answers separated by
    blank lines; a line `s` skips, `q` ends.
    """
    from quiz import session, ui
    from quiz.store import Store
    from quiz.ui import exam as exam_ui
    from quiz.ui import prompt

    seconds = parse_duration(time_)
    bank = load(ctx)
    if ids:
        questions = [bank.get(ref) for ref in dict.fromkeys(ids)]
        count = len(questions)
    else:
        questions = bank.select(topics=topic or (), tags=tag or ())
    if not questions:
        raise typer.BadParameter("no question matches.", param_hint="'--topic'/'--tag'")
    store = Store.open(bank_id=bank.bank_id) if record else None
    try:
        if store is not None:
            store.check_writable()
        run = session.Exam(
            questions, count=count, seconds=seconds, seed=seed, clock=session.system_clock, store=store,
            shuffle=not ids,
        )
        # with --json, stdout holds the JSON alone: the questions go to stderr
        out = ui.err if as_json else ui.out
        read = prompt.reader(out)
        card, interrupted = exam_ui.run_exam(run, read, out)
        if as_json:
            emit_json(card.to_json())
        else:
            ui.out.print()
            ui.out.print(exam_ui.scorecard_view(card), soft_wrap=True)  # its command is never cut in two
            if read.interactive and not interrupted:
                exam_ui.review_missed(card, read, exam=run)  # its marks go to the recorded reviews
    finally:
        if store is not None:
            store.close()
    if interrupted:
        ui.err.print("Interrupted.")
        raise typer.Exit(130)


def stats(
    ctx: typer.Context,
    weeks: Annotated[
        int,
        typer.Option(
            "--weeks", "-w", metavar="N", min=1, max=104, help="Weeks of history in the heatmap and scores."
        ),
    ] = 12,
    all_banks: Annotated[
        bool, typer.Option("--all", "-a", help="Every bank's progress summed, with a line per bank.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Your progress on the bank in force: mastery per topic (FSRS recall probability now),
    cards by state, what falls due in the next 14 days, a heatmap of recent reviews, streak,
    scores by week. With --all, every bank's progress summed."""
    from quiz import session, ui
    from quiz.exercises import exercise_ids
    from quiz.store import Store
    from quiz.ui import stats as stats_ui

    done: list[str] | None = None
    exercises: list[str] = []
    if all_banks:
        with Store.open(write=False) as store:
            report = session.stats_all(store, session.system_clock(), weeks=weeks)
    else:
        bank = load(ctx)
        with Store.open(bank_id=bank.bank_id, write=False) as store:
            report = session.stats(bank.questions, store, session.system_clock(), weeks=weeks)
            solved = store.solved(bank.bank_id)
        exercises = exercise_ids(bank)
        done = [e for e in exercises if e in solved]
    practice = None if done is None else {"solved": done, "total": len(exercises)}
    if as_json:
        emit_json({**report.to_json(), **({"exercises": practice} if practice else {})})
        return
    ui.out.print(stats_ui.stats_view(report))
    if done is not None:
        ui.out.print(stats_ui.exercises_line(len(done), len(exercises)), soft_wrap=True)


def due(
    ctx: typer.Context,
    topic: TopicOpt = None,
    new: Annotated[int, typer.Option("--new", "-n", metavar="N", min=0, help="New questions a day.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """What is due today and in the rest of the week, one line per card."""
    from quiz import session, ui
    from quiz.store import Store
    from quiz.ui import stats as stats_ui

    bank = load(ctx)
    questions = bank.select(topics=topic or ())
    now = session.system_clock()
    with Store.open(bank_id=bank.bank_id, write=False) as store:
        report = session.due_report(questions, store, now, new_per_day=new)
    if as_json:
        emit_json(report.to_json())
        return
    ui.out.print(stats_ui.due_view(report, now))


def reset(
    ctx: typer.Context,
    topic: TopicOpt = None,
    id_: Annotated[
        list[str] | None,
        typer.Option(
            "--id",
            "-i",
            metavar="QUESTION",
            help="Only this question, by number or id (repeatable).",
            autocompletion=complete_question,
            show_default=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Forget progress on the bank in force (cards and their review history): all of it, or a
    topic's, or some questions'. Other banks keep theirs. Asks first unless --yes; without a
    terminal to ask in, --yes is needed."""
    import sys

    from quiz import ui
    from quiz.bank import did_you_mean
    from quiz.errors import NotFoundError
    from quiz.store import Store

    bank = load(ctx)
    topic = bank.topic_names(topic or ()) or None
    with Store.open(bank_id=bank.bank_id) as store:
        ids: set[str] | None = None
        what = f"all your progress on the bank {bank.bank_id}"
        if topic or id_:
            ids = {q.id for q in bank.select(topics=topic)} if topic else set()
            known = set(store.cards())
            for ref in id_ or ():
                if ref in known:  # a question removed from the bank can still be reset
                    ids.add(ref)
                    continue
                try:
                    ids.add(bank.get(ref).id)
                except NotFoundError:
                    raise NotFoundError(
                        f"There is no question '{ref}' in the bank or the progress."
                        f"{did_you_mean(ref, sorted(known | set(bank.ids)))}"
                    ) from None
            what = "the progress of " + ", ".join(
                [f"topic {t}" for t in topic or ()] + [f"question {r}" for r in id_ or ()]
            )
        cards, reviews = store.counts(ids)
        if not cards and not reviews:
            ui.out.print("No progress to reset.")
            return
        if not yes:
            if not sys.stdin.isatty():  # never read a "y" from a pipe
                ui.error("quiz reset asks first, and there is no terminal to ask in: add --yes to forget.")
                raise typer.Exit(2)
            sure = typer.confirm(
                f"Forget {what}: {cards} card{'s' * (cards != 1)} and {reviews} "
                f"review{'s' * (reviews != 1)}? This cannot be undone."
            )
            if not sure:
                ui.out.print("Nothing was reset.")
                return
        cards, reviews = store.forget(ids)
    ui.out.print(f"Forgot {cards} card{'s' * (cards != 1)} and {reviews} review{'s' * (reviews != 1)}.")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "quiz                                today's drill (the same as quiz drill)",
            "quiz drill --topic security --new 3",
            "quiz drill --limit 10",
            "quiz drill --ahead                  nothing due? study the soonest cards early",
            "quiz drill --cram --topic security  every security question now, whatever is due",
            "quiz drill --id 6 --id middleware   these two questions now",
            "printf 'It wraps every request\\n\\n\\n' | quiz drill --limit 1",
        )
        + "\n\n"
        + SCRIPTED_INPUT,
    )(drill)
    app.command(
        epilog=examples(
            "quiz exam",
            "quiz exam --count 5 --time 10m --topic security",
            "quiz exam --seed 42 --record",
            "quiz exam --time 0 --json",
            "quiz exam --id 6 --id middleware --time 0 --json < answers.txt",
        ),
    )(exam)
    app.command(
        epilog=examples(
            "quiz stats",
            "quiz --bank my-bank/ stats          that bank's progress",
            "quiz stats --all                    every bank, summed",
            "quiz stats --weeks 26 --json",
        )
    )(stats)
    app.command(epilog=examples("quiz due", "quiz due --topic security", "quiz due --json"))(due)
    app.command(
        epilog=examples(
            "quiz reset --id middleware",
            "quiz reset --topic security",
            "quiz reset --yes                    forget everything, without asking",
        ),
    )(reset)
