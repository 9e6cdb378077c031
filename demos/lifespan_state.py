"""Lifespan state: what the lifespan yields reaches request.state (a copy per request), never app.state.

Run it alone, from the repository's top folder: fastapi dev demos/lifespan_state.py
"""

import itertools
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

runs = itertools.count(1)
sub_lifespan_ran: list[str] = []


class Pool:
    """Stands in for a database pool: one object per lifespan run, shared by every request."""

    def __init__(self, run: int) -> None:
        self.run = run
        self.borrowed = 0


@asynccontextmanager
async def lifespan(app: FastAPI):
    pool = Pool(next(runs))  # opened once per process, at startup
    yield {"pool": pool}  # <- lifespan state: each request gets a shallow copy as request.state


@asynccontextmanager
async def sub_lifespan(app: FastAPI):
    sub_lifespan_ran.append("sub")  # never happens: a mounted app gets no lifespan events
    yield


app = FastAPI(title="Lifespan state demo", lifespan=lifespan)
v2 = FastAPI(title="Mounted sub-application", lifespan=sub_lifespan)
app.mount("/v2", v2)


def get_pool(request: Request) -> Pool:
    return request.state.pool  # <- the dependency endpoints (and tests) go through


@app.get("/borrow")
def borrow(request: Request, pool: Annotated[Pool, Depends(get_pool)]):
    pool.borrowed += 1  # the pool object is shared by every request
    request.state.user = "alice"  # <- set on this request's copy only
    return {"run": pool.run, "borrowed": pool.borrowed, "on_app_state": hasattr(app.state, "pool")}


@app.get("/whoami")
def whoami(request: Request):
    return {"user": getattr(request.state, "user", None)}


@v2.get("/state")
def sub_state(request: Request):
    return {"keys": sorted(vars(request.state).get("_state", {})), "sub_lifespan_ran": sub_lifespan_ran}


# --- tour ---


def tour(t):
    from fastapi.testclient import TestClient

    t.step("The lifespan yields {'pool': pool}; an endpoint reads it through request.state.")
    r1 = t.get("/borrow")
    r2 = t.get("/borrow")
    a, b = r1.json(), r2.json()
    t.check("request.state.pool is the lifespan's pool", r1.status_code == 200 and a.get("run"), r1.text)
    t.check("the pool object is shared: the second request sees the first one's borrow",
            b.get("borrowed") == a.get("borrowed", 0) + 1 and a.get("run") == b.get("run"), r2.text)
    t.check("what the lifespan yields never reaches app.state", a.get("on_app_state") is False, r1.text)

    t.step("request.state is a copy per request: an attribute set in one request is gone in the next.")
    r = t.get("/whoami")
    t.check("request.state.user set by /borrow is not seen by /whoami", r.json() == {"user": None}, r.text)

    t.step("A mounted sub-application gets no lifespan events: its requests see the parent's state.")
    r = t.get("/v2/state")
    t.check("the mounted app's lifespan never ran", r.json().get("sub_lifespan_ran") == [], r.text)
    t.check("its requests carry the parent's state", r.json().get("keys") == ["pool"], r.text)

    t.step("State belongs to one run of the lifespan: a new `with TestClient(app)` gets a fresh pool.")
    first = a.get("run")
    with TestClient(t.app) as client:
        again = t.record(client.get("/borrow")).json()
    t.note("lifespan runs", f"{first} then {again.get('run')}")
    t.check("the second run built a new pool, with nothing borrowed from the first",
            again.get("run") != first and again.get("borrowed") == 1, str(again))
