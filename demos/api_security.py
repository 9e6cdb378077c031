"""API security: layers on one app, HTTPS, trusted hosts, a body size limit, validation, headers.

Run it alone, from the repository's top folder: fastapi dev demos/api_security.py
"""

from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(title="API security demo", max_body_size=1024)  # <- larger bodies get 413

# the last added runs first: headers, then the Host check, then the https redirect
app.add_middleware(HTTPSRedirectMiddleware)  # <- http:// gets 307 to https://
app.add_middleware(
    TrustedHostMiddleware,  # <- a forged Host header gets 400, before any redirect to it
    allowed_hosts=["api.example.com", "testserver", "127.0.0.1", "localhost"],
)

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",  # <- HTTPS only, 2 years
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@app.middleware("http")  # <- outermost: even the 307 and the 400 carry the headers
async def add_security_headers(request: Request, call_next):
    response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    return response


class Comment(BaseModel):
    model_config = ConfigDict(extra="forbid")  # <- unknown fields are rejected, not ignored

    author: Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z0-9_]+$")]
    text: Annotated[str, Field(min_length=1, max_length=500)]
    rating: Annotated[int, Field(ge=1, le=5)]


@app.post("/comments", status_code=201)
async def create_comment(comment: Comment) -> Comment:  # <- validated before this line runs
    return comment


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# --- tour ---


def _secured(response):
    """Whether a response carries the security headers the answer names, with values that do
    their job (read from the response, not from the app's own SECURITY_HEADERS)."""
    h = response.headers
    hsts = h.get("strict-transport-security", "")
    try:
        max_age = int(hsts.split("max-age=")[1].split(";")[0])
    except (IndexError, ValueError):
        max_age = 0
    return (max_age >= 31_536_000  # a year at least: HTTPS only from the first visit on
            and h.get("x-content-type-options") == "nosniff"
            and h.get("x-frame-options") == "DENY"
            and "default-src" in h.get("content-security-policy", "")
            and h.get("referrer-policy") in ("no-referrer", "strict-origin-when-cross-origin"))


def tour(t):
    https = "https://testserver"

    t.step("HTTPSRedirectMiddleware: a plain http:// request is answered 307 to the https:// URL.")
    r = t.get("/health", follow_redirects=False, show_headers=["location"])
    t.check("http:// gets 307", r.status_code == 307, str(r.status_code))
    t.check(
        "the Location is the same URL over https",
        r.headers.get("location") == "https://testserver/health",
        r.headers.get("location", "(none)"),
    )
    r = t.get(f"{https}/health")
    t.note("requested", r.url)
    t.check("https:// is served: 200", r.status_code == 200, str(r.status_code))

    t.step("TrustedHostMiddleware: a request whose Host header is not ours is refused with 400.")
    r = t.get(f"{https}/health", headers={"host": "evil.example"}, show_headers=["host"])
    t.check("a forged Host gets 400", r.status_code == 400, str(r.status_code))
    r = t.get("/health", headers={"host": "evil.example"}, follow_redirects=False,
              show_headers=["host", "location"])
    t.check("over plain http:// too: 400 before any redirect, never a 307 to https://evil.example",
            r.status_code == 400 and "location" not in r.headers,
            f"{r.status_code} {r.headers.get('location', '')}")
    r = t.get(f"{https}/health", headers={"host": "api.example.com"}, show_headers=["host"])
    t.check("an allowed Host gets 200", r.status_code == 200, str(r.status_code))

    t.step("FastAPI(max_body_size=1024): the limit is built in now; a bigger body gets 413.")
    t.note("max_body_size in the installed FastAPI", getattr(t.app, "max_body_size", "(absent)"))
    ok = {"author": "ada", "text": "Looks good to me.", "rating": 5}
    r = t.post(f"{https}/comments", json=ok)
    t.check("a small, valid body is accepted: 201", r.status_code == 201, str(r.status_code))
    big = {"author": "ada", "text": "x" * 2000, "rating": 5}
    r = t.post(f"{https}/comments", json=big, show_headers=["content-length"])
    t.check("a 2 KB body gets 413 Content Too Large", r.status_code == 413, str(r.status_code))

    t.step("Pydantic validates the input: bad types, ranges, patterns and extra fields give 422.")
    bad = {"author": "Robert'); DROP TABLE--", "text": "", "rating": 9, "is_admin": True}
    r = t.post(f"{https}/comments", json=bad)
    t.check("invalid input gets 422", r.status_code == 422, str(r.status_code))
    errors = r.json().get("detail", []) if r.status_code == 422 else []
    fields = sorted({e["loc"][-1] for e in errors})
    t.note("fields rejected", ", ".join(fields))
    t.check(
        "each bad field is named, the unknown one included",
        fields == ["author", "is_admin", "rating", "text"],
        str(fields),
    )

    t.step("A middleware adds security headers to every response, the 307 and the 400 included.")
    wanted = ["strict-transport-security", "x-content-type-options", "x-frame-options",
              "content-security-policy", "referrer-policy"]
    r = t.get(f"{https}/health", show_headers=wanted)
    t.check("a 200 carries all five headers (HSTS for a year at least)", _secured(r))
    r = t.get("/health", follow_redirects=False, show_headers=["strict-transport-security"])
    t.check(
        "the 307 carries them too (HSTS tells the browser: https from now on)",
        r.status_code == 307 and _secured(r),
    )
    r = t.get(f"{https}/health", headers={"host": "evil.example"},
              show_headers=["host", "x-frame-options"])
    t.check("so does the 400", r.status_code == 400 and _secured(r))
    t.note("and the rest", "JWT/OAuth2: demo auth, roles: rbac, CORS: cors, limits: rate_limit")
