"""One bank file read: YAML with positions (duplicate keys noted, every syntax error found),
validated question by question; every problem goes to a list with its file:line:column."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

from quiz.bank.limits import MAX_FILE_BYTES, MAX_FILE_TEXT, read_bounded
from quiz.bank.problems import (
    Problem,
    display,
    entry_label,
    fieldname,
    node_at,
    position,
    problem_at,
    schema_problems,
)
from quiz.model import CONTROL, Fact, Pitfall, visible

_QUOTE_HINT = ("; if the value holds `: ` or ` #`, or starts with `{`, `[` or another YAML sign, "
               "put it in quotes: question: \"...\"")
_HINTED = ("mapping values are not allowed", "did not find expected key", "cannot start any token",
           "did not find expected '-' indicator",
           "expected ',' or '}'", "expected ',' or ']'", "found undefined alias", "found unexpected ':'")
_KEY_LINE = re.compile(r"^(\s*(?:-\s+)?[^\s:#'\"][^:#]*?:)(\s.*)?$")


def _key_column(line: str) -> int:
    """Where the key of a `key: value` line starts (after any `- `), 0-based."""
    m = re.match(r"^(\s*)(-\s+)?", line)
    return len(m.group(0)) if m else 0


def _key_name(line: str) -> str:
    key = _KEY_LINE.match(line)
    return key.group(1).strip().removeprefix("-").strip().rstrip(":").strip() if key else ""


def _syntax_hint(lines: list[str], line: int) -> str:
    """What to do about a syntax error on `line`: quote a value that holds a YAML sign, or
    line up a key with the key above it (which key, at which column)."""
    key = _KEY_LINE.match(lines[line]) if line < len(lines) else None
    if key is None:
        return ""
    col = _key_column(lines[line])
    above = next((a for a in reversed(lines[:line]) if a.strip() and not a.lstrip().startswith("#")), "")
    if _KEY_LINE.match(above) and _key_column(above) != col and not above.rstrip().endswith(":"):
        return (f"; the key `{_key_name(lines[line])}` starts at column {col + 1} and the key "
                f"`{_key_name(above)}` above it at column {_key_column(above) + 1}: the keys of one "
                "mapping start in the same column")
    value = (key.group(2) or "").strip()
    if ": " in value or " #" in value or value[:1] in ("{", "[", "&", "*", "!", "|", ">", "%", "@", "`"):
        return _QUOTE_HINT
    return ""


def yaml_problems(path: Path, text: str, first: Exception) -> list[Problem]:
    """Every YAML syntax error of a file, not only the first, once each: after each one, the
    value on its line is blanked (the line kept, so later positions stay right) and the text
    parsed again; stops when an error does not move forward."""
    import yaml

    problems: list[Problem] = []
    lines = text.split("\n")
    exc: Exception | None = first
    last_line = -1
    while isinstance(exc, yaml.MarkedYAMLError) and len(problems) < 50:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line, mark.column) if mark else (0, 0)
        if problems and line <= last_line:
            break  # the same error again: it is reported once
        what = exc.problem or str(exc)
        hint = _syntax_hint(lines, line) if any(h in what for h in _HINTED) else ""
        problems.append(Problem(display(path), line + 1, col + 1, "", f"YAML syntax error: {what}{hint}"))
        if mark is None or line >= len(lines):
            break
        last_line = line
        key = _KEY_LINE.match(lines[line])
        lines[line] = f'{key.group(1)} ""' if key else ""
        try:
            yaml.compose("\n".join(lines), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            exc = None
        except yaml.YAMLError as again:
            exc = again
    return problems


class Entry:
    """One item of a file's `questions:` list: its validated data (None when invalid), its line,
    and its YAML node, for the position of a problem. A file read event by event keeps only
    where the item is in the text: its node is composed from that text when first asked for."""

    __slots__ = ("raw", "data", "line", "_node", "_where")

    def __init__(self, raw: Any, node: yaml.Node | None, data: dict[str, Any] | None,
                 where: tuple[str, int, int, int, int] | None = None) -> None:
        self.raw = raw  # the item as written, kept only when it is invalid
        self.data = data
        self._node, self._where = node, where  # where: text, line, column (0-based), start, end
        self.line = node.start_mark.line + 1 if node is not None else where[1] + 1 if where else 1

    @property
    def node(self) -> yaml.Node:
        if self._node is None:
            assert self._where is not None
            text, line, column, start, end = self._where
            # the same lines and columns as in the whole file: what precedes it is blank
            loader = _loader_class()("\n" * line + " " * column + text[start:end])
            try:
                self._node = loader.get_single_node()
            finally:
                loader.dispose()
        return self._node


@dataclass
class Parsed:
    path: Path
    deck: str | None
    questions: list[Entry]
    bank_id: str | None = None
    root: Path | None = None
    deck_node: yaml.Node | None = None  # where the file names its deck
    vocabulary: dict[str, list[list[str]]] | None = None  # the file's own `contrasts` and `synonyms`
    facts: tuple[Fact, ...] = ()  # the file's own `facts`, shared by the whole bank
    clean: bool = False  # no control character anywhere in the file, raw or escaped: nothing to make visible
    pitfalls: tuple[Pitfall, ...] = ()  # the file's own bank-wide `pitfalls`, shared by the whole bank


@functools.cache
def _loader_class() -> Any:
    """The safe loader (libyaml's when present) that also notes duplicate mapping keys."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self.duplicates: list[tuple[yaml.Node, yaml.Node]] = []

        if not base.yaml_path_resolvers:  # the safe loader has none: resolve without looking for them

            def descend_resolver(self, current_node: Any, current_index: Any) -> None:
                pass

            def ascend_resolver(self) -> None:
                pass

            def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
                if kind is yaml.ScalarNode:
                    if implicit[0]:
                        for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                            if regexp.match(value):
                                return str(tag)
                    return str(self.DEFAULT_SCALAR_TAG)
                if kind is yaml.SequenceNode:
                    return str(self.DEFAULT_SEQUENCE_TAG)
                return str(self.DEFAULT_MAPPING_TAG)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[tuple[str, str], yaml.Node] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if (key.tag, key.value) in seen:
                        self.duplicates.append((key, seen[(key.tag, key.value)]))
                    else:
                        seen[(key.tag, key.value)] = key
            return super().construct_mapping(node, deep)

    return Loader


def _construct(loader: Any, root: yaml.Node) -> Any:
    """The document's data, as the safe loader would build it, about three times faster.

    Plain strings, lists and mappings (nearly all of a bank) are built here; anything else
    (numbers, null, merge keys, other tags) by the loader. A node reached twice (an alias)
    is built once, so an alias bomb stays small; nesting deeper than Python's recursion
    limit goes to the loader, which does not recurse.
    """
    try:
        return _Builder(loader).build(root)
    except RecursionError:
        loader.duplicates.clear()
        return loader.construct_document(root)


class _Builder:
    STR, SEQ, MAP, MERGE = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "merge"))

    def __init__(self, loader: Any) -> None:
        import yaml

        self.loader = loader
        self.built: dict[int, Any] = {}
        self.kinds = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode

    def build(self, node: yaml.Node) -> Any:
        scalar, sequence, mapping = self.kinds
        kind = node.__class__
        if kind is scalar:
            return node.value if node.tag == self.STR else self.loader.construct_object(node, deep=True)
        if id(node) in self.built:
            return self.built[id(node)]
        if kind is sequence and node.tag == self.SEQ:
            items: list[Any] = []
            self.built[id(node)] = items
            items.extend(self.build(child) for child in node.value)
            return items
        if kind is mapping and node.tag == self.MAP and all(k.tag != self.MERGE for k, _ in node.value):
            return self.mapping(node)
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node) -> dict[Any, Any]:
        from yaml.constructor import ConstructorError

        out: dict[Any, Any] = {}
        self.built[id(node)] = out
        firsts: dict[Any, yaml.Node] = {}
        scalar, build = self.kinds[0], self.build
        for key_node, value_node in node.value:
            plain = key_node.__class__ is scalar and key_node.tag == self.STR
            key = key_node.value if plain else build(key_node)
            try:
                if key in out:
                    self.loader.duplicates.append((key_node, firsts[key]))
                else:
                    firsts[key] = key_node
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found unhashable key", key_node.start_mark) from None
            plain = value_node.__class__ is scalar and value_node.tag == self.STR
            out[key] = value_node.value if plain else build(value_node)
        return out


