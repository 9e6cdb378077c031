"""A printable handout in one self-contained HTML file: open it in a browser and print.

Nothing is fetched: the stylesheet is inline, code is highlighted by Pygments (classes, the
stylesheet included), the bank's own images are inside the file (`data:` URIs), and any other
image becomes a link (it would be a request).
The cover holds the title and a contents list; when printed, each question starts a page
(`layout` page) or questions follow one another, several a page (`layout` compact), each
followed by `space` ruled lines to write an answer in. Code blocks, tables, list items and
paragraphs are kept whole on a page, and a long code line wraps under its own indentation.
Answers come after each question, in an answer key at the end, or not at all
(`ExportOptions.answers`). Text is escaped the way every HTML export escapes it (`html.py`):
raw HTML in a bank shows as text, unsafe links lose their target.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from quiz.export import ExportOptions, demo_command, source_line
from quiz.export import html as h
from quiz.export import statements as st

if TYPE_CHECKING:
    from quiz.model import Question

_IMG = re.compile(r'<img src="(?!data:)([^"]*)" alt="([^"]*)"(?: title="[^"]*")?\s*/?>')

CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
  max-width: 46em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.9em; margin: 0 0 0.2em; }
h2 { font-size: 1.3em; margin: 0 0 0.4em; }
h3 { font-size: 1em; margin: 1.2em 0 0.3em; color: #444; }
.meta, .source, .since { color: #666; font-size: 0.9em; }
nav ul { list-style: none; padding-left: 0; } nav li { margin: 0.15em 0; }
nav a, a { color: #0b57d0; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em; }
.highlight { padding: 0.5em 0.8em; border-radius: 4px; overflow-x: auto;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.highlight pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
section.question, article.answer { margin-top: 2.5em; }
.lines .line { height: 2.2em; border-bottom: 1px solid #aaa; }
.errata { border-left: 3px solid #e0a800; padding-left: 0.8em; }
.mistakes li { margin-bottom: 0.4em; }
ul.ticks { list-style: none; padding-left: 0; } ul.ticks li { margin: 0.3em 0; }
.box { display: inline-block; min-width: 5.5em; color: #444; white-space: nowrap; }
img { max-width: 100%; break-inside: avoid; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; }
@page { size: A4; margin: 16mm 16mm 18mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; }
  .layout-page section.question, #answer-key, .layout-page article.answer {
    break-before: page; margin-top: 0; }
  #answer-key + article.answer { break-before: avoid; }
  .layout-compact section.question, .layout-compact article.answer { margin-top: 1.6em; }
  .layout-compact:not(.answers-inline) section.question { break-inside: avoid; }
  .layout-compact { font-size: 10pt; }
  .highlight, table, li, .lines .line, p { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .to-answer { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def _safe_fragment(html_text: str, q: Question) -> str:
    """Rendered Markdown with the bank's own images inside it (`data:` URIs), and any other
    image (a URL, a missing file) as a link, so the file loads nothing."""
    html_text = h.replace_images(html_text, q, lambda ref, path: h.data_uri(path))
    return _IMG.sub(lambda m: f'<a href="{m.group(1)}">[image: {m.group(2) or m.group(1)}]</a>', html_text)


def _list(items: Sequence[str], css_class: str = "") -> str:
    cls = f' class="{css_class}"' if css_class else ""
    return f"<ul{cls}>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _asks_statements(options: ExportOptions) -> bool:
    return options.makes("choice") or options.makes("truefalse")


def _statements(q: Question, options: ExportOptions) -> str:
    """The printable choice or true/false version: each statement with boxes to tick."""
    found = _printed(q, options)
    if options.makes("truefalse"):
        prompt, box = "True or false? Tick one box for each statement.", "T ☐ F ☐"
    else:
        prompt, box = st.choice_prompt(q), "○" if st.single(q) else "☐"
    items = "".join(f'<li><span class="box">{box}</span> {h.text_html(s.text)}</li>' for s in found)
    return f'<div class="statements"><p><strong>{prompt}</strong></p><ul class="ticks">{items}</ul></div>'


def _printed(q: Question, options: ExportOptions) -> list[st.Statement]:
    return st.printed(q, options.makes("truefalse"), options.seed)


def _statements_key(q: Question, options: ExportOptions) -> str:
    authored = bool(q.choices) and not options.makes("truefalse")
    words = {True: "Right", False: "Wrong"} if authored else {True: "True", False: "False"}
    items = "".join(
        f"<li><strong>{words[s.true]}</strong>: {h.text_html(s.text)}"
        + (f'<br><span class="since">{"" if authored else "Instead: "}{h.text_html(s.feedback)}</span>'
           if s.feedback and (authored or not s.true) else "")
        + "</li>" for s in _printed(q, options))
    title = "Choices" if authored else "Statements"
    return f'<h3>{title}</h3><ul class="ticks">{items}</ul>'


def _answer(q: Question, options: ExportOptions) -> str:
    parts = [_statements_key(q, options)] if _asks_statements(options) else []
    parts += ["<h3>Answer</h3>", _safe_fragment(h.markdown_html(q.answer, inline_styles=False), q)]
    parts += ["<h3>Key points</h3>", _list([h.text_html(k.shown) for k in q.key_points])]
    if q.listed_pitfalls:
        parts += ["<h3>Common mistakes</h3>", h.mistakes_html(q)]
    if q.errata:
        errata = _safe_fragment(h.markdown_html(q.errata, inline_styles=False), q)
        parts += ["<h3>What changed</h3>", f'<div class="errata">{errata}</div>']
    if q.follow_ups:
        parts += ["<h3>Follow-ups</h3>", _list([h.text_html(f) for f in q.follow_ups])]
    footer = [h.escape(source_line(q, options.deck))]
    command = demo_command(q, options.banks)
    if command:
        footer.append(f"See it run: <code>{h.escape(command)}</code>")
    footer += [h.link_html(r) for r in q.references]
    parts.append('<p class="source">' + "<br>".join(footer) + "</p>")
    return "\n".join(parts)


def _meta(q: Question) -> str:
    tags = ", ".join(h.escape(t) for t in q.tags)
    return f'<p class="meta">difficulty {q.difficulty}/3' + (f" · tags: {tags}" if tags else "") + "</p>"


def _key(questions: Sequence[Question], options: ExportOptions,
         heading: Callable[[Question], str]) -> list[str]:
    """The answer key: each question's answer under its heading, in the paper's order."""
    out = ['<section id="answer-key">', "<h2>Answer key</h2>", "</section>"]
    for q in questions:
        out += [f'<article class="answer" id="a-{q.id}">', f"<h2>{heading(q)}</h2>", _answer(q, options),
                "</article>"]
    return out


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    h.prerender_questions(questions, inline_styles=False)
    count = f"{len(questions)} question{'s' * (len(questions) != 1)}"
    answers = {"inline": "answers after each question", "end": "answers at the end",
               "none": "no answers"}[options.answers]
    version = f" · Version {options.label}" if options.label else ""
    title = h.escape(options.deck + version) + (" · answer key" if options.key_only else "")
    numbers = {q.id: i if options.numbered else q.num for i, q in enumerate(questions, 1)}

    def heading(q: Question) -> str:
        return f"{numbers[q.id]}. {h.text_html(q.question)}"

    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{title}</title>", "<style>" + CSS + h.code_css() + "</style>", "</head>",
           f'<body class="layout-{options.layout} answers-{"end" if options.key_only else options.answers}">',
           '<header class="cover">', f"<h1>{title}</h1>"]
    if options.key_only:
        out += [f'<p class="meta">{count}: the answers, in the order of the paper.</p>', "</header>"]
        out += _key(questions, options, heading)
        return "\n".join([*out, "</body>", "</html>"]) + "\n"
    out += [f'<p class="meta">{count}, {answers}.</p>', "<nav>", "<h2>Contents</h2>", "<ul>"]
    out += [f'<li><a href="#q-{q.id}">{heading(q)}</a></li>' for q in questions]
    out += ["</ul>"]
    if options.answers == "end":
        out.append('<p>Answer key: <a href="#answer-key">at the end</a>.</p>')
    out += ["</nav>", "</header>"]
    ruled = '<div class="line"></div>' * options.space
    lines = f'<div class="lines">{ruled}</div>' if options.space else ""
    for q in questions:
        out += [f'<section class="question" id="q-{q.id}">', f"<h2>{heading(q)}</h2>", _meta(q)]
        if _asks_statements(options):
            out.append(_statements(q, options))
        if lines:
            out.append(lines)
        if options.answers == "inline":
            out.append(_answer(q, options))
        elif options.answers == "end":
            out.append(f'<p class="to-answer"><a href="#a-{q.id}">Its answer, in the answer key</a></p>')
        out.append("</section>")
    if options.answers == "end":
        out += _key(questions, options, heading)
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
