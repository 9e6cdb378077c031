"""Middleware: code that wraps every request, before and after the endpoint runs.

Run it alone, from the repository's top folder: fastapi dev demos/middleware.py
"""

import asyncio
import time

from fastapi import FastAPI, Request

app = FastAPI(title="Middleware demo")
calls: list[str] = []  # the order things ran in, so the tour can show it


@app.middleware("http")  # <- runs for every request
async def add_process_time_header(request: Request, call_next):
    calls.append(f"before {request.url.path}")
    start = time.perf_counter()  # <- a monotonic clock, not a hard-coded "123ms"
    response = await call_next(request)  # <- the endpoint (and inner middleware) run here
    elapsed = time.perf_counter() - start
    response.headers["X-Process-Time"] = f"{elapsed:.4f}"  # <- seconds, measured
    calls.append(f"after {request.url.path}")
    return response


@app.get("/fast")
async def fast():
    calls.append("endpoint /fast")
    return {"speed": "fast"}


@app.get("/slow")
async def slow():
    calls.append("endpoint /slow")
    await asyncio.sleep(0.05)
    return {"speed": "slow"}


# --- tour ---


def tour(t):
    t.step("The middleware runs before and after the endpoint, for every request.")
    calls.clear()
    t.get("/fast")
    t.note("order of calls", " -> ".join(calls))
    t.check(
        "before, endpoint, after: in that order",
        calls == ["before /fast", "endpoint /fast", "after /fast"],
        str(calls),
    )

    t.step("X-Process-Time is measured with time.perf_counter(), so it tracks real work.")
    fast = t.get("/fast", show_headers=["x-process-time"])
    slow = t.get("/slow", show_headers=["x-process-time"])
    fast_s = float(fast.headers.get("x-process-time", "nan"))
    slow_s = float(slow.headers.get("x-process-time", "nan"))
    t.check("every response carries X-Process-Time", "x-process-time" in fast.headers)
    t.check("the slow endpoint (a 0.05 s await) measures at least 0.05 s", slow_s >= 0.05, f"{slow_s:.4f} s")
    t.check("the fast endpoint measures less than half of that", fast_s < slow_s / 2, f"{fast_s:.4f} s")

    t.step("It wraps requests that match no route too: a 404 gets the header as well.")
    missing = t.get("/nowhere", show_headers=["x-process-time"])
    t.check("404 with the header", missing.status_code == 404 and "x-process-time" in missing.headers)