class _Slow(Exception):
    """The file uses what the event reader leaves to the whole-document path (anchors, aliases,
    tags, duplicate or non-text keys, a root that is not a mapping)."""


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))


def _read_events(loader: Any) -> tuple[dict[str, Any], list[tuple[int, int, int, int]], yaml.Node | None]:
    """The document's data built from the parser's events, as `_construct` builds it from the
    nodes, without a node tree: a 10,000-question file's tree is ~120 MB. Returns the data, where
    each item of `questions:` is (line, column, start, end), and the deck's node."""
    import yaml
    from yaml.events import (
        AliasEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    get, implicit, resolve = loader.get_event, loader.yaml_implicit_resolvers, loader.resolve
    scalar_node = yaml.ScalarNode
    ends: list[Any] = [None]  # the event that closed the last collection built

    def tag_of(ev: Any) -> str:
        tag, value = ev.tag, ev.value
        if tag is None:  # as Loader.resolve: the implicit resolvers of plain scalars, else text
            if ev.implicit[0]:
                for found, regexp in implicit.get(value[:1], ()):
                    if regexp.match(value):
                        return str(found)
            return _STR
        return str(resolve(scalar_node, value, ev.implicit)) if tag == "!" else str(tag)

    def text_key(e: Any) -> bool:
        return e.__class__ is ScalarEvent and e.anchor is None and tag_of(e) == _STR

    def build(ev: Any) -> Any:
        cls = ev.__class__
        if cls is ScalarEvent:
            if ev.anchor is not None:
                raise _Slow
            tag = tag_of(ev)
            if tag == _STR:
                return ev.value
            node = scalar_node(tag, ev.value, ev.start_mark, ev.end_mark, style=ev.style)
            return loader.construct_object(node, deep=True)
        if cls is AliasEvent or ev.anchor is not None:
            raise _Slow
        if cls is SequenceStartEvent:
            if ev.tag not in (None, "!", _SEQ):
                raise _Slow
            items = []
            e = get()
            while e.__class__ is not SequenceEndEvent:
                items.append(build(e))
                e = get()
            ends[0] = e
            return items
        if cls is MappingStartEvent:
            if ev.tag not in (None, "!", _MAP):
                raise _Slow
            out: dict[str, Any] = {}
            e = get()
            while e.__class__ is not MappingEndEvent:
                if not text_key(e) or e.value in out:
                    raise _Slow
                out[e.value] = build(get())
                e = get()
            ends[0] = e
            return out
        raise _Slow

    get(), get()  # the stream's and the document's start
    root: Any = get()
    if root.__class__ is not MappingStartEvent or root.anchor is not None \
            or root.tag not in (None, "!", _MAP):
        raise _Slow
    data: dict[str, Any] = {}
    where: list[tuple[int, int, int, int]] = []
    deck: yaml.Node | None = None
    e = get()
    while e.__class__ is not MappingEndEvent:
        if not text_key(e) or e.value in data:
            raise _Slow
        key: str = e.value
        value: Any = get()
        if key == "questions" and value.__class__ is SequenceStartEvent:
            if value.anchor is not None or value.tag not in (None, "!", _SEQ):
                raise _Slow
            items = []
            item: Any = get()
            while item.__class__ is not SequenceEndEvent:
                items.append(build(item))
                end: Any = (ends[0] if item.__class__ is not ScalarEvent else item).end_mark
                mark: Any = item.start_mark
                where.append((mark.line, mark.column, mark.index, end.index))
                item = get()
            data[key] = items
        else:
            data[key] = build(value)
            if key == "deck" and value.__class__ is ScalarEvent:
                at: Any = value
                deck = scalar_node(tag_of(at), at.value, at.start_mark, at.end_mark, style=at.style)
        e = get()
    get()  # the document's end
    if get().__class__ is not yaml.events.StreamEndEvent:  # another document: the whole path says so
        raise _Slow
    return data, where, deck


# A double-quoted YAML escape that may make a control character: `\e`, `\x1b`, `\u202e`, ...
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0abvfreN])")
_NAMED = {"0": "\0", "a": "\a", "b": "\b", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b", "N": "\x85"}


def _control_escape(text: str) -> bool:
    """Whether an escape in `text` may stand for a control character (an even number of
    backslashes before it is text: `\\\\e`). Only double-quoted scalars have escapes; one
    elsewhere is looked at all the same (then every text is looked at, as without this)."""
    for found in _ESCAPE.finditer(text):
        at = start = found.start()
        while at and text[at - 1] == "\\":
            at -= 1
        if (start - at) % 2:
            continue
        code = found.group(1)
        char = _NAMED.get(code) or chr(min(int(code[1:], 16), 0x10FFFF))
        if CONTROL.match(char):
            return True
    return False


def _control_warnings(path: Path, root: yaml.Node, problems: list[Problem]) -> None:
    """A warning at every text holding a control character (shown made visible, never raw)."""
    import yaml

    stack: list[tuple[yaml.Node, tuple[int | str, ...]]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if (m := CONTROL.search(node.value)) is not None:
                what = f"control character U+{ord(m.group()):04X}"
                msg = f"{what} in the text: it is shown as {visible(m.group())}"
                problems.append(problem_at(path, node, fieldname(loc), msg, "warning"))
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                fields = {k.value: v.value for k, v in child.value if isinstance(v, yaml.ScalarNode)} \
                    if loc == ("questions",) and isinstance(child, yaml.MappingNode) else None
                stack.append((child, tuple(entry_label("questions", i, fields)) if fields is not None
                              else (*loc, i)))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                stack.append((key, loc))
                stack.append((value, (*loc, name)))


def _read_text(path: Path, problems: list[Problem], raw: bytes | None = None) -> str | None:
    """The file's text (of `raw`, the bytes already read, when given); a problem at the real
    line and column when it cannot be had."""
    where = display(path)
    try:
        if raw is None:
            raw = read_bounded(path)
    except OSError as exc:
        problems.append(Problem(where, 1, 1, "", f"cannot read the file: {exc.strerror or exc}"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        try:
            size = f"{path.stat().st_size / 1024 / 1024:.1f} MB"
        except OSError:
            size = f"over {MAX_FILE_TEXT}"
        problems.append(Problem(where, 1, 1, "", f"the file is {size}: a bank file holds at most "
                                f"{MAX_FILE_TEXT} (split it into several files)"))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = raw[: exc.start].decode("utf-8", "replace")
        line, col = position(head, len(head))
        problems.append(Problem(where, line, col, "", f"byte 0x{raw[exc.start]:02x} is not UTF-8: "
                                "save the file as UTF-8"))
        return None


def parse_file(path: Path, problems: list[Problem], root: Path | None = None,
               raw: bytes | None = None) -> Parsed | None:
    """Read and validate one file; every problem goes to `problems` with its position."""
    import yaml
    from pydantic import ValidationError

    from quiz.schema import BankFileSchema

    text = _read_text(path, problems, raw)
    if text is None:
        return None
    clean = CONTROL.search(text) is None and not _control_escape(text)
    if clean:  # nothing to warn about in the texts: read event by event, without the node tree
        fast = _parse_events(path, text, problems, root)
        if fast is not None:
            return fast
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.append(Problem(display(path), 1, 1, "", "the file is empty"))
            return None
        data = _construct(loader, node)
    except yaml.MarkedYAMLError as exc:
        problems.extend(yaml_problems(path, text, exc))
        return None
    except yaml.reader.ReaderError as exc:
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
        line, col = position(text, bad.start()) if bad else (1, 1)
        char = f"U+{ord(bad.group()):04X}" if bad else repr(exc.character)
        msg = f"character {char} is not allowed in a YAML file"
        problems.append(Problem(display(path), line, col, "", msg))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(display(path), 1, 1, "", f"YAML error: {exc}"))
        return None
    finally:
        loader.dispose()
    for key, first in loader.duplicates:
        also = first.start_mark.line + 1
        msg = f"duplicate key '{key.value}' (also at line {also}): the first one would be lost"
        problems.append(problem_at(path, key, "", msg))
    if not clean:  # a raw C1 character, or an escape that makes a control character
        _control_warnings(path, node, problems)
    if isinstance(data, list):  # a bare list of questions is accepted too
        data = {"questions": data}
        node = yaml.MappingNode(
            "tag:yaml.org,2002:map", [(yaml.ScalarNode("", "questions"), node)], start_mark=node.start_mark
        )
    if not isinstance(data, dict):
        problems.append(problem_at(path, node, "", "a bank file holds a mapping with `questions:`"))
        return None
    items: list[Any]
    try:
        bank_file = BankFileSchema.model_validate(data)
        deck, bank_id, items = bank_file.deck, bank_file.bank_id, bank_file.questions
        shared: dict[str, list[list[str]]] = {"contrasts": bank_file.contrasts,
                                               "synonyms": bank_file.synonyms}
        facts = tuple(Fact.from_dict(f.model_dump()) for f in bank_file.facts)
        pitfalls = tuple(Pitfall.from_dict(p.model_dump()) for p in bank_file.pitfalls)
    except ValidationError as exc:  # reported; the questions are still checked, one by one
        problems.extend(schema_problems(path, node, exc.errors(), [], BankFileSchema))
        deck = data.get("deck") if isinstance(data.get("deck"), str) else None
        bank_id = data.get("bank_id") if isinstance(data.get("bank_id"), str) else None
        listed = data.get("questions")
        items = listed if isinstance(listed, list) else []
        shared = {}
        facts, pitfalls = (), ()
    qnode = node_at(node, ["questions"])
    places = [Entry(None, node_at(qnode, [i]), None) for i in range(len(items))]
    deck_node = node_at(node, ["deck"]) if deck else None
    return Parsed(path, deck, _entries(path, items, shared, problems, places), bank_id, root, deck_node,
                  shared, facts, clean, pitfalls)


def _parse_events(path: Path, text: str, problems: list[Problem], root: Path | None) -> Parsed | None:
    """A clean file (no control character to warn about) read event by event. None when it
    needs the whole-document path (anything `_read_events` leaves to it, a syntax error, a bank
    file's schema error): that path then reads it again and reports what it finds, as before."""
    from pydantic import ValidationError

    from quiz.schema import BankFileSchema

    loader = _loader_class()(text)
    try:
        data, where, deck_node = _read_events(loader)
        bank_file = BankFileSchema.model_validate(data)
        del data  # its questions are bank_file's: each goes once validated (see _entries)
    except (_Slow, ValidationError, RecursionError, Exception):  # the whole-document path says what it is
        return None
    finally:
        loader.dispose()
    items: list[Any] = bank_file.questions
    if len(items) != len(where):
        return None
    shared: dict[str, list[list[str]]] = {"contrasts": bank_file.contrasts, "synonyms": bank_file.synonyms}
    facts = tuple(Fact.from_dict(f.model_dump()) for f in bank_file.facts)
    pitfalls = tuple(Pitfall.from_dict(p.model_dump(), True) for p in bank_file.pitfalls)
    places = [Entry(None, None, None, (text, *at)) for at in where]
    return Parsed(path, bank_file.deck, _entries(path, items, shared, problems, places), bank_file.bank_id,
                  root, deck_node if bank_file.deck else None, shared, facts, True, pitfalls)


def _entries(path: Path, items: list[Any], shared: dict[str, list[list[str]]], problems: list[Problem],
             places: list[Entry]) -> list[Entry]:
    """Each item of `questions:` validated on its own (`places[i]` says where it is)."""
    from pydantic import ValidationError

    from quiz.schema import QuestionSchema

    for i, (raw, entry) in enumerate(zip(items, places, strict=True)):
        if not isinstance(raw, dict):  # reported by the bank file's schema
            entry.raw = raw
            continue
        try:
            q = QuestionSchema.model_validate(raw)
        except ValidationError as exc:
            label = entry_label("questions", i, raw)
            problems.extend(schema_problems(path, entry.node, exc.errors(), label, QuestionSchema))
            entry.raw = raw
            continue
        dumped = q.model_dump()
        for name, groups in shared.items():  # the file's vocabulary first, then the question's own
            dumped[name] = [*groups, *dumped[name]]
        entry.data = dumped  # valid: its data is all that is needed, not the raw mapping
        items[i] = None  # the raw mapping goes now, not with the whole file's
    return places
