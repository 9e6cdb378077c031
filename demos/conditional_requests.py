"""ETags and conditional requests: 304 for If-None-Match, 412 for a stale If-Match, 428 without one.

Run it alone, from the repository's top folder: fastapi dev demos/conditional_requests.py
"""

import hashlib
import json
import shutil
import tempfile
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

FOLDER = Path(tempfile.gettempdir()) / f"conditional-demo-{uuid.uuid4().hex}"


@asynccontextmanager
async def lifespan(app: FastAPI):
    FOLDER.mkdir()
    (FOLDER / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    yield
    shutil.rmtree(FOLDER, ignore_errors=True)


app = FastAPI(title="ETags and conditional requests demo", lifespan=lifespan)
app.mount("/static", StaticFiles(directory=FOLDER, check_dir=False), name="static")

articles = {1: {"id": 1, "title": "Draft", "body": "..."}}


class ArticleIn(BaseModel):
    title: str
    body: str


def etag_of(article: dict) -> str:
    digest = hashlib.sha256(json.dumps(article, sort_keys=True).encode()).hexdigest()[:16]
    return f'"{digest}"'  # <- a strong validator of this representation


def weak_match(header: str | None, etag: str) -> bool:
    """If-None-Match compares weakly: W/"x" matches "x" (a compressing proxy adds the W/)."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]  # <- weak comparison
    return "*" in tags or etag in tags


@app.get("/articles/{article_id}")
def read_article(article_id: int, response: Response,
                 if_none_match: Annotated[str | None, Header()] = None):
    article = articles.get(article_id)
    if article is None:
        raise HTTPException(404)
    etag = etag_of(article)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}  # no-cache: revalidate each time
    if weak_match(if_none_match, etag):  # <- the client's copy is current
        return Response(status_code=304, headers=headers)  # <- no body, same validators
    response.headers.update(headers)
    return article


@app.put("/articles/{article_id}")
def update_article(article_id: int, data: ArticleIn, response: Response,
                   if_match: Annotated[str | None, Header()] = None):
    article = articles.get(article_id)
    if article is None:
        raise HTTPException(404)
    if if_match is None:
        raise HTTPException(428, "Send If-Match with the ETag you read")  # <- 428 Precondition Required
    current = etag_of(article)
    if current not in [tag.strip() for tag in if_match.split(",")] and if_match.strip() != "*":
        raise HTTPException(412, "The article changed since you read it")  # <- a lost update stopped
    article.update(data.model_dump())
    response.headers["ETag"] = etag_of(article)
    return article


@app.get("/download/logo.svg")
def download_logo():
    return FileResponse(FOLDER / "logo.svg")  # sends an ETag, answers no If-None-Match


# --- tour ---


def tour(t):
    show = ["etag", "if-none-match", "if-match", "cache-control"]

    t.step("A GET returns the article with an ETag; the client revalidates with If-None-Match "
           "and gets 304 with no body.")
    r = t.get("/articles/1", show_headers=show)
    etag = r.headers.get("etag", "")
    t.check("200 with a quoted ETag", r.status_code == 200 and etag.startswith('"'), str(r.headers))
    r = t.get("/articles/1", headers={"If-None-Match": etag}, show_headers=show)
    t.check("If-None-Match with the current ETag: 304, empty body",
            r.status_code == 304 and r.content == b"", f"{r.status_code} {r.text}")
    t.check("the 304 carries the ETag and Cache-Control",
            r.headers.get("etag") == etag and "no-cache" in r.headers.get("cache-control", ""),
            str(r.headers))
    r = t.get("/articles/1", headers={"If-None-Match": f"W/{etag}"}, show_headers=show)
    t.check("a weak W/ form (as a gzip proxy rewrites it) still matches: 304",
            r.status_code == 304, str(r.status_code))

    t.step("Two editors read the article; A saves with If-Match; B saves from the stale copy.")
    r = t.put("/articles/1", json={"title": "A's title", "body": "..."}, show_headers=show)
    t.check("no If-Match: 428 Precondition Required", r.status_code == 428, str(r.status_code))
    a = t.put("/articles/1", json={"title": "A's title", "body": "..."},
              headers={"If-Match": etag}, show_headers=show)
    t.check("A's If-Match matches: saved, with a new ETag",
            a.status_code == 200 and a.headers.get("etag") not in (None, etag), str(a.headers))
    b = t.put("/articles/1", json={"title": "B's title", "body": "..."},
              headers={"If-Match": etag}, show_headers=show)
    t.check("B's If-Match is stale: 412 Precondition Failed", b.status_code == 412,
            str(b.status_code))
    r = t.get("/articles/1", headers={"If-None-Match": etag}, show_headers=show)
    t.check("the old ETag no longer validates: 200 with A's title",
            r.status_code == 200 and r.json().get("title") == "A's title", r.text)

    t.step("Files: StaticFiles answers If-None-Match itself; a FileResponse from a route sends an "
           "ETag but always sends the whole file.")
    s1 = t.get("/static/logo.svg", show_headers=show)
    s2 = t.get("/static/logo.svg", headers={"If-None-Match": s1.headers.get("etag", "-")},
               show_headers=show)
    t.check("StaticFiles: 304", s1.status_code == 200 and s2.status_code == 304,
            f"{s1.status_code} {s2.status_code}")
    f1 = t.get("/download/logo.svg", show_headers=show)
    f2 = t.get("/download/logo.svg", headers={"If-None-Match": f1.headers.get("etag", "-")},
               show_headers=show)
    t.check("FileResponse: an ETag, yet 200 with the body again",
            "etag" in f1.headers and f2.status_code == 200 and f2.content == f1.content,
            f"{f2.status_code}")
