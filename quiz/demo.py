"""Live demos: load a demo file, run its tour against the app in-process, report events.

A demo file defines `app` (a FastAPI application that runs on its own with `fastapi dev`)
and `tour(t)`, a function that drives the app through the `Tour` object it is given:

    def tour(t):
        t.step("Every response carries X-Process-Time, measured with perf_counter.")
        r = t.get("/items/1", show_headers=["x-process-time"])
        t.check("the header is there", "x-process-time" in r.headers)

Demo files never import `quiz`, so `quiz demo X --copy DIR` gives a file that runs alone.
The source shown to the user is what stands above the line `# --- tour ---`; lines that
end in a `# <-` comment are the ones that matter and are highlighted.

This module imports fastapi and httpx2 only inside functions: commands that run no demo
must not pay for them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from quiz.bank import BUILTIN_DEMOS, Bank, did_you_mean, gc_paused, resolve_demo
from quiz.errors import NotFoundError, QuizError
from quiz.model import Question, demo_escapes, visible

TOUR_MARKER = "# --- tour ---"
MARK = re.compile(r"#\s*<-")


# --- events the tour emits, rendered by the UI ----------------------------------------


@dataclass
class Step:
    narration: str


@dataclass
class Exchange:
    method: str
    url: str
    status: int
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    elapsed: float | None = None


@dataclass
class Note:
    label: str
    value: str


@dataclass
class Check:
    label: str
    ok: bool
    detail: str = ""


@dataclass
class Failure:
    """The tour raised: a bug in the demo or an app that broke; the demo fails."""

    message: str
    trace: str = ""


Event = Step | Exchange | Note | Check | Failure


def _body_text(content: bytes, content_type: str, limit: int = 2000) -> str | None:
    if not content:
        return None
    if "json" in content_type:
        import json

        try:
            text = json.dumps(json.loads(content), indent=2, ensure_ascii=False)
        except ValueError:
            text = content.decode("utf-8", "replace")
    elif content_type.startswith("text/") or "xml" in content_type or "javascript" in content_type:
        text = content.decode("utf-8", "replace")
    else:
        text = f"<{len(content)} bytes of {content_type or 'binary data'}>"
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters)"


class Tour:
    """What a tour function drives: a TestClient on the app, narration, requests and checks.

    - `t.step(text)`: start a step; one sentence saying what the step shows.
    - `t.get/post/put/patch/delete/options/head/request(...)`: a request through `t.client`
      (a running `TestClient`, lifespan entered), shown with its response. Pass
      `show_headers=[...]` to name the request and response headers that matter.
    - `t.record(response)`: show a response obtained another way (an AsyncClient, a served app).
    - `t.note(label, value)`: show a measured value (a timing, a process id, a file size).
    - `t.check(label, ok, detail="")`: a claim and whether it held; returns `ok`.
    - `t.app`, `t.client`: the application and the client, for websockets, bursts, ...
    """

    def __init__(self, app: Any, client: Any, emit: Callable[[Event], None]):
        self.app = app
        self.client = client
        self._emit = emit
        self.checks: list[Check] = []

    def step(self, narration: str) -> None:
        self._emit(Step(narration))

    def note(self, label: str, value: object) -> None:
        self._emit(Note(label, str(value)))

    def check(self, label: str, ok: object, detail: str = "") -> bool:
        result = Check(label, bool(ok), detail)
        self.checks.append(result)
        self._emit(result)
        return result.ok

    def record(
        self, response: Any, show_headers: list[str] | tuple[str, ...] = (), elapsed: float | None = None
    ) -> Any:
        """Show an httpx2 response: its request, status, the named headers and the body."""
        request = response.request
        wanted = [h.lower() for h in show_headers]
        req_headers = {k: v for k, v in request.headers.items() if k.lower() in wanted}
        resp_headers = {k: v for k, v in response.headers.items() if k.lower() in wanted}
        try:
            req_body_bytes = request.content
        except Exception:  # a streamed request body cannot be shown again
            req_body_bytes = b""
        try:
            content = response.content
        except Exception:  # a streaming response that was not read
            content = b""
        self._emit(
            Exchange(
                method=request.method,
                url=str(request.url.raw_path.decode("ascii", "replace")),
                status=response.status_code,
                request_headers=req_headers,
                request_body=_body_text(req_body_bytes, request.headers.get("content-type", "")),
                response_headers=resp_headers,
                response_body=_body_text(content, response.headers.get("content-type", "")),
                elapsed=elapsed,
            )
        )
        return response

    def request(
        self, method: str, url: str, *, show_headers: list[str] | tuple[str, ...] = (), **kwargs: Any
    ) -> Any:
        start = time.perf_counter()
        response = self.client.request(method, url, **kwargs)
        return self.record(response, show_headers, time.perf_counter() - start)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Any:
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Any:
        return self.request("HEAD", url, **kwargs)


# --- demo files -----------------------------------------------------------------------


@dataclass
class Demo:
    slug: str
    path: Path  # the file that runs (for a bank's demo once approved: inside its snapshot)
    chosen: bool = False  # named by the user on the command line: their own choice, runs as asked
    shown: Path | None = None  # the bank's file a snapshot was taken of: what the user is told

    def __post_init__(self) -> None:
        self.slug = visible(self.slug)  # a file's name reached through a bank: never raw escapes

    @property
    def builtin(self) -> bool:
        """One of quiz's own demos (they run unasked)."""
        return self.path.resolve().is_relative_to(BUILTIN_DEMOS.resolve())

    @property
    def origin(self) -> str:
        """Where the demo comes from, in words: every screen that runs one says it."""
        if self.builtin:
            return "a built-in demo of quiz"
        if self.chosen:
            return f"{visible(str(self.path))}, the file you named"
        return f"{visible(str(self.shown or self.path))}, from the bank (not a built-in demo)"

    @property
    def source(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8"
            raise QuizError(f"Cannot read the demo file {self.path}: {why or exc}.") from None

    @property
    def title(self) -> str:
        """The first line of the module docstring (control characters made visible)."""
        import ast

        try:
            doc = ast.get_docstring(ast.parse(self.source)) or self.slug
        except (QuizError, SyntaxError, ValueError):
            return f"{self.slug} (not valid Python: see `quiz validate`)"
        return visible(doc.strip().splitlines()[0] if doc.strip() else self.slug)

    def app_source(self) -> tuple[str, list[int]]:
        """The source above the tour marker, and the numbers of the lines marked `# <-`."""
        lines = self.source.splitlines()
        if TOUR_MARKER in lines:
            lines = lines[: lines.index(TOUR_MARKER)]
        while lines and not lines[-1].strip():
            lines.pop()
        marked = [i for i, line in enumerate(lines, 1) if MARK.search(line)]
        return visible("\n".join(lines)), marked

    def companions(self) -> list[Path]:
        """Folders a demo imports from (`<slug>_app/` beside it), copied along with it."""
        folder = self.path.parent / f"{self.path.stem}_app"
        return [folder] if folder.is_dir() else []


def builtin_demos() -> list[Demo]:
    return [Demo(p.stem, p) for p in sorted(BUILTIN_DEMOS.glob("*.py")) if not p.name.startswith("_")]


def is_demo_path(name: str) -> bool:
    """Whether a TOPIC argument names a file (`practice/middleware.py`) rather than a demo."""
    return name.strip().endswith(".py") or "/" in name or "\\" in name


def demo_file(name: str) -> Demo:
    """A demo file named on the command line: the user's own choice, run as asked."""
    path = Path(name.strip()).expanduser()
    if not path.is_file():
        raise NotFoundError(f"There is no demo file {path}.")
    path = path.resolve()
    return Demo(path.stem, path, chosen=True)


def _refuse_outside(q: Question) -> None:
    """A question whose demo is a link leading outside the bank says so (not "no demo yet")."""
    if q.demo and demo_escapes(q.demo, q.source.parent, q.root):
        where = visible(str((q.root or q.source.parent).resolve()))
        raise QuizError(f"Question {q.num} ({q.id}) names the demo '{visible(q.demo)}', which leads "
                        f"outside the bank's folder {where} (a link): not running it.")


def find_demo(name: str, bank: Bank) -> Demo:
    """A demo by slug, question number or question id (the question's own demo), or a file path."""
    text = name.strip()
    if is_demo_path(text):
        return demo_file(text)
    slug = text.replace("-", "_")
    for q in bank.questions:
        if text == q.id or (text.isdigit() and q.num == int(text)):
            path = q.demo_path()
            _refuse_outside(q)
            if path is None:
                raise NotFoundError(f"Question {q.num} ({q.id}) has no demo yet.")
            return Demo(path.stem, path)
    for q in bank.questions:  # an instructor's demo, named by its slug or its file's name
        path = q.demo_path()
        if q.demo and q.demo.replace("-", "_") == slug:
            _refuse_outside(q)
        if path is not None and slug in (q.demo.replace("-", "_") if q.demo else "", path.stem):
            return Demo(path.stem, path)
    if text.isdigit():
        bank.get(text)  # raises: there is no question with that number
    path = resolve_demo(slug, BUILTIN_DEMOS.parent)
    if path is not None:
        return Demo(path.stem, path)
    names = sorted({d.slug for d in builtin_demos()} | set(bank.ids))
    raise NotFoundError(f"There is no demo '{text}'.{did_you_mean(slug, names)}")


@contextlib.contextmanager
def _on_path(*folders: Path) -> Iterator[None]:
    """The folders importable, after everything installed: a demo's `json.py` or `fastapi.py`
    never shadows the real one."""
    added = [str(f) for f in folders if str(f) not in sys.path]
    sys.path.extend(added)
    try:
        yield
    finally:
        for entry in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(entry)


def forget_modules(*folders: Path) -> None:
    """Drop the modules imported from these folders, so that the next load imports the files as
    they are now (a watched demo's edited sibling, another snapshot's `helper`)."""
    roots = [str(f.resolve()) + os.sep for f in folders]
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None)
        if isinstance(where, str) and not name.startswith("quiz_demo_") and where.startswith(tuple(roots)):
            del sys.modules[name]


