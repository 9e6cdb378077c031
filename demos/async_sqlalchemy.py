"""Async SQLAlchemy: lazy="raise", selectinload in 2 queries, expire_on_commit=False, a session per request.

Run it alone, from the repository's top folder: fastapi dev demos/async_sqlalchemy.py
"""

import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import ForeignKey, event, inspect, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    books: Mapped[list["Book"]] = relationship(lazy="raise")  # <- never load behind your back


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


statements: list[str] = []  # the server's record: every SQL statement sent
sessions = {"opened": 0, "closed": 0}


@asynccontextmanager
async def lifespan(app: FastAPI):
    folder = tempfile.mkdtemp(prefix="async-sa-demo-")
    engine = create_async_engine(f"sqlite+aiosqlite:///{Path(folder) / 'app.db'}")
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: statements.append(sql))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)  # <- objects stay readable after commit
    async with factory() as session:
        session.add_all(Author(name=f"author {i}", books=[Book(title=f"book {i}.{j}") for j in (1, 2)])
                        for i in range(5))
        await session.commit()
    yield {"factory": factory}
    await engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


app = FastAPI(title="Async SQLAlchemy demo", lifespan=lifespan)


async def get_session(request: Request):
    async with request.state.factory() as session:  # <- one session per request, closed after
        sessions["opened"] += 1
        try:
            yield session
        finally:
            sessions["closed"] += 1


Session = Annotated[AsyncSession, Depends(get_session)]


@app.get("/authors/lazy")
async def lazy(session: Session):
    authors = (await session.scalars(select(Author))).all()
    try:
        return [{"name": a.name, "books": len(a.books)} for a in authors]  # implicit IO: refused
    except InvalidRequestError as exc:
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)[:80]}, 500)


@app.get("/authors/eager")
async def eager(session: Session):
    del statements[:]
    query = select(Author).options(selectinload(Author.books))  # <- one more query, for all authors
    authors = (await session.scalars(query)).all()
    return {"authors": [{"name": a.name, "books": len(a.books)} for a in authors],
            "statements": len(statements)}


@app.post("/authors", status_code=201)
async def create_author(name: str, session: Session):
    author = Author(name=name)
    session.add(author)
    await session.commit()
    state = inspect(author)
    if state.expired:  # reading author.name now would need IO: MissingGreenlet in async code
        return JSONResponse({"error": "expired after commit", "expired": True}, 500)
    return {"id": author.id, "name": author.name}


@app.get("/sessions")
async def get_sessions():
    return sessions


# --- tour ---


def tour(t):
    t.step("A lazy load in async code would be hidden IO (MissingGreenlet). With lazy='raise', "
           "touching an unloaded relationship fails at once, in development, with its name.")
    r = t.get("/authors/lazy")
    t.check("a.books without loading it: refused (lazy='raise')",
            r.status_code == 500 and r.json().get("error") == "InvalidRequestError"
            and "lazy='raise'" in r.json().get("detail", ""), r.text)

    t.step("selectinload fetches every author's books in one more query: 2 statements for 5 "
           "authors (for 5,000 too).")
    r = t.get("/authors/eager")
    body = r.json() if r.status_code == 200 else {}
    t.check("all 10 books loaded", sum(a["books"] for a in body.get("authors", [])) == 10, r.text)
    t.check("in 2 statements", body.get("statements") == 2, r.text)

    t.step("With expire_on_commit=False the object created is still readable after commit.")
    r = t.post("/authors?name=Ada")
    t.check("201 with the new author's id and name",
            r.status_code == 201 and r.json().get("name") == "Ada" and r.json().get("id"), r.text)

    t.step("One AsyncSession per request, from a yield dependency: each is closed after its request.")
    r = t.get("/sessions")
    s = r.json()
    t.check("as many sessions closed as opened (and one per request)",
            s.get("opened") == s.get("closed") == 3, r.text)
