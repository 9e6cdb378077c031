"""Pure ASGI middleware versus BaseHTTPMiddleware: when "after" runs, streaming, tasks, contextvars.

Run it alone, from the repository's top folder: fastapi dev demos/asgi_middleware.py
"""

from contextvars import ContextVar

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import StreamingResponse
from starlette.middleware.base import BaseHTTPMiddleware

current_user: ContextVar[str | None] = ContextVar("current_user", default=None)
events: list[tuple] = []  # the server's own record, in the order things happened


class PureASGIMiddleware:
    """A pure ASGI middleware: it wraps `send` and sees every message the app sends."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # lifespan and websockets pass straight through
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-middleware", b"pure-asgi"))
            await send(message)  # <- passed on at once: nothing is buffered
            if message["type"] == "http.response.body":
                events.append(("middleware", "body sent", message.get("more_body", False)))

        await self.app(scope, receive, send_wrapper)  # <- the same task: the endpoint's contextvars are ours
        events.append(("middleware", "after", current_user.get()))  # <- after the last byte and the tasks


class DispatchMiddleware(BaseHTTPMiddleware):
    """What @app.middleware("http") builds: dispatch(request, call_next)."""

    async def dispatch(self, request, call_next):
        response = await call_next(request)  # <- the app runs in another task; this returns at the headers
        events.append(("middleware", "after", current_user.get()))
        response.headers["x-middleware"] = "base-http"
        return response


def build(middleware) -> FastAPI:
    api = FastAPI(title=f"{middleware.__name__} demo")
    api.add_middleware(middleware)

    @api.get("/login")
    async def login(tasks: BackgroundTasks):
        current_user.set("alice")  # e.g. a request id or the user, for the logs
        tasks.add_task(events.append, ("task", "background task ran", None))
        return {"user": "alice"}

    @api.get("/login-sync")
    def login_sync():  # a def endpoint runs in a worker thread, on a copy of the context
        current_user.set("bob")
        return {"user": "bob"}

    @api.get("/stream")
    async def stream():
        async def rows():
            for i in range(3):
                events.append(("endpoint", "chunk made", i))
                yield f"row {i}\n"

        return StreamingResponse(rows(), media_type="text/plain")

    return api


app = build(PureASGIMiddleware)  # <-
dispatch_app = build(DispatchMiddleware)  # the same endpoints behind BaseHTTPMiddleware


# --- tour ---


def tour(t):
    from fastapi.testclient import TestClient

    def order(names):
        """Positions of the first event whose (who, what) is each name, in the server's record."""
        seen = [(who, what) for who, what, _ in events]
        return [seen.index(n) if n in seen else -1 for n in names]

    t.step("Pure ASGI: code after `await self.app(...)` runs after the last body message and after "
           "the background tasks, in the same task as the endpoint.")
    events.clear()
    r = t.get("/login", show_headers=["x-middleware"])
    t.note("server record", events)
    sent, task, after = order([("middleware", "body sent"), ("task", "background task ran"),
                               ("middleware", "after")])
    t.check("it ran (its header is on the response)", r.headers.get("x-middleware") == "pure-asgi")
    t.check("'after' came after the body was sent and after the background task",
            -1 < sent < task < after, str(events))
    t.check("the contextvar the endpoint set is visible in the middleware afterwards",
            ("middleware", "after", "alice") in events, str(events))
    events.clear()
    t.get("/login-sync")
    t.check("but not one a def endpoint set: it ran in a worker thread, on a copy of the context",
            ("middleware", "after", None) in events, str(events))

    t.step("BaseHTTPMiddleware runs the app in another task: call_next returns when the headers "
           "are ready, before the body and the background tasks.")
    events.clear()
    with TestClient(dispatch_app) as client:
        r = t.record(client.get("/login"), show_headers=["x-middleware"])
    t.note("server record", events)
    after, task = order([("middleware", "after"), ("task", "background task ran")])
    t.check("'after' came before the background task", -1 < after < task, str(events))
    t.check("the endpoint's contextvar is not visible after call_next",
            ("middleware", "after", None) in events, str(events))

    t.step("Streaming through pure ASGI: each chunk passes the middleware as it is made, nothing "
           "is buffered, and 'after' sees the end of the stream.")
    events.clear()
    r = t.get("/stream")
    t.note("server record", events)
    made = [i for i, e in enumerate(events) if e[:2] == ("endpoint", "chunk made")]
    chunks = [i for i, e in enumerate(events) if e[:2] == ("middleware", "body sent") and e[2]]
    t.check("the body is whole", r.text == "row 0\nrow 1\nrow 2\n", r.text)
    t.check("chunk n passed the middleware before chunk n+1 was made",
            len(made) == 3 and len(chunks) >= 2
            and all(c < m for c, m in zip(chunks, made[1:], strict=False)), str(events))
    t.check("'after' came after the last chunk", events[-1][:2] == ("middleware", "after"), str(events))

    t.step("Streaming through BaseHTTPMiddleware: its 'after' code ran before most of the body "
           "existed, so a timing taken there misses the stream.")
    events.clear()
    with TestClient(dispatch_app) as client:
        r = t.record(client.get("/stream"))
    t.note("server record", events)
    after = order([("middleware", "after")])[0]
    made = [i for i, e in enumerate(events) if e[:2] == ("endpoint", "chunk made")]
    t.check("the body is whole", r.text == "row 0\nrow 1\nrow 2\n", r.text)
    t.check("'after' ran before the last chunk was made", -1 < after < made[-1] if made else False,
            str(events))
