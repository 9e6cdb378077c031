"""Async tests with the lifespan: AsyncClient over ASGITransport in LifespanManager, on the test's own loop.

Run it alone, from the repository's top folder: fastapi dev demos/async_tests_lifespan.py
"""

import asyncio
import threading
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

events: list[str] = []  # the server's own record: lifespan, requests, teardowns, in order


@asynccontextmanager
async def lifespan(app: FastAPI):
    events.append("startup")
    pool = {"dsn": "postgresql://prod", "open": True}  # stands in for an async DB pool
    yield {"pool": pool}  # <- reaches request.state only through a server (or LifespanManager)
    pool["open"] = False
    events.append("shutdown")


app = FastAPI(title="Async tests with the lifespan demo", lifespan=lifespan)


def get_settings() -> dict:
    return {"dsn": "postgresql://prod"}


async def get_repo(request: Request, settings: Annotated[dict, Depends(get_settings)]):
    events.append("repo open")
    try:
        yield {"dsn": settings["dsn"], "pool_open": request.state.pool["open"]}
    finally:
        events.append("repo closed")  # <- a yield dependency's teardown runs in tests too


@app.get("/where")
async def where(repo: Annotated[dict, Depends(get_repo)]):
    events.append("request")
    return {
        "loop": id(asyncio.get_running_loop()),  # <- which event loop ran the endpoint
        "thread": threading.get_ident(),
        "dsn": repo["dsn"],
        "pool_open": repo["pool_open"],
    }


@app.get("/boom")
async def boom():
    raise RuntimeError("bug in the endpoint")


# --- tour ---


def tour(t):
    import anyio
    import httpx2
    from asgi_lifespan import LifespanManager

    async def run_async_test(override=None, raise_app_exceptions=True, url="/where"):
        """What a @pytest.mark.anyio test does: the app's lifespan and requests on this loop."""
        if override is not None:
            t.app.dependency_overrides[get_settings] = override  # <- keyed by the callable
        try:
            async with LifespanManager(t.app) as manager:  # <- startup now, shutdown at exit
                transport = httpx2.ASGITransport(app=manager.app,  # <- manager.app: state passed
                                                 raise_app_exceptions=raise_app_exceptions)
                async with httpx2.AsyncClient(transport=transport, base_url="http://test") as ac:
                    try:
                        r = t.record(await ac.get(url))
                    except Exception as exc:  # raised out of the app (raise_app_exceptions)
                        r = exc
                    return id(asyncio.get_running_loop()), threading.get_ident(), r
        finally:
            t.app.dependency_overrides.clear()

    def dsn(r):
        return r.json().get("dsn") if getattr(r, "status_code", None) == 200 else repr(r)

    t.step("TestClient (the tour's t.client) runs the app on its own event loop, in a portal "
           "thread: a loop-bound object (an asyncpg pool, an asyncio.Lock) made in an async test "
           "cannot be shared with the app.")
    r = t.get("/where")
    t.check("TestClient: the endpoint ran in another thread than the test",
            r.status_code == 200 and r.json().get("thread") != threading.get_ident(), r.text)
    t.note("the test's thread", threading.get_ident())

    t.step("An async test: AsyncClient over ASGITransport inside LifespanManager, all on the "
           "test's own event loop.")
    del events[:]
    loop, thread, r = anyio.run(run_async_test)
    body = r.json() if getattr(r, "status_code", None) == 200 else {}
    t.note("the server's record", events)
    t.check("the endpoint ran on the test's own loop and thread",
            body.get("loop") == loop and body.get("thread") == thread, repr(r))
    t.check("lifespan state reached the request: the pool is open",
            body.get("pool_open") is True, repr(r))
    t.check("startup before the request, the dependency's teardown after it, shutdown at exit",
            events == ["startup", "repo open", "request", "repo closed", "shutdown"], str(events))

    t.step("dependency_overrides swaps get_settings, which only get_repo uses: the override "
           "reaches every dependant, because overrides are keyed by the original callable.")
    _, _, r = anyio.run(run_async_test, lambda: {"dsn": "sqlite://test"})
    t.check("the endpoint saw the test DSN through get_repo", dsn(r) == "sqlite://test", repr(r))
    _, _, r = anyio.run(run_async_test)
    t.check("after clear() the real settings are back", dsn(r) == "postgresql://prod", repr(r))

    t.step("ASGITransport re-raises the app's exceptions into the test by default "
           "(raise_app_exceptions=True); set it False to assert the 500 a client would get.")
    _, _, raised = anyio.run(run_async_test, None, True, "/boom")
    t.note("with the default", repr(raised))
    t.check("the endpoint's RuntimeError reached the test",
            isinstance(raised, RuntimeError) and "bug in the endpoint" in str(raised), repr(raised))
    _, _, r = anyio.run(run_async_test, None, False, "/boom")
    t.check("raise_app_exceptions=False: a 500 response instead",
            not isinstance(r, Exception) and r.status_code == 500, repr(r))
