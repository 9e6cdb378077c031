"""`quiz class report` on screen: the per-question and per-topic tables, and the heatmap of
students x topics (each cell a student's mean recall over the topic, as a shaded percentage)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from quiz.model import visible


def pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def recall_style(share: float | None) -> str:
    if share is None:
        return "dim"
    return "bold red" if share < 0.5 else "bold yellow" if share < 0.8 else "bold green"


def _table(title: str, first: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    table.add_column(first, no_wrap=True)
    for name in ("students", "reviews", "mean score", "Again", "recall"):
        table.add_column(name, justify="right", no_wrap=True)
    return table


def _cells(row: dict[str, Any]) -> list[Text]:
    return [Text(str(row["students"])), Text(str(row["reviews"])), Text(num(row["mean_score"])),
            Text(pct(row["again_share"])),
            Text(pct(row["mean_recall"]), style=recall_style(row["mean_recall"]))]


def report_view(data: dict[str, Any]) -> RenderableType:
    head = Text(visible(f"{data['deck']}: {data['students']} students, {data['reviews']} reviews "
                        f"(recall as of {data['at']})"), style="bold")
    topics = _table("By topic", "topic")
    for row in data["topics"]:
        topics.add_row(Text(visible(row["topic"])), *_cells(row))
    questions = _table("By question", "question")
    questions.add_column("pitfalls the class asserts (students)")
    for row in data["questions"]:
        said = "; ".join(f"{visible(p['claim'])} ({p['students']})" for p in row["pitfalls"])
        questions.add_row(Text(f"#{row['number']} {row['id']}"), *_cells(row), Text(said, style="red"))
    heat = Table(title="Recall, students x topics", title_justify="left", title_style="bold")
    heat.add_column("student", no_wrap=True)
    for topic in data["heatmap"]["topics"]:
        heat.add_column(visible(topic), justify="right", no_wrap=True)
    for name, row in zip(data["heatmap"]["students"], data["heatmap"]["recall"], strict=True):
        heat.add_row(Text(visible(name)), *(Text(pct(v), style=recall_style(v)) for v in row))
    parts: list[RenderableType] = [head, topics, questions, heat]
    if data["skipped"]:
        counted = ", ".join(f"{n} review line{'s' * (n != 1)} ({why})" for why, n in data["skipped"].items())
        parts.append(Text(f"Not counted: {counted}", style="yellow"))
    parts += [Text(visible(p), style="yellow") for p in data["problems"]]
    return Group(*parts)
