"""Export a bank's questions to the tools students already use: one module per format.

`FORMATS` maps a format name to its `Format`: the module that renders it (imported only
when that format is used, so `quiz --help` never pays for genanki, markdown or pygments),
whether its output is binary, the file suffixes that imply it, and one line of help.
Every module has `render(questions, options) -> str | bytes` (json_yaml has one per format).

    from quiz.export import ExportOptions, get_format
    data = get_format("gift").render(bank.questions, ExportOptions(deck=bank.deck))
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from quiz.errors import QuizError

if TYPE_CHECKING:
    from quiz.model import Question

__all__ = [
    "ANSWER_MODES", "BUILTIN_BANK_ID", "FORMATS", "LAYOUTS", "ExportOptions", "Format", "demo_command",
    "format_for_path", "get_format", "note_guid", "shell_quote", "source_line",
]

BUILTIN_BANK_ID = "quiz-fastapi"  # the built-in bank's `bank_id`
AnswerMode = Literal["inline", "end", "none"]
ANSWER_MODES: tuple[AnswerMode, ...] = ("inline", "end", "none")
Layout = Literal["compact", "page"]
QuestionKind = Literal["essay", "choice", "truefalse", "all"]
LAYOUTS: tuple[Layout, ...] = ("compact", "page")


@dataclass(frozen=True)
class ExportOptions:
    """What every format may need besides the questions.

    - `deck`: the deck's title (the handout's title, the Anki deck, the Moodle category).
    - `bank_id`: the bank's identity (`Bank.bank_id`): Anki note GUIDs are made from it and
      the question id, so two banks with the same question id never share a note.
    - `answers`: the handouts' answers: `inline`, at the `end`, or `none`.
    - `banks`: the names a student gives the bank on the command line (the folder's or the
      file's name, never the author's path), for the `quiz demo` command of a question whose
      demo is the bank's own; empty for the built-in bank.
    - `timestamp`: when the export was made (seconds since the epoch), for the Anki notes'
      modification time; None means now. Tests pass a fixed one.
    - `subdecks`: Anki: one subdeck per topic (`Deck::topic`).
    - `tag_prefix`: Anki: every tag under this parent (`course::security`).
    - `space`: the HTML handout: ruled lines left under each question to write an answer in.
    - `bom`: CSV: start with a UTF-8 byte order mark, so Excel reads the text as UTF-8.
    - `questions`: GIFT, Moodle XML and the HTML handout: which kinds of question to make of
      each bank question: `essay` (the question itself), `choice` (select every true statement:
      key points true, pitfalls false), `truefalse` (one per statement), or `all`.
    - `seed`: the order of the statements (the same seed, the same order).
    - `label`: an exam paper's version (`A`), shown in its title and its key's.
    - `numbered`: an exam paper: questions numbered 1, 2, ... in the paper's order (else by
      their numbers in the bank).
    - `key_only`: the HTML handout: only the answer key (an exam paper's key, printed apart).
    - `layout`: the HTML handout in print: questions one after another (`compact`), or each
      on its own page (`page`).
    """

    deck: str = "FastAPI Advanced Interview"
    bank_id: str = BUILTIN_BANK_ID
    answers: AnswerMode = "inline"
    banks: tuple[str, ...] = ()
    timestamp: float | None = None
    subdecks: bool = False
    tag_prefix: str = ""
    space: int = 0
    bom: bool = True
    layout: Layout = "compact"
    questions: QuestionKind = "essay"
    seed: str = ""
    label: str = ""
    numbered: bool = False
    key_only: bool = False

    def makes(self, kind: QuestionKind) -> bool:
        """Whether this export makes questions of `kind` (`questions` is it, or `all`)."""
        return self.questions in (kind, "all")


class _Renderer(Protocol):
    def __call__(self, questions: Sequence[Question], options: ExportOptions) -> str | bytes: ...


class _FilesMaker(Protocol):
    def __call__(self, questions: Sequence[Question], options: ExportOptions) -> dict[str, bytes]: ...


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    binary: bool
    suffixes: tuple[str, ...]
    summary: str
    function: str = "render"
    folder: bool = False  # written as a folder of files (`files`), not one file (`render`)

    def render(self, questions: Sequence[Question], options: ExportOptions) -> str | bytes:
        """The questions in this format: bytes when `binary`, else text."""
        renderer: _Renderer = getattr(importlib.import_module(self.module), self.function)
        with _gc_paused():
            return renderer(questions, options)

    def files(self, questions: Sequence[Question], options: ExportOptions) -> dict[str, bytes]:
        """A folder format's files: relative path -> content."""
        maker: _FilesMaker = getattr(importlib.import_module(self.module), self.function)
        with _gc_paused():
            return maker(questions, options)


def _gc_paused() -> AbstractContextManager[None]:
    """The cyclic collector paused while an export is made: it builds hundreds of thousands
    of small objects that live until it is written (YAML's nodes, the notes, the rows), and
    each collection walks them all again (half of a 10,000-question YAML export's time)."""
    from quiz.bank.limits import gc_paused

    return gc_paused()


_ALL = [
    Format("apkg", "quiz.export.apkg", True, (".apkg",),
           "Anki deck (needs -o); importing a newer one updates the notes"),
    Format("anki-tsv", "quiz.export.anki_tsv", False, (".tsv",),
           "Anki's text import: tab-separated HTML fields, header lines"),
    Format("csv", "quiz.export.csv_", False, (".csv",),
           "one row per question, for spreadsheets (a UTF-8 BOM unless --no-bom)"),
    Format("markdown", "quiz.export.markdown_", False, (".md", ".markdown"),
           "a printable handout: title, contents, questions (--answers)"),
    Format("html", "quiz.export.handout", False, (".html", ".htm"),
           "a printable handout in one self-contained file (--answers, --space)"),
    Format("flashcards", "quiz.export.flashcards", False, (),
           "term TAB definition, one card a line: paste into Quizlet's import box"),
    Format("json", "quiz.export.json_yaml", False, (".json",),
           "the bank itself, as JSON", "render_json"),
    Format("yaml", "quiz.export.json_yaml", False, (".yaml", ".yml"),
           "the bank itself, as YAML (quiz validate and --bank read it)", "render_yaml"),
    Format("gift", "quiz.export.gift", False, (".gift",),
           "Moodle GIFT: essay questions, the model answer as feedback"),
    Format("moodle-xml", "quiz.export.moodle_xml", False, (".xml",),
           "Moodle XML: essay questions, the model answer as feedback"),
    Format("bank", "quiz.export.bank_dir", False, (),
           "a bank folder (needs -o DIR): the YAML and the demo files it needs", "files", folder=True),
]
FORMATS: dict[str, Format] = {f.name: f for f in _ALL}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        from quiz.bank import did_you_mean

        names = ", ".join(FORMATS)
        raise QuizError(f"There is no export format '{name}'.{did_you_mean(name, FORMATS)} "
                        f"Formats: {names}.") from None


def format_for_path(path: Path) -> Format | None:
    """The format a file name implies (`deck.apkg` -> apkg), or None."""
    name = path.name.lower()
    for fmt in _ALL:
        if any(name.endswith(s) for s in fmt.suffixes):
            return fmt
    return None


# --- what several formats show the same way -------------------------------------------


def note_guid(q: Question, bank_id: str = BUILTIN_BANK_ID) -> str:
    """The Anki note GUID of a question: from the bank's identity and the question's id.

    Edits to a question keep its note; two banks that both have a `middleware` question
    get two notes. The built-in bank keeps the GUIDs it always had (from the id alone), so
    decks imported before bank ids existed still update in place.
    """
    import genanki  # type: ignore[import-untyped]

    if bank_id == BUILTIN_BANK_ID:
        return str(genanki.guid_for("quiz", q.id))
    return str(genanki.guid_for("quiz", bank_id, q.id))


def demo_command(q: Question, banks: Sequence[str] = ()) -> str:
    """The command that runs the question's demo, as a student types it; "" when it has none.

    A built-in demo runs by its name anywhere (`quiz demo middleware`); a bank's own demo
    through the bank, named as the student has it (`quiz --bank course-bank demo my-q`),
    never by the author's path.
    """
    if not q.demo:
        return ""
    builtin = _builtin_demo(q.demo, q.source.parent)
    if builtin:
        return f"quiz demo {builtin}"
    if not banks:
        return f"quiz demo {q.id}"
    return "quiz " + "".join(f"--bank {shell_quote(b)} " for b in banks) + f"demo {q.id}"


@lru_cache(maxsize=4096)
def _builtin_demo(demo: str, bank_dir: Path) -> str:
    """The built-in demo's name a question's `demo` resolves to, or "" (memoised: one export
    asks for every question, and each lookup touches the file system)."""
    from quiz.model import BUILTIN_DEMOS, resolve_demo

    path = resolve_demo(demo, bank_dir)
    return path.stem if path is not None and path.parent.resolve() == BUILTIN_DEMOS.resolve() else ""


def shell_quote(arg: str) -> str:
    """An argument as a POSIX shell reads it: as is when plain, else in single quotes."""
    if arg and all(c.isalnum() or c in "-_./~:+@%=," for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def source_line(q: Question, deck: str) -> str:
    """Where the question comes from, in words: `FastAPI Advanced Interview #3 (middleware)`."""
    return f"{deck} #{q.num} ({q.id})"
