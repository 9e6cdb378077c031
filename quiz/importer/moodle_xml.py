"""Moodle XML (a question bank export): `<quiz>` of `<question type="...">` elements.

- `category`: the questions after it take its last name as their topic (`$course$/top/Deck/core`
  -> core), and the deck the name above it;
- `essay`: the answer is the general feedback, else the grader information (quiz's own export
  writes the model answer and its sections there, see `read_answer_side`);
- `shortanswer`: the answers with credit; `truefalse`: the right one, with its feedback;
- `multichoice`: the options are listed under the question, the right ones (credit above 0)
  are the answer, and a wrong option with feedback becomes a pitfall;
- `description` and every other type (numerical, matching, cloze, ...) are named, not imported.
The id is the question's `idnumber` when it is a valid one, its tags are kept, and a name
`003 middleware` (quiz's own) gives its number. Embedded files (`<file>` elements, shown as
`@@PLUGINFILE@@/name`) are copied into the bank's `media/` folder.
"""

from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote

from quiz.errors import QuizError
from quiz.export.gift import split_category
from quiz.importer.bank_out import media_name
from quiz.importer.common import Draft, Read, choices, markdown, read_answer_side

_OWN_NAME = re.compile(r"^(\d+) ([a-z0-9][a-z0-9_-]*)$")
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>)]+)")
_SUPPORTED = ("essay", "shortanswer", "truefalse", "multichoice")


def _html(el: ET.Element | None) -> str:
    """An element's `<text>`, as HTML whatever its format."""
    if el is None:
        return ""
    text = el.findtext("text") or ""
    if el.get("format", "html") in ("html", "moodle_auto_format"):
        return text
    import html

    return html.escape(text).replace("\n", "<br>")


def read(path: Path, text: str) -> Read:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise QuizError(f"{path}: not valid XML ({exc}).") from None
    if root.tag != "quiz":
        raise QuizError(f"{path}: not Moodle XML (its root is <{root.tag}>, not <quiz>).")
    out = Read()
    topic: str | None = None
    for n, el in enumerate(root.findall("question"), 1):
        kind = el.get("type", "")
        if kind == "category":
            names = [c for c in split_category(el.findtext("category/text") or "") if c]
            while names and names[0] in ("$course$", "$system$", "$module$", "$cat1$", "top"):
                names = names[1:]
            if names and out.deck is None:
                out.deck = names[0]
            topic = names[-1] if len(names) > 1 else None
            continue
        name = " ".join((el.findtext("name/text") or "").split())
        where = f"{path.name}: question {n}" + (f" ({name})" if name else "")
        if kind not in _SUPPORTED:
            out.skipped.append(f"{where}: a {kind or 'untyped'} question, not imported")
            continue
        draft = _question(el, kind, where)
        own = _OWN_NAME.match(name)
        if own:
            draft.number = int(own.group(1))
            draft.id = draft.id or own.group(2)
        draft.id = (el.findtext("idnumber") or "").strip() or draft.id
        draft.topic = draft.topic or topic
        draft.tags = [t.strip() for t in (x.text or "" for x in el.findall("tags/tag/text")) if t.strip()]
        _embedded(el, draft, out)
        out.drafts.append(draft)
    return out


def _question(el: ET.Element, kind: str, where: str) -> Draft:
    draft = Draft(markdown(_html(el.find("questiontext"))), "", where)
    feedback = _html(el.find("generalfeedback"))
    if kind == "essay":
        read_answer_side(feedback if feedback.strip() else _html(el.find("graderinfo")), draft)
        return draft
    options = []
    for answer in el.findall("answer"):
        try:
            credit = float(answer.get("fraction", "0"))
        except ValueError:
            credit = 0.0
        options.append((credit > 0, markdown(_html(answer)), markdown(_html(answer.find("feedback")))))
    right = [(a, why) for ok, a, why in options if ok and a]
    parts: list[str] = []
    if kind == "truefalse":
        parts = [p for a, why in right[:1] for p in (a.capitalize(), why) if p]
    elif kind == "multichoice":
        draft.question += "\n\n" + "\n".join(f"- {a}" for _, a, _ in options if a)
        draft.pitfalls = [{"claim": a, "terms": [a], "correction": why} for ok, a, why in options
                          if not ok and a and why]
        draft.choices = choices(options)
        parts = ["\n".join(f"- {a}" for a, _ in right) if len(right) > 1 else "".join(a for a, _ in right)]
    else:
        parts = ["\n".join(f"- {a}" for a, _ in right) if len(right) > 1 else "".join(a for a, _ in right)]
    draft.answer = "\n\n".join(p for p in [*parts, markdown(feedback)] if p)
    return draft


def _embedded(el: ET.Element, draft: Draft, out: Read) -> None:
    """Files embedded in the question: into `out.media`, the Markdown pointed at `media/`."""
    files = {}
    for f in el.iter("file"):
        name = media_name(f.get("name", ""))
        if name is None:
            continue
        try:
            files[f.get("name", "")] = (name, base64.b64decode(f.text or "", validate=False))
        except (binascii.Error, ValueError):
            out.skipped.append(f"{draft.where}: embedded file {f.get('name')!r} is not base64, not carried")

    def swap(m: re.Match[str]) -> str:
        found = files.get(unquote(m.group(1)))
        if found is None:
            return m.group(0)
        out.media[found[0]] = found[1]
        return f"media/{quote(found[0])}"

    draft.question, draft.answer = _PLUGINFILE.sub(swap, draft.question), _PLUGINFILE.sub(swap, draft.answer)
    if draft.errata:
        draft.errata = _PLUGINFILE.sub(swap, draft.errata)
