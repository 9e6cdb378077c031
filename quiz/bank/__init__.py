"""Question banks: YAML loading with file:line:column errors, the cache, selection.

A bank is a YAML file or a folder of them (read in name order). Every problem of every file
is collected before anything is reported, so an author sees them all at once.

The rooms, each importing only the ones above it:
  limits     a bank file's size limit, reading it, the collector paused while parsing
  problems   Problem, BankError, and the words for a finding (where, what)
  core       Bank: the questions in order, lookup and selection
  yamlfile   one file read: YAML with positions, validated question by question
  cache      a validated bank read back by columns, each question's rest on first use
  loading    a bank from its paths: read back from the cache, or parsed
  parsing    files combined into one bank and validated, every problem found
Nothing here imports the demos or the exercises: they build on the bank, not the other way.
A bank read back from the cache needs neither `problems`, `yamlfile` nor `parsing`: their
names here are imported on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quiz.bank.cache import CACHE_KEEP, CACHE_MAX_BYTES, prune_cache
from quiz.bank.core import Bank, derive_bank_id, did_you_mean, matches
from quiz.bank.limits import MAX_FILE_BYTES, MAX_FILE_TEXT, gc_paused
from quiz.bank.loading import BANK_SUFFIXES, bank_files, bank_paths, load_bank
from quiz.model import BUILTIN_BANK, BUILTIN_DEMOS, MAX_TEXT, KeyPoint, Question, resolve_demo

if TYPE_CHECKING:
    from quiz.bank.parsing import demo_file_problem, load_files, validate_paths
    from quiz.bank.problems import (
        BankError,
        Problem,
        display,
        entry_label,
        error_node,
        fieldname,
        node_at,
        problem_at,
        schema_message,
        schema_problems,
    )

_LAZY = {
    "parsing": ("demo_file_problem", "load_files", "validate_paths"),
    "problems": ("BankError", "Problem", "display", "entry_label", "error_node", "fieldname", "node_at",
                 "problem_at", "schema_message", "schema_problems"),
}
# The names bank.py's private helpers had, for code written against them before the split.
_OLD_NAMES = {"_display": "display", "_error_node": "error_node", "_fieldname": "fieldname",
              "_message": "schema_message", "_node_at": "node_at", "_problem": "problem_at"}


def __getattr__(name: str) -> Any:
    import importlib

    name = _OLD_NAMES.get(name, name)
    for module, names in _LAZY.items():
        if name in names:
            return getattr(importlib.import_module(f"quiz.bank.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BANK_SUFFIXES",
    "BUILTIN_BANK",
    "BUILTIN_DEMOS",
    "CACHE_KEEP",
    "CACHE_MAX_BYTES",
    "MAX_FILE_BYTES",
    "MAX_FILE_TEXT",
    "MAX_TEXT",
    "Bank",
    "BankError",
    "KeyPoint",
    "Problem",
    "Question",
    "bank_files",
    "bank_paths",
    "demo_file_problem",
    "derive_bank_id",
    "did_you_mean",
    "display",
    "entry_label",
    "error_node",
    "fieldname",
    "gc_paused",
    "load_bank",
    "load_files",
    "matches",
    "node_at",
    "problem_at",
    "prune_cache",
    "resolve_demo",
    "schema_message",
    "schema_problems",
    "validate_paths",
]
