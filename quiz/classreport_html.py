"""The class report as one self-contained HTML page: the tables, a bar chart of recall by
topic and the students x topics heatmap, both inline SVG. Nothing is fetched (no script, no
font, no image file); everything from a log or a bank is escaped; it prints on A4 in
portrait, tables kept whole where they fit. Every number cell carries `data-*` attributes
naming what it shows, so a test can read the page back and compare it with `--json`."""

from __future__ import annotations

from html import escape
from typing import Any

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; color: #1d1d1f; margin: 2em auto; max-width: 60em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td:first-child { white-space: nowrap; }
td.pitfalls, #questions th:last-child { text-align: left; } td.pitfalls { color: #a00; font-size: 0.9em; }
svg text { font: 11px system-ui, sans-serif; fill: #1d1d1f; }
@media print { body { margin: 0; max-width: none; font-size: 11px; }
  table, svg, h2 { break-inside: avoid; } h2 { break-after: avoid; } }
"""


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def _color(share: float | None) -> str:
    """Red (0) to yellow (0.65) to green (1); grey for no data."""
    if share is None:
        return "#eeeeee"
    s = max(0.0, min(1.0, share))
    if s < 0.65:
        r, g = 220, int(60 + 150 * s / 0.65)
    else:
        r, g = int(220 - 170 * (s - 0.65) / 0.35), 200
    return f"#{r:02x}{g:02x}50"


def _row_cells(row: dict[str, Any], key: str) -> str:
    cells = [("students", str(row["students"])), ("reviews", str(row["reviews"])),
             ("mean_score", "-" if row["mean_score"] is None else f"{row['mean_score']:.1f}"),
             ("again_share", _pct(row["again_share"])), ("mean_recall", _pct(row["mean_recall"]))]
    value = escape(key)
    return "".join(f'<td data-row="{value}" data-field="{f}" data-value="{escape(str(row[f]))}">{text}</td>'
                   for f, text in cells)


_HEAD = ("<tr><th>{first}</th><th>students</th><th>reviews</th><th>mean score</th><th>Again</th>"
         "<th>recall</th>{extra}</tr>")


def _bars(topics: list[dict[str, Any]]) -> str:
    width, bar_h, label_w = 560, 18, 160
    height = bar_h * len(topics) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="Mean recall by topic">']
    for i, t in enumerate(topics):
        y = 5 + i * bar_h
        share = t["mean_recall"] or 0.0
        w = (width - label_w - 50) * share
        out.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(t["topic"])}</text>'
                   f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{bar_h - 5}" '
                   f'fill="{_color(t["mean_recall"])}"><title>{escape(t["topic"])}: '
                   f'{_pct(t["mean_recall"])}</title></rect>'
                   f'<text x="{label_w + w + 4:.1f}" y="{y + 13}">{_pct(t["mean_recall"])}</text>')
    out.append("</svg>")
    return "".join(out)


def _heatmap(heat: dict[str, Any]) -> str:
    cell, label_w, head_h = 26, 150, 110
    students, topics = heat["students"], heat["topics"]
    width, height = label_w + cell * len(topics) + 10, head_h + cell * len(students) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="Recall, students by topics">']
    for j, topic in enumerate(topics):
        x = label_w + j * cell + cell / 2
        out.append(f'<text transform="translate({x + 4:.0f},{head_h - 6}) rotate(-60)">'
                   f"{escape(topic)}</text>")
    for i, (name, row) in enumerate(zip(students, heat["recall"], strict=True)):
        y = head_h + i * cell
        out.append(f'<text x="{label_w - 6}" y="{y + cell / 2 + 4:.0f}" text-anchor="end">'
                   f"{escape(name)}</text>")
        for j, value in enumerate(row):
            out.append(f'<rect x="{label_w + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                       f'fill="{_color(value)}" data-student="{i}" data-topic="{j}" '
                       f'data-value="{"" if value is None else value}"><title>{escape(name)}, '
                       f'{escape(topics[j])}: {_pct(value)}</title></rect>')
    out.append("</svg>")
    return "".join(out)


def render(data: dict[str, Any]) -> str:
    topics = "".join(f"<tr><td>{escape(t['topic'])}</td>{_row_cells(t, t['topic'])}</tr>"
                     for t in data["topics"])
    questions = "".join(
        f"<tr><td>#{q['number']} {escape(q['id'])}</td>{_row_cells(q, q['id'])}"
        f'<td class="pitfalls">' + "; ".join(f"{escape(p['claim'])} ({p['students']})" for p in q["pitfalls"])
        + "</td></tr>" for q in data["questions"])
    notes = [f"{n} review line{'s' * (n != 1)} not counted ({escape(why)})"
             for why, n in data["skipped"].items()]
    notes += [escape(p) for p in data["problems"]]
    title = escape(f"{data['deck']}: class report")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        'content="default-src \'none\'; style-src \'unsafe-inline\'">',
        f"<title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="meta"><span data-field="students">{data["students"]}</span> students, '
        f'<span data-field="reviews">{data["reviews"]}</span> reviews; recall as of {escape(data["at"])}</p>',
        "<h2>Recall by topic</h2>", _bars(data["topics"]),
        "<h2>By topic</h2>", f'<table id="topics">{_HEAD.format(first="topic", extra="")}{topics}</table>',
        "<h2>Recall, students x topics</h2>", _heatmap(data["heatmap"]),
        "<h2>By question</h2>",
        '<table id="questions">' + _HEAD.format(first="question", extra="<th>pitfalls (students)</th>")
        +         f"{questions}</table>",
        "".join(f'<p class="meta">{n}</p>' for n in notes),
        "</body></html>", ""])
