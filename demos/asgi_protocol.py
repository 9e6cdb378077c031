"""ASGI: the async interface between server and app, an `async def app(scope, receive, send)`.

Run it alone, from the repository's top folder: fastapi dev demos/asgi_protocol.py
"""

from contextlib import asynccontextmanager

from fastapi import FastAPI, WebSocket

scope_types: list[str] = []  # every scope the middleware saw, so the tour can show them
lifespan_events: list[str] = []


async def raw_app(scope, receive, send):  # <- an ASGI app: no framework, three arguments
    message = await receive()  # {"type": "http.request", "body": b"...", "more_body": False}
    text = f"raw ASGI: {scope['method']} {scope['path']}, {len(message['body'])} body bytes"
    await send({  # <- a response is two messages: start (status, headers), then the body
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
    })
    await send({"type": "http.response.body", "body": text.encode()})


class ScopeTagMiddleware:  # <- pure ASGI middleware: an ASGI app wrapping an ASGI app
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        scope_types.append(scope["type"])  # "lifespan", "http" or "websocket"
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_tagged(message):  # <- intercept what the app sends
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-asgi-scope", b"http")]
            await send(message)

        await self.app(scope, receive, send_tagged)


@asynccontextmanager
async def lifespan(app: FastAPI):  # runs on the "lifespan" scope: startup, then shutdown
    lifespan_events.append("startup")
    yield
    lifespan_events.append("shutdown")


app = FastAPI(title="ASGI demo", lifespan=lifespan)
app.add_middleware(ScopeTagMiddleware)
app.mount("/raw", raw_app)  # <- any ASGI app mounts inside FastAPI


@app.get("/hello/{name}")
async def hello(name: str):
    return {"hello": name}


@app.websocket("/ws")
async def echo(websocket: WebSocket):  # a "websocket" scope: a long-lived two-way connection
    await websocket.accept()
    await websocket.send_text(f"echo: {await websocket.receive_text()}")
    await websocket.close()


# --- tour ---


def _call_asgi(asgi_app, scope, incoming):
    """Be the server: call the app with a scope, feed it `incoming`, collect what it sends."""
    import asyncio

    sent = []
    queue = list(incoming)

    async def receive():
        if queue:
            return queue.pop(0)
        if scope["type"] == "http":
            return {"type": "http.disconnect"}  # the client has gone
        await asyncio.sleep(3600)  # nothing more to say: a real server would wait here

    async def send(message):
        sent.append(message)

    async def main():
        await asyncio.wait_for(asgi_app(scope, receive, send), timeout=5)

    asyncio.run(main())
    return sent


def _http_scope(method, path, query=b""):
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": query, "root_path": "", "headers": [(b"host", b"demo")],
        "client": ("127.0.0.1", 50000), "server": ("demo", 80),
    }


def tour(t):
    t.step("The FastAPI app is itself an ASGI callable: call it by hand with a scope.")
    sent = _call_asgi(
        t.app, _http_scope("GET", "/hello/Ada"),
        [{"type": "http.request", "body": b"", "more_body": False}],
    )
    for message in sent:
        t.note(message["type"], {k: v for k, v in message.items() if k != "type"})
    types = [m["type"] for m in sent]
    start = sent[0] if sent else {}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    t.check("it sent http.response.start then http.response.body",
            types[:1] == ["http.response.start"] and "http.response.body" in types, str(types))
    t.check("status 200 in the start message", start.get("status") == 200)
    t.check("the body is the endpoint's JSON", body == b'{"hello":"Ada"}', repr(body))

    t.step("A raw ASGI app (no framework at all) mounted at /raw answers through FastAPI.")
    r = t.post("/raw/anything", content=b"12345", show_headers=["content-type"])
    t.check("the raw app saw the method, the full path and the body",
            r.status_code == 200 and r.text == "raw ASGI: POST /raw/anything, 5 body bytes", r.text)

    t.step("The same app gets three kinds of scope: lifespan, http and websocket.")
    scope_types.clear()
    lifespan_events.clear()
    sent = _call_asgi(
        t.app, {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )
    t.note("lifespan scope, messages sent back", [m["type"] for m in sent])
    t.check("lifespan: startup.complete then shutdown.complete",
            [m["type"] for m in sent] == ["lifespan.startup.complete",
                                          "lifespan.shutdown.complete"])
    t.check("and the app's lifespan ran both halves", lifespan_events == ["startup", "shutdown"],
            str(lifespan_events))
    t.get("/hello/Grace")
    echoed = ""
    try:
        with t.client.websocket_connect("/ws") as ws:
            ws.send_text("hi")
            echoed = ws.receive_text()
    except Exception as exc:  # an app without /ws refuses the connection
        echoed = f"refused: {type(exc).__name__}"
    t.note("websocket reply", echoed)
    t.note("scope types the middleware saw", scope_types)
    t.check("a websocket scope carries a two-way conversation", echoed == "echo: hi", echoed)
    t.check("the middleware saw lifespan, http and websocket scopes",
            scope_types == ["lifespan", "http", "websocket"], str(scope_types))

    t.step("Pure ASGI middleware wraps `send`: it tags every HTTP response, mounted apps too.")
    api = t.get("/hello/Ada", show_headers=["x-asgi-scope"])
    raw = t.get("/raw/x", show_headers=["x-asgi-scope"])
    t.check("the FastAPI route's response is tagged", api.headers.get("x-asgi-scope") == "http")
    t.check("so is the raw mounted app's", raw.headers.get("x-asgi-scope") == "http")
