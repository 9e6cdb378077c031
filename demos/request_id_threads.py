"""Request ids in logs across threads: which offloads copy the contextvar, which lose it, and the log queue.

Run it alone, from the repository's top folder: fastapi dev demos/request_id_threads.py
"""

import asyncio
import contextvars
import logging
import logging.handlers
import queue
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()  # read in the thread that logs
        return True


class Lines(logging.Handler):
    """The log's sink: what a JSON formatter would ship, kept as (request_id, message)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((getattr(record, "request_id", "?"), record.getMessage()))


log_queue: queue.Queue = queue.Queue()
sink = Lines()
queue_handler = logging.handlers.QueueHandler(log_queue)  # the request's thread only enqueues
queue_handler.addFilter(RequestIdFilter())  # <- on the QueueHandler: runs in the request's thread
listener = logging.handlers.QueueListener(log_queue, sink)  # writes from its own thread
logger = logging.getLogger("demo.request_id_threads")
logger.setLevel(logging.INFO)
logger.propagate = False
logger.handlers[:] = [queue_handler]


@asynccontextmanager
async def lifespan(app: FastAPI):
    listener.start()
    with ThreadPoolExecutor(max_workers=2) as executor:  # a pool of our own, shut down at exit
        yield {"executor": executor}
    listener.stop()


app = FastAPI(title="Request ids across threads demo", lifespan=lifespan)


class RequestIdMiddleware:
    """Pure ASGI: set the id for everything this request runs, reset it afterwards."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        rid = headers.get(b"x-request-id", b"").decode() or uuid.uuid4().hex[:8]
        token = request_id.set(rid)  # <- every task and copied context of this request sees it
        try:
            await self.app(scope, receive, send)
        finally:
            request_id.reset(token)


app.add_middleware(RequestIdMiddleware)


def work(how: str) -> None:
    logger.info("work via %s", how)
    request_id.set("changed-in-thread")  # a copy: the caller's value does not change


@app.get("/sync")
def sync_endpoint():  # a def endpoint: FastAPI runs it with run_in_threadpool
    logger.info("def endpoint")
    return {"ok": True}


@app.get("/offload")
async def offload(request: Request):
    logger.info("async endpoint")
    await run_in_threadpool(work, "run_in_threadpool")  # <- copies the context
    await asyncio.to_thread(work, "asyncio.to_thread")  # <- copies the context
    loop, executor = asyncio.get_running_loop(), request.state.executor
    await loop.run_in_executor(executor, work, "run_in_executor")  # <- does NOT copy it
    ctx = contextvars.copy_context()
    await loop.run_in_executor(executor, ctx.run, work, "copy_context().run")  # <- copied by hand
    logger.info("back in the endpoint")
    return {"ok": True}


@app.get("/logs")
def logs():
    log_queue.join()  # every queued record written by the listener's thread
    return [list(line) for line in sink.lines]


@app.delete("/logs")
def clear_logs():
    log_queue.join()
    sink.lines.clear()


# --- tour ---


def tour(t):
    from concurrent.futures import ThreadPoolExecutor as Burst

    t.step("A pure ASGI middleware puts X-Request-ID in a ContextVar; a logging filter on the "
           "QueueHandler stamps every record with it in the thread that logs.")
    t.delete("/logs")
    r = t.get("/offload", headers={"X-Request-ID": "req-A"}, show_headers=["x-request-id"])
    lines = [tuple(x) for x in t.get("/logs").json()] if r.status_code == 200 else []
    for rid, message in lines:
        t.note(message, rid)
    got = {m: rid for rid, m in lines}
    t.check("the async endpoint's line carries req-A", got.get("async endpoint") == "req-A",
            str(lines))
    t.check("run_in_threadpool and asyncio.to_thread copy the context: req-A in the thread",
            got.get("work via run_in_threadpool") == "req-A"
            and got.get("work via asyncio.to_thread") == "req-A", str(lines))
    t.check("loop.run_in_executor does not: the thread logs the default '-'",
            got.get("work via run_in_executor") == "-", str(lines))
    t.check("copy_context().run carries it into any executor",
            got.get("work via copy_context().run") == "req-A", str(lines))
    t.check("the thread set its own value in a copy: the endpoint still has req-A",
            got.get("back in the endpoint") == "req-A", str(lines))

    t.step("A def endpoint runs in the thread pool through run_in_threadpool: the id is there.")
    t.delete("/logs")
    t.get("/sync", headers={"X-Request-ID": "req-B"})
    lines = [tuple(x) for x in t.get("/logs").json()]
    t.check("the def endpoint's line carries req-B", lines == [("req-B", "def endpoint")],
            str(lines))

    t.step("Twenty concurrent requests, each with its own id: no line carries another "
           "request's id.")
    t.delete("/logs")
    with Burst(max_workers=10) as pool:
        list(pool.map(lambda i: t.client.get("/sync", headers={"X-Request-ID": f"burst-{i}"}),
                      range(20)))
    lines = [tuple(x) for x in t.get("/logs").json()]
    t.note("lines written", len(lines))
    t.check("one line per request, each with its own id",
            sorted(rid for rid, _ in lines) == sorted(f"burst-{i}" for i in range(20)), str(lines))
