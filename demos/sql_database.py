"""Databases: SQLAlchemy 2 async, an engine per app (lifespan), a session per request (Depends).

Run it alone, from the repository's top folder: fastapi dev demos/sql_database.py

SQLModel (by FastAPI's author) puts the same engine and session on Pydantic-style models;
Tortoise ORM is the other async option. Gino is unmaintained (stuck before SQLAlchemy 1.4).
"""

import itertools
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_URL = "sqlite+aiosqlite:///:memory:"  # e.g. "postgresql+asyncpg://..." in production
events: list[str] = []  # engine and session life, so the tour can show it
session_numbers = itertools.count(1)
sessions: list[AsyncSession] = []  # every session a request got, so the tour can compare them


class Base(DeclarativeBase):
    pass


class Hero(Base):
    __tablename__ = "heroes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    age: Mapped[int | None]


class HeroIn(BaseModel):
    name: str
    age: int | None = None


@asynccontextmanager
async def lifespan(app: FastAPI):
    engine = create_async_engine(DATABASE_URL)  # <- one engine (and pool) for the whole app
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)  # real apps: Alembic migrations
    events.append("engine created")
    yield {"sessionmaker": async_sessionmaker(engine, expire_on_commit=False)}  # -> request.state
    await engine.dispose()  # <- close pooled connections at shutdown
    events.append("engine disposed")


app = FastAPI(title="SQL database demo", lifespan=lifespan)


async def get_session(request: Request):
    async with request.state.sessionmaker() as session:  # <- a fresh session per request
        session.info["number"] = n = next(session_numbers)
        sessions.append(session)  # the objects themselves: a per-request session is a new one
        events.append(f"session {n} opened")
        yield session
    events.append(f"session {n} closed")  # <- closed when the request is done


SessionDep = Annotated[AsyncSession, Depends(get_session)]  # <- the "Depends(get_db)" pattern


@app.post("/heroes", status_code=201)
async def create_hero(hero: HeroIn, session: SessionDep):
    row = Hero(**hero.model_dump())
    session.add(row)
    await session.commit()  # <- here, not after yield: a failed commit must not send a 201
    return {"id": row.id, "name": row.name, "age": row.age, "session": session.info["number"]}


@app.get("/heroes")
async def list_heroes(session: SessionDep, limit: int = 10):
    heroes = (await session.scalars(select(Hero).order_by(Hero.id).limit(limit))).all()
    return {"heroes": [{"id": h.id, "name": h.name, "age": h.age} for h in heroes],
            "session": session.info["number"]}


@app.get("/heroes/{hero_id}")
async def read_hero(hero_id: int, session: SessionDep):
    hero = await session.get(Hero, hero_id)
    if hero is None:
        raise HTTPException(status_code=404, detail="Hero not found")
    return {"id": hero.id, "name": hero.name, "age": hero.age}


# --- tour ---


def tour(t):
    from fastapi.testclient import TestClient

    t.step("POST writes rows through the injected AsyncSession; each request gets its own.")
    events.clear()
    a = t.post("/heroes", json={"name": "Deadpond", "age": 30})
    b = t.post("/heroes", json={"name": "Spider-Boy"})
    t.check("201 twice, with ids from the database", a.status_code == b.status_code == 201
            and a.json().get("id") is not None and b.json().get("id") == a.json()["id"] + 1,
            f"{a.text} {b.text}")
    t.note("session lifecycle", " -> ".join(events))
    na, nb = a.json().get("session"), b.json().get("session")
    t.check("two requests, two different sessions", na is not None and nb is not None and na != nb
            and len(sessions) >= 2 and sessions[-1] is not sessions[-2], f"{na}, {nb}")
    t.check("each session is opened and closed within its own request",
            events == [f"session {na} opened", f"session {na} closed",
                       f"session {nb} opened", f"session {nb} closed"], str(events))

    t.step("A third request, a third session, reads what the first two committed.")
    r = t.get("/heroes")
    names = [h["name"] for h in r.json().get("heroes", [])] if r.status_code == 200 else []
    t.check("both heroes are there, read by a new session",
            names[-2:] == ["Deadpond", "Spider-Boy"] and r.json()["session"] not in (na, nb),
            str(names))
    one = t.get(f"/heroes/{a.json().get('id', 0)}")
    t.check("read by primary key", one.status_code == 200 and one.json().get("name") == "Deadpond",
            one.text)
    missing = t.get("/heroes/9999")
    t.check("an unknown id is a 404", missing.status_code == 404, str(missing.status_code))

    t.step("The engine lives as long as the app: created at startup, disposed at shutdown.")
    events.clear()
    with TestClient(t.app) as other:  # a second app run: its own lifespan, its own engine
        r = other.get("/heroes")
        fresh = r.json().get("heroes") if r.status_code == 200 else None
    t.note("lifespan", " -> ".join(e for e in events if "engine" in e))
    t.check("engine created at startup and disposed at shutdown",
            [e for e in events if "engine" in e] == ["engine created", "engine disposed"],
            str(events))
    t.check("its in-memory database started empty", fresh == [], str(fresh))
