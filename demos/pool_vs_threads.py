"""A sync DB pool against AnyIO's thread limiter: threads waiting for a connection hold thread tokens.

Run it alone, from the repository's top folder: fastapi dev demos/pool_vs_threads.py
"""

import shutil
import tempfile
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text

THREAD_TOKENS = 4  # the default is 40; four keep the demo small, the arithmetic is the same
gate = threading.Event()  # holds each report open, as a slow query would
record: dict = {"default_tokens": None, "in_report": 0, "events": []}
lock = threading.Lock()


@asynccontextmanager
async def lifespan(app: FastAPI):
    limiter = anyio.to_thread.current_default_thread_limiter()  # <- shared by every def endpoint
    record["default_tokens"] = limiter.total_tokens
    limiter.total_tokens = THREAD_TOKENS
    folder = tempfile.mkdtemp(prefix="pool-demo-")
    url = f"sqlite:///{Path(folder) / 'app.db'}"
    small = create_engine(url, pool_size=2, max_overflow=0,  # <- 2 connections for 4 threads
                          connect_args={"check_same_thread": False})
    sized = create_engine(url, pool_size=THREAD_TOKENS, max_overflow=0,  # <- one per token
                          connect_args={"check_same_thread": False})
    yield {"engines": {"small": small, "sized": sized}, "limiter": limiter}
    small.dispose()
    sized.dispose()
    shutil.rmtree(folder, ignore_errors=True)


app = FastAPI(title="DB pool against the thread pool demo", lifespan=lifespan)


def note(event: str) -> None:
    with lock:
        record["events"].append(event)


@app.get("/report/{pool}")
def report(pool: str, request: Request):  # a def endpoint: it holds a thread token throughout
    with lock:
        record["in_report"] += 1
    try:
        with request.state.engines[pool].connect() as conn:  # <- a thread blocks here for a connection
            conn.execute(text("SELECT 1"))
            gate.wait(30)
        note("report done")
    finally:
        with lock:
            record["in_report"] -= 1
    return {"ok": True}


@app.get("/ping")
def ping():  # needs no database, but needs a thread token
    note("ping ran")
    return {"pong": True}


@app.get("/stats")
async def stats(request: Request):  # async: answers while every thread token is taken
    limiter = request.state.limiter.statistics()
    return {
        "default_tokens": record["default_tokens"],
        "tokens": request.state.limiter.total_tokens,
        "borrowed_tokens": limiter.borrowed_tokens,
        "waiting_for_a_token": limiter.tasks_waiting,
        "in_report": record["in_report"],
        "checked_out": {k: e.pool.checkedout() for k, e in request.state.engines.items()},
    }


# --- tour ---


def tour(t):
    import time
    from concurrent.futures import ThreadPoolExecutor

    def wait_for(what, condition, seconds=20.0):
        """Poll the server's own statistics until `condition` holds (or give up)."""
        deadline = time.monotonic() + seconds
        while True:
            s = t.client.get("/stats").json()
            if condition(s) or time.monotonic() > deadline:
                t.note(what, s)
                return s
            time.sleep(0.02)

    r = t.get("/stats")
    if not t.check("AnyIO's default thread limiter has 40 tokens",
                   r.status_code == 200 and r.json().get("default_tokens") == 40, r.text):
        return  # no statistics to wait for

    t.step("Four slow def reports on a pool of two connections, with four thread tokens: two "
           "threads query, two wait inside the pool, and all four tokens are taken.")
    gate.clear()
    del record["events"][:]
    burst = ThreadPoolExecutor(max_workers=6)
    try:
        reports = [burst.submit(t.client.get, "/report/small") for _ in range(4)]
        s = wait_for("while the reports run", lambda s: s.get("in_report") == 4
                     and s.get("checked_out", {}).get("small", 0) >= 2)
        t.check("4 threads in the endpoint, 2 holding a connection, 2 waiting for one",
                s.get("in_report") == 4 and s.get("checked_out", {}).get("small") == 2, str(s))
        t.check("every thread token is borrowed", s.get("borrowed_tokens") == 4, str(s))

        t.step("/ping needs no database, yet it waits: the threads waiting for a connection "
               "hold the tokens. /stats, an async endpoint, still answers.")
        ping = burst.submit(t.client.get, "/ping")
        s = wait_for("with /ping sent", lambda s: s.get("waiting_for_a_token", 0) >= 1
                     or "ping ran" in record["events"])
        t.check("/ping is waiting for a thread token", s.get("waiting_for_a_token") == 1, str(s))
        t.check("it has not run", "ping ran" not in record["events"], str(record["events"]))
    finally:
        gate.set()
    replies = [f.result(timeout=60) for f in reports] + [ping.result(timeout=60)]
    burst.shutdown()
    t.note("the server's record", record["events"])
    t.check("once a report finished, /ping ran", all(r.status_code == 200 for r in replies)
            and record["events"].index("ping ran") > record["events"].index("report done"),
            str(record["events"]))

    t.step("A pool sized to the thread tokens (pool_size + max_overflow >= tokens): no thread "
           "ever waits inside the pool.")
    gate.clear()
    burst = ThreadPoolExecutor(max_workers=4)
    try:
        reports = [burst.submit(t.client.get, "/report/sized") for _ in range(4)]
        s = wait_for("while the reports run", lambda s: s.get("in_report") == 4
                     and s.get("checked_out", {}).get("sized") == 4)
        t.check("4 threads, 4 connections: none waits for the pool",
                s.get("in_report") == 4 and s.get("checked_out", {}).get("sized") == 4, str(s))
    finally:
        gate.set()
    for f in reports:
        f.result(timeout=60)
    burst.shutdown()