def demo_folders(demo: Demo, judged_by: Path | None = None) -> list[Path]:
    """Where a demo's imports are found: its folder, then (for a candidate's exercise file) the
    folder of the demo it is judged by, so its sibling modules work from the practice folder."""
    folders = [demo.path.parent]
    if judged_by is not None and judged_by.parent != demo.path.parent:
        folders.append(judged_by.parent)
    return folders


def split_tour(source: str) -> tuple[str, str, int]:
    """A demo's source as (the app, the tour from its marker on, the marker's line index)."""
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.rstrip("\r\n") == TOUR_MARKER:
            return "".join(lines[:i]), "".join(lines[i:]), i
    return source, "", len(lines)


def load_module(demo: Demo, tour_from: Path | None = None, judged_by: Path | None = None) -> ModuleType:
    """Import a demo file under a private name; its folder is importable while it loads.

    With `tour_from`, the app is the file's code above its tour marker and the tour is
    `tour_from`'s (an exercise judged by its demo's own checks): each part keeps its own file
    name and line numbers in tracebacks.
    """
    name = f"quiz_demo_{demo.slug}"
    folders = demo_folders(demo, judged_by or tour_from)
    forget_modules(*folders)
    spec = importlib.util.spec_from_file_location(name, demo.path)
    if spec is None or spec.loader is None:
        raise QuizError(f"Cannot load the demo file {demo.path}.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with _on_path(*folders):
            if tour_from is None:
                spec.loader.exec_module(module)
            else:
                app_code, _, _ = split_tour(demo.path.read_text(encoding="utf-8"))
                _, tour_code, at = split_tour(tour_from.read_text(encoding="utf-8"))
                exec(compile(app_code, str(demo.path), "exec"), module.__dict__)
                exec(compile("\n" * at + tour_code, str(tour_from), "exec"), module.__dict__)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise QuizError(f"The demo {demo.path.name} failed to load: {type(exc).__name__}: {exc}") from exc
    for attr in ("app", "tour"):
        if not hasattr(module, attr):
            raise QuizError(f"The demo {demo.path.name} defines no `{attr}`.")
    return module


@dataclass
class DemoResult:
    demo: Demo
    checks: list[Check]
    failure: Failure | None
    seconds: float

    @property
    def passed(self) -> int:
        return sum(c.ok for c in self.checks)

    @property
    def ok(self) -> bool:
        return self.failure is None and bool(self.checks) and all(c.ok for c in self.checks)


def _reporting(app: Any, emit: Callable[[Event], None]) -> Any:
    """`app`, as an ASGI app that shows an exception coming out of it (then lets it go on)."""

    async def reporting(scope: Any, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except Exception as exc:
            where = f"{scope.get('method', '')} {scope.get('path', '')}".strip()
            emit(Note(f"the app raised, {where or scope['type']}", f"{type(exc).__name__}: {exc}"))
            raise

    return reporting


def run_tour(
    module: ModuleType, emit: Callable[[Event], None], app: Any = None
) -> tuple[list[Check], Failure | None]:
    """Run a loaded demo's tour against its app (or `app`, to test that checks can fail)."""
    from fastapi.testclient import TestClient

    target = module.app if app is None else app
    checks: list[Check] = []
    try:
        # An exception the app lets out reaches the client as a 500 (as from a server) and is
        # shown as a note: a broken app fails the checks that depend on it, not the whole tour.
        served = _reporting(target, emit)
        with TestClient(served, base_url="http://testserver", raise_server_exceptions=False) as client:
            t = Tour(target, client, emit)
            try:
                module.tour(t)
            finally:
                checks = t.checks
    except Exception as exc:
        failure = Failure(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        emit(failure)
        return checks, failure
    if not checks:
        failure = Failure("the tour made no checks")
        emit(failure)
        return checks, failure
    return checks, None


def run_demo(
    demo: Demo,
    emit: Callable[[Event], None] = lambda e: None,
    tour_from: Path | None = None,
    judged_by: Path | None = None,
) -> DemoResult:
    """Load and run a demo. `tour_from`: the tour comes from that demo file (an exercise);
    `judged_by`: the demo an exercise file is judged by (its folder is importable too)."""
    start = time.perf_counter()
    judged_by = judged_by or tour_from
    # A full collection over the heap of earlier demos can pause every thread for 100 ms or
    # more on a loaded machine, in the middle of a timed step: the collector is paused while
    # the demo loads (the first one imports the whole web stack: each collection during that
    # import walks it all again) and during the tour (a tour is short and makes little
    # garbage); it runs as it will between tours (a full collection before each one cost
    # 3.3 s over `demo --all`).
    with gc_paused():
        try:
            module = load_module(demo, tour_from, judged_by)
        except QuizError as exc:
            emit(load_failure := Failure(str(exc)))
            return DemoResult(demo, [], load_failure, time.perf_counter() - start)
        with _on_path(*demo_folders(demo, judged_by)):
            checks, failure = run_tour(module, emit)
    return DemoResult(demo, checks, failure, time.perf_counter() - start)


# --- every demo at once ---------------------------------------------------------------------

_busy = False  # a worker process is running a demo (Ctrl-C then stops the demo, its cleanup runs)


def _stop_worker(signum: int, frame: object) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C never cuts the cleanup short
    if _busy:
        raise KeyboardInterrupt
    os._exit(130)  # idle between demos: nothing to clean up, no traceback


def _worker(conn: Any) -> None:
    """A worker process: runs each demo it is sent, sends its result back; None (or the other end
    gone) ends it."""
    import signal

    global _busy
    signal.signal(signal.SIGINT, _stop_worker)
    while True:
        try:
            demo = conn.recv()
        except (EOFError, OSError):
            return
        if demo is None:
            return
        _busy = True
        try:
            result = run_demo(demo)
        except KeyboardInterrupt:
            os._exit(130)  # the demo's own cleanup (its finally blocks) ran on the way here
        _busy = False
        conn.send(result)


def workers_for(count: int) -> int:
    """Worker processes for `count` demos: two a core (most of a demo's time is spent waiting:
    a sleep, a server starting, an event), at most 8; 1 (in this process) where fork is not
    the way processes start (macOS, Windows) or when this process runs threads (forking them
    is unsafe)."""
    import threading

    if sys.platform != "linux" or threading.active_count() > 1 or count < 2:
        return 1
    return min(count, 8, 2 * (os.cpu_count() or 1))


def run_all(demos: list[Demo], done: Callable[[DemoResult], None] = lambda r: None,
            workers: int | None = None) -> list[DemoResult]:
    """Run every demo as `run_demo` runs it, in worker processes that each run one demo after
    another (as `demo --all` ran them all in one process), several workers at once; the results
    in the order of `demos`. `done` is called in this process as each one ends. A demo that ends
    its worker's process fails (the others run on, in a new worker)."""
    workers = workers_for(len(demos)) if workers is None else workers
    if workers <= 1:
        results = []
        for demo in demos:
            results.append(run_demo(demo))
            done(results[-1])
        return results
    import gc
    import multiprocessing
    import signal
    from collections import deque
    from multiprocessing.connection import Connection, wait
    from multiprocessing.process import BaseProcess

    # The web stack imported once, before the workers are forked (each would import it
    # again), and moved out of the collector's sight: each worker's collections skip it.
    import fastapi.testclient  # noqa: F401

    fork = multiprocessing.get_context("fork")
    pending = deque(enumerate(demos))
    procs: dict[Connection, BaseProcess] = {}  # a worker's end of its pipe -> its process
    running: dict[Connection, int] = {}  # a worker's end of its pipe -> the demo it runs
    found: dict[int, DemoResult] = {}

    def give(conn: Connection) -> None:
        """The next demo to this worker, or the end."""
        if pending:
            running[conn], demo = pending.popleft()
            conn.send(demo)
        else:
            conn.send(None)
            conn.close()

    def start() -> Connection:
        conn, theirs = fork.Pipe()
        procs[conn] = fork.Process(target=_worker, args=(theirs,), daemon=True)
        procs[conn].start()
        theirs.close()
        return conn

    gc.freeze()
    try:
        for _ in range(min(workers, len(demos))):
            give(start())
        while running:
            for conn in wait(list(running)):
                assert isinstance(conn, Connection)
                i = running.pop(conn)
                try:
                    found[i] = conn.recv()
                except (EOFError, OSError):  # the process ended during the demo (os._exit, a crash)
                    procs[conn].join()
                    why = f"the demo's process stopped (exit code {procs[conn].exitcode})"
                    found[i] = DemoResult(demos[i], [], Failure(why), 0.0)
                    conn.close()
                    conn = start()
                done(found[i])
                give(conn)
    except BaseException:  # Ctrl-C: every worker stops its demo (which cleans up), nothing new starts
        for proc in procs.values():
            if proc.is_alive() and proc.pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(proc.pid, signal.SIGINT)
        for proc in procs.values():
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        raise
    finally:
        for proc in procs.values():
            proc.join()
        gc.unfreeze()
    return [found[i] for i in range(len(demos))]


# --- the demo index, copying --------------------------------------------------------------


@dataclass
class DemoInfo:
    slug: str
    title: str
    path: Path
    questions: list[int]
    origin: str = "built-in"  # "built-in", or the file's path


def all_demos(bank: Bank) -> list[Demo]:
    """Every demo the bank's questions name, then the built-in ones no question names."""
    found: dict[Path, Demo] = {}
    for q in bank.questions:
        path = q.demo_path()
        if path is not None and path not in found:
            found[path] = Demo(path.stem, path)
    for d in builtin_demos():
        found.setdefault(d.path, d)
    return list(found.values())


def demo_index(bank: Bank) -> list[DemoInfo]:
    rows = []
    for d in all_demos(bank):
        nums = [q.num for q in bank.questions if q.demo_path() == d.path]
        origin = "built-in" if d.builtin else visible(str(d.path))
        rows.append(DemoInfo(d.slug, d.title, d.path, nums, origin))
    return rows


def copy_demo(demo: Demo, folder: Path) -> list[Path]:
    """Write the demo (and its companion folder) into `folder`; never overwrite a file."""
    import shutil

    targets = [(demo.path, folder / demo.path.name)]
    targets += [(c, folder / c.name) for c in demo.companions()]
    for _, dest in targets:
        if dest.exists():
            raise QuizError(f"{dest} already exists: not overwriting it (remove it or choose another DIR).")
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for src, dest in targets:
            if src.is_dir():
                shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(src, dest)
            written.append(dest)
    except OSError as exc:
        raise QuizError(f"Cannot write into {folder}: {exc.strerror or exc}.") from None
    return written


def watch(paths: list[Path], run: Callable[[], object], tree: Path | None = None) -> None:
    """Call `run` now, then again each time one of `paths` is saved; until Ctrl-C.

    The folders holding the files are watched (not the files: editors often save by writing a
    new file and renaming it over the old one), one level deep. With `tree`, any change of any
    file under that folder counts (a bank's demo runs its whole folder).
    """
    from watchfiles import watch as changes

    run()
    folders = [tree] if tree is not None else sorted({p.resolve().parent for p in paths})
    wanted = {str(p.resolve()) for p in paths}

    def counts(_change: object, path: str) -> bool:
        return "__pycache__" not in Path(path).parts if tree is not None else path in wanted

    def stopped() -> QuizError:
        gone = ", ".join(visible(str(f)) for f in folders)
        return QuizError(f"{gone} is gone (removed?): stopped watching.")

    try:
        # every second with no change, look whether a folder went away (its removal may come
        # before the watch began, or carry no event for the file watched)
        for changed in changes(*folders, watch_filter=counts, recursive=tree is not None,
                               rust_timeout=1000, yield_on_timeout=True):
            if not all(f.is_dir() for f in folders):
                raise stopped()
            if changed:
                run()
    except FileNotFoundError:  # the folder went away before the watch began
        raise stopped() from None


def copy_commands(path: Path) -> list[str]:
    """Commands that run a copied demo from any folder: its absolute path, through quiz itself."""
    import shlex

    from quiz.paths import launcher

    where = shlex.quote(str(path.resolve()))
    quiz = launcher()
    return [f"{quiz} demo {where} --watch", f"{quiz} demo {where} --serve"]
