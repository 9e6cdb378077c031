"""CORS: which browser origins may call the API, answered by CORSMiddleware.

Run it alone, from the repository's top folder: fastapi dev demos/cors.py
"""

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI(title="CORS demo")

app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com", "http://localhost:5173"],  # <- exact origins, no "*"
    allow_credentials=True,  # <- the browser may send cookies / Authorization
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["Authorization", "Content-Type"],
    expose_headers=["X-Total-Count"],  # <- response headers the page's JavaScript may read
    max_age=3600,  # <- the browser caches a preflight answer for an hour (Starlette's default: 600 s)
)
# Never allow_origins=["*"] with allow_credentials=True (the source's "restrict in prod"): the
# spec forbids "*" on credentialed requests, so Starlette echoes back whatever Origin asks, and
# any website could call this API with the user's cookies. Add CORSMiddleware last: outermost.


@app.get("/api/me")
async def me() -> dict[str, str]:
    return {"user": "ada"}


@app.get("/api/items")
async def list_items(response: Response) -> list[str]:
    response.headers["X-Total-Count"] = "42"  # a header the page needs for its pager
    return ["apple", "banana"]


@app.put("/api/items/{item_id}")
async def update_item(item_id: int) -> dict[str, int]:
    return {"updated": item_id}


# --- tour ---

from fastapi.testclient import TestClient  # noqa: E402

APP_ORIGIN = "https://app.example.com"
EVIL = "https://evil.example"
CORS = [
    "origin", "access-control-request-method", "access-control-request-headers",
    "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers",
    "access-control-allow-credentials", "access-control-max-age", "access-control-expose-headers",
    "vary",
]


