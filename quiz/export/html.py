"""Markdown to safe HTML, with highlighted code: what every HTML-carrying format uses.

One Markdown dialect everywhere: CommonMark through markdown-it-py (the parser Rich uses
for the terminal), with tables, so a list after a paragraph is a list in every export as
it is on screen. `markdown_html` is the one entry point (`prerender` fills its cache).

The bank's Markdown is an author's text, not trusted markup: raw HTML in it (`<script>`,
`<img onerror=...>`) is shown as text, never passed through; links and images keep only
http, https and mailto targets (and in-page or relative ones), judged as a browser would
read them; characters that no format can carry (C0 controls, lone surrogates) are dropped.

Fenced code is highlighted with Pygments' token types and styles: inline styles by
default, so the HTML looks right wherever it is pasted (Moodle, Anki's text import), or
CSS classes plus `code_css()` where a stylesheet travels with it (an Anki note type).
Python is tokenized with the standard library (four times faster than Pygments' lexer,
which is most of a large export's time), everything else by Pygments' lexers; the
highlighted text always reads back as the code. `prerender` renders an export's texts
once for both kinds of tag (each code block lexed once), keeps them for later exports
(`kept`: a later export of any format renders only what changed), and spreads a large
rendering over the machine's cores.
"""

from __future__ import annotations

import html
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from quiz.export import demo_command, source_line

if TYPE_CHECKING:
    from quiz.export import ExportOptions
    from quiz.model import Question

T = TypeVar("T")
CODE_STYLE = "friendly"  # a light Pygments style that reads well on white cards and pages
_UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def clean(text: str) -> str:
    """The text without characters no export format can carry (controls but tab and newlines)."""
    return _UNCARRIABLE.sub("", text)


def escape(text: str) -> str:
    """Plain text as HTML: `& < > " '` escaped, uncarriable characters dropped."""
    return html.escape(clean(text), quote=True)


def split_code(line: str) -> list[tuple[str, bool]]:
    """The text in pieces, each with whether it is a `code` span (backticks included)."""
    pieces, pos = [], 0
    for m in CODE_SPAN.finditer(line):
        pieces += [(line[pos:m.start()], False), (m.group(0), True)]
        pos = m.end()
    pieces.append((line[pos:], False))
    return [(p, code) for p, code in pieces if p]


def text_html(text: str) -> str:
    """Plain text (a question, a key point) as HTML: `code` spans as <code>, breaks as <br>."""
    text = clean(text).strip().replace("\r\n", "\n")
    if "`" not in text:  # no code span: one piece (most questions, key points, follow-ups)
        return html.escape(text, quote=True).replace("\n", "<br>")
    out = []
    for piece, code in split_code(text):
        if code:
            ticks = len(piece) - len(piece.lstrip("`"))
            out.append(f"<code>{html.escape(piece[ticks:-ticks], quote=True)}</code>")
        else:
            out.append(html.escape(piece, quote=True))
    return "".join(out).replace("\n", "<br>")


def safe_url(url: str) -> str | None:
    """The URL if it is harmless in an href or src (http, https, mailto, relative), else None.

    The scheme is judged as a browser reads it: character references decoded
    (`jav&#x61;script:`), whitespace and control characters dropped (`java\tscript:`).
    """
    url = clean(url).strip()
    probe = "".join(_UNCARRIABLE.sub("", html.unescape(url)).split())
    match = _SCHEME.match(probe)
    if match is None:
        return url  # relative, or a #fragment
    return url if f"{match.group(1).lower()}:" in _SAFE_SCHEMES else None


def link_html(url: str) -> str:
    """A reference URL as a link when its scheme is safe, else as plain text."""
    href = safe_url(url)
    if href is None:
        return escape(url)
    return f'<a href="{escape(href)}">{escape(url)}</a>'


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.lexers.special import TextLexer
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(lang) if lang else TextLexer()
    except ClassNotFound:
        return TextLexer()


def _css_color(value: str) -> str:
    return f"#{value}" if value and all(c in "0123456789abcdefABCDEF" for c in value) else value


