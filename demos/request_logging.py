"""Request logging: one structured JSON line per request, with a request id, via `logging`.

Run it alone, from the repository's top folder: fastapi dev demos/request_logging.py
"""

import asyncio
import json
import logging
import time
import uuid
from contextlib import asynccontextmanager
from contextvars import ContextVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry import trace  # the API only: FastAPI depends on it for its built-in tracing

logger = logging.getLogger("myapp")  # "myapp.access", "myapp.orders" propagate to it
access_log = logging.getLogger("myapp.access")
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestContext(logging.Filter):
    """Stamps every record with the current request's id (and trace id, when tracing is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()  # <- set per request, by the middleware
        span = trace.get_current_span().get_span_context()
        record.trace_id = format(span.trace_id, "032x") if span.is_valid else None
        return True


# loguru or structlog give the same with less setup (neither is installed here); the standard
# library is enough, and uvicorn, SQLAlchemy and httpx already log through it.
class JsonFormatter(logging.Formatter):
    """One JSON object per line: Loki, ELK, CloudWatch, Datadog parse it without regexes."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            **getattr(record, "http", {}),  # <- fields passed as extra={"http": {...}}
        }
        if getattr(record, "trace_id", None):
            entry["trace_id"] = record.trace_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


@asynccontextmanager
async def lifespan(app: FastAPI):
    handler = logging.StreamHandler()  # stderr; bigger apps use logging.config.dictConfig
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContext())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


# Built-in OpenTelemetry (native since FastAPI 0.142.0) is on: tracing=True by default. It records
# nothing until a tracer provider is configured: your own (the SDK's TracerProvider with an
# exporter), or, since 0.143.0 only when asked, one FastAPI builds from the OTEL_* variables:
#   pip install "fastapi[standard]"; FASTAPI_OTEL_AUTO_CONFIGURE=true OTEL_EXPORTER_OTLP_ENDPOINT=...
app = FastAPI(title="Request logging demo", lifespan=lifespan)


@app.middleware("http")  # run uvicorn with --no-access-log: this line replaces its access log
async def log_requests(request: Request, call_next):
    incoming = request.headers.get("X-Request-ID", "")[:64]  # client input: capped
    request_id = incoming or uuid.uuid4().hex  # <- reuse the caller's id, or create one
    token = request_id_var.set(request_id)
    start = time.perf_counter()
    try:
        response = await call_next(request)
    except Exception:
        logger.exception("unhandled error")  # <- ERROR with the traceback and the request id
        response = JSONResponse({"detail": "Internal Server Error", "request_id": request_id}, 500)
    duration_ms = round((time.perf_counter() - start) * 1000, 2)  # <- perf_counter: monotonic
    access_log.info("request", extra={"http": {
        "method": request.method, "path": request.url.path,
        "status": response.status_code, "duration_ms": duration_ms,
    }})
    response.headers["X-Request-ID"] = request_id  # <- the client can quote it to support
    request_id_var.reset(token)
    return response


@app.get("/orders/{order_id}")
async def read_order(order_id: int, delay: float = 0) -> dict[str, int]:
    logging.getLogger("myapp.orders").info("loading order %s", order_id)  # <- carries the id too
    await asyncio.sleep(delay)
    return {"order_id": order_id}


@app.get("/boom")
async def boom() -> dict[str, float]:
    return {"ratio": 1 / 0}


# --- tour ---

import importlib.util  # noqa: E402
import io  # noqa: E402
import random  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402


class _Span(trace.NonRecordingSpan):
    """Just enough of a span to see what FastAPI records (the SDK's spans also export)."""

    def __init__(self, name, context, attributes):
        super().__init__(context)
        self.name, self.attributes = name, dict(attributes or {})

    def set_attribute(self, key, value):
        self.attributes[key] = value

    def set_attributes(self, attributes):
        self.attributes.update(attributes)

    def update_name(self, name):
        self.name = name

    def is_recording(self):
        return True


class _Recorder(trace.TracerProvider, trace.NoOpTracer):
    """A tracer provider built on the opentelemetry-api alone: it keeps the spans it starts."""

    def __init__(self):
        self.spans = []

    def get_tracer(self, *args, **kwargs):
        return self

    def start_span(self, name, context=None, kind=trace.SpanKind.INTERNAL, attributes=None, **_):
        parent = trace.get_current_span(context).get_span_context()
        trace_id = parent.trace_id if parent.is_valid else random.getrandbits(128)
        span_context = trace.SpanContext(trace_id, random.getrandbits(64), is_remote=False,
                                         trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED))
        span = _Span(name, span_context, attributes)
        self.spans.append(span)
        return span


