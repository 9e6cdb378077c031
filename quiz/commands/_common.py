"""What every command shares: the bank in force, and shell completion of its names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from quiz.bank import Bank


def bank_paths(ctx: typer.Context) -> list[Path] | None:
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    paths = obj.get("bank")
    if paths is None:  # during completion the callback has not run: read the raw option
        raw = root.params.get("bank")
        paths = list(raw) if raw else None
    return paths


def load(ctx: typer.Context) -> Bank:
    from quiz.bank import load_bank

    return load_bank(bank_paths(ctx))


def _safe_bank(ctx: typer.Context) -> Bank | None:
    try:
        return load(ctx)
    except Exception:  # completion must never print a traceback into the shell
        return None


def complete_bank(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """`--bank`: the built-in banks' names, then the bank files and folders under what is typed."""
    from quiz.model import BUILTIN_BANKS

    out = [(name, "built-in bank") for name in BUILTIN_BANKS if name.startswith(incomplete)]
    prefix = incomplete[: incomplete.rfind("/") + 1]
    try:
        entries = sorted(Path(prefix or ".").expanduser().iterdir())
    except OSError:
        return out
    for p in entries:
        if p.is_dir() or p.suffix in (".yaml", ".yml"):
            value = prefix + p.name + ("/" if p.is_dir() else "")
            if value.startswith(incomplete) and not p.name.startswith("."):
                out.append((value, "folder" if p.is_dir() else "bank file"))
    return out


def complete_question(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    bank = _safe_bank(ctx)
    if bank is None:
        return []
    out = [(q.id, q.question) for q in bank if q.id.startswith(incomplete)]
    out += [(str(q.num), q.question) for q in bank if str(q.num).startswith(incomplete)]
    return out


def complete_topic(ctx: typer.Context, incomplete: str) -> list[str]:
    bank = _safe_bank(ctx)
    return [t for t in bank.topics if t.startswith(incomplete)] if bank else []


def complete_tag(ctx: typer.Context, incomplete: str) -> list[str]:
    bank = _safe_bank(ctx)
    return [t for t in bank.tags if t.startswith(incomplete)] if bank else []


def complete_demo(ctx: typer.Context, incomplete: str) -> list[str]:
    from quiz.demo import builtin_demos

    names = {d.slug for d in builtin_demos()}
    bank = _safe_bank(ctx)
    if bank:
        names |= {q.demo.replace("-", "_") for q in bank if q.demo}
    return sorted(n for n in names if n.startswith(incomplete))


def complete_exercise(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """`quiz practice`: the exercise ids, then the demos that have exercises."""
    from quiz import exercises
    from quiz.demo import all_demos

    bank = _safe_bank(ctx)
    if bank is None:
        return []
    try:
        ids = [(i, "exercise") for i in exercises.exercise_ids(bank) if i.startswith(incomplete)]
        demos = [(d.slug, "demo with exercises") for d in all_demos(bank)
                 if d.slug.startswith(incomplete) and exercises.exercise_file(d).is_file()]
    except Exception:  # a broken bank completes nothing rather than a traceback in the shell
        return []
    return ids + demos


def emit_json(data: Any) -> None:
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def examples(*lines: str) -> str:
    """A help epilog listing example commands, one a line (click keeps `\\b` blocks as typed)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


# --- options several commands share -----------------------------------------------------

TopicOpt = Annotated[
    list[str] | None,
    typer.Option("--topic", "-t", metavar="TOPIC", help="Only this topic (repeatable).",
                 autocompletion=complete_topic, show_default=False),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="TAG", help="Only questions with this tag (repeatable).",
                 autocompletion=complete_tag, show_default=False),
]
