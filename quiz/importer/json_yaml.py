"""A bank as one JSON or YAML file (`quiz export --format json|yaml`, or a bank file itself):
every field comes back as written, key points and the bank's own pitfalls included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from quiz.errors import QuizError
from quiz.importer.common import Draft, Read

_LISTS = ("tags", "key_points", "pitfalls", "follow_ups", "references")
_TEXTS = ("id", "errata", "demo")
KNOWN = {"question", "answer", "number", "difficulty", *_LISTS, *_TEXTS}


def _load(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def read(path: Path, text: str) -> Read:
    try:
        data = _load(path, text)
    except ValueError as exc:  # json.JSONDecodeError, and yaml's errors below
        raise QuizError(f"{path}: not valid JSON ({exc}).") from None
    except Exception as exc:  # yaml.YAMLError: imported lazily
        raise QuizError(f"{path}: not valid YAML ({' '.join(str(exc).split())}).") from None
    if isinstance(data, list):
        data = {"questions": data}
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuizError(f"{path}: not a bank (a mapping with a `questions` list).")
    out = Read(deck=data.get("deck") if isinstance(data.get("deck"), str) else None,
               bank_id=data.get("bank_id") if isinstance(data.get("bank_id"), str) else None)
    shared = data.get("pitfalls")
    for i, p in enumerate(shared if isinstance(shared, list) else [], 1):
        if isinstance(p, dict):
            out.pitfalls.append(p)
        else:
            out.skipped.append(f"{path.name}: pitfall {i}: not a pitfall (a mapping of fields), not imported")
    for i, q in enumerate(data["questions"], 1):
        where = f"{path.name}: question {i}"
        if not isinstance(q, dict):
            out.skipped.append(f"{where}: not a question (a mapping of fields), not imported")
            continue
        draft = Draft(str(q.get("question") or ""), str(q.get("answer") or ""), where)
        for name in _TEXTS:
            if isinstance(q.get(name), str):
                setattr(draft, name, q[name])
        for name in _LISTS:
            if isinstance(q.get(name), list):
                setattr(draft, name, q[name])
        for name in ("number", "difficulty"):
            if isinstance(q.get(name), int) and not isinstance(q.get(name), bool):
                setattr(draft, name, q[name])
        out.skipped += [f"{where}: field `{k}` is not a bank field, not carried" for k in q if k not in KNOWN]
        out.drafts.append(draft)
    return out