@lru_cache(maxsize=2)
def _token_tags(inline_styles: bool) -> tuple[dict[Any, str], str]:
    """Per standard token type, the opening tag that styles it ("" for none); and the
    block's opening tag. Classes are Pygments' own, so `code_css()` styles them."""
    from pygments.styles import get_style_by_name
    from pygments.token import STANDARD_TYPES

    style = get_style_by_name(CODE_STYLE)
    tags: dict[Any, str] = {}
    for ttype, css_class in STANDARD_TYPES.items():
        d = style.style_for_token(ttype)
        css = "; ".join(
            part for part in (
                f"color: {_css_color(d['color'])}" if d["color"] else "",
                "font-weight: bold" if d["bold"] else "",
                "font-style: italic" if d["italic"] else "",
                "text-decoration: underline" if d["underline"] else "",
                f"background-color: {_css_color(d['bgcolor'])}" if d["bgcolor"] else "",
                f"border: 1px solid {_css_color(d['border'])}" if d["border"] else "",
            ) if part
        )
        if not css or not css_class:
            tags[ttype] = ""
        else:
            tags[ttype] = f'<span style="{css}">' if inline_styles else f'<span class="{css_class}">'
    if inline_styles:
        background = _css_color(style.background_color.lstrip("#"))
        opening = f'<div class="highlight" style="background: {background}"><pre style="line-height: 125%">'
    else:
        opening = '<div class="highlight"><pre>'
    return tags, opening


def _tag_for(tags: dict[Any, str], ttype: Any) -> str:
    """The tag of a token type no style names: its nearest standard parent's (memoised)."""
    t = ttype
    while t not in tags and t.parent is not None:
        t = t.parent
    tag = tags[ttype] = tags.get(t, "")
    return tag


_PYTHON = {"python", "py", "python3", "py3"}
_PUNCTUATION = set("()[]{},:;.")


@lru_cache(maxsize=1)
def _python_names() -> tuple[Any, dict[str, Any]]:
    """Pygments' token types, and the token type of every keyword and builtin name."""
    import builtins
    import keyword

    from pygments.token import Token

    names: dict[str, Any] = {}
    for name in dir(builtins):
        obj = getattr(builtins, name)
        if not name.startswith("_"):
            is_exc = isinstance(obj, type) and issubclass(obj, BaseException)
            names[name] = Token.Name.Exception if is_exc else Token.Name.Builtin
    names.update(self=Token.Name.Builtin.Pseudo, cls=Token.Name.Builtin.Pseudo)
    for kw in keyword.kwlist:
        names[kw] = Token.Keyword
    names.update(dict.fromkeys(("True", "False", "None"), Token.Keyword.Constant))
    names.update(dict.fromkeys(("and", "or", "not", "in", "is"), Token.Operator.Word))
    names.update(dict.fromkeys(("import", "from"), Token.Keyword.Namespace))
    return Token, names


def _python_tokens(code: str) -> list[tuple[Any, str]] | None:
    """Python source as Pygments-typed tokens, read with the standard `tokenize` module.

    Four times faster than Pygments' regex lexer, which dominates a large export. The
    text between tokens (spaces, newlines, line continuations) is kept as it is, so the
    tokens always join back into `code`. None when `tokenize` cannot read the code (a
    fragment, a syntax error): Pygments' lexer takes it then.
    """
    import io
    import tokenize

    token, names = _python_names()
    lines = io.StringIO(code).readlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    out: list[tuple[Any, str]] = []
    pos, prev, decorating, namespace, fstring = 0, "", False, False, 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            kind, text = tok.type, tok.string
            if kind in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                if kind in (tokenize.NEWLINE, tokenize.NL):
                    prev = "\n"
                if kind == tokenize.NEWLINE:
                    namespace = decorating = False
                continue
            if kind == tokenize.ERRORTOKEN and not text.isspace():
                return None
            start = starts[tok.start[0] - 1] + tok.start[1]
            end = starts[tok.end[0] - 1] + tok.end[1]
            if start > pos:
                out.append((token.Text, code[pos:start]))
            pos = end
            name = tokenize.tok_name[kind]
            if name == "FSTRING_START":  # Python 3.12+: an f-string comes in pieces
                fstring += 1
            if fstring or name in ("STRING", "FSTRING_MIDDLE"):
                ttype = token.String.Double if '"' in text[:4] else token.String.Single
            elif kind == tokenize.COMMENT:
                ttype = token.Comment.Single
            elif kind == tokenize.NUMBER:
                ttype = token.Number
            elif kind == tokenize.OP:
                if text == "@" and prev in ("", "\n"):
                    decorating = True
                elif text != ".":
                    decorating = False
                ttype = (token.Name.Decorator if decorating
                         else token.Punctuation if text in _PUNCTUATION else token.Operator)
            elif kind == tokenize.NAME:
                ttype = names.get(text, token.Name) if prev != "." else token.Name
                if decorating:
                    ttype = token.Name.Decorator
                elif prev == "def":
                    ttype = token.Name.Function
                elif prev == "class":
                    ttype = token.Name.Class
                elif text in ("import", "from"):
                    namespace = text == "from" or prev in ("", "\n")
                elif namespace and ttype is token.Name:
                    ttype = token.Name.Namespace
            else:
                ttype = token.Text
            if name == "FSTRING_END":
                fstring -= 1
            out.append((ttype, code[start:end]))
            prev = text
    except (tokenize.TokenError, SyntaxError):
        return None
    if pos < len(code):
        out.append((token.Text, code[pos:]))
    return out


