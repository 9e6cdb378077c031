"""Response classes: JSON by default, and HTML, text, redirects, files, streams, JSON Lines, SSE.

Run it alone, from the repository's top folder: fastapi dev demos/response_classes.py
"""

import asyncio
from collections.abc import AsyncIterable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

LOGO = Path(__file__).parent / "response_classes_app" / "logo.png"

app = FastAPI(title="Response classes demo")


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/{name}")
async def read_item(name: str) -> Item:  # <- the default: JSON, serialized by Pydantic's Rust core
    return Item(name=name, price=9.5)  # (no ORJSONResponse: deprecated since FastAPI 0.131)


class Reading(BaseModel):
    sensor: str
    seconds: float


@app.get("/readings/{sensor}")
async def read_sensor(sensor: str) -> Reading:  # <- straight to JSON bytes by Pydantic (0.130)
    return Reading(sensor=sensor, seconds=0.00002)


@app.get("/readings/{sensor}/old", response_class=JSONResponse)  # <- a response class: the old way,
async def read_sensor_old(sensor: str) -> Reading:  # a dict first, then Starlette's json.dumps
    return Reading(sensor=sensor, seconds=0.00002)


@app.get("/teapot")
async def teapot() -> JSONResponse:  # <- return a Response yourself: full control, no validation
    return JSONResponse({"error": "I'm a teapot"}, status_code=418, headers={"X-Brew": "tea"})


@app.get("/page", response_class=HTMLResponse)  # <- sets the content type, and the docs say text/html
async def page() -> str:
    return "<h1>Hello</h1>"


@app.get("/health", response_class=PlainTextResponse)
async def health() -> str:
    return "ok"


@app.get("/old-page")
async def old_page() -> RedirectResponse:
    return RedirectResponse("/page")  # <- 307 by default; status_code=301 when it moved for good


@app.get("/logo")
async def logo() -> FileResponse:  # <- streamed from disk, with ETag, Content-Length and Range
    return FileResponse(LOGO, filename="logo.png")  # filename= adds Content-Disposition: attachment


async def countdown():
    for n in range(3, 0, -1):
        yield f"{n}...\n"
        await asyncio.sleep(0)
    yield "liftoff\n"


@app.get("/countdown")
async def launch() -> StreamingResponse:
    return StreamingResponse(countdown(), media_type="text/plain")  # <- sent chunk by chunk


@app.get("/items.jsonl")
async def stream_items() -> AsyncIterable[Item]:  # <- a generator endpoint: JSON Lines (0.134)
    for name in ("plumbus", "portal gun"):
        yield Item(name=name, price=1.0)


@app.get("/events", response_class=EventSourceResponse)  # <- Server-Sent Events (0.135)
async def events() -> AsyncIterable[ServerSentEvent]:
    yield ServerSentEvent(data={"status": "started"}, event="status", id="1")
    yield ServerSentEvent(data={"progress": 100}, event="progress", id="2")


# --- tour ---

import importlib.util  # noqa: E402
import json  # noqa: E402
import warnings  # noqa: E402