def _take(buffer):
    """The JSON lines written since the last call."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def tour(t):
    buffer = io.StringIO()  # the app's handler writes here during the tour instead of stderr
    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.stream for h in handlers]
    for handler in handlers:
        handler.setStream(buffer)
    try:
        _tour(t, buffer)
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)


def _tour(t, buffer):
    t.step("Each request logs one JSON line: method, path, status, duration and a request id.")
    r = t.get("/orders/42", show_headers=["x-request-id"])
    lines = _take(buffer)
    t.note("log lines", "\n".join(json.dumps(line) for line in lines))
    access = [line for line in lines if line.get("logger") == "myapp.access"]
    rid = r.headers.get("x-request-id", "")
    t.check("a generated X-Request-ID comes back (a uuid4, 32 hex digits)",
            len(rid) == 32 and all(c in "0123456789abcdef" for c in rid), rid)
    t.check("one access line with method, path, status and duration_ms",
            len(access) == 1 and {k: access[0].get(k) for k in ("method", "path", "status")}
            == {"method": "GET", "path": "/orders/42", "status": 200}
            and isinstance(access[0].get("duration_ms"), float), f"{len(access)} access line(s)")
    ids = [line.get("request_id") for line in lines]
    t.check("the endpoint's own log line carries the same request id", ids == [rid, rid], str(ids))

    t.step("An incoming X-Request-ID (from a proxy or another service) is kept, not replaced.")
    r = t.get("/orders/7?delay=0.05", headers={"X-Request-ID": "edge-7f3a"},
              show_headers=["x-request-id"])
    lines = _take(buffer)
    t.note("log lines", "\n".join(json.dumps(line) for line in lines))
    t.check("echoed back and logged", r.headers.get("x-request-id") == "edge-7f3a"
            and [line.get("request_id") for line in lines] == ["edge-7f3a"] * 2)
    duration = lines[-1].get("duration_ms", 0) if lines else 0
    t.check("duration_ms is measured: the 50 ms sleep shows", 50 <= duration < 500, f"{duration} ms")

    t.step("Three requests at once, the first the slowest: each line still carries its own request's "
           "id (a ContextVar is per request; a global would be overwritten by the next one).")
    delays = {1: 0.2, 2: 0.1, 3: 0.0}
    sent = _concurrently(t, [(f"/orders/{n}?delay={d}", f"req-{n}") for n, d in delays.items()])
    lines = _take(buffer)
    t.note("log lines, in the order written", "\n".join(json.dumps(line) for line in lines))
    expected = {n: f"req-{n}" for n in delays}
    mixed = [line for line in lines if line.get("request_id") != expected.get(_order_of(line))]
    t.check("each response echoes its own id", [r.headers.get("x-request-id") for r in sent]
            == [f"req-{n}" for n in delays], str([r.headers.get("x-request-id") for r in sent]))
    loading = [i for i, line in enumerate(lines) if line.get("logger") == "myapp.orders"]
    first_done = next((i for i, line in enumerate(lines) if line.get("logger") == "myapp.access"
                       and _order_of(line) == 1), -1)
    t.check("they overlapped: all three were being handled before the first one finished",
            len(loading) == 3 and max(loading) < first_done, str([_order_of(x) for x in lines]))
    t.check("six lines (one loading, one access per request), each with its own request's id",
            len(lines) == 6 and not mixed, f"{len(mixed)} line(s) with another request's id")

    t.step("An exception is logged at ERROR with its traceback and the request id; 500 for the client.")
    r = t.get("/boom", show_headers=["x-request-id"])
    lines = _take(buffer)
    errors = [line for line in lines if line.get("level") == "ERROR"]
    rid = r.headers.get("x-request-id", "?")
    if errors:  # the traceback is all there; shown here by its last line
        trace_lines = errors[0].get("exception", "").splitlines()
        shown = {**errors[0], "exception": f"({len(trace_lines)} lines) ... {trace_lines[-1:]}"}
        t.note("the ERROR line", json.dumps(shown, indent=2))
    t.check("500 with the request id in the body", r.status_code == 500
            and r.headers.get("content-type") == "application/json"
            and r.json().get("request_id") == rid, r.text)
    t.check("one ERROR line with the ZeroDivisionError traceback and the same id",
            len(errors) == 1 and "ZeroDivisionError" in errors[0].get("exception", "")
            and errors[0].get("request_id") == rid)
    t.check("and the access line says 500", any(line.get("status") == 500 for line in lines))

    t.step("FastAPI's built-in OpenTelemetry (0.142.0) is on, tracing=True, but with no tracer "
           "provider configured it records nothing.")
    import fastapi

    sdk = "yes" if importlib.util.find_spec("opentelemetry.sdk") else "no (fastapi[standard] has it)"
    t.note("installed", f"fastapi {fastapi.__version__}, opentelemetry-api (a FastAPI dependency); "
           f"opentelemetry-sdk: {sdk}")
    t.note("global tracer provider", type(trace.get_tracer_provider()).__name__)
    t.check("no provider configured: no trace_id in the lines above",
            all("trace_id" not in line for line in lines) and lines)

    t.step("Give it a provider and every request is a span, and logs get its trace id.")
    recorder = _Recorder()  # stands in for the SDK's TracerProvider + an OTLP exporter
    traced = FastAPI(telemetry={"tracer_provider": recorder})  # <- only the provider: tracing is on
    incoming = "4bf92f3577b34da6a3ce929d0e0e4736"  # a W3C traceparent from an upstream service
    r = _through(t, traced, "/orders/5", {"traceparent": f"00-{incoming}-00f067aa0ba902b7-01"})
    lines = _take(buffer)
    server = [s for s in recorder.spans if s.attributes.get("http.route")]
    t.note("spans FastAPI started", "\n".join(
        f"{s.name}  {format(s.get_span_context().trace_id, '032x')}  "
        + ", ".join(f"{k}={v}" for k, v in s.attributes.items() if k.startswith(("http", "url")))
        for s in recorder.spans))
    t.note("log lines", "\n".join(json.dumps(line) for line in lines))
    t.check("a server span named after the route template: GET /orders/{order_id}, status 200",
            bool(server) and server[0].name == "GET /orders/{order_id}"
            and server[0].attributes.get("http.response.status_code") == 200)
    t.check("the trace continues the caller's traceparent",
            bool(server) and format(server[0].get_span_context().trace_id, "032x") == incoming)
    t.check("both log lines carry that trace_id next to the request id: logs and traces join",
            len(lines) == 2 and all(line.get("trace_id") == incoming for line in lines)
            and all(line.get("request_id") == r.headers.get("x-request-id") for line in lines),
            str([line.get("trace_id") for line in lines]))
    switched_off = _Recorder()
    _through(t, FastAPI(telemetry={"tracer_provider": switched_off, "tracing": False}), "/orders/6")
    _take(buffer)
    t.check('telemetry={"tracing": False}: the same provider gets no span',
            not switched_off.spans and bool(server), f"{len(switched_off.spans)} span(s)")

    t.step("Exporters from OTEL_* variables are opt-in since 0.143.0: FASTAPI_OTEL_AUTO_CONFIGURE=true.")
    attempts = {}
    for opt_in in (False, True):
        attempts[opt_in] = _startup_warnings(opt_in)
        t.note(f"startup with OTEL_EXPORTER_OTLP_ENDPOINT set, FASTAPI_OTEL_AUTO_CONFIGURE="
               f"{'true' if opt_in else '(unset)'}", attempts[opt_in] or "nothing tried, nothing logged")
    t.check("not opted in: FastAPI's startup sets up no exporter", attempts[False] == [])
    t.check("opted in: its startup tries to add an OTLP exporter (here it cannot, and says why)",
            any("automatic telemetry configuration failed" in w for w in attempts[True]))


def _order_of(line):
    """The order a log line is about: from the path of an access line or the endpoint's message."""
    text = line.get("path") or line.get("message", "")
    digits = text.rsplit("/", 1)[-1].rsplit(" ", 1)[-1]
    return int(digits) if digits.isdigit() else None


