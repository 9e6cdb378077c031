"""Middleware: code that wraps every request, before and after the endpoint runs.

Run it alone, from the repository's top folder: fastapi dev demos/middleware.py
"""

import asyncio
import time

from fastapi import FastAPI, HTTPException, Request

app = FastAPI(title="Middleware demo")
calls: list[str] = []  # the order things ran in, so the tour can show it
outcomes: list[str] = []  # what call_next gave the outer middleware: a response or an exception
layers: list[str] = []  # which middleware entered and left when


@app.middleware("http")  # <- runs for every request
async def add_process_time_header(request: Request, call_next):
    layers.append("add_process_time_header in")
    calls.append(f"before {request.url.path}")
    start = time.perf_counter()  # <- a monotonic clock, not a hard-coded "123ms"
    response = await call_next(request)  # <- the endpoint (and inner middleware) run here
    elapsed = time.perf_counter() - start
    response.headers["X-Process-Time"] = f"{elapsed:.4f}"  # <- seconds, measured
    calls.append(f"after {request.url.path}")
    layers.append("add_process_time_header out")
    return response


@app.middleware("http")  # added last: the outermost of the two
async def watch_errors(request: Request, call_next):
    layers.append("watch_errors in")
    try:
        response = await call_next(request)
    except Exception as exc:  # <- an unhandled exception comes out of call_next as itself
        outcomes.append(f"exception {type(exc).__name__}")
        raise  # <- (or return a response of your own); ServerErrorMiddleware builds the 500
    outcomes.append(f"response {response.status_code}")  # <- HTTPException: already a response
    layers.append("watch_errors out")
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


@app.get("/missing")
async def missing():
    raise HTTPException(status_code=404, detail="No such thing")  # <- handled inside the middleware


@app.get("/crash")
async def crash():
    raise RuntimeError("the database is on fire")  # <- unhandled: no handler is registered for it


# --- tour ---

from contextlib import closing  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402


def _layers(app, origin=False):
    """The ASGI apps a request passes through, outermost first, down to the router; with
    `origin`, each with where it comes from: "this file" for the functions above, else the
    package whose class it is (FastAPI's `build_middleware_stack` in fastapi/applications.py adds
    its own layers around and inside the user middleware: the stack differs between versions)."""
    from starlette.routing import Router

    names = []
    while app is not None and len(names) < 30:
        dispatch = getattr(app, "dispatch_func", None)  # @app.middleware("http") functions
        name = getattr(dispatch, "__name__", None) or type(app).__name__
        if origin:
            where = "this file" if dispatch is not None and dispatch.__module__ == __name__ \
                else type(app).__module__.split(".")[0]
            name += f" ({where})"
        names.append(name)
        app = None if isinstance(app, Router) else getattr(app, "app", None)
    return names


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

    t.step("The middleware added last is the outermost: it runs first on the way in, last on the way out.")
    layers.clear()
    t.get("/fast")
    t.note("middleware in and out", " -> ".join(layers))
    t.check(
        "watch_errors (added last) wraps add_process_time_header (added first)",
        layers == ["watch_errors in", "add_process_time_header in", "add_process_time_header out",
                   "watch_errors out"],
        str(layers),
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

    t.step("An HTTPException reaches the middleware as a response: a handler inside it made one.")
    outcomes.clear()
    r = t.get("/missing", show_headers=["x-process-time"])
    t.check("call_next returned a 404 response, it raised nothing", outcomes == ["response 404"],
            str(outcomes))
    t.check("the client got the 404 with its detail, timed like any response",
            r.status_code == 404 and r.json() == {"detail": "No such thing"}
            and "x-process-time" in r.headers, r.text)

    t.step("An unhandled exception comes out of call_next as the exception itself, not as a 500.")
    with closing(TestClient(t.app, raise_server_exceptions=False)) as lax:  # a 500, not a raise
        outcomes.clear()
        r = t.record(lax.get("/crash"), ["content-type", "x-process-time"])
    t.note("what call_next gave the outer middleware", outcomes)
    t.check("call_next raised the RuntimeError; the middleware caught it with try/except",
            outcomes == ["exception RuntimeError"])
    t.check("the client still got a plain-text 500 Internal Server Error",
            r.status_code == 500 and r.text == "Internal Server Error", f"{r.status_code} {r.text}")
    t.check("with no X-Process-Time: the 500 was built outside the user middleware",
            r.status_code == 500 and "x-process-time" not in r.headers)

    t.step("ServerErrorMiddleware, outside all user middleware, builds that 500, then re-raises "
           "for the server to log.")
    chain = _layers(t.app.middleware_stack)
    t.note("the middleware stack, outermost first (where each comes from)",
           " -> ".join(_layers(t.app.middleware_stack, origin=True)))
    t.note("not in this file", "FastAPI's build_middleware_stack (fastapi/applications.py) puts "
           "Starlette's ServerErrorMiddleware and FastAPI's own layers outside your middleware, "
           "ExceptionMiddleware and AsyncExitStackMiddleware inside it")
    users = [i for i, name in enumerate(chain) if name in ("watch_errors", "add_process_time_header")]
    t.check("ServerErrorMiddleware first, the user middleware after it",
            chain[:1] == ["ServerErrorMiddleware"] and len(users) == 2 and min(users) > 0)
    t.check("the handlers that turn HTTPException into a response sit inside them",
            "ExceptionMiddleware" in chain and len(users) == 2
            and max(users) < chain.index("ExceptionMiddleware"))
    try:
        with closing(TestClient(t.app)) as strict:  # raise_server_exceptions=True: as a server sees it
            strict.get("/crash")
        raised = "nothing"
    except RuntimeError as exc:
        raised = f"RuntimeError: {exc}"
    t.note("TestClient (raise_server_exceptions=True) raised", raised)
    t.check("the exception went on past the 500 to the server (uvicorn logs its traceback)",
            raised == "RuntimeError: the database is on fire")