def _sse(text):
    """Parse a text/event-stream body into a list of {field: value} events."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append(fields)
    return events


def tour(t):
    t.step("Return a model: JSON, validated and serialized by Pydantic's Rust core, no extras needed.")
    item = t.get("/items/plumbus", show_headers=["content-type"])
    t.check("application/json, the model's fields", item.headers.get("content-type") == "application/json"
            and item.json() == {"name": "plumbus", "price": 9.5}, item.text)
    import fastapi

    t.note("installed", f"fastapi {fastapi.__version__}; orjson installed: "
           f"{importlib.util.find_spec('orjson') is not None}")
    from fastapi.exceptions import FastAPIDeprecationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from fastapi.responses import ORJSONResponse

        on_import = len(caught)

        class FastJSON(ORJSONResponse):  # what older answers recommended for speed
            pass

    messages = [str(w.message) for w in caught if issubclass(w.category, FastAPIDeprecationWarning)]
    t.note("ORJSONResponse", f"import: {on_import} warnings; using it (subclass or instance): "
           + (messages[0][:100] + "..." if messages else "no warning"))
    t.check("ORJSONResponse is deprecated (FastAPIDeprecationWarning)", bool(messages))

    t.step("Which serializer wrote it shows in a float: Pydantic writes 0.00002, Python's json 2e-05.")
    new = t.get("/readings/probe", show_headers=["content-type"])
    old = t.get("/readings/probe/old", show_headers=["content-type"])
    reading = Reading(sensor="probe", seconds=0.00002)
    t.note("raw bytes", f"default: {new.content.decode()}   response_class=JSONResponse: "
           f"{old.content.decode()}")
    t.check("the default path sends Reading.model_dump_json(), byte for byte",
            new.content == reading.model_dump_json().encode())
    t.check("response_class=JSONResponse sends json.dumps of the dumped dict: other bytes",
            old.content == JSONResponse(reading.model_dump(mode="json")).body
            and old.content != new.content)
    t.check("the same data either way", new.json() == old.json() == reading.model_dump())

    t.step("The fast path also needs no default_response_class on the app or a router: even "
           "FastAPI(default_response_class=JSONResponse) turns it off for every route.")
    from fastapi import APIRouter
    from fastapi.testclient import TestClient

    def probe_app(**app_kw):
        other = FastAPI(**app_kw.get("app", {}))
        router = APIRouter(**app_kw.get("router", {}))

        @router.get("/readings/{sensor}")  # <- no response_class on the route
        async def read(sensor: str) -> Reading:
            return Reading(sensor=sensor, seconds=0.00002)

        other.include_router(router)
        with TestClient(other) as client:
            return t.record(client.get("/readings/probe"))

    fast = reading.model_dump_json().encode()  # what Pydantic's Rust core writes
    dumped = JSONResponse(reading.model_dump(mode="json")).body  # what json.dumps writes
    on_app = probe_app(app={"default_response_class": JSONResponse})
    on_router = probe_app(router={"default_response_class": JSONResponse})
    t.note("raw bytes", f"app default: {on_app.content.decode()}   router default: "
           f"{on_router.content.decode()}")
    t.check("FastAPI(default_response_class=JSONResponse): json.dumps bytes, not the fast path",
            on_app.content == dumped != fast, on_app.text)
    t.check("APIRouter(default_response_class=JSONResponse): the same",
            on_router.content == dumped != fast, on_router.text)

    t.step("Return a JSONResponse yourself to set status and headers; it skips validation.")
    tea = t.get("/teapot", show_headers=["content-type", "x-brew"])
    t.check("418 with X-Brew: tea", tea.status_code == 418 and tea.headers.get("x-brew") == "tea")

    t.step("response_class= changes the content type, and the OpenAPI docs say so too.")
    html = t.get("/page", show_headers=["content-type"])
    text = t.get("/health", show_headers=["content-type"])
    t.check("/page is text/html", html.headers.get("content-type", "").startswith("text/html")
            and html.text == "<h1>Hello</h1>", html.text)
    t.check("/health is text/plain", text.headers.get("content-type", "").startswith("text/plain")
            and text.text == "ok", text.text)
    spec = t.client.get("/openapi.json").json().get("paths", {})

    def media(path):
        return sorted(spec.get(path, {}).get("get", {}).get("responses", {}).get("200", {})
                      .get("content", {}))

    documented = {p: media(p) for p in ("/items/{name}", "/page", "/health")}
    t.note("documented 200 content types", documented)
    t.check("the docs list text/html for /page, application/json for the model",
            documented == {"/items/{name}": ["application/json"], "/page": ["text/html"],
                           "/health": ["text/plain"]}, str(documented))

    t.step("RedirectResponse: 307 and a Location header (the client follows it).")
    moved = t.get("/old-page", follow_redirects=False, show_headers=["location"])
    t.check("307 Temporary Redirect to /page",
            moved.status_code == 307 and moved.headers.get("location") == "/page")

    t.step("FileResponse streams a file from disk with its type, size, ETag and a download name.")
    file_headers = ["content-type", "content-length", "content-disposition", "etag", "accept-ranges",
                    "range", "content-range"]
    png = t.get("/logo", show_headers=file_headers)
    on_disk = LOGO.read_bytes()
    t.check("image/png, the file's bytes, attachment; filename=\"logo.png\"",
            png.headers.get("content-type") == "image/png" and png.content == on_disk
            and 'filename="logo.png"' in png.headers.get("content-disposition", ""))
    part = t.get("/logo", headers={"Range": "bytes=0-7"}, show_headers=file_headers)
    t.check("a Range request gets 206 and just those bytes (the PNG signature)",
            part.status_code == 206 and part.content == on_disk[:8], str(part.status_code))

    t.step("StreamingResponse sends an async generator's chunks as they are produced.")
    with t.client.stream("GET", "/countdown") as response:
        chunks = [chunk.decode() for chunk in response.iter_bytes()]
    t.record(response, ["content-type"])
    t.note("chunks received", chunks)
    t.check("four chunks, in order", chunks == ["3...\n", "2...\n", "1...\n", "liftoff\n"], str(chunks))

    t.step("A generator endpoint with a return type streams JSON Lines: one JSON object per line.")
    jsonl = t.get("/items.jsonl", show_headers=["content-type"])
    lines = [json.loads(line) for line in jsonl.text.splitlines() if line]
    t.check("application/jsonl, one validated Item per line",
            jsonl.headers.get("content-type") == "application/jsonl"
            and lines == [{"name": "plumbus", "price": 1.0}, {"name": "portal gun", "price": 1.0}],
            str(lines))

    t.step("response_class=EventSourceResponse: Server-Sent Events, what EventSource() reads.")
    sse = t.get("/events", show_headers=["content-type", "cache-control"])
    parsed = _sse(sse.text)
    t.note("events", parsed)
    t.check("text/event-stream, not cached",
            sse.headers.get("content-type", "").startswith("text/event-stream")
            and sse.headers.get("cache-control") == "no-cache")
    t.check("two events with event:, id: and JSON data:", [e.get("event") for e in parsed]
            == ["status", "progress"] and parsed[0].get("id") == "1"
            and json.loads(parsed[0].get("data", "null")) == {"status": "started"}, sse.text)
