"""Limitations: one blocking call in `async def` stalls every request; body size is unlimited by default.

Run it alone, from the repository's top folder: fastapi dev demos/limitations.py
"""

import asyncio
import time

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool

app = FastAPI(title="Limitations demo")  # <- max_body_size=None: no request size limit by default
events: list[tuple[str, str]] = []  # the server's own record: ("start" or "end", path), in order


@app.middleware("http")
async def record(request: Request, call_next):
    response = await call_next(request)
    events.append(("end", request.url.path))  # the handler returned: the response is on its way
    return response


@app.get("/health")
async def health():
    events.append(("start", "/health"))
    return {"status": "ok"}


@app.get("/blocking")
async def blocking():
    events.append(("start", "/blocking"))
    time.sleep(0.2)  # <- WRONG: a sync call in async def freezes the event loop for everyone
    return {"slept": 0.2}


@app.get("/awaiting")
async def awaiting():
    events.append(("start", "/awaiting"))
    await asyncio.sleep(0.2)  # <- the loop serves other requests while this waits
    return {"slept": 0.2}


@app.get("/offloaded")
async def offloaded():
    events.append(("start", "/offloaded"))
    await run_in_threadpool(time.sleep, 0.2)  # <- fix 1: blocking code moved to a worker thread
    return {"slept": 0.2}


@app.get("/sync")
def sync():  # <- fix 2: a plain def endpoint runs in the threadpool by itself
    events.append(("start", "/sync"))
    time.sleep(0.2)
    return {"slept": 0.2}


@app.post("/upload")
async def upload(request: Request):
    return {"received": len(await request.body())}


@app.post("/avatar", max_body_size=64 * 1024)  # <- 413 above 64 KiB, before the body is read
async def avatar(request: Request):
    return {"received": len(await request.body())}


# --- tour ---


def _health_during(t, paths: list[str]) -> tuple[float, bool, list]:
    """GET /health sent once the slow requests to `paths` are inside their endpoints: its
    latency as the client saw it (shown, not judged), whether the server handled it from start
    to end while every slow request was still in its endpoint (the server's own record of
    events, in the order they happened: a loaded machine delays them, it cannot reorder them),
    and the responses."""
    import threading
    import time

    results: list = []

    def slow(path: str) -> None:
        results.append(t.client.get(path))

    events.clear()
    workers = [threading.Thread(target=slow, args=(p,)) for p in paths]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 2  # not a fixed wait: on a busy machine a thread starts late
    while not {("start", p) for p in paths} <= set(events) and time.monotonic() < deadline:
        time.sleep(0.002)
    start = time.perf_counter()
    health = t.client.get("/health")
    latency = time.perf_counter() - start
    for worker in workers:
        worker.join(timeout=5)
    for response in [*results, health]:
        t.record(response, elapsed=response.elapsed.total_seconds())
    order = list(events)
    t.note("the server's record", " -> ".join(f"{what} {path}" for what, path in order))
    at = {event: i for i, event in enumerate(order)}
    inside = all(
        at.get(("start", p), len(order)) < at.get(("start", "/health"), -1)
        < at.get(("end", "/health"), -1) < at.get(("end", p), -1)
        for p in paths
    )
    return latency, inside, [health, *results]


def _all_ok(responses) -> bool:
    return len(responses) > 1 and all(r.status_code == 200 for r in responses)


def tour(t):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    t.step("The blocking-call trap: while an `async def` endpoint runs time.sleep(0.2), "
           "a /health request sent meanwhile has to wait for it.")
    blocked, first, responses = _health_during(t, ["/blocking"])
    t.note("/health latency during /blocking", f"{blocked * 1000:.0f} ms")
    t.check("both answered", _all_ok(responses), str([r.status_code for r in responses]))
    t.check("the server began /health only once /blocking had ended", not first
            and events.index(("start", "/health")) > events.index(("end", "/blocking")), str(events))

    t.step("The same wait done with `await asyncio.sleep(0.2)`: /health answers at once.")
    free, first, responses = _health_during(t, ["/awaiting"])
    t.note("/health latency during /awaiting", f"{free * 1000:.0f} ms")
    t.check("both answered", _all_ok(responses))
    t.check("the server handled /health from start to end while /awaiting was still waiting", first)

    t.step("The fixes for blocking code you cannot rewrite: run_in_threadpool(...) in async def, "
           "or a plain def endpoint. Both in flight at once, /health still answers at once.")
    fixed, first, responses = _health_during(t, ["/offloaded", "/sync"])
    t.note("/health latency during /offloaded and /sync", f"{fixed * 1000:.0f} ms")
    t.check("all three answered", _all_ok(responses) and len(responses) == 3)
    t.check("the server handled /health from start to end while both were still sleeping", first)

    t.step("Body size: unlimited unless you set a limit. A 5 MB body is read in full by default.")
    big = b"x" * 5_000_000
    r = t.client.post("/upload", content=big)
    t.note("POST /upload with 5,000,000 bytes", f"{r.status_code} {r.text}")
    t.check("accepted and read in full", r.status_code == 200 and r.json().get("received") == len(big))

    t.step("With max_body_size (per route, per router or FastAPI(max_body_size=...)) "
           "a larger body gets 413 Content Too Large.")
    small = t.post("/avatar", content=b"x" * 1000)
    too_big = t.client.post("/avatar", content=b"x" * 100_000)
    t.note("POST /avatar with 100,000 bytes", f"{too_big.status_code} {too_big.text}")
    t.check("1 KB accepted", small.status_code == 200 and small.json().get("received") == 1000)
    t.check("100 KB refused with 413", too_big.status_code == 413, str(too_big.status_code))
    whole = FastAPI(max_body_size=1024)
    whole.post("/echo")(upload)
    with TestClient(whole) as client:
        app_wide = client.post("/echo", content=b"x" * 2048)
    t.check("FastAPI(max_body_size=1024): 413 for 2 KB on any route", app_wide.status_code == 413)

    t.step("What cannot be measured here, said plainly.")
    import fastapi

    t.note("version", f"fastapi {fastapi.__version__}: still 0.x, so pin it and read release notes")
    t.note("ecosystem", "smaller than Django's: no built-in admin, ORM or migrations; you pick "
           "SQLAlchemy/SQLModel, Alembic, an auth library")
    t.note("async databases", "no longer 'maturing': SQLAlchemy 2 asyncio, asyncpg, aiosqlite "
           "and SQLModel are stable (see quiz demo sql_database)")
    t.note("async skill", "the trap above is the real limitation: one sync call in async def "
           "stalls the whole worker")
