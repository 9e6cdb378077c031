"""`quiz stats` and `quiz due` on screen: mastery bars, the heatmap, the forecast, the due table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from quiz import ui
from quiz.ui.drill import score_style

if TYPE_CHECKING:
    from quiz.session import DueItem, DueReport, Stats


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


def banks_view(stats: Stats) -> Table:
    """`quiz stats --all`: one line per bank."""
    table = Table(title="Progress by bank", title_justify="left")
    table.add_column("bank")
    table.add_column("cards", justify="right")
    table.add_column("reviews", justify="right")
    table.add_column("due now", justify="right")
    table.add_column("last review")
    for b in stats.banks:
        last = ui.relative(b.last_review, stats.now) if b.last_review else "—"
        table.add_row(b.bank_id, str(b.cards), str(b.reviews), str(b.due), last)
    return table


def stats_view(stats: Stats) -> Group:
    topics = Table(title="Mastery by topic (FSRS recall probability now)", title_justify="left")
    topics.add_column("topic")
    topics.add_column("seen", justify="right")
    topics.add_column("mastery", no_wrap=True, overflow="crop")
    topics.add_column("", justify="right")
    topics.add_column("recall of seen", justify="right")
    width = max(4, min(20, ui.out.width - 50))  # narrow terminals get shorter bars, not cut ones
    for t in stats.topics:
        recall = "—" if t.recall is None else f"{t.recall * 100:.0f}%"
        topics.add_row(t.topic, f"{t.seen}/{t.questions}", bar(t.mastery, width), f"{t.mastery * 100:.0f}%",
                       recall)
    states = Text("Cards: ", style="bold") + Text(" · ".join(
        f"{name.capitalize()} {n}" for name, n in stats.states.items()))
    if stats.orphans == 1:
        states += Text(" · 1 card for a question no longer in the bank", style="dim")
    elif stats.orphans:
        states += Text(f" · {stats.orphans} cards for questions no longer in the bank", style="dim")
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
    parts: list[RenderableType] = [banks_view(stats) if stats.bank_id is None else topics, states, Text(""),
                                   Text(f"Due in the next {len(stats.forecast)} days (first: today)",
                                        style="bold italic"), forecast, Text(""),
                                   Text(f"Reviews, last {weeks} weeks", style="bold italic"),
                                   heatmap_view(stats.heatmap), streak]
    if scores.row_count:
        parts += [Text(""), scores]
    return Group(*parts)


def due_when(item: DueItem, now: datetime) -> str:
    if item.due <= now:
        ago = ui.relative(item.due, now)
        return "now" if ago == "now" else "overdue " + ago.removesuffix(" ago")
    if ui.local(item.due, "%Y%m%d") == ui.local(now, "%Y%m%d"):
        return ui.local(item.due, "today %H:%M")
    return ui.local(item.due, "%a %H:%M")


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
        parts.append(Text(f"Next card due {ui.relative(report.next_due, now)}.", style="dim"))
    return Group(*parts)


def exercises_line(solved: int, total: int) -> Text:
    """Practice: how many exercises are solved (`quiz practice`)."""
    line = Text("Exercises: ", style="bold") + Text(f"{solved} of {total} solved")
    return line + Text(f"  ({ui.command('practice --list')})", style="dim")
