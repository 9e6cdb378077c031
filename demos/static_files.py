"""Static files: StaticFiles mounted on /static, with caching headers, url_for and safe paths.

Run it alone, from the repository's top folder: fastapi dev demos/static_files.py
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

FILES = Path(__file__).parent / "static_files_app"  # <- absolute: a bare "static" means the CWD

app = FastAPI(title="Static files demo")
app.mount(
    "/static",  # <- every URL under /static/ is a file lookup, not a route
    StaticFiles(directory=FILES / "static"),  # serves css/site.css and robots.txt, read-only
    name="static",  # <- the name url_for uses
)


@app.get("/hello", response_class=HTMLResponse)
async def hello(request: Request) -> str:
    css = request.url_for("static", path="css/site.css")  # <- in Jinja2: {{ url_for('static', ...) }}
    return f'<link rel="stylesheet" href="{css}"><h1>Hello</h1>'


# A built single-page app (Vite, Angular, ...): low-priority routes, API routes match first, and a
# browser navigation to an unknown path gets index.html so the client-side router can draw it.
app.frontend("/", directory=FILES / "dist")  # <- FastAPI's own helper for a built frontend

# In production a CDN or nginx usually serves the assets; StaticFiles is fine behind them.

# --- tour ---

SECRET = FILES / "secret.txt"
CACHE = ["content-type", "content-length", "etag", "last-modified", "if-none-match",
         "if-modified-since"]


def tour(t):
    t.step("A file under the mount is served with its content type, size and validators.")
    css = t.get("/static/css/site.css", show_headers=CACHE)
    txt = t.get("/static/robots.txt", show_headers=["content-type"])
    on_disk = (FILES / "static" / "css" / "site.css").read_bytes()
    t.check("200, text/css, the bytes of the file on disk", css.status_code == 200
            and css.headers.get("content-type", "").startswith("text/css") and css.content == on_disk,
            css.headers.get("content-type", ""))
    t.check("robots.txt is text/plain", txt.headers.get("content-type", "").startswith("text/plain"))
    t.check("ETag and Last-Modified are set (from the file's mtime and size)",
            "etag" in css.headers and "last-modified" in css.headers)

    t.step("A browser revalidates with If-None-Match: unchanged file, 304 and no body.")
    etag = css.headers.get("etag", '"none"')
    same = t.get("/static/css/site.css", headers={"If-None-Match": etag}, show_headers=CACHE)
    since = t.get("/static/css/site.css", show_headers=CACHE,
                  headers={"If-Modified-Since": css.headers.get("last-modified", "")})
    stale = t.get("/static/css/site.css", headers={"If-None-Match": '"old"'}, show_headers=CACHE)
    t.check("matching ETag: 304 Not Modified, empty body",
            same.status_code == 304 and same.content == b"", str(same.status_code))
    t.check("If-Modified-Since the same date: 304 too", since.status_code == 304, str(since.status_code))
    t.check("another ETag: 200 with the file", stale.status_code == 200 and stale.content == on_disk)

    t.step("A missing file is a plain 404.")
    missing = t.get("/static/css/nope.css")
    t.check("404 Not Found", missing.status_code == 404, str(missing.status_code))

    t.step("Path traversal out of the folder is refused (clients normalise '..': send it encoded).")
    naive = (FILES / "static" / ".." / "secret.txt").read_text(encoding="utf-8").strip()
    t.note("what a naive open(static_dir / '../secret.txt') would send", naive)
    attempts = [t.get(url) for url in ("/static/%2e%2e/secret.txt", "/static/..%2Fsecret.txt",
                                       "/static/css/%2e%2e/%2e%2e/secret.txt")]
    secret = SECRET.read_bytes()
    t.check("404 for every attempt, the secret never in a body",
            all(r.status_code == 404 and secret not in r.content for r in attempts),
            str([r.status_code for r in attempts]))

    t.step("url_for('static', path=...) builds the URL from the mount's name; the link works.")
    page = t.get("/hello")
    href = page.text.split('href="', 1)[-1].split('"', 1)[0]
    t.note("href in the page", href)
    t.check("the link is /static/css/site.css", href == "http://testserver/static/css/site.css", href)
    followed = t.get(href.removeprefix("http://testserver"), show_headers=["content-type"])
    t.check("following it gives the stylesheet", followed.status_code == 200
            and followed.content == on_disk)

    t.step("app.frontend(): API routes first; a page navigation elsewhere gets the SPA's index.html.")
    nav = t.get("/dashboard/settings", headers={"Accept": "text/html"},
                show_headers=["accept", "content-type"])
    asset = t.get("/assets/missing.js", headers={"Accept": "*/*"}, show_headers=["accept"])
    api = t.get("/hello", headers={"Accept": "text/html"}, show_headers=["accept"])
    index = (FILES / "dist" / "index.html").read_bytes()
    t.check("a navigation to /dashboard/settings: 200 with index.html",
            nav.status_code == 200 and nav.content == index, str(nav.status_code))
    t.check("a missing asset (not a navigation): 404, not index.html",
            asset.status_code == 404, str(asset.status_code))
    t.check("/hello is still the API route", api.status_code == 200 and api.content != index)
