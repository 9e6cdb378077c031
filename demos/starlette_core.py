"""Starlette: the ASGI toolkit under FastAPI (routing, requests, middleware, lifespan).

Run it alone, from the repository's top folder: fastapi dev demos/starlette_core.py
"""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


@asynccontextmanager
async def lifespan(app: Starlette):  # <- startup and shutdown: Starlette 1.0 removed on_event
    yield {"greeting": "Hello"}  # <- lifespan state: each request sees it as request.state


async def hello(request: Request) -> PlainTextResponse:  # <- pure Starlette: Request in, Response out
    name = request.query_params.get("name", "world")  # a raw string: nobody validated it
    return PlainTextResponse(f"{request.state.greeting}, {name}!")


async def ping(request: Request) -> JSONResponse:
    return JSONResponse({"pong": True, "served_by": type(request.app).__name__})


legacy = Starlette(routes=[Route("/ping", ping)])  # a whole plain Starlette application

app = FastAPI(title="Starlette demo", lifespan=lifespan)  # <- FastAPI subclasses Starlette
app.add_middleware(GZipMiddleware, minimum_size=500)  # <- Starlette's middleware, used as is
app.add_route("/raw/hello", hello)  # <- a Starlette route inside the FastAPI app
app.mount("/legacy", legacy)  # <- a Starlette app mounted under a path


class Item(BaseModel):
    name: str
    price: float


@app.post("/items")  # <- what FastAPI adds: Pydantic validation, serialization, OpenAPI
async def create_item(item: Item) -> Item:
    return item


@app.get("/report")
async def report(request: Request):  # the same Starlette Request, in a FastAPI endpoint
    return {"greeting": request.state.greeting, "report": "All systems nominal. " * 40}


# --- tour ---


def tour(t):
    from fastapi.routing import APIRoute, APIRouter
    from starlette.routing import Router

    t.step("A FastAPI app is a Starlette app: FastAPI subclasses Starlette, its router and routes.")
    t.note("FastAPI's ancestors", " -> ".join(c.__name__ for c in type(t.app).__mro__[:-1]))
    api_routes = [r for r in t.app.routes if isinstance(r, APIRoute)]
    t.check("isinstance(app, Starlette)", isinstance(t.app, Starlette))
    t.check(
        "its router is a Starlette Router, its routes Starlette Routes",
        isinstance(t.app.router, APIRouter) and isinstance(t.app.router, Router)
        and bool(api_routes) and all(isinstance(r, Route) for r in api_routes),
        f"{len(api_routes)} APIRoute(s)",
    )

    t.step("A plain Starlette endpoint answers inside the FastAPI app, with lifespan state.")
    r = t.get("/raw/hello", params={"name": "Ada"}, show_headers=["content-type"])
    t.check("Starlette's Request and PlainTextResponse work as is", r.status_code == 200
            and r.headers.get("content-type", "").startswith("text/plain"), r.text)
    t.check("the lifespan's state reached request.state", r.text == "Hello, Ada!", r.text)

    t.step("A whole Starlette app mounted under /legacy answers there.")
    r = t.get("/legacy/ping")
    t.check("the mounted Starlette app answered", r.status_code == 200
            and r.json().get("served_by") == "Starlette", r.text)

    t.step("Starlette's GZipMiddleware compresses FastAPI responses over 500 bytes.")
    big = t.get("/report", headers={"accept-encoding": "gzip"},
                show_headers=["accept-encoding", "content-encoding", "content-length"])
    small = t.get("/raw/hello", headers={"accept-encoding": "gzip"},
                  show_headers=["content-encoding"])
    body = big.json() if big.status_code == 200 else {}
    t.note("/report", f"{len(big.content)} bytes of JSON sent as "
           f"{big.headers.get('content-length')} gzipped bytes")
    t.check("the big FastAPI response was gzipped", big.headers.get("content-encoding") == "gzip")
    t.check("and decodes to the full body", len(body.get("report", "")) == 21 * 40)
    t.check("a small response is left alone", small.status_code == 200
            and "content-encoding" not in small.headers)

    t.step("What FastAPI adds on top: validation with a 422 and an OpenAPI schema.")
    r = t.post("/items", json={"name": "pen", "price": "cheap"})
    detail = r.json().get("detail", []) if r.status_code == 422 else []
    t.check("a bad body gets a 422 naming the field",
            any(e.get("loc") == ["body", "price"] for e in detail), r.text)
    schema = t.client.get("/openapi.json")
    paths = schema.json().get("paths", {}) if schema.status_code == 200 else {}
    t.note("paths in /openapi.json", ", ".join(paths))
    t.check("/openapi.json documents the FastAPI endpoint", "/items" in paths)
    t.check("but not the raw Starlette route (no types to describe)", "/raw/hello" not in paths
            and "/items" in paths)
    r = t.get("/legacy/openapi.json")
    t.check("the plain Starlette app (mounted and serving) has no /openapi.json",
            r.status_code == 404 and t.client.get("/legacy/ping").status_code == 200)

    t.step("Lifespan is the way: Starlette 1.0 has no on_event; FastAPI keeps a deprecated shim.")
    import warnings

    from fastapi.testclient import TestClient

    t.check("Starlette has no on_event", not hasattr(Starlette, "on_event"))
    old_style = FastAPI()
    started = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old_style.on_event("startup")(lambda: started.append("startup handler ran"))
    with TestClient(old_style):
        pass
    said = [str(w.message).strip().splitlines()[0] for w in caught
            if issubclass(w.category, DeprecationWarning)]
    t.note("FastAPI().on_event(\"startup\") said", said[0] if said else "nothing")
    t.check("FastAPI's on_event still runs its handler, with a DeprecationWarning",
            started == ["startup handler ran"] and bool(said), str(started))
