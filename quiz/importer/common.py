"""What every import format shares: a question as read (`Draft`), what one file gave (`Read`),
and HTML turned back into the bank's Markdown.

A format reads what it can carry into drafts and names, one line each, what it could not
(`Read.skipped`): nothing is dropped silently. Ids, numbers and topics are settled later, over
all the files, by `quiz.importer.bank_out`.

The answer side that quiz's own HTML exports write (Anki, GIFT, Moodle) is read back by its
sections: the model answer, then `Key points`, `Common mistakes` (each `li.pitfall` with its
claim, correction and grader terms), `What changed` and `Follow-ups`, then a footer with the
source line (`Deck #3 (middleware)`), the demo command and the references. HTML that has no
such sections is the answer as a whole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bs4 import Tag


@dataclass
class Draft:
    """One question as a format carried it; None or empty where it did not."""

    question: str
    answer: str
    where: str  # for messages: `deck.apkg: note 1617...`, `quiz.gift: question 3`
    id: str | None = None
    number: int | None = None
    topic: str | None = None
    tags: list[str] = field(default_factory=list)
    difficulty: int | None = None
    key_points: list[dict[str, Any]] = field(default_factory=list)
    pitfalls: list[dict[str, Any]] = field(default_factory=list)
    errata: str | None = None
    follow_ups: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)  # a choice question's options (bank format)
    demo: str | None = None
    media: list[str] = field(default_factory=list)  # names in `Read.media` the text refers to


def choices(options: list[tuple[bool, str, str]]) -> list[dict[str, Any]]:
    """A choice question's (right, text, feedback) options as the bank's `choices`, or [] when they
    are not a choice question the bank accepts (one right and one wrong at least, no text twice)."""
    texts = [a.strip() for _, a, _ in options]
    right = sum(ok for ok, _, _ in options)
    if not 0 < right < len(options) or len(set(texts)) < len(texts) or not all(texts):
        return []
    return [{"text": a.strip()} | ({"correct": True} if ok else {}) | ({"feedback": why} if why else {})
            for ok, a, why in options]


@dataclass
class Read:
    """What one file gave: its drafts, its deck's name if it has one, what could not be
    carried (one line each), and its media files by name."""

    drafts: list[Draft] = field(default_factory=list)
    deck: str | None = None
    bank_id: str | None = None
    skipped: list[str] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    pitfalls: list[dict[str, Any]] = field(default_factory=list)  # the bank's own (bank format only)


# --- HTML to Markdown ----------------------------------------------------------------------

_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w#+.-]+)")


def _code_language(el: Any) -> str:
    """A code block's language, from a `language-python` class on the <pre> or its <code>."""
    for node in (el, el.find("code")):
        if node is not None:
            match = _LANGUAGE.search(" ".join(node.get("class") or ()))
            if match:
                return match.group(1)
    return ""


