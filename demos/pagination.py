"""Pagination: skip/limit query parameters, validated and capped; a cursor for large or live data.

Run it alone, from the repository's top folder: fastapi dev demos/pagination.py
"""

import base64
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

app = FastAPI(title="Pagination demo")

# The data source, read newest first. The same two queries in SQL:
#   offset: SELECT ... ORDER BY id DESC LIMIT :limit OFFSET :skip  (reads and drops `skip` rows)
#   cursor: SELECT ... WHERE id < :after ORDER BY id DESC LIMIT :limit  (an index seek)
POSTS = [{"id": i, "title": f"post {i}"} for i in range(1, 26)]


def newest_first() -> list[dict]:
    return sorted(POSTS, key=lambda post: post["id"], reverse=True)


class PageParams(BaseModel):
    skip: int = Field(0, ge=0)  # <- no negative offsets
    limit: int = Field(10, ge=1, le=100)  # <- a hard cap: nobody pulls the whole table at once


@app.get("/posts")
def list_posts(page: Annotated[PageParams, Query()], request: Request, response: Response):
    rows = newest_first()
    items = rows[page.skip : page.skip + page.limit]  # <- OFFSET skip LIMIT limit
    response.headers["X-Total-Count"] = str(len(rows))
    if page.skip + page.limit < len(rows):
        next_url = request.url.include_query_params(skip=page.skip + page.limit, limit=page.limit)
        response.headers["Link"] = f'<{next_url}>; rel="next"'  # <- clients follow it
    return {"total": len(rows), "skip": page.skip, "limit": page.limit, "items": items}


def encode_cursor(post_id: int) -> str:  # opaque to clients, so the server may change it
    return base64.urlsafe_b64encode(f"id:{post_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor).decode().removeprefix("id:"))
    except ValueError:  # bad base64, bad text, not a number
        raise HTTPException(status_code=400, detail="Invalid cursor") from None


@app.get("/feed")
def feed(limit: Annotated[int, Query(ge=1, le=100)] = 10, cursor: str | None = None):
    rows = newest_first()
    if cursor is not None:
        after = decode_cursor(cursor)
        rows = [post for post in rows if post["id"] < after]  # <- WHERE id < :after
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]["id"]) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}  # <- "continue after this item"


@app.post("/posts", status_code=201)
def create_post(title: str):
    post = {"id": max(p["id"] for p in POSTS) + 1, "title": title}
    POSTS.append(post)
    return post


# --- tour ---


def _ids(response) -> list[int]:
    return [p["id"] for p in response.json().get("items", [])] if response.status_code == 200 else []


def tour(t):
    t.step("skip/limit: a page of 10, the total in X-Total-Count, the next page in a Link header.")
    r = t.get("/posts?skip=0&limit=10", show_headers=["x-total-count", "link"])
    t.check("10 items, newest first: 25 down to 16", _ids(r) == list(range(25, 15, -1)), str(_ids(r)))
    t.check("X-Total-Count: 25", r.headers.get("x-total-count") == "25",
            str(r.headers.get("x-total-count")))
    seen, pages = _ids(r), 1
    while (next_url := r.links.get("next", {}).get("url")) and pages < 10:
        r = t.get(next_url, show_headers=["link"])
        seen, pages = seen + _ids(r), pages + 1
    t.note("pages followed through Link", pages)
    t.check("following Link: 3 pages, every post once, no Link on the last page",
            pages == 3 and seen == list(range(25, 0, -1)) and "link" not in r.headers, str(seen))

    t.step("The parameters are validated: limit is capped at 100, skip cannot be negative.")
    r = t.get("/posts?limit=1000")
    first = r.json()["detail"][0] if r.status_code == 422 else {}
    t.check("limit=1000: 422, loc query.limit, type less_than_equal", r.status_code == 422
            and first.get("loc") == ["query", "limit"] and first.get("type") == "less_than_equal",
            str(first))
    r = t.get("/posts?skip=-1")
    first = r.json()["detail"][0] if r.status_code == 422 else {}
    t.check("skip=-1: 422, type greater_than_equal", r.status_code == 422
            and first.get("type") == "greater_than_equal", str(first))
    r = t.get("/feed?limit=1000")
    t.check("the cursor endpoint caps limit too", r.status_code == 422, str(r.status_code))

    t.step("Cursor pagination: each page hands back an opaque next_cursor, null on the last.")
    r = t.get("/feed?limit=10")
    seen, pages = _ids(r), 1
    cursor = r.json().get("next_cursor") if r.status_code == 200 else None
    t.check("first page: 25 down to 16, with a next_cursor", _ids(r) == list(range(25, 15, -1))
            and bool(cursor), r.text[:200])
    while cursor and pages < 10:
        r = t.get("/feed", params={"limit": 10, "cursor": cursor})
        seen, pages, cursor = seen + _ids(r), pages + 1, r.json().get("next_cursor")
    t.check("three pages, every post once, next_cursor null at the end",
            pages == 3 and seen == list(range(25, 0, -1)) and cursor is None, str(seen))
    r = t.get("/feed?cursor=not-a-cursor!")
    t.check("a forged cursor is a clean 400", r.status_code == 400, str(r.status_code))

    t.step("Why cursors scale: a post added between two page reads shifts offsets, not cursors.")
    saved = list(POSTS)
    try:
        offset_1 = t.get("/posts?skip=0&limit=10")
        feed_1 = t.get("/feed?limit=10")
        t.post("/posts", params={"title": "breaking news"})  # new post 26 lands on top
        offset_2 = t.get("/posts?skip=10&limit=10")
        cursor_2 = feed_1.json().get("next_cursor") if feed_1.status_code == 200 else None
        feed_2 = t.get("/feed", params={"limit": 10, "cursor": cursor_2 or ""})
        repeated = sorted(set(_ids(offset_1)) & set(_ids(offset_2)))
        t.note("offset page 2 starts with", _ids(offset_2)[:3])
        t.note("cursor page 2 starts with", _ids(feed_2)[:3])
        t.check("offset: page 2 repeats post 16 (everything slid down by one)",
                repeated == [16], f"repeated: {repeated}")
        t.check("cursor: page 2 continues at post 15, nothing repeated or skipped",
                _ids(feed_2) == list(range(15, 5, -1)), str(_ids(feed_2)))
    finally:
        POSTS[:] = saved
