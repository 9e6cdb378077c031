"""WSGI vs ASGI: a blocking call per request and thread, or many awaits on one event loop.

Run it alone, from the repository's top folder: fastapi dev demos/wsgi_mount.py
"""

import asyncio
import json
import threading
import time
from contextlib import asynccontextmanager

from a2wsgi import WSGIMiddleware  # <- not fastapi.middleware.wsgi: deprecated, it warns
from fastapi import FastAPI, WebSocket


def legacy_wsgi_app(environ, start_response):  # <- WSGI: a plain blocking function per request
    started = time.perf_counter()
    time.sleep(0.1)  # <- a slow database call: the thread can do nothing else meanwhile
    body = {"thread": threading.current_thread().name, "started": started,
            "ended": time.perf_counter(), "path": environ["PATH_INFO"]}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]  # the whole response, returned at the end


wsgi = WSGIMiddleware(legacy_wsgi_app, workers=2)  # <- each request holds one of 2 threads


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    wsgi.executor.shutdown()  # let a2wsgi's threads go when the app stops


app = FastAPI(title="WSGI vs ASGI demo", lifespan=lifespan)
app.mount("/wsgi", wsgi)  # <- the WSGI app served inside the ASGI app


@app.get("/asgi/wait")
async def asgi_wait():  # <- ASGI: a coroutine; awaiting gives the thread back to the loop
    started = time.perf_counter()
    await asyncio.sleep(0.1)  # the same slow call, awaited
    return {"thread": threading.current_thread().name, "started": started,
            "ended": time.perf_counter()}


@app.websocket("/ws")
async def websocket_echo(websocket: WebSocket):  # <- only ASGI has websockets
    await websocket.accept()
    await websocket.send_text(f"ASGI echo: {await websocket.receive_text()}")
    await websocket.close()


# --- tour ---


def _burst(app, path, n=5):
    """Send n requests at the same moment; return the responses and the wall time."""
    import httpx2

    async def main():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await asyncio.gather(*(c.get(path) for _ in range(n)))

    start = time.perf_counter()
    responses = asyncio.run(main())
    return responses, time.perf_counter() - start


def _max_overlap(spans):
    """How many of the (start, end) spans were running at the same moment, at most."""
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def _spans(responses):
    bodies = [r.json() for r in responses if r.status_code == 200]
    return bodies, [(b["started"], b["ended"]) for b in bodies]


def _import_warnings(module):
    """Import `module` afresh and return the warnings it emits; leave sys.modules as it was."""
    import importlib
    import sys
    import warnings

    names = [module, "starlette.middleware.wsgi"]
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importlib.import_module(module)
    finally:
        for name in names:
            sys.modules.pop(name, None)
            parent, _, child = name.rpartition(".")
            if name in saved:
                sys.modules[name] = saved[name]
                setattr(sys.modules[parent], child, saved[name])
            elif hasattr(sys.modules.get(parent), child):
                delattr(sys.modules[parent], child)
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def tour(t):
    t.step("A plain WSGI function, mounted with a2wsgi, answers inside the FastAPI app.")
    r = t.get("/wsgi/report", show_headers=["content-type"])
    t.check("the WSGI app answered through the ASGI app", r.status_code == 200
            and r.json().get("path") == "/report", r.text)

    t.step("5 requests at once to the WSGI app: each holds a thread for its 0.1 s wait.")
    responses, wsgi_s = _burst(t.app, "/wsgi/report")
    bodies, spans = _spans(responses)
    t.record(responses[0], elapsed=wsgi_s)
    wsgi_threads = sorted({b["thread"] for b in bodies})
    t.note("WSGI: 5 requests took", f"{wsgi_s:.2f} s on threads {', '.join(wsgi_threads)}")
    t.note("WSGI: at most at once", f"{_max_overlap(spans)} requests (= 2 threads)")
    t.check("all 5 answered", len(bodies) == 5)
    t.check("never more requests at once than threads", len(bodies) == 5
            and _max_overlap(spans) <= 2 and len(wsgi_threads) == 2, str(wsgi_threads))
    starts, ends = sorted(s for s, _ in spans), sorted(e for _, e in spans)
    t.check("so they queued: the last began only once three had ended (the server's record)",
            len(spans) == 5 and starts[4] >= ends[2], f"{wsgi_s:.3f} s")

    t.step("5 requests at once to the async endpoint: all wait together on one thread.")
    responses, asgi_s = _burst(t.app, "/asgi/wait")
    bodies, spans = _spans(responses)
    t.record(responses[0], elapsed=asgi_s)
    asgi_threads = sorted({b["thread"] for b in bodies})
    t.note("ASGI: 5 requests took", f"{asgi_s:.2f} s on thread {', '.join(asgi_threads)}")
    t.note("ASGI: at most at once", f"{_max_overlap(spans)} requests")
    t.check("all 5 answered", len(bodies) == 5)
    t.check("all 5 were waiting at the same time, on one thread",
            _max_overlap(spans) == 5 and len(asgi_threads) == 1, str(asgi_threads))
    t.check("so the burst took one wait, not rounds: every request began before the first one ended",
            len(spans) == 5 and max(s for s, _ in spans) < min(e for _, e in spans),
            f"{asgi_s:.3f} s against {wsgi_s:.3f} s")

    t.step("A websocket works on the ASGI side; WSGI has no way to speak it.")
    try:
        with t.client.websocket_connect("/ws") as ws:
            ws.send_text("hello")
            echoed = ws.receive_text()
    except Exception as exc:
        echoed = f"refused: {type(exc).__name__}"
    try:
        with t.client.websocket_connect("/wsgi/ws") as ws:
            wsgi_ws = f"accepted: {ws.receive_text()}"
    except Exception as exc:  # a2wsgi closes websocket scopes at once
        wsgi_ws = f"refused: {type(exc).__name__}"
    t.note("ASGI websocket", echoed)
    t.note("WSGI websocket", wsgi_ws)
    t.check("the ASGI endpoint echoed over the websocket", echoed == "ASGI echo: hello", echoed)
    t.check("the WSGI mount refused the websocket", wsgi_ws.startswith("refused")
            and echoed == "ASGI echo: hello", wsgi_ws)

    t.step("Mount WSGI apps with a2wsgi: importing fastapi.middleware.wsgi warns today.")
    caught = _import_warnings("fastapi.middleware.wsgi")
    t.note("import fastapi.middleware.wsgi", caught[0] if caught else "no warning")
    t.check("the old import emits a deprecation warning naming a2wsgi",
            any("deprecated" in w and "a2wsgi" in w for w in caught), str(caught))
    t.note("this app mounts", f"{WSGIMiddleware.__module__}.{WSGIMiddleware.__name__} at /wsgi "
           "(it answered in the first step)")
