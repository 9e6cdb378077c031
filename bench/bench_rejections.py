"""Rejections read as rejections: every pitfall claim (and every fact said the other way round) of
both built-in banks put behind openers that reject it, and behind openers that assert it (a script,
not a test; tests/test_grading_reading.py holds a sample).

    uv run python bench/bench_rejections.py [--show N] [--only tune|check|assert]

A claim counts only when said plainly it is named (the pitfall, or a contradiction for a swapped
fact): the others say nothing here. Then, per opener:

- a *rejecting* opener ("It's a myth that X", "People often assume X, but ...") must name nothing:
  the share flagged is the fair rejections wrongly named (target 0). The openers come in two sets:
  `tune` (the ones rules were read off) and `check` (written apart, never tuned on);
- an *asserting* opener ("I think X", "In my experience, X") must still name it: the share named is
  what the rejection reading leaves of the plain claim's (target 100).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from typing import Any

from quiz.bank import load_bank
from quiz.grading import Grade, grade
from quiz.model import BUILTIN_BANKS, Fact

#: {x}: the claim as a clause (first letter lowered, final dot dropped); {X}: as a sentence start.
TUNE = (
    "It's a myth that {x}.",
    "A common mistake is thinking {x}.",
    "People often assume {x}, but that's not how it works.",
    "{X}? No: that's not how it works.",
    "Many believe {x}; they're mistaken.",
    "Nothing in the docs says {x}.",
    "It's no longer the case that {x}.",
    "You'll read that {x}, which is wrong.",
    "Forget the idea that {x}.",
)
CHECK = (
    "Don't believe anyone who tells you {x}.",
    "The idea that {x} is a misconception.",
    "It is not true that {x}.",
    "A classic misunderstanding: {x}. That isn't so.",
    "Some say {x}. Not so.",
    "Newcomers tend to think {x}, but no.",
    "I used to think {x} until I read the docs.",
    "Never assume {x}.",
    "Avoid the trap of believing {x}.",
)
ASSERT = (
    "{X}.",
    "I think {x}.",
    "In my experience, {x}.",
    "As far as I know, {x}.",
    "Basically, {x}.",
    "Contrary to what many think, {x}.",
    "Yes: {x}.",
    "Honestly, {x}, and that's fine.",
)
OPENERS = {"tune": TUNE, "check": CHECK, "assert": ASSERT}


def _clause(claim: str) -> str:
    text = claim.split(";")[0].strip().rstrip(".")  # the claim's first statement: what follows it asserts
    keep = len(text) > 1 and (text[1].isupper() or not text[1].isalpha())  # "ASGI ...", "@validator"
    return text if keep else text[:1].lower() + text[1:]


def fill(opener: str, claim: str) -> str:
    x = _clause(claim)
    return opener.format(x=x, X=x[:1].upper() + x[1:])


def _swap(fact: Fact, bank_contrasts: tuple[tuple[str, ...], ...]) -> str | None:
    """The fact's text with one word of a contrast group replaced by another of its group."""
    text = fact.fact
    for group in (*fact.contrasts, *bank_contrasts):
        for word in group:
            m = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE)
            if m:
                other = next(w for w in group if w.casefold() != word.casefold())
                return text[:m.start()] + other + text[m.end():]
    return None


def claims() -> Iterator[tuple[str, str, Any, str]]:
    """(kind, claim, question, pitfall claim or "") for every pitfall of both banks (a question's own
    with it; the bank's and every fact swapped once, with the bank's first question)."""
    for name in ("fastapi", "senior"):
        bank = load_bank(None if name == "fastapi" else [BUILTIN_BANKS["senior"]])
        seen: set[tuple[str, str]] = set()
        for q in bank.questions:
            for p in q.pitfalls:
                if (q.id, p.claim) not in seen:
                    seen.add((q.id, p.claim))
                    yield "pitfall", p.claim, q, p.claim
        q = bank.questions[0]
        for p in q.bank_pitfalls:  # the bank's own, looked for in every answer
            yield "pitfall", p.claim, q, p.claim
        for fact in q.facts:
            swapped = _swap(fact, q.contrasts)
            if swapped:
                yield "fact", swapped, q, ""


def named(g: Grade, pitfall: str) -> bool:
    if pitfall:
        return any(h.claim == pitfall for h in g.pitfalls)
    return bool(g.contradictions)


def flagged(g: Grade) -> bool:
    return bool(g.pitfalls or g.contradictions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print this many flagged texts per opener")
    parser.add_argument("--only", choices=tuple(OPENERS), help="one set of openers")
    args = parser.parse_args()
    said = [(kind, claim, q, p) for kind, claim, q, p in claims() if named(grade(fill("{X}.", claim), q), p)]
    every = sum(1 for _ in claims())
    print(f"{len(said)} of {every} claims named when said plainly "
          f"({sum(k == 'fact' for k, *_ in said)} swapped facts)")
    for kind, openers in OPENERS.items():
        if args.only and kind != args.only:
            continue
        total = 0
        print(f"\n{kind}: share {'named' if kind == 'assert' else 'flagged'}")
        for opener in openers:
            bad = []
            for _, claim, q, p in said:
                text = fill(opener, claim)
                g = grade(text, q)
                if (named(g, p) if kind == "assert" else flagged(g)):
                    bad.append(text)
            total += len(bad)
            print(f"  {len(bad) / len(said):5.1%}  {opener}")
            for text in bad[:args.show]:
                print(f"          {text}")
        print(f"  {total / (len(said) * len(openers)):5.1%}  all {len(openers)} openers")


if __name__ == "__main__":
    main()
