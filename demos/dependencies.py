"""Dependency injection: endpoints declare what they need with Depends, FastAPI builds it.

Run it alone, from the repository's top folder: fastapi dev demos/dependencies.py
"""

import itertools
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel

app = FastAPI(title="Dependencies demo")
calls: list[str] = []  # what ran, in order, so the tour can show it
tickets = itertools.count(1)
settings_seen: list[object] = []  # the Settings object each request got (kept alive: ids may be reused)


class Settings(BaseModel):
    page_size: int = 2


@lru_cache  # one Settings object for the whole process
def get_settings() -> Settings:
    return Settings()


def get_db():  # a yield dependency: setup, hand the value over, teardown
    calls.append("get_db: open")
    db = {"items": ["apple", "banana", "cherry"], "tokens": {"tok-alice": "alice"}}
    try:
        yield db  # <- the endpoint runs while the dependency waits here
    finally:
        calls.append("get_db: close")  # <- teardown, even when the request failed
        # (by default it runs after the response is sent; Depends(get_db, scope="function")
        #  runs it as soon as the endpoint returns)


SettingsDep = Annotated[Settings, Depends(get_settings)]  # <- declared once, reused everywhere
DB = Annotated[dict, Depends(get_db)]


def get_current_user(db: DB, x_token: Annotated[str | None, Header()] = None) -> str:
    calls.append("get_current_user")  # <- a dependency with dependencies of its own (db)
    if x_token not in db["tokens"]:
        raise HTTPException(status_code=401, detail="Invalid or missing X-Token")
    return db["tokens"][x_token]


CurrentUser = Annotated[str, Depends(get_current_user)]


@app.get("/items")
def list_items(user: CurrentUser, db: DB, settings: SettingsDep):  # <- db needed twice: built once
    calls.append("endpoint /items")
    settings_seen.append(settings)
    return {"user": user, "items": db["items"][: settings.page_size]}


@app.get("/me")
def read_me(user: CurrentUser):  # <- the same auth check, one line per endpoint
    return {"user": user}


def next_ticket() -> int:
    return next(tickets)


@app.get("/tickets")
def read_tickets(
    a: Annotated[int, Depends(next_ticket)],
    b: Annotated[int, Depends(next_ticket)],  # <- cached: same value as a in this request
    c: Annotated[int, Depends(next_ticket, use_cache=False)],  # <- called again
):
    return {"a": a, "b": b, "c": c}


# --- tour ---


def tour(t):
    t.step("A sub-dependency chain: /items needs the user, the user needs the db and a header.")
    calls.clear()
    r = t.get("/items", headers={"X-Token": "tok-alice"}, show_headers=["x-token"])
    t.note("order of calls", " -> ".join(calls))
    t.check("200 with alice's first page", r.status_code == 200
            and r.json() == {"user": "alice", "items": ["apple", "banana"]}, r.text)
    t.check(
        "setup, sub-dependency, endpoint, then teardown (after the endpoint)",
        calls == ["get_db: open", "get_current_user", "endpoint /items", "get_db: close"],
        str(calls),
    )
    t.check("get_db ran once although two parameters depend on it (per-request cache)",
            calls.count("get_db: open") == 1, str(calls))

    t.step("@lru_cache on get_settings: one Settings object for the whole process, every request.")
    settings_seen.clear()
    for _ in range(3):
        t.get("/items", headers={"X-Token": "tok-alice"})
    distinct = len({id(s) for s in settings_seen})
    t.note("Settings objects the three requests got", distinct)
    t.check("three requests, one and the same Settings object",
            len(settings_seen) == 3 and distinct == 1, f"{distinct} for {len(settings_seen)} requests")

    t.step("The shared auth dependency rejects a missing token: the endpoint never runs.")
    calls.clear()
    r = t.get("/items")
    t.check("401 from the dependency", r.status_code == 401, str(r.status_code))
    t.check("the endpoint did not run, the teardown still did",
            "endpoint /items" not in calls and calls[-1:] == ["get_db: close"], str(calls))
    r = t.get("/me", headers={"X-Token": "tok-alice"})
    t.check("the same dependency guards /me",
            r.status_code == 200 and r.json() == {"user": "alice"}, r.text)

    t.step("Within one request a dependency's value is cached; use_cache=False calls it again.")
    first = t.get("/tickets").json()
    second = t.get("/tickets").json()
    t.check("a == b: next_ticket ran once for both", first.get("a") is not None
            and first.get("a") == first.get("b"), str(first))
    t.check("c != a: use_cache=False ran it a second time",
            first.get("c") not in (None, first.get("a")), str(first))
    t.check("the cache lives for one request only: the next request gets new values",
            second.get("a") is not None and second.get("a") != first.get("a"),
            f"{first} then {second}")

    t.step("app.dependency_overrides swaps a dependency without touching the endpoints: tests.")

    fake_items = [f"test-item-{n}" for n in range(1, 13)]  # 12: more than either page size

    def fake_db():
        yield {"items": fake_items, "tokens": {"test-token": "tester"}}

    overrides = t.app.dependency_overrides
    overrides[get_db] = fake_db
    calls.clear()
    try:
        r = t.get("/items", headers={"X-Token": "test-token"}, show_headers=["x-token"])
        t.check("the fake db's user and items, in pages of the real page_size (2)", r.status_code == 200
                and r.json() == {"user": "tester", "items": fake_items[:2]}, r.text)
        t.check("the real get_db never ran", "get_db: open" not in calls, str(calls))
        overrides[get_settings] = lambda: Settings(page_size=10)
        r = t.get("/items", headers={"X-Token": "test-token"})
        t.check("overriding the settings too: page_size=10 gives 10 of the 12 items",
                r.status_code == 200 and r.json().get("items") == fake_items[:10], r.text)
        overrides[get_current_user] = lambda: "ghost"
        r = t.get("/me")
        t.check("overriding the auth dependency: /me works without a token",
                r.status_code == 200 and r.json() == {"user": "ghost"}, r.text)
    finally:
        for dep in (get_db, get_settings, get_current_user):
            overrides.pop(dep, None)
    r = t.get("/me")
    t.check("overrides removed: the real check is back (401)",
            r.status_code == 401, str(r.status_code))
