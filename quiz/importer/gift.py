"""Moodle's GIFT format: questions separated by blank lines, `//` comments, `$CATEGORY:` lines.

    ::title::[html]Question text{answers}

- essay (`{}`, or only `####general feedback`): the general feedback is the answer (quiz's own
  export writes the model answer there, with its sections: see `read_answer_side`);
- true/false (`{T}`, `{FALSE#feedback}`): the answer is True or False, with its feedback;
- short answer (`{=a =b}`): the accepted answers are the answer;
- multiple choice (`{=right ~wrong#why}`): the options are listed under the question (a
  choice question keeps them), the right ones are the answer, and a wrong option that has
  feedback becomes a pitfall (the option is the claim, its feedback the correction).
Numerical and matching questions, and a question whose answer block is missing, are named,
not imported. The topic is the last name of the question's category (`$course$/top/Deck/core`
-> core), the deck the one above it. A title `003 middleware` (quiz's own) gives the number
and the id; any other title is kept only to name the question in messages.
"""

from __future__ import annotations

import re
from pathlib import Path

from quiz.export.gift import split_category
from quiz.importer.common import Draft, Read, choices, markdown, read_answer_side

_SPECIALS = "\\~=#{}:"
_PROTECT = {f"\\{c}": chr(0xE000 + i) for i, c in enumerate(_SPECIALS)}
_RESTORE = {v: k[1] for k, v in _PROTECT.items()}
_OWN_TITLE = re.compile(r"^(\d+) ([a-z0-9][a-z0-9_-]*)$")
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_OPTION = re.compile(r"([=~])(%-?[\d.]+%)?([^=~]*)")


def _protect(text: str) -> str:
    for escaped, mark in _PROTECT.items():
        text = text.replace(escaped, mark)
    return text


def _restore(text: str) -> str:
    """Protected text back to what it says: escapes undone, `\\n` a line break."""
    text = text.replace("\\n", "\n")
    for mark, char in _RESTORE.items():
        text = text.replace(mark, char)
    return text


def _text(raw: str, html: bool) -> str:
    text = _restore(raw).strip()
    return markdown(text) if html else text


def _blocks(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return [b.strip() for b in re.split(r"\n\s*\n", "\n".join(lines)) if b.strip()]


def read(path: Path, text: str) -> Read:
    out = Read()
    category: list[str] = []
    for n, block in enumerate(_blocks(text.removeprefix("\ufeff")), 1):
        if block.startswith("$CATEGORY:"):
            category = [c for c in split_category(block[len("$CATEGORY:"):].strip()) if c]
            while category and category[0] in ("$course$", "$system$", "$module$", "$cat1$", "top"):
                category = category[1:]
            if category and out.deck is None:
                out.deck = category[0]
            continue
        draft = _question(_protect(block), f"{path.name}: question {n}", out.skipped)
        if draft is not None:
            if len(category) > 1:
                draft.topic = draft.topic or category[-1]
            out.drafts.append(draft)
    return out


def _question(block: str, where: str, skipped: list[str]) -> Draft | None:
    title = ""
    match = re.match(r"^::(.*?)::", block, re.DOTALL)
    if match:
        title, block = _restore(match.group(1)).strip(), block[match.end():]
        where = f"{where} ({title})"
    fmt = _FORMAT.match(block)
    html = fmt is not None and fmt.group(1).lower() in ("html", "moodle")
    if fmt:
        block = block[fmt.end():]
    start, end = block.find("{"), block.rfind("}")
    if start < 0 or end < start:
        skipped.append(f"{where}: no answer block {{...}}: a description, not imported")
        return None
    before, body, after = block[:start], block[start + 1:end].strip(), block[end + 1:]
    question = _text(before + (" _____ " if after.strip() else "") + after, html)
    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        body = body.strip()
        if fmt := _FORMAT.match(general):  # the feedback may name its own format
            html, general = fmt.group(1).lower() in ("html", "moodle"), general[fmt.end():]
    own = _OWN_TITLE.match(title)
    draft = Draft(question, "", where)
    if own:
        draft.number, draft.id = int(own.group(1)), own.group(2)
    if body.startswith("#") or "->" in body:
        kind = "numerical" if body.startswith("#") else "matching"
        skipped.append(f"{where}: a {kind} question, not imported")
        return None
    if not body:  # essay
        read_answer_side(_restore(general).strip() if html else _escape(_restore(general)), draft)
        return draft
    feedback = _text(general, html)
    tf = re.fullmatch(r"(T|TRUE|F|FALSE)\s*(?:#(.*))?", body, re.DOTALL | re.IGNORECASE)
    if tf:
        truth = "True" if tf.group(1).upper().startswith("T") else "False"
        draft.answer = "\n\n".join(p for p in (truth, _text(tf.group(2) or "", html), feedback) if p)
        return draft
    options = []
    for sign, weight, rest in _OPTION.findall(body):
        answer, _, why = rest.partition("#")
        right = sign == "=" or _credit(weight) > 0  # `~%50%half right` earns credit too
        if answer.strip():
            options.append((right, _text(answer, html), _text(why, html)))
    if not options:
        skipped.append(f"{where}: an answer block that is not GIFT, not imported")
        return None
    right = [a for ok, a, _ in options if ok]
    if any(not ok for ok, _, _ in options):  # multiple choice: the options stay with the question
        draft.question += "\n\n" + "\n".join(f"- {a}" for _, a, _ in options)
        draft.pitfalls = [{"claim": a, "terms": [a], "correction": why}
                          for ok, a, why in options if not ok and why]
        draft.choices = choices(options)
    draft.answer = "\n\n".join(p for p in ("\n".join(f"- {a}" for a in right) if len(right) > 1 else
                                            "".join(right), feedback) if p)
    return draft


def _credit(weight: str) -> float:
    try:
        return float(weight.strip("%")) if weight else 0.0
    except ValueError:
        return 0.0


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")
