"""Graceful shutdown, --limit-concurrency, client disconnects and the thread limiter, on a real uvicorn.

Run it alone, from the repository's top folder:
    fastapi run demos/graceful_shutdown.py --limit-concurrency 3 --timeout-graceful-shutdown 20
"""

import asyncio
import threading
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

events: list[str] = []  # the server's own record, in order
release = threading.Event()  # the tour lets held requests finish


@asynccontextmanager
async def lifespan(app: FastAPI):
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = 100  # <- def endpoints and sync dependencies: 100 threads instead of 40
    events.append("startup")
    yield
    events.append("lifespan shutdown")  # <- runs after the in-flight requests have finished


app = FastAPI(title="Graceful shutdown demo", lifespan=lifespan)


@app.get("/hold/{name}")
async def hold(name: str):
    events.append(f"{name} started")
    try:
        for _ in range(3000):  # until released (at most 30 s)
            if release.is_set():
                break
            await asyncio.sleep(0.01)
    except asyncio.CancelledError:
        events.append(f"{name} cancelled")  # <- what --timeout-graceful-shutdown does to a straggler
        raise
    events.append(f"{name} finished")
    return {"name": name}


@app.get("/report")
async def report(request: Request, steps: int):  # the tour asks for 1,000 steps (10 s)
    for step in range(steps):  # a long computation in small steps
        if await request.is_disconnected():  # <- the client gave up: stop working for nobody
            events.append(f"report stopped at step {step}: client gone")
            return {"stopped": step}
        await asyncio.sleep(0.01)
    events.append("report ran to the end")
    return {"done": True}


@app.get("/feed")
async def feed(lines: int):  # the tour asks for 3,000 lines (30 s)
    async def rows():
        try:
            for i in range(lines):
                yield f"row {i}\n"
                await asyncio.sleep(0.01)
            events.append("feed ran to the end")
        finally:
            events.append("feed closed")  # <- Starlette stops the generator when the client leaves

    return StreamingResponse(rows(), media_type="text/plain")


@app.get("/threads")
async def threads():  # async: the limiter belongs to the event loop
    return {"total_tokens": anyio.to_thread.current_default_thread_limiter().total_tokens}


# --- tour ---


class Served:
    """The app under uvicorn on 127.0.0.1 (a free port) in a thread; `stop()` is what SIGTERM does."""

    def __init__(self, app_to_serve, **options):
        import socket

        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app_to_serve, log_config=None, log_level=None, access_log=False, **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: self.server.started or not self.thread.is_alive())
        return self

    def stop(self):
        self.server.should_exit = True  # <- uvicorn's SIGTERM/SIGINT handler sets exactly this

    def __exit__(self, *exc):
        release.set()
        self.stop()
        self.thread.join(30)
        self.sock.close()


def wait_for(condition, seconds=30.0):
    """Poll the server's own record until `condition` holds (or give up): never a timing claim."""
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def tour(t):
    import logging
    from concurrent.futures import ThreadPoolExecutor

    import httpx2

    quiet = logging.NullHandler()  # uvicorn logs the cancelled straggler's traceback: not for the screen
    logging.getLogger("uvicorn.error").addHandler(quiet)
    try:
        _tour(t, ThreadPoolExecutor(max_workers=4), httpx2)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(quiet)


