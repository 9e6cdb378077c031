"""Statements a question's bank entry already holds, for choice and true/false questions.

The key points are true statements; the pitfalls are false ones, each with its correction as
the feedback; and a key point that is a statement (it has a `subject`) gives one more false
one, its contradiction: the point with a word of its subject or terms swapped for a contrasting
one from the bank's `contrasts` ("The last middleware added is the outermost" -> "The first
middleware added is the outermost"), the point itself as the correction. That is the swap the
grader calls a contradiction (quiz.grading.statements), so no author writes it. `statements`
is the one place that says so. `mixed` puts them in an order that gives nothing away (true and
false interleaved), the same order for the same seed.

    for s in mixed(q, seed="v1"):
        print("T" if s.true else "F", s.text, s.feedback)
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from quiz.model import KeyPoint, Question

QuestionKind = Literal["essay", "choice", "truefalse", "all"]
QUESTION_KINDS: tuple[QuestionKind, ...] = ("essay", "choice", "truefalse", "all")
CHOICE_PROMPT = "Select every true statement."
TRUEFALSE_PROMPT = "True or false?"
SINGLE_PROMPT = "Choose one answer."  # an author's choice question with one right option
SEVERAL_PROMPT = "Select every right answer."  # ... with several
TRUE_FEEDBACK = "True: a key point of the answer."
MAX_OPTIONS = 10  # of each kind in one choice question: Moodle's grades go down to 10%


@dataclass(frozen=True)
class Statement:
    """A sentence about the question's subject, whether it holds, and what to tell a student."""

    text: str
    true: bool
    feedback: str  # a true statement: why it holds (may be ""); a false one: the correction


def statements(q: Question) -> list[Statement]:
    """The question's statements: its key points (true), then its pitfalls (false, corrected),
    then the contradictions of its statement points (false, the point as the correction)."""
    out = [Statement(k.point, True, "") for k in q.key_points]
    out += [Statement(p.claim, False, p.correction) for p in q.listed_pitfalls]
    for k in q.key_points:
        swapped = contradiction(k, q.contrasts + k.contrasts)
        if swapped and all(swapped.lower() != s.text.lower() for s in out):
            out.append(Statement(swapped, False, f"It is the other way round: {k.point}"))
    return out


def _word(member: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@.]){re.escape(member)}(?!\w)", re.IGNORECASE)


def contradiction(k: KeyPoint, contrasts: tuple[tuple[str, ...], ...]) -> str:
    """The key point's text with the one contrast member that its subject or terms hold, and its
    text says once (and no other member of its set), swapped for the next member of that set; ""
    for a point with no subject, or none or several such members (the point's text would not
    turn into its opposite)."""
    if not k.subject:
        return ""
    said = " ".join(k.subject + k.terms).lower()
    found: list[tuple[re.Match[str], str]] = []
    for group in contrasts:
        held = [m for m in group if _word(m).search(said)]
        in_text = [(match, m) for m in group for match in _word(m).finditer(k.point)]
        if len(in_text) == 1 and in_text[0][1] in held:  # a text with two members has no opposite
            match, member = in_text[0]
            found.append((match, group[(group.index(member) + 1) % len(group)]))
    if len(found) != 1:
        return ""
    match, other = found[0]
    if match.group()[0].isupper():
        other = other[0].upper() + other[1:]
    return k.point[:match.start()] + other + k.point[match.end():]


def single(q: Question) -> bool:
    """Whether the choice question has one right option (choose one), not several."""
    return bool(q.choices) and sum(c.correct for c in q.choices) == 1


def choice_prompt(q: Question) -> str:
    """What the choice question asks a student to do."""
    if not q.choices:
        return CHOICE_PROMPT
    return SINGLE_PROMPT if single(q) else SEVERAL_PROMPT


def option_feedback(q: Question, s: Statement) -> str:
    """What an option of the choice question tells the student who picked it."""
    if s.feedback:
        return s.feedback
    if not q.choices:
        return TRUE_FEEDBACK
    return "Right." if s.true else "Not right."


def printed(q: Question, truefalse: bool, seed: str = "") -> list[Statement]:
    """What a printed handout asks to tick: the true/false statements, or in the choice version
    the author's own choices when the question has them (else the statements)."""
    if q.choices and not truefalse:
        return choice_options(q, seed)
    return mixed(q, seed)


def truefalse_feedback(s: Statement) -> tuple[str, str]:
    """What a true/false question on `s` tells a student who answered right, and wrong."""
    if s.true:
        return TRUE_FEEDBACK, "It is true: a key point of the answer."
    return f"Right, it is false. {s.feedback}", f"It is false. {s.feedback}"


def mixed(q: Question, seed: str = "") -> list[Statement]:
    """The statements in a shuffled order that depends only on the question's id and `seed`."""
    found = statements(q)
    random.Random(f"{seed}:{q.id}").shuffle(found)
    return found


def choice_options(q: Question, seed: str = "") -> list[Statement]:
    """The options of the question's choice question: the author's `choices` when the bank has
    them (shuffled by `seed`), else made ("select every true statement"): at most MAX_OPTIONS
    true and MAX_OPTIONS false ones; [] when it has no false one (no pitfall)."""
    if q.choices:
        authored = [Statement(c.text, c.correct, c.feedback) for c in q.choices]
        random.Random(f"{seed}:{q.id}").shuffle(authored)
        return authored
    found = mixed(q, seed)
    true = [s for s in found if s.true][:MAX_OPTIONS]
    false = [s for s in found if not s.true][:MAX_OPTIONS]
    if not true or not false:
        return []
    return [s for s in found if s in true or s in false]


# Moodle's grades for an answer, in percent: a fraction of 100 must be one of them.
_GRADES = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667,
           14.28571, 12.5, 11.11111, 10, 5)


def grade(count: int) -> str:
    """The percentage each of `count` options is worth so that they add up to 100, as Moodle
    writes it (`33.33333`): one of Moodle's grades."""
    share = 100 / count
    best = min(_GRADES, key=lambda g: abs(g - share))
    return f"{best:.5f}".rstrip("0").rstrip(".")