def preflight(origin, method="PUT", headers="authorization, content-type"):
    return {"Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers}


SAFELISTED = {"cache-control", "content-language", "content-length", "content-type", "expires",
              "last-modified", "pragma"}  # what a page may read of any CORS response (Fetch spec)


def readable_by_page(response, origin):
    """The response headers a browser lets the page's JavaScript read, by the Fetch spec's rules:
    none unless Allow-Origin matches the page's origin; then the safelisted ones and those named
    in Access-Control-Expose-Headers."""
    if response.headers.get("access-control-allow-origin") not in (origin, "*"):
        return set()
    named = response.headers.get("access-control-expose-headers", "")
    exposed = {h.strip().lower() for h in named.split(",")}
    return {h for h in response.headers if h in SAFELISTED or h in exposed}


def preflight_cached_for(response):
    """How long a browser keeps a preflight answer: Access-Control-Max-Age, else 5 s (Fetch spec's
    default); Chromium caps it at 7200 s."""
    try:
        return min(int(response.headers.get("access-control-max-age", "5")), 7200)
    except ValueError:
        return 5


def tour(t):
    t.step("Before a cross-origin PUT with a token, the browser asks first: an OPTIONS preflight.")
    ok = t.options("/api/items/1", headers=preflight(APP_ORIGIN), show_headers=CORS)
    h = ok.headers
    t.check("200, and the allowed origin is echoed back exactly",
            ok.status_code == 200 and h.get("access-control-allow-origin") == APP_ORIGIN,
            f"{ok.status_code} {h.get('access-control-allow-origin')}")
    t.check("Allow-Methods lists PUT; Allow-Headers lists Authorization",
            "PUT" in h.get("access-control-allow-methods", "")
            and "Authorization" in h.get("access-control-allow-headers", ""))
    t.check("credentials allowed", h.get("access-control-allow-credentials") == "true")
    t.check("the browser caches this preflight for an hour: no OPTIONS before each PUT",
            preflight_cached_for(ok) == 3600, h.get("access-control-max-age", "(no max-age)"))

    t.step("A preflight from an origin not in the list is refused: 400, no Allow-Origin.")
    bad = t.options("/api/items/1", headers=preflight(EVIL), show_headers=CORS)
    t.check("400 Disallowed CORS origin", bad.status_code == 400 and "origin" in bad.text, bad.text)
    t.check("no Access-Control-Allow-Origin: the browser never sends the PUT",
            "access-control-allow-origin" not in bad.headers)
    patch = t.options("/api/items/1", headers=preflight(APP_ORIGIN, "PATCH"), show_headers=CORS)
    t.check("an allowed origin asking for PATCH (not allowed): 400 too",
            patch.status_code == 400 and "method" in patch.text, patch.text)

    t.step("A simple GET: the allowed origin gets Allow-Origin (and credentials), another doesn't.")
    good = t.get("/api/me", headers={"Origin": APP_ORIGIN}, show_headers=CORS)
    other = t.get("/api/me", headers={"Origin": EVIL}, show_headers=CORS)
    t.check("allowed origin: Allow-Origin echoed, Allow-Credentials: true, Vary: Origin",
            good.headers.get("access-control-allow-origin") == APP_ORIGIN
            and good.headers.get("access-control-allow-credentials") == "true"
            and "Origin" in good.headers.get("vary", ""))
    t.check("other origin: no Allow-Origin, so the browser hides the response from the page",
            "access-control-allow-origin" not in other.headers)
    t.check("...yet the server still answered 200: CORS is enforced by browsers, it is not auth",
            other.status_code == 200 and other.json() == {"user": "ada"})

    t.step("The page's JavaScript reads only safelisted headers, and those named in Expose-Headers.")
    listed = t.get("/api/items", headers={"Origin": APP_ORIGIN}, show_headers=CORS + ["x-total-count"])
    page_sees = readable_by_page(listed, APP_ORIGIN)
    t.note("headers the page can read", ", ".join(sorted(page_sees)) or "(none)")
    t.check("X-Total-Count is readable by the page of the allowed origin", "x-total-count" in page_sees,
            listed.headers.get("access-control-expose-headers", "(no Expose-Headers)"))
    t.check("...but not by another origin's page", not readable_by_page(
        t.get("/api/items", headers={"Origin": EVIL}), EVIL))

    t.step("Why not '*' with credentials: the source's config trusts every website with cookies.")
    from fastapi import FastAPI

    loose = FastAPI()
    loose.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True,
                         allow_methods=["*"], allow_headers=["*"])
    loose.get("/api/me")(me)
    with TestClient(loose) as client:
        echoed = t.record(client.get("/api/me", headers={"Origin": EVIL}), CORS)
    t.check("with '*' + credentials, evil.example is echoed back with Allow-Credentials: true",
            echoed.headers.get("access-control-allow-origin") == EVIL
            and echoed.headers.get("access-control-allow-credentials") == "true")
    t.note("our explicit list, same request (shown above)",
           f"Allow-Origin: {other.headers.get('access-control-allow-origin', '(none)')}")

    t.step("Outermost among YOUR middleware is not outermost: FastAPI puts its body limit and its "
           "500 handler outside all user middleware, so a 413 or a 500 carries no CORS headers.")
    from pydantic import BaseModel

    class Note(BaseModel):
        text: str

    limited = FastAPI(max_body_size=100)  # <- the 413 Q9 recommends
    limited.add_middleware(CORSMiddleware, allow_origins=[APP_ORIGIN])  # added last: outermost of ours

    @limited.post("/notes")
    async def create_note(note: Note) -> Note:
        return note

    @limited.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")  # <- becomes a 500 in ServerErrorMiddleware

    origin = {"Origin": APP_ORIGIN}
    allow = ["access-control-allow-origin"]
    with TestClient(limited, raise_server_exceptions=False) as client:
        small = t.record(client.post("/notes", json={"text": 1}, headers=origin), allow)
        big = t.record(client.post("/notes", json={"text": "x" * 500}, headers=origin), allow)
        crash = t.record(client.get("/boom", headers=origin), allow)
    t.check("a 422 (raised inside the app) carries Allow-Origin",
            small.status_code == 422 and small.headers.get("access-control-allow-origin") == APP_ORIGIN,
            f"{small.status_code} {small.headers.get('access-control-allow-origin')}")
    t.check("the 413 from max_body_size has no Allow-Origin: the browser shows a CORS error",
            big.status_code == 413 and "access-control-allow-origin" not in big.headers,
            f"{big.status_code} {big.headers.get('access-control-allow-origin', '(none)')}")
    t.check("nor does a 500 from an unhandled exception",
            crash.status_code == 500 and "access-control-allow-origin" not in crash.headers,
            f"{crash.status_code} {crash.headers.get('access-control-allow-origin', '(none)')}")
