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


#: What each mark of the heatmap stands for: reviews in the day.
_LEGEND = ("0", "1-2", "3-5", "6-10", "11+")


def heatmap_view(days: Sequence[tuple[date, int]]) -> Group:
    """Reviews per day, a column a week (Monday on top), under the months' names, over a legend."""
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
    months = [" "] * (6 + 2 * weeks)  # a month's name above the week its first day falls in
    starts = [(w, d) for w in range(weeks) for d, _ in days[7 * w: 7 * w + 7] if d.day == 1]
    if days:
        starts.append((0, days[0][0]))  # the first week's month, if it leaves room for the next
    for week, day in starts:
        at = 4 + 2 * week  # over the week's marks, after the day names
        if all(c == " " for c in months[at - 1: at + 4]):  # never touching another month's name
            months[at: at + 3] = day.strftime("%b")
    legend = Text("less", style="dim")
    for mark, style, counts in zip(_LEVELS, _LEVEL_STYLES, _LEGEND, strict=True):
        legend += Text(mark, style=style) + Text(f" {counts}", style="dim")
    legend += Text("  more (reviews a day)", style="dim")
    return Group(Text("".join(months).rstrip(), style="dim"), table, legend)


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
    topics = Table(title="Mastery by topic: FSRS recall probability now, over every question (mastery) and "
                   "over the cards learned (recall); learning: just failed or new, not counted yet",
                   title_justify="left")
    topics.add_column("topic")
    topics.add_column("seen", justify="right")
    topics.add_column("mastery", no_wrap=True, overflow="crop")
    topics.add_column("recall", justify="right")
    topics.add_column("learning", justify="right")
    width = max(4, min(20, ui.out.width - 58))  # narrow terminals get shorter bars, not cut ones
    for t in stats.topics:
        recall = "—" if t.recall is None else f"{t.recall * 100:.0f}%"
        mastery = bar(t.mastery, width) + f" {t.mastery * 100:3.0f}%"
        topics.add_row(t.topic, f"{t.seen}/{t.questions}", mastery, recall,
                       str(t.learning) if t.learning else Text("—", style="dim"))
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
    scores.add_column("average score", no_wrap=True)
    for start, n, avg in stats.weekly:
        if n:
            shown = Text("—") if avg is None else Text(f"{avg:3.0f} ") + bar(avg / 100, 10)
            scores.add_row(start.strftime("%d %b"), str(n), shown)
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
