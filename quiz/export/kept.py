"""Renderings made by earlier exports, kept so that the next export renders only what changed.

A Markdown text's HTML (an answer or errata, with highlighted code) and its flash-card text
depend only on the text and on the renderer, so every format of every later export reads
them from here: one SQLite file under the cache folder (`html/kept.sqlite`), a row a text
and kind (`classes`: HTML styled by classes, `inline`: by inline styles, `plain`: the
flash card's one line), keyed by the SHA-256 of the renderer's stamp, the kind and the text.
The stamp changes with quiz's version, markdown-it's, Pygments' and the renderers' own
source, so an upgrade renders again.

What is kept goes into exports as it is, so it is trusted only with its mark: an HMAC-SHA256,
keyed by a secret made for this user (`render-key` beside the progress, never in the cache
folder), of the row's key and HTML. A row planted in the cache, or copied from another
machine, fails the check and that text is rendered again. Anything wrong with the file
(locked, corrupt, read-only) only costs speed: the export renders what it could not read.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from quiz import __version__
from quiz.paths import cache_dir, user_dir

FOLDER = "html"
DATABASE = "kept.sqlite"
KEY_FILE = "render-key"  # in user_dir(), listed in quiz.paths.OWN_FILES
KEEP = 100_000  # rows (a text in one kind: ~0.8 KB each); beyond, the least recently used half goes
_TOUCH_AFTER = 86_400  # a row's last use is written again at most once a day


@lru_cache(maxsize=1)
def _stamp() -> bytes:
    """What the rendering depends on besides the text: changes when any of it is upgraded."""
    parts = [__version__]
    for name in ("markdown_it", "pygments"):
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        with contextlib.suppress(OSError, TypeError):
            parts.append(f"{name}:{os.stat(Path(origin).parent).st_mtime_ns}")  # type: ignore[arg-type]
    for renderer in ("html.py", "flashcards.py"):
        with contextlib.suppress(OSError):
            parts.append(hashlib.sha256(Path(__file__).with_name(renderer).read_bytes()).hexdigest())
    return "\n".join(parts).encode()


def _secret() -> bytes | None:
    """This user's key for the marks: read, or made once (None when it cannot be)."""
    path = user_dir() / KEY_FILE
    with contextlib.suppress(OSError):
        data = path.read_bytes()
        return data if len(data) == 32 else None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another export made it just now
        with contextlib.suppress(OSError):
            data = path.read_bytes()
            return data if len(data) == 32 else None
        return None
    except OSError:
        return None
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


KINDS = ("classes", "inline", "plain")


def key(text: str, kind: str) -> bytes:
    """The row's key: the renderer's stamp, the kind and the text, hashed."""
    parts = [_stamp(), kind.encode(), text.encode("utf-8", "surrogatepass")]
    return hashlib.sha256(b"\0".join(parts)).digest()


def _mark(secret: bytes, row_key: bytes, value: bytes) -> bytes:
    return hmac.digest(secret, row_key + value, "sha256")


@contextlib.contextmanager
def _database() -> Iterator[tuple[sqlite3.Connection, bytes] | None]:
    """The kept renderings and this user's key; None when either cannot be had."""
    secret = _secret()
    path = cache_dir() / FOLDER / DATABASE
    conn = None
    if secret is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=2)
            conn.execute("CREATE TABLE IF NOT EXISTS kept (key BLOB PRIMARY KEY, html BLOB NOT NULL, "
                         "mark BLOB NOT NULL, used INTEGER NOT NULL)")
        except sqlite3.DatabaseError as e:  # not a database (truncated, planted): start again
            if conn is not None:
                conn.close()
            conn = None
            if not isinstance(e, sqlite3.OperationalError):
                with contextlib.suppress(OSError):
                    path.unlink()
        except (OSError, sqlite3.Error):
            conn = None
    if conn is None or secret is None:
        yield None
        return
    try:
        yield conn, secret
    finally:
        conn.close()


def read(texts: Iterable[str], kind: str) -> dict[str, str]:
    """The kept renderings of `kind` of those texts that have one (with a good mark), by text."""
    wanted = {key(t, kind): t for t in texts}
    found: dict[str, str] = {}
    if not wanted:
        return found
    now = int(time.time())
    with _database() as db:
        if db is None:
            return found
        conn, secret = db
        stale = []
        import zstandard

        decompress = zstandard.ZstdDecompressor().decompress
        try:
            conn.execute("CREATE TEMP TABLE wanted (key BLOB PRIMARY KEY)")
            conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((k,) for k in wanted))
            rows = conn.execute("SELECT kept.key, html, mark, used FROM kept JOIN wanted USING (key)")
            for row_key, value, mark, used in rows:
                if not hmac.compare_digest(mark, _mark(secret, row_key, value)):
                    continue
                try:
                    found[wanted[row_key]] = decompress(value).decode("utf-8")
                except (zstandard.ZstdError, UnicodeDecodeError, KeyError):
                    continue
                if used < now - _TOUCH_AFTER:
                    stale.append((now, row_key))
            if stale:
                with conn:
                    conn.executemany("UPDATE kept SET used = ? WHERE key = ?", stale)
        except sqlite3.Error:  # locked by another export, corrupt: render instead
            return found
    return found


def write(rendered: Mapping[tuple[str, str], str]) -> None:
    """Keep the renderings of (text, kind) for later exports, in one transaction."""
    if not rendered:
        return
    now = int(time.time())
    with _database() as db:
        if db is None:
            return
        conn, secret = db
        import zstandard

        compress = zstandard.ZstdCompressor(level=3).compress
        rows = []
        for (text, kind), made in rendered.items():
            row_key = key(text, kind)
            value = compress(made.encode("utf-8", "surrogatepass"))
            rows.append((row_key, value, _mark(secret, row_key, value), now))
        with contextlib.suppress(sqlite3.Error), conn:
            conn.executemany("INSERT OR REPLACE INTO kept VALUES (?, ?, ?, ?)", rows)
            count = conn.execute("SELECT count(*) FROM kept").fetchone()[0]
            if count > KEEP:  # the least recently used go, down to half
                conn.execute("DELETE FROM kept WHERE key IN "
                             "(SELECT key FROM kept ORDER BY used LIMIT ?)", (count - KEEP // 2,))
