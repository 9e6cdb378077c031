"""async def vs def: async endpoints share the event loop, def endpoints run in a threadpool.

Run it alone, from the repository's top folder: fastapi dev demos/async_vs_def.py

The rule: in `async def`, only await non-blocking calls. A blocking call (time.sleep, requests,
a sync DB driver) freezes every other request. If a library blocks, use a plain `def`.
"""

import asyncio
import threading
import time

from fastapi import FastAPI

app = FastAPI(title="async def vs def demo")
spans: list[tuple[str, float, float]] = []  # the server's record: (path, start, end), one clock


def ran(path: str, start: float) -> None:
    """Record that the handler of `path` ran from `start` until now."""
    spans.append((path, start, time.perf_counter()))


@app.get("/async-blocking")
async def async_blocking():
    start = time.perf_counter()
    time.sleep(0.1)  # <- blocks the event loop: every other request waits
    ran("/async-blocking", start)
    return {"endpoint": "async def + time.sleep", "thread": threading.current_thread().name}


@app.get("/async-awaiting")
async def async_awaiting():
    start = time.perf_counter()
    await asyncio.sleep(0.1)  # <- yields to the loop while it waits: others run meanwhile
    ran("/async-awaiting", start)
    return {"endpoint": "async def + await asyncio.sleep", "thread": threading.current_thread().name}


@app.get("/sync-blocking")
def sync_blocking():
    start = time.perf_counter()
    time.sleep(0.1)  # <- fine here: a plain def runs in a worker thread (40 by default)
    ran("/sync-blocking", start)
    return {"endpoint": "def + time.sleep", "thread": threading.current_thread().name}


@app.get("/cpu")
async def cpu_bound(n: int = 300_000):
    start = time.perf_counter()
    total = sum(i * i for i in range(n))  # <- pure CPU: async can't make this faster
    ran("/cpu", start)
    return {"endpoint": "async def + CPU work", "total": total}


# --- tour ---


def _most_at_once(path: str) -> int:
    """The most requests to `path` the server was handling at the same moment, by its own record."""
    edges = sorted((at, step) for p, start, end in spans if p == path for at, step in ((start, 1), (end, -1)))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


async def _burst(app_to_call, path: str, count: int = 10, one_by_one: bool = False):
    """Fire `count` requests at `path` on one event loop, all at once (or one after another);
    return (seconds, responses, the loop's thread name)."""
    import httpx2

    transport = httpx2.ASGITransport(app=app_to_call)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        start = time.perf_counter()
        if one_by_one:
            responses = [await client.get(path) for _ in range(count)]
        else:
            responses = await asyncio.gather(*(client.get(path) for _ in range(count)))
        return time.perf_counter() - start, responses, threading.current_thread().name


def tour(t):
    t.step("Ten concurrent requests, each waiting 0.1 s, three ways (one event loop, asyncio.gather).")
    timings = {}
    spans.clear()
    for path in ("/async-blocking", "/async-awaiting", "/sync-blocking"):
        seconds, responses, loop_thread = asyncio.run(_burst(t.app, path))
        ok = all(r.status_code == 200 for r in responses)
        timings[path] = seconds if ok else 0.0
        t.note(f"10 x GET {path}", f"{seconds:.2f} s")
        if path == "/sync-blocking":
            t.record(responses[0])
            sync_thread = responses[0].json().get("thread") if ok else None
        if path == "/async-awaiting":
            async_thread = responses[0].json().get("thread") if ok else None
    at_once = {path: _most_at_once(path) for path in timings}
    t.note("the most requests the server handled at once (its own record)", at_once)
    t.check("async def + time.sleep: serialized, the server handled them one at a time",
            timings["/async-blocking"] > 0 and at_once["/async-blocking"] == 1, str(at_once))
    t.check("async def + await asyncio.sleep: concurrent, the server handled several at once",
            timings["/async-awaiting"] > 0 and at_once["/async-awaiting"] >= 2, str(at_once))
    t.check("def + time.sleep: concurrent in the threadpool, several at once",
            timings["/sync-blocking"] > 0 and at_once["/sync-blocking"] >= 2, str(at_once))

    t.step("Where each one ran: async def on the event loop's thread, def in a worker thread.")
    t.note("event loop thread", loop_thread)
    t.note("async def endpoint ran in", async_thread)
    t.note("def endpoint ran in", sync_thread)
    t.check("async def runs on the loop's own thread", async_thread == loop_thread, str(async_thread))
    t.check("def runs in another thread (anyio's worker pool)",
            sync_thread is not None and sync_thread != loop_thread, str(sync_thread))

    t.step("CPU-bound work gets no faster with async: the gain is concurrency on I/O waits.")
    asyncio.run(_burst(t.app, "/cpu", count=1))  # warm up
    one_by_one = asyncio.run(_burst(t.app, "/cpu", one_by_one=True))[0]
    spans.clear()
    ten, responses, _ = asyncio.run(_burst(t.app, "/cpu", count=10))
    ok = all(r.status_code == 200 for r in responses)
    t.note("10 x GET /cpu, one after another", f"{one_by_one * 1000:.0f} ms")
    t.note("10 x GET /cpu, concurrently", f"{ten * 1000:.0f} ms")
    most = _most_at_once("/cpu")
    t.check("concurrency saves nothing on CPU work: sent at once, the ten ran one at a time on the loop",
            ok and len(spans) == 10 and most == 1, f"at most {most} at once")
