"""Performance: compress big responses, cache expensive work, never block the event loop on I/O.

Run it alone, from the repository's top folder: fastapi dev demos/performance.py
"""

import asyncio
import time
from functools import lru_cache
from math import isqrt

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

app = FastAPI(title="Performance demo")
app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)  # <- gzip bodies over 1 KB


@app.get("/report")
async def report():  # a large, repetitive JSON body: compresses very well
    return [{"id": i, "status": "shipped", "warehouse": "north", "total": i * 10} for i in range(500)]


@app.get("/ping")
async def ping():  # a tiny body: below minimum_size, sent as is
    return {"pong": True}


computed: list[int] = []  # every limit count_primes actually computed


@lru_cache(maxsize=256)  # <- computed once per argument, then served from memory (per process)
def count_primes(limit: int) -> int:  # deliberately slow: trial division
    computed.append(limit)
    return sum(1 for n in range(2, limit) if all(n % d for d in range(2, isqrt(n) + 1)))


@app.get("/primes/{limit}")
def primes(limit: int):  # <- plain def: CPU work runs in the threadpool, not on the event loop
    return {"limit": limit, "primes": count_primes(limit)}


waits: list[tuple[float, float]] = []  # the server's record: when each 'query' began and ended


async def fetch_order(order_id: int) -> dict:
    start = time.perf_counter()
    await asyncio.sleep(0.05)  # stands in for `await session.execute(...)` on an async driver
    waits.append((start, time.perf_counter()))
    return {"id": order_id}


@app.get("/orders/{order_id}")
async def order(order_id: int):
    return await fetch_order(order_id)  # <- while this waits, the event loop serves other requests


# --- tour ---


def tour(t):
    import asyncio
    import time

    import httpx2

    t.step("GZipMiddleware compresses a large JSON response when the client accepts gzip.")
    shown = ["accept-encoding", "content-encoding", "content-length", "vary"]
    zipped = t.get("/report", headers={"Accept-Encoding": "gzip"}, show_headers=shown)
    wire = zipped.num_bytes_downloaded  # bytes received, before httpx2 decoded them
    plain = t.client.get("/report", headers={"Accept-Encoding": "identity"})
    t.note("raw JSON size", f"{len(plain.content)} bytes")
    t.note("gzip size on the wire", f"{wire} bytes ({wire / max(len(plain.content), 1):.0%} of raw)")
    t.check("the response is gzip-encoded", zipped.headers.get("content-encoding") == "gzip")
    t.check("the compressed body is under a quarter of the raw one",
            0 < wire < len(plain.content) / 4, f"{wire} vs {len(plain.content)} bytes")
    t.check("it decodes back to the same JSON", zipped.json() == plain.json())
    t.check("without gzip in Accept-Encoding, no compression", "content-encoding" not in plain.headers)

    t.step("A small response (under minimum_size) is not compressed: gzip would not pay for itself.")
    small = t.get("/ping", headers={"Accept-Encoding": "gzip"},
                  show_headers=["accept-encoding", "content-encoding"])
    t.check("/ping answers, uncompressed",
            small.status_code == 200 and "content-encoding" not in small.headers, small.text)

    t.step("lru_cache: the first call computes, the next ones are served from memory.")
    forget = getattr(count_primes, "cache_clear", lambda: None)
    forget()
    computed.clear()
    first = t.get("/primes/60000")
    second = t.get("/primes/60000")
    info = getattr(count_primes, "cache_info", lambda: "(no cache)")()
    t.note("first call (computed)", f"{first.elapsed.total_seconds() * 1000:.1f} ms")
    t.note("second call (cached)", f"{second.elapsed.total_seconds() * 1000:.1f} ms")
    t.note("cache_info()", info)
    t.check("same answer both times", first.status_code == 200 and first.json() == second.json(),
            first.text)
    t.check("computed once, then served from memory", computed == [60000], f"computed {computed}")
    t.note("the catch", "the cache lives in one process: each worker has its own; "
           "a shared cache with expiry is Redis (quiz demo caching)")
    forget()

    t.step("An async driver lets awaits overlap: 10 concurrent requests that each wait 0.05 s "
           "on the 'database' finish together in about 0.05 s, not 0.5 s.")

    async def burst():
        transport = httpx2.ASGITransport(app=t.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
            start = time.perf_counter()
            responses = await asyncio.gather(*(client.get(f"/orders/{i}") for i in range(10)))
            return responses, time.perf_counter() - start

    waits.clear()
    responses, elapsed = asyncio.run(burst())
    t.record(responses[-1], elapsed=elapsed)
    t.note("the 'database'", "asyncio.sleep(0.05) stands in for a query on an async driver "
           "(asyncpg, aiosqlite via SQLAlchemy's AsyncSession): the await frees the event loop")
    t.note("10 requests, one after another, would take", "10 x 0.05 s = 0.50 s")
    t.note("10 concurrent requests took", f"{elapsed:.3f} s")
    t.check("all 10 answered", all(r.status_code == 200 for r in responses),
            str([r.status_code for r in responses]))
    edges = sorted((at, step) for start, end in waits for at, step in ((start, 1), (end, -1)))
    running = [sum(step for _, step in edges[: i + 1]) for i in range(len(edges))]
    t.note("the most queries the server was waiting on at once (its own record)", max(running, default=0))
    t.check("they overlapped: the server waited on several queries at once, not one after another",
            len(waits) == 10 and max(running) >= 2, f"{elapsed:.3f} s")

    t.step("More throughput on one machine: several worker processes, one per core.")
    t.note("see", "quiz demo scaling (workers, gunicorn -k uvicorn_worker.UvicornWorker, "
           "fastapi run --workers N)")
