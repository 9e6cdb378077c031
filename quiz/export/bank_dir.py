"""The bank itself as a folder: `bank.yaml` and every demo file its questions need.

A question whose demo is the bank's own (a file beside the bank, or a path) gets a copy in
`demos/` (with its companion `<name>_app/` folder and its exercises, `exercises/<name>.yaml`)
and names it by that relative path; a built-in demo stays a name, since every install has
it. The bank's own images come along, at the paths its answers name. The folder validates
(`quiz validate --strict DIR`) and runs (`quiz --bank DIR demo ID`) wherever it is copied.
`write_folder` writes it into a new (or empty) folder through a temporary one beside it, so a
failed export leaves nothing half written.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from quiz.errors import QuizError
from quiz.export import ExportOptions
from quiz.export.json_yaml import render_yaml

if TYPE_CHECKING:
    from quiz.model import Question

BANK_FILE = "bank.yaml"


def _own_demo(q: Question) -> Path | None:
    """The question's demo file when it is the bank's own (not a built-in demo)."""
    from quiz.model import BUILTIN_DEMOS

    path = q.demo_path()
    if path is None or path.parent.resolve() == BUILTIN_DEMOS.resolve():
        return None
    return path


def _tree(folder: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}/{p.relative_to(folder).as_posix()}": p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _beside(demo: Path, stem: str) -> dict[str, bytes]:
    """The data a demo keeps in folders beside it under its own name (`exercises/<demo>.yaml`,
    and any such folder), named after the demo's name in the export."""
    return {f"demos/{sub.name}/{stem}{data.suffix}": data.read_bytes()
            for sub in sorted(demo.parent.iterdir()) if sub.is_dir() and not sub.name.endswith("_app")
            for data in sorted(sub.glob(f"{demo.stem}.*"))
            if data.is_file() and data.suffix in (".yaml", ".yml")}


def files(questions: Sequence[Question], options: ExportOptions) -> dict[str, bytes]:
    """Relative path -> content: the bank file and the demo files it names."""
    out: dict[str, bytes] = {}
    names: dict[Path, str] = {}  # a demo file -> its path in the folder
    exported = []
    for q in questions:
        path = _own_demo(q)
        if path is None:
            exported.append(q)
            continue
        if path not in names:
            stem, n = path.stem, 1
            while f"demos/{stem}.py" in out:
                n += 1
                stem = f"{path.stem}_{n}"
            names[path] = f"demos/{stem}.py"
            out[names[path]] = path.read_bytes()
            companion = path.parent / f"{path.stem}_app"
            if companion.is_dir() and not any(k.startswith(f"demos/{companion.name}/") for k in out):
                out.update(_tree(companion, f"demos/{companion.name}"))
            out.update(_beside(path, stem))
        exported.append(dataclasses.replace(q, demo=names[path]))
    exported = [_with_images(q, out) for q in exported]
    return {BANK_FILE: render_yaml(exported, options).encode("utf-8"), **out}


def _with_images(q: Question, out: dict[str, bytes]) -> Question:
    """Copy the question's own images into `out`, at the path its Markdown names (relative to
    the bank file); one that would land outside the folder, or on another file of that name,
    goes to `images/` and the question names it there."""
    import posixpath
    from urllib.parse import unquote

    from quiz.export.html import media_name

    answer, errata = q.answer, q.errata
    for ref, path in q.images().items():
        data = path.read_bytes()
        rel = posixpath.normpath(unquote(ref))
        if rel.startswith("..") or rel.startswith(f"{BANK_FILE}") or out.get(rel, data) != data:
            rel = f"images/{media_name(path)}"
            answer = answer.replace(f"]({ref}", f"]({rel}").replace(f"](<{ref}>", f"](<{rel}>")
            errata = errata and errata.replace(f"]({ref}", f"]({rel}").replace(f"](<{ref}>", f"](<{rel}>")
        out[rel] = data
    return dataclasses.replace(q, answer=answer, errata=errata)


def write_folder(folder: Path, content: dict[str, bytes]) -> list[Path]:
    """Write the files into `folder`, which must not exist or be empty; the paths written."""
    if folder.is_symlink() or folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise QuizError(f"{folder} already exists and is not an empty folder: choose a new folder with -o.")
    if not folder.parent.is_dir():
        raise QuizError(f"Cannot write {folder}: the folder {folder.parent} does not exist.")
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        for rel, data in content.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.replace(tmp, folder)  # an empty folder is replaced; nothing else can be
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise QuizError(f"Cannot write {folder}: {exc.strerror or exc}.") from None
    return [folder / rel for rel in content]
