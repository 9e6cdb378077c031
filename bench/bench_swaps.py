"""Swapped statements made from right ones: how many the grader names (a script, not a test).

    uv run python bench/bench_swaps.py [-v]

Every sentence of a right answer the grader may be tuned on (the tuning halves' strong answers of
both corpora, the strong answers of tests/answers/labelled.yaml and blind.yaml) that holds a
member of one of its bank's `contrasts` sets is graded alone; it must not be named (a pitfall or
a contradiction). Then, for each member it holds once, the sentence with that member swapped for
each other member of its set is graded alone: it should be named. Not every swap is false (a
swapped word may still be right, or false only by what the reader knows), so 100% is not the
ceiling; the figure shows the gap between the swaps an answer can make with the bank's own
vocabulary and the ones the grader names. The held-back halves are never read here. `-v` lists
the originals flagged and the swaps missed in sentences holding two sets.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from quiz.bank import load_bank
from quiz.grading import Grade, grade
from quiz.grading.statements import _pattern, groups
from quiz.grading.text import normalise
from quiz.model import BUILTIN_BANKS

ROOT = Path(__file__).parents[1] / "tests" / "answers"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _named(g: Grade) -> bool:
    return bool(g.pitfalls or g.contradictions)


def _right(bank: str) -> list[dict[str, str]]:
    corpus = ROOT / ("corpus" if bank == "fastapi" else "corpus-senior")
    rows = [r for path in sorted(corpus.glob("tune-*.yaml"))
            for r in yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]]
    if bank == "fastapi":
        rows += [r for name in ("labelled", "blind")
                 for r in yaml.safe_load((ROOT / f"{name}.yaml").read_text(encoding="utf-8"))["answers"]]
    return [r for r in rows if r["label"].startswith("strong")]


def main(verbose: bool) -> None:
    originals = flagged = swaps = named = paired = paired_named = 0
    for bank in ("fastapi", "senior"):
        questions = {q.id: q for q in load_bank([BUILTIN_BANKS[bank]])}
        for row in _right(bank):
            q = questions.get(row["question"])
            if q is None:
                continue
            sets = groups(tuple(tuple(g) for g in q.contrasts))
            for sentence in _SENTENCE.split(row["text"]):
                norm = normalise(sentence)
                held = [(i, [m for m in g if _pattern(m).search(norm)]) for i, g in enumerate(sets)]
                held = [(i, ms) for i, ms in held if ms]
                if len(norm.split()) < 3 or not held:
                    continue
                originals += 1
                if _named(grade(sentence, q)):
                    flagged += 1
                    if verbose:
                        print(f"original flagged  {q.id}: {sentence}")
                two = len({tuple(ms) for _, ms in held}) >= 2
                for i, ms in held:
                    member = ms[0]
                    if len(ms) != 1 or any(member != o and _pattern(member).search(o) for o in sets[i]):
                        continue
                    words = r"[\s_-]+".join(map(re.escape, member.replace("_", " ").split()))
                    pattern = re.compile(rf"(?<![\w@.]){words}(?![\w])", re.IGNORECASE)
                    if len(pattern.findall(sentence)) != 1:
                        continue
                    for other in sets[i]:
                        if other == member or member in other:
                            continue
                        swapped = pattern.sub(other.replace("async_def", "async def"), sentence)
                        hit = _named(grade(swapped, q))
                        swaps += 1
                        named += hit
                        paired += two
                        paired_named += two and hit
                        if verbose and two and not hit:
                            print(f"swap missed       {q.id}: {member} -> {other}: {swapped}")
    print(f"right sentences holding a contrast member: {originals}, flagged {flagged}")
    print(f"swaps named: {named} of {swaps} ({named / max(swaps, 1):.0%}); in sentences holding two "
          f"sets: {paired_named} of {paired} ({paired_named / max(paired, 1):.0%})")


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
