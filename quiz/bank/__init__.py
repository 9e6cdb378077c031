"""Question banks: YAML loading with file:line:column errors, the cache, selection.

A bank is a YAML file or a folder of them (read in name order). Every problem of every file
is collected before anything is reported, so an author sees them all at once.

The rooms, each importing only the ones above it:
  problems   Problem, BankError, and the words for a finding (where, what)
  core       Bank: the questions in order, lookup and selection
  yamlfile   one file read: YAML with positions, validated question by question
  cache      a validated bank read back by columns, each question's rest on first use
  loading    a bank from its paths: files combined, validated, or read back from the cache
Nothing here imports the demos or the exercises: they build on the bank, not the other way.
"""

from __future__ import annotations

from quiz.bank.cache import CACHE_KEEP, CACHE_MAX_BYTES, prune_cache
from quiz.bank.core import Bank, derive_bank_id, did_you_mean, matches
from quiz.bank.loading import (
    BANK_SUFFIXES,
    bank_files,
    bank_paths,
    demo_file_problem,
    load_bank,
    load_files,
    validate_paths,
)
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
from quiz.bank.yamlfile import MAX_FILE_BYTES, MAX_FILE_TEXT, gc_paused
from quiz.model import BUILTIN_BANK, BUILTIN_DEMOS, MAX_TEXT, KeyPoint, Question, resolve_demo

# The names bank.py's private helpers had, for code written against them before the split.
_display, _error_node, _fieldname, _message, _node_at, _problem = (
    display, error_node, fieldname, schema_message, node_at, problem_at
)

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
