"""One shared httpx2.AsyncClient from the lifespan: pooled connections, timeouts, limits, errors.

Run it alone, from the repository's top folder: fastapi dev demos/shared_http_client.py
(it calls an upstream at UPSTREAM_URL; the tour starts one on 127.0.0.1).
"""

import asyncio
import os
import threading
from contextlib import asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import Depends, FastAPI, HTTPException, Request

UPSTREAM = {"url": os.environ.get("UPSTREAM_URL", "http://127.0.0.1:8001")}
POOL_SIZE = 2  # max_connections: what the upstream is allowed to see from this process

# The upstream service, a second app; the tour serves it with uvicorn on 127.0.0.1.
upstream = FastAPI(title="Upstream")
seen: dict[str, list] = {"ports": [], "holding": []}  # the upstream's own record
release = threading.Event()


@upstream.get("/echo")
async def echo(request: Request):
    seen["ports"].append(request.client.port)  # one client port per TCP connection
    return {"port": request.client.port}


@upstream.get("/hold")
async def hold(request: Request):
    seen["holding"].append(request.client.port)
    for _ in range(500):  # until the tour releases it (at most 5 s)
        if release.is_set():
            break
        await asyncio.sleep(0.01)
    seen["holding"].remove(request.client.port)
    return {"held": True}


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with httpx2.AsyncClient(  # <- one client per process: one pool of connections
        base_url=UPSTREAM["url"],
        timeout=httpx2.Timeout(5.0, read=0.5, pool=0.5),  # <- every call is bounded; the default is 5 s
        limits=httpx2.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE,  # <-
                             keepalive_expiry=30),
    ) as client:
        yield {"http": client}  # closed (connections and all) at shutdown


app = FastAPI(title="Shared HTTP client demo", lifespan=lifespan)


def get_http(request: Request) -> httpx2.AsyncClient:
    return request.state.http


Http = Annotated[httpx2.AsyncClient, Depends(get_http)]


async def call_upstream(http: httpx2.AsyncClient, path: str, **options) -> dict:
    try:
        r = await http.get(path, **options)
        r.raise_for_status()
    except httpx2.PoolTimeout:  # <- every connection busy for longer than the pool timeout
        raise HTTPException(status_code=503, detail="upstream pool exhausted") from None
    except httpx2.TimeoutException:  # connect, read or write took too long
        raise HTTPException(status_code=504, detail="upstream timed out") from None
    except httpx2.HTTPError:  # refused, reset, or a 4xx/5xx from upstream
        raise HTTPException(status_code=502, detail="upstream failed") from None
    return r.json()


@app.get("/via-shared/{path}")
async def via_shared(path: str, http: Http):
    return await call_upstream(http, f"/{path}")  # <- the shared client, its pool and its limits


@app.get("/slow-report")
async def slow_report(http: Http):
    # a call known to be slow gets its own read timeout; the pool timeout stays short
    return await call_upstream(http, "/hold", timeout=httpx2.Timeout(30.0, pool=0.5))  # <- per call


@app.get("/via-new-client/{path}")
async def via_new_client(path: str, request: Request):
    async with httpx2.AsyncClient(base_url=str(request.state.http.base_url)) as fresh:  # the anti-pattern
        return await call_upstream(fresh, f"/{path}")


# --- tour ---


def _serve(app_to_serve):
    """Start uvicorn on 127.0.0.1 (a free port) in a thread; returns (url, stop)."""
    import socket
    import time

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app_to_serve, log_config=None, log_level=None, access_log=False,
                            timeout_keep_alive=60)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a start-up wait, not a timing claim
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)

    def stop():
        server.should_exit = True
        thread.join(10)
        sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


def tour(t):
    import time
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    url, stop_upstream = _serve(upstream)
    default_url, UPSTREAM["url"] = UPSTREAM["url"], url
    release.clear()
    try:
        with TestClient(t.app, raise_server_exceptions=False) as client:  # the lifespan opens the client
            t.step("Five calls through the shared client: the upstream sees one TCP connection, reused.")
            seen["ports"].clear()
            replies = [client.get("/via-shared/echo") for _ in range(5)]
            t.record(replies[-1])
            t.note("client ports the upstream saw", seen["ports"])
            t.check("5 x 200", [r.status_code for r in replies] == [200] * 5, replies[-1].text)
            t.check("one connection for all five (keep-alive)", len(set(seen["ports"])) == 1,
                    str(seen["ports"]))

            t.step("Five calls, each with a new AsyncClient: five connections, five handshakes.")
            seen["ports"].clear()
            replies = [client.get("/via-new-client/echo") for _ in range(5)]
            t.note("client ports the upstream saw", seen["ports"])
            t.check("five different connections", len(set(seen["ports"])) == 5, str(seen["ports"]))

            t.step(f"Limits: max_connections={POOL_SIZE}. With both connections held, a third call waits "
                   "for the pool, gives up after the pool timeout, and the endpoint answers 503.")
            burst = ThreadPoolExecutor(max_workers=POOL_SIZE)
            try:
                held = [burst.submit(client.get, "/slow-report") for _ in range(POOL_SIZE)]
                deadline = time.monotonic() + 30
                while (len(seen["holding"]) < POOL_SIZE and not all(f.done() for f in held)
                       and time.monotonic() < deadline):
                    time.sleep(0.01)
                t.note("connections held at the upstream", len(seen["holding"]))
                r = t.record(client.get("/via-shared/echo"))
                t.check(f"{POOL_SIZE} connections held, the third call: 503 upstream pool exhausted",
                        len(seen["holding"]) == POOL_SIZE and r.status_code == 503, r.text)
            finally:
                release.set()
            t.check("the held calls finish once released",
                    [f.result(timeout=60).status_code for f in held] == [200] * POOL_SIZE)
            burst.shutdown()

            t.step("Timeouts: a read that takes longer than read=0.5 s becomes a 504, not a hung worker.")
            release.clear()
            try:
                r = t.record(client.get("/via-shared/hold"))
            finally:
                release.set()
            t.check("the upstream still holding, the endpoint answered 504", r.status_code == 504, r.text)
    finally:
        release.set()
        stop_upstream()

    t.step("An upstream that is down: the connection is refused and the endpoint answers 502.")
    try:  # the upstream is stopped now: nothing listens at its address
        with TestClient(t.app, raise_server_exceptions=False) as client:
            r = t.record(client.get("/via-shared/echo"))
    finally:
        UPSTREAM["url"] = default_url
    t.check("502 upstream failed", r.status_code == 502 and r.text == '{"detail":"upstream failed"}', r.text)