_CODE_BLOCK = re.compile(r"(<pre\b[^>]*>)(\s*<code\b[^>]*>)?(.*?)(</code>\s*)?</pre>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.I)


def plain_code(html: str) -> str:
    """The HTML with each code block's markup taken out (a highlighted block is a tag or two
    per token): only its text stays, and its `<pre>`/`<code>` with their classes. Inside a
    `<pre>`, `<` is always a tag (text has `&lt;`), so this keeps the code as it shows; it
    spares the HTML parser most of an export's tags (a 20,000-note deck imports several
    times faster)."""
    if "<pre" not in html and "<PRE" not in html:
        return html

    def text(m: re.Match[str]) -> str:
        inner = _TAG.sub("", _BREAK.sub("\n", m.group(3)))
        return f"{m.group(1)}{m.group(2) or ''}{inner}{'</code>' if m.group(2) else ''}</pre>"

    return _CODE_BLOCK.sub(text, html)


@lru_cache(maxsize=1)
def _converter() -> Any:
    import markdownify

    return markdownify.MarkdownConverter(
        heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False,
        code_language_callback=_code_language, newline_style="backslash",
    )


def markdown(html: str) -> str:
    """An HTML fragment as the bank's Markdown: code blocks fenced, lists as `-`, links kept."""
    if "<" not in html and "&" not in html:
        return html.strip()
    return _tidy(_converter().convert(plain_code(html)))


def node_markdown(node: Any) -> str:
    """`markdown` of what an already parsed node holds (no second parse of its HTML)."""
    return _tidy(str(_converter().process_tag(node, parent_tags=set())))


def _tidy(text: str) -> str:
    text = re.sub(r"\\\n", "\n", text)  # a <br> inside a paragraph: a line break is enough here
    parts = re.split(r"(^```[^\n]*\n.*?^```$)", text, flags=re.M | re.S)  # code blocks keep their blank lines
    return "".join(p if i % 2 else re.sub(r"\n{3,}", "\n\n", p) for i, p in enumerate(parts)).strip()


def plain(html: str) -> str:
    """An HTML fragment's text (a question, a claim): code spans as backticks, breaks as lines."""
    return markdown(html)


# --- the answer side of quiz's own exports --------------------------------------------------

SOURCE_LINE = re.compile(r"#(\d+) \(([a-z0-9][a-z0-9_-]*)\)\s*$")
_SECTIONS = {"key points": "key_points", "common mistakes": "pitfalls", "what changed": "errata",
             "follow-ups": "follow_ups"}


def _heading(el: Tag) -> str | None:
    """The section a `<p><strong>Key points</strong></p>` (or `<h3>`) opens, else None."""
    if el.name in ("p", "h3", "h4"):
        words = " ".join(el.get_text(" ").split()).casefold()
        if words in _SECTIONS and (el.name != "p" or el.find("strong") is not None):
            return _SECTIONS[words]
    return None


def _items(el: Tag) -> list[str]:
    return [plain(li.decode_contents()) for li in el.find_all("li")]


def pitfalls_from(el: Tag) -> list[dict[str, Any]]:
    """The `li.pitfall` items of a Common mistakes list: claim, correction and what the
    `data-pitfall` JSON carries (terms, since, reference, subject)."""
    out = []
    for li in el.find_all("li", class_="pitfall"):
        claim, correction = li.find(class_="claim"), li.find(class_="correction")
        if claim is None or correction is None:
            continue
        item: dict[str, Any] = {"claim": node_markdown(claim), "correction": node_markdown(correction)}
        try:
            data = json.loads(str(li.get("data-pitfall") or "{}"))
        except ValueError:
            data = {}
        terms = data.get("terms") if isinstance(data, dict) else None
        item["terms"] = [str(t) for t in terms] if isinstance(terms, list) and terms else [item["claim"]]
        for key in ("since", "reference"):
            if isinstance(data, dict) and isinstance(data.get(key), str):
                item[key] = data[key]
        subject = data.get("subject") if isinstance(data, dict) else None
        if isinstance(subject, list) and subject:
            item["subject"] = [str(s) for s in subject]
        out.append(item)
    return out


def read_answer_side(html: str, draft: Draft) -> None:
    """Fill `draft.answer` (and what quiz's own sections carry) from an answer side's HTML."""
    from html import unescape

    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(plain_code(html), "html.parser")
    answer: list[Any] = []
    section = "answer"
    blocks = [el for el in soup.contents if isinstance(el, Tag) or str(el).strip()]
    footer = blocks[-1] if blocks and isinstance(blocks[-1], Tag) and blocks[-1].name == "p" else None
    if footer is not None:
        lines = [part for part in re.split(r"<br\s*/?>", footer.decode_contents()) if part.strip()]
        match = SOURCE_LINE.search(plain(lines[0])) if lines else None
        if match:
            draft.number, draft.id = int(match.group(1)), match.group(2)
            blocks = blocks[:-1]
            for line in lines[1:]:
                text = plain(line)
                command = re.fullmatch(r"See it run: `quiz (?:--bank \S+ )*demo ([\w-]+)`", text)
                if command:
                    draft.demo = command.group(1)
                else:
                    href = re.search(r'href="([^"]+)"', line)
                    draft.references.append(unescape(href.group(1)) if href else text)
    for el in blocks:
        tag = el if isinstance(el, Tag) else None
        heading = _heading(tag) if tag is not None else None
        if heading:
            section = heading
            continue
        if section == "answer":
            answer.append(el)
        elif section == "pitfalls" and tag is not None:
            draft.pitfalls += pitfalls_from(tag)
        elif section == "errata":
            draft.errata = ((draft.errata or "") + "\n\n" + markdown(str(el))).strip()
        elif section == "follow_ups" and tag is not None:
            draft.follow_ups += _items(tag)
        # key points are not carried: their terms are not in any export, and a point without
        # them would grade by its own words only (the import says which questions need them)
    whole = BeautifulSoup("", "html.parser")  # the answer's blocks, converted as parsed
    for el in answer:
        whole.append(el.extract())
    draft.answer = node_markdown(whole)
