"""Moodle XML: essay questions with the model answer as general feedback and grader info;
with `questions` choice, truefalse or all, also multichoice questions (several right answers:
the key points; wrong ones: the pitfalls, their corrections as feedback) and one truefalse
question per statement.

HTML goes in CDATA sections, as Moodle writes them; a `]]>` in the text is split across
two sections so it cannot end one early. Everything else (names, id numbers, tags) is
XML-escaped, and characters XML 1.0 cannot hold (C0 controls) are dropped. Each question
carries its id as `idnumber` and its tags as Moodle tags (spaces allowed there). The bank's
own images travel inside the file (`<file encoding="base64">`, named `@@PLUGINFILE@@/...`). Each topic
has its own subcategory (`$course$/top/<deck>/<topic>`, named as in GIFT): a category
element comes before each run of questions of one topic. The file carries no comment, so
no title can put `--` where XML forbids it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

from quiz.export import ExportOptions
from quiz.export import html as h
from quiz.export import statements as st
from quiz.export.gift import category, name

if TYPE_CHECKING:
    from quiz.model import Question


def cdata(text: str) -> str:
    """Text in CDATA sections, safe whatever it holds."""
    return "<![CDATA[" + h.clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text(value: str) -> str:
    return xml_escape(h.clean(value))


def _html_block(tag: str, html: str, indent: str = "    ", files: dict[str, Path] | None = None,
                in_cdata: str | None = None) -> str:
    """An HTML text element (`in_cdata`: the HTML already as `cdata(html)`)."""
    embedded = "".join(f'\n{indent}  <file name="{text(name)}" path="/" encoding="base64">'
                       f"{base64.b64encode(path.read_bytes()).decode('ascii')}</file>"
                       for name, path in (files or {}).items())
    body = cdata(html) if in_cdata is None else in_cdata
    return f'{indent}<{tag} format="html">\n{indent}  <text>{body}</text>{embedded}\n{indent}</{tag}>'


def question_xml(q: Question, options: ExportOptions) -> str:
    files = {h.media_name(path): path for path in q.images().values()}
    feedback = h.replace_images(h.answer_side(q, options), q,
                                lambda ref, path: f"@@PLUGINFILE@@/{h.media_name(path)}")
    tags = "".join(f"\n      <tag><text>{text(t)}</text></tag>" for t in q.tags)
    body = cdata(feedback)  # the general feedback and the grader's information: the same text
    return "\n".join([
        '  <question type="essay">',
        f"    <name>\n      <text>{text(name(q))}</text>\n    </name>",
        _html_block("questiontext", h.text_html(q.question)),
        _html_block("generalfeedback", feedback, files=files, in_cdata=body),
        "    <defaultgrade>1</defaultgrade>",
        "    <penalty>0</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{text(q.id)}</idnumber>",
        "    <responseformat>editor</responseformat>",
        "    <responserequired>1</responserequired>",
        "    <responsefieldlines>15</responsefieldlines>",
        "    <minwordlimit></minwordlimit>",
        "    <maxwordlimit></maxwordlimit>",
        "    <attachments>0</attachments>",
        "    <attachmentsrequired>0</attachmentsrequired>",
        "    <maxbytes>0</maxbytes>",
        "    <filetypeslist></filetypeslist>",
        _html_block("graderinfo", feedback, files=files, in_cdata=body),
        _html_block("responsetemplate", ""),
        f"    <tags>{tags}\n    </tags>" if tags else "    <tags></tags>",
        "  </question>",
    ])


def _common(kind: str, qname: str, stem: str, general: str, qid: str, q: Question, penalty: str) -> list[str]:
    tags = "".join(f"\n      <tag><text>{text(t)}</text></tag>" for t in q.tags)
    return [
        f'  <question type="{kind}">',
        f"    <name>\n      <text>{text(qname)}</text>\n    </name>",
        _html_block("questiontext", stem),
        _html_block("generalfeedback", general),
        "    <defaultgrade>1</defaultgrade>",
        f"    <penalty>{penalty}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{text(qid)}</idnumber>",
        f"    <tags>{tags}\n    </tags>" if tags else "    <tags></tags>",
    ]


def _answer(fraction: str, answer: str, feedback: str, fmt: str = "html") -> str:
    body = cdata(answer) if fmt == "html" else text(answer)
    return (f'    <answer fraction="{fraction}" format="{fmt}">\n      <text>{body}</text>\n'
            f'      <feedback format="html">\n        <text>{cdata(feedback)}</text>\n      </feedback>\n'
            "    </answer>")


def choice_xml(q: Question, options: ExportOptions) -> str:
    """A multichoice question with several right answers: the key points right, the pitfalls
    wrong (each with its correction as feedback); "" when the question has no pitfall."""
    found = st.choice_options(q, options.seed)
    if not found:
        return ""
    one = st.single(q)  # choose one (the author's one right option), else select every right one
    right = "100" if one else st.grade(sum(s.true for s in found))
    wrong = "0" if one else "-" + st.grade(sum(not s.true for s in found))
    stem = h.text_html(q.question) + f"<p>{st.choice_prompt(q)}</p>"
    out = _common("multichoice", name(q, " choice"), stem, h.answer_side(q, options), f"{q.id}-choice", q,
                  "0.3333333")
    out += [f"    <single>{'true' if one else 'false'}</single>", "    <shuffleanswers>true</shuffleanswers>",
            "    <answernumbering>abc</answernumbering>",
            "    <showstandardinstruction>0</showstandardinstruction>",
            _html_block("correctfeedback", "Your answer is correct."),
            _html_block("partiallycorrectfeedback", "Your answer is partially correct."),
            _html_block("incorrectfeedback", "Your answer is incorrect."),
            "    <shownumcorrect/>"]
    out += [_answer(right if s.true else wrong, h.text_html(s.text), h.text_html(st.option_feedback(q, s)))
            for s in found]
    return "\n".join([*out, "  </question>"])


def truefalse_xml(q: Question, options: ExportOptions) -> list[str]:
    """One truefalse question per statement, each answer with its feedback."""
    out = []
    for i, s in enumerate(st.mixed(q, options.seed), 1):
        stem = h.text_html(q.question) + f"<p>{st.TRUEFALSE_PROMPT} {h.text_html(s.text)}</p>"
        right, wrong = (h.text_html(f) for f in st.truefalse_feedback(s))
        lines = _common("truefalse", name(q, f" tf {i}"), stem, "", f"{q.id}-tf{i}", q, "1")
        auto = "moodle_auto_format"
        lines += [_answer("100" if s.true else "0", "true", right if s.true else wrong, auto),
                  _answer("0" if s.true else "100", "false", wrong if s.true else right, auto)]
        out.append("\n".join([*lines, "  </question>"]))
    return out


def category_xml(path: str) -> str:
    return "\n".join(['  <question type="category">',
                      f"    <category>\n      <text>{text(path)}</text>\n    </category>",
                      "  </question>"])


def render(questions: Sequence[Question], options: ExportOptions) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    h.prerender_questions(questions)
    topic = None
    for q in questions:
        if q.topic != topic:
            topic = q.topic
            out.append(category_xml(category(options.deck, topic)))
        if options.makes("essay"):
            out.append(question_xml(q, options))
        if options.makes("choice") and (choice := choice_xml(q, options)):
            out.append(choice)
        if options.makes("truefalse"):
            out += truefalse_xml(q, options)
    out.append("</quiz>")
    return "\n".join(out) + "\n"