def highlight(code: str, lang: str, *, inline_styles: bool = True) -> str:
    """Code as a highlighted `<div class="highlight"><pre><code>` block (Pygments' lexers).

    Pygments' own HtmlFormatter builds its stylesheet for every block; this one keeps the
    lexers and each token type's tag, which makes a 10,000-question export several times
    faster, and merges neighbouring tokens of the same style (whitespace joins any).
    """
    return _code_html(_code_tokens(code, lang), inline_styles)


def _code_tokens(code: str, lang: str) -> list[tuple[Any, str]]:
    """The code's tokens (the costly half of highlighting: done once for both kinds of tag)."""
    lang = lang.lower()
    code = code.strip("\n") + "\n"  # as Pygments' lexers take it (stripnl, ensurenl)
    tokens = _python_tokens(code) if lang in _PYTHON else None
    return tokens if tokens is not None else list(_lexer(lang).get_tokens(code))


def _code_html(tokens: list[tuple[Any, str]], inline_styles: bool) -> str:
    """Tokens as the highlighted block, styled inline or by classes."""
    tags, opening = _token_tags(inline_styles)
    runs: list[tuple[str, str]] = []
    current, run = "", []
    for ttype, value in tokens:
        if value.isspace():  # whitespace shows no style: it joins whatever run it is in
            run.append(value)
            continue
        tag = tags.get(ttype)
        if tag is None:
            tag = _tag_for(tags, ttype)
        if tag != current:
            if run:
                runs.append((current, "".join(run)))
            current, run = tag, []
        run.append(value)
    if run:
        runs.append((current, "".join(run)))
    return f"{opening}<code>{_code_lines(runs, inline_styles)}</code></pre></div>"


MAX_HANG = 40  # a wrapped code line continues this many columns in at most (then 2 more)


def _code_lines(runs: list[tuple[str, str]], inline_styles: bool) -> str:
    """Highlighted runs as one block per source line, each with a hanging indent: a line too
    long for the page wraps under its own indentation (2 columns in), never at column 0."""
    lines: list[list[tuple[str, str]]] = [[]]
    for tag, text in runs:
        for i, part in enumerate(text.split("\n")):
            if i:
                lines[-1].append(("", "\n"))
                lines.append([])
            if part:
                lines[-1].append((tag, part))
    out = []
    for line in lines:
        if not line:
            continue
        raw = "".join(text for _, text in line)
        indent = min(len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip(" ")), MAX_HANG)
        body = "".join(
            f"{tag}{_escape_code(text)}</span>" if tag else _escape_code(text) for tag, text in line)
        if inline_styles:
            hang = indent + 2
            out.append(f'<span style="display: block; padding-left: {hang}ch; text-indent: -{hang}ch">'
                       f"{body}</span>")
        else:
            out.append(f'<span class="qi{indent}">{body}</span>')
    return "".join(out)