def _tour(t, pool, httpx2):

    def get(url):
        with httpx2.Client(timeout=60) as client:
            return client.get(url)

    t.step("--limit-concurrency 3: uvicorn counts open connections and running tasks; at the limit it "
           "answers 503 itself, before the app sees the request.")
    release.clear()
    events.clear()
    with Served(t.app, limit_concurrency=3) as served:
        held = [pool.submit(get, f"{served.url}/hold/h{i}") for i in range(2)]
        wait_for(lambda: sum(e.endswith("started") for e in events) == 2 or all(f.done() for f in held))
        extra = t.record(get(f"{served.url}/hold/extra"))
        release.set()
        replies = [f.result(timeout=60) for f in held]
    t.note("server record", events)
    t.check("two requests held: both finished with 200", [r.status_code for r in replies] == [200, 200])
    t.check("the third connection (the limit counts it too): 503 Service Unavailable",
            extra.status_code == 503, extra.text)
    t.check("and the app never saw it", "extra started" not in events, str(events))

    t.step("Graceful shutdown: on SIGTERM uvicorn stops accepting, lets in-flight requests finish, then "
           "runs the lifespan's shutdown.")
    release.clear()
    events.clear()
    with Served(t.app) as served:
        inflight = pool.submit(get, f"{served.url}/hold/inflight")
        wait_for(lambda: "inflight started" in events or inflight.done())
        served.stop()  # SIGTERM
        wait_for(lambda: not served.server.servers or all(not s.is_serving() for s in served.server.servers))
        try:
            get(f"{served.url}/threads")
            refused = "accepted"
        except httpx2.ConnectError:
            refused = "refused"
        t.note("a new connection during the shutdown", refused)
        release.set()
        r = inflight.result(timeout=60)
        served.thread.join(30)
    t.note("server record", events)
    t.check("new connections refused once shutdown began", refused == "refused", refused)
    t.check("the in-flight request finished with 200", r.status_code == 200, r.text)
    t.check("the lifespan shutdown ran after it",
            events[-2:] == ["inflight finished", "lifespan shutdown"], str(events))

    t.step("--timeout-graceful-shutdown 1: a request still running a second after SIGTERM is cancelled, "
           "then the lifespan shuts down.")
    release.clear()
    events.clear()
    with Served(t.app, timeout_graceful_shutdown=1) as served:
        straggler = pool.submit(get, f"{served.url}/hold/straggler")
        wait_for(lambda: "straggler started" in events or straggler.done())
        served.stop()
        wait_for(lambda: "lifespan shutdown" in events or not served.thread.is_alive())
        t.note("server record", events)
        t.check("the straggler was cancelled, then the lifespan shut down",
                events[-2:] == ["straggler cancelled", "lifespan shutdown"], str(events))
    try:
        lost = f"{straggler.result(timeout=60).status_code}"
    except httpx2.HTTPError as exc:
        lost = type(exc).__name__
    t.note("the straggler's client got", lost)

    t.step("Client disconnects: an endpoint that checks request.is_disconnected() stops; a streaming "
           "response's generator is closed when the client goes away.")
    release.clear()
    events.clear()
    with Served(t.app) as served:
        with httpx2.Client(base_url=served.url, timeout=httpx2.Timeout(60, read=0.3)) as client:
            try:
                client.get("/report", params={"steps": 1000})  # gives up after 0.3 s, closes the connection
                gave_up = False
            except httpx2.ReadTimeout:
                gave_up = True
        if gave_up:
            wait_for(lambda: any(e.startswith("report") for e in events))
        stopped = any(e.startswith("report stopped") for e in events)
        t.check("the report noticed the disconnect and stopped", stopped, str(events))
        with httpx2.Client(base_url=served.url, timeout=60) as client, \
                client.stream("GET", "/feed", params={"lines": 3000}) as r:
            first = next(r.iter_lines(), "")
            streaming = r.status_code == 200
        closed = streaming and wait_for(lambda: "feed closed" in events or "feed ran to the end" in events)
        closed = closed and "feed closed" in events
        t.note("first line read", first)
        t.check("the feed's generator was closed early, not run to the end",
                closed and "feed ran to the end" not in events, str(events))

        t.step("The thread limiter: def endpoints share AnyIO's limiter (40 tokens by default); the "
               "lifespan raised it.")
        r = t.record(get(f"{served.url}/threads"))
        t.check("total_tokens is 100", r.json() == {"total_tokens": 100}, r.text)
    pool.shutdown()