def _concurrently(t, requests):
    """Send (path, request id) pairs at once on one event loop; the responses, in the same order."""
    import asyncio

    import httpx2

    async def send_all():
        transport = httpx2.ASGITransport(app=t.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await asyncio.gather(*(client.get(path, headers={"X-Request-ID": rid})
                                          for path, rid in requests))

    return [t.record(r, ["x-request-id"]) for r in asyncio.run(send_all())]


def _through(t, traced, path, headers=None):
    """One request through a copy of the app (same routes and middleware) on `traced`."""
    traced.include_router(t.app.router)
    traced.middleware("http")(log_requests)
    client = TestClient(traced)  # no `with`: the app's lifespan (and its handler) is already up
    try:
        return t.record(client.get(path, headers=headers), ["traceparent", "x-request-id"])
    finally:
        client.close()


def _startup_warnings(opt_in):
    """Start an app with an OTLP endpoint in the environment; return what FastAPI logged."""
    import os

    saved = {k: v for k, v in os.environ.items() if k.startswith(("OTEL_", "FASTAPI_OTEL_"))}
    for key in saved:
        del os.environ[key]
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318"  # never reached
    if opt_in:
        os.environ["FASTAPI_OTEL_AUTO_CONFIGURE"] = "true"  # <- read by FastAPI()
    fastapi_log = logging.getLogger("fastapi")
    caught = []
    catcher = logging.Handler(logging.WARNING)
    catcher.emit = lambda record: caught.append(record.getMessage())
    fastapi_log.addHandler(catcher)
    propagate, fastapi_log.propagate = fastapi_log.propagate, False
    try:
        # our own provider, without the SDK's add_span_processor: FastAPI cannot add an exporter
        # to it, so an attempt shows as a warning and nothing global changes
        quiet = FastAPI(telemetry={"tracer_provider": _Recorder(), "metrics": False, "logs": False})
        with TestClient(quiet):  # the lifespan's startup is where FastAPI configures exporters
            pass
    finally:
        fastapi_log.removeHandler(catcher)
        fastapi_log.propagate = propagate
        for key in [k for k in os.environ if k.startswith(("OTEL_", "FASTAPI_OTEL_"))]:
            del os.environ[key]
        os.environ.update(saved)
    return caught