def _escape_code(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_BLOCK = "\x00"  # marks where a code block goes in rendered Markdown: `clean` text never holds it


def _code_rule(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    """markdown-it's render rule for fenced and indented code: a mark where the block goes,
    the block kept in `env` (highlighted by `_convert`, once for every kind of tag)."""
    token = tokens[idx]
    info = token.info.strip().split(maxsplit=1) if token.type == "fence" else []
    env["quiz_code"].append((token.content, info[0].strip("{}.") if info else ""))
    return f"{_BLOCK}{len(env['quiz_code']) - 1}{_BLOCK}\n"


def _drop_unsafe_targets(state: Any) -> None:
    """A link whose target is unsafe keeps its words and loses its href; such an image
    becomes its alt text."""
    for block in state.tokens:
        for token in block.children or ():
            if token.type == "link_open":
                href = token.attrGet("href")
                if href is not None and safe_url(str(href)) is None:
                    del token.attrs["href"]
            elif token.type == "image":
                src = token.attrGet("src")
                if src is not None and safe_url(str(src)) is None:
                    token.type, token.tag, token.attrs = "text", "", {}
                    token.content = "".join(c.content for c in token.children or ())
                    token.children = None


@lru_cache(maxsize=1)
def _parser() -> Any:
    """The one Markdown parser of every export: CommonMark (markdown-it-py, as the terminal's
    Rich) with tables, raw HTML as text, only safe link and image targets, code highlighted."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # judged by _drop_unsafe_targets
    md.core.ruler.push("quiz_safe_targets", _drop_unsafe_targets)
    md.add_render_rule("fence", _code_rule)
    md.add_render_rule("code_block", _code_rule)
    return md


def markdown_tokens(text: str) -> list[Any]:
    """The bank's Markdown as markdown-it tokens, parsed as `markdown_html` parses it."""
    return list(_parser().parse(clean(text)))


_LANGUAGE_NAME = re.compile(r"[\w#+.-]+")
BOTH = (False, True)  # HTML with classes (a stylesheet travels with it), and with inline styles
_KIND = {False: "classes", True: "inline"}  # their names among the kept renderings


def _convert(text: str, styles: Sequence[bool] = BOTH) -> list[str]:
    """The Markdown as HTML once per kind of tag in `styles` (inline or not): parsed and
    rendered once, each code block lexed once."""
    env: dict[str, Any] = {"quiz_code": []}
    out = str(_parser().render(clean(text), env)).rstrip("\n")
    if not env["quiz_code"]:
        return [out for _ in styles]
    pieces = out.split(_BLOCK)  # text, block number, text, block number, ..., text
    done: list[list[str]] = [[] for _ in styles]
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            for parts in done:
                parts.append(piece)
            continue
        code, lang = env["quiz_code"][int(piece)]
        tokens = _code_tokens(code, lang)
        for parts, inline_styles in zip(done, styles, strict=True):
            block = _code_html(tokens, inline_styles)
            if _LANGUAGE_NAME.fullmatch(lang):  # as HTML writes it, for any reader and `quiz import`
                block = block.replace("<code>", f'<code class="language-{lang}">', 1)
            parts.append(block)
    return ["".join(parts) for parts in done]


def _chunk(function: Callable[[str], T], texts: list[str]) -> list[T]:
    return [function(t) for t in texts]


def in_workers(function: Callable[[str], T], texts: list[str], workers: int | None = None) -> list[T]:
    """`function` (a module's own, so a worker finds it by name) of each text: spread over the
    machine's cores when there are many (forked worker processes, where the platform can fork
    and no thread runs that a fork could catch half-way), else here."""
    if workers is None:
        workers = min(_cores(), 4) if len(texts) >= PARALLEL_FROM else 1
    can_fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if workers <= 1 or not can_fork:
        return _chunk(function, texts)
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(texts) // (workers * 4))
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return [out for part in pool.map(_chunk, [function] * len(chunks), chunks) for out in part]


_ready: dict[tuple[str, bool], str] = {}  # what `prerender` made for the export under way
PARALLEL_FROM = 800  # texts; below this, starting processes costs more than it saves


def markdown_html(text: str, *, inline_styles: bool = True) -> str:
    """Markdown to HTML: raw HTML escaped, code fences highlighted, unsafe links dropped."""
    if not text.strip():
        return ""
    ready = _ready.get((text, inline_styles))
    return ready if ready is not None else _convert(text, (inline_styles,))[0]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def prerender(texts: Iterable[str], *, inline_styles: bool = True, workers: int | None = None,
              keep: bool = True) -> None:
    """Render many Markdown texts at once, for the `markdown_html` calls of one export.

    What an earlier export rendered is read from the kept renderings (`kept`, with `keep`);
    the rest is rendered once for both kinds of tag (so the next export, of any format, reads
    it) and kept; a large rendering is spread over the machine's cores (`in_workers`). What
    was rendered for an earlier export in this process is forgotten.
    """
    from quiz.export import kept

    _ready.clear()
    todo = list(dict.fromkeys(t for t in texts if t.strip()))
    found = kept.read(todo, _KIND[inline_styles]) if keep else {}
    _ready.update(((t, inline_styles), html) for t, html in found.items())
    todo = [t for t in todo if t not in found]
    done = in_workers(_convert, todo, workers)
    made = {(t, style): html for t, both in zip(todo, done, strict=True)
            for style, html in zip(BOTH, both, strict=True)}
    _ready.update(made)
    if keep:
        kept.write({(t, _KIND[style]): html for (t, style), html in made.items()})


def code_css() -> str:
    """The stylesheet for `markdown_html(..., inline_styles=False)` output."""
    from pygments.formatters import HtmlFormatter

    styles = str(HtmlFormatter(style=CODE_STYLE).get_style_defs(".highlight"))  # type: ignore[no-untyped-call]
    return styles + "\n" + hang_css()


def hang_css() -> str:
    """The hanging indent of each code line, by its indentation (`highlight` with classes)."""
    rule = ".highlight .qi{n} {{ display: block; padding-left: {h}ch; text-indent: -{h}ch; }}"
    return "\n".join(rule.format(n=n, h=n + 2) for n in range(MAX_HANG + 1))


def prerender_questions(questions: Sequence[Question], *, inline_styles: bool = True) -> None:
    """`prerender` the Markdown of the questions: their answers and errata."""
    prerender([t for q in questions for t in (q.answer, q.errata or "")], inline_styles=inline_styles)


_IMG_SRC = re.compile(r'(<img src=")([^"]*)(")')


def replace_images(fragment: str, q: Question, new_src: Callable[[str, Path], str | None]) -> str:
    """Rendered HTML with each of the bank's own images (`Question.images`) given the `src`
    that `new_src(reference, file)` returns (None leaves it as it is)."""
    if "<img" not in fragment:
        return fragment
    files = q.images()
    if not files:
        return fragment

    def swap(m: re.Match[str]) -> str:
        from urllib.parse import unquote

        src = html.unescape(m.group(2))
        path = files.get(src) or next((p for r, p in files.items() if unquote(r) == unquote(src)), None)
        new = new_src(src, path) if path is not None else None
        return m.group(0) if new is None else f"{m.group(1)}{escape(new)}{m.group(3)}"

    return _IMG_SRC.sub(swap, fragment)


def data_uri(path: Path) -> str:
    """A file as a `data:` URI (an image inside a self-contained HTML file)."""
    import base64
    import mimetypes

    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def media_name(path: Path) -> str:
    """A bank image's name among Anki's media or Moodle's files: flat, and unique by content."""
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem)[:60] or "image"
    return f"quiz-{stem}-{digest}{path.suffix.lower()}"


def mistakes_html(q: Question) -> str:
    """The question's pitfalls as a `<ul class="mistakes">` ("" when it has none): each the
    claim and its correction, shown as "Mistake: ... Instead: ...", in classed spans with the
    grader's terms in `data-terms` (JSON), so an import reads every field back."""
    import json

    items = []
    for p in q.listed_pitfalls:
        data = {"terms": list(p.terms)} | ({"since": p.since} if p.since else {}) \
            | ({"reference": p.reference} if p.reference else {}) \
            | ({"subject": list(p.subject)} if p.subject else {})
        since = f' <span class="since">({text_html(p.since)})</span>' if p.since else ""
        ref = f" {link_html(p.reference)}" if p.reference else ""
        items.append(f'<li class="pitfall" data-pitfall="{escape(json.dumps(data, ensure_ascii=False))}">'
                     f'<strong>Mistake:</strong> <span class="claim">{text_html(p.claim)}</span><br>'
                     f'<strong>Instead:</strong> <span class="correction">{text_html(p.correction)}</span>'
                     f"{since}{ref}</li>")
    return f'<ul class="mistakes">{"".join(items)}</ul>' if items else ""


def answer_side(q: Question, options: ExportOptions, *, inline_styles: bool = True) -> str:
    """The answer side of a card in one piece of HTML: the model answer, key points, common
    mistakes, errata, follow-ups, the demo command, the source and references."""
    parts = [markdown_html(q.answer, inline_styles=inline_styles)]
    parts.append("<p><strong>Key points</strong></p><ul>"
                 + "".join(f"<li>{text_html(k.shown)}</li>" for k in q.key_points) + "</ul>")
    if q.listed_pitfalls:
        parts.append("<p><strong>Common mistakes</strong></p>" + mistakes_html(q))
    if q.errata:
        errata = markdown_html(q.errata, inline_styles=inline_styles)
        parts.append("<p><strong>What changed</strong></p>" + errata)
    if q.follow_ups:
        parts.append("<p><strong>Follow-ups</strong></p><ul>"
                     + "".join(f"<li>{text_html(f)}</li>" for f in q.follow_ups) + "</ul>")
    footer = [escape(source_line(q, options.deck))]
    command = demo_command(q, options.banks)
    if command:
        footer.append(f"See it run: <code>{escape(command)}</code>")
    footer += [link_html(r) for r in q.references]
    parts.append("<p>" + "<br>".join(footer) + "</p>")
    return "\n".join(parts)
