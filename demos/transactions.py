"""Transactions: a transfer commits whole or not at all, and the commit must precede the response.

Run it alone, from the repository's top folder: fastapi dev demos/transactions.py
"""

from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import CheckConstraint, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="no_overdraft"),)  # the DB's own rule
    name: Mapped[str] = mapped_column(primary_key=True)
    balance: Mapped[int]


@asynccontextmanager
async def lifespan(app: FastAPI):
    engine = create_engine(  # one in-memory SQLite database, shared by the threadpool's threads
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    Base.metadata.create_all(engine)
    app.state.engine, app.state.sessions = engine, sessionmaker(engine)
    with app.state.sessions.begin() as db:
        db.add_all([Account(name="alice", balance=100), Account(name="bob", balance=20)])
    yield
    engine.dispose()


app = FastAPI(title="Transactions demo", lifespan=lifespan)
teardown_errors: list[str] = []  # what failed in a dependency's teardown, server side
caught: list[str] = []  # what the `except` of the two dependencies below saw


def get_session(request: Request):  # the endpoint decides when to commit
    with request.app.state.sessions() as db:
        yield db


def get_session_committing(request: Request):  # commits in the dependency, as the source says
    with request.app.state.sessions() as db:
        try:
            yield db
            db.commit()  # <- since FastAPI 0.118 this runs AFTER the response has been sent
        except Exception as exc:
            db.rollback()
            teardown_errors.append(type(exc).__name__)
            raise  # <- an except in a yield dependency must re-raise (FastAPI 0.110)


def get_session_reraising(request: Request):  # DO: an except that re-raises
    with request.app.state.sessions() as db:
        try:
            yield db
        except Exception as exc:  # the endpoint's exception is thrown in at the yield
            db.rollback()
            caught.append(type(exc).__name__)
            raise  # <- it goes on to its handler: the endpoint's own status reaches the client


def get_session_swallowing(request: Request):  # DON'T: an except without `raise`
    with request.app.state.sessions() as db:
        try:
            yield db
        except Exception as exc:
            db.rollback()  # the endpoint's error is swallowed: FastAPI can only answer 500
            caught.append(type(exc).__name__)


Db = Annotated[Session, Depends(get_session)]
CommitsLate = Annotated[Session, Depends(get_session_committing)]
CommitsFirst = Annotated[Session, Depends(get_session_committing, scope="function")]  # <- 0.121
Reraises = Annotated[Session, Depends(get_session_reraising)]
Swallows = Annotated[Session, Depends(get_session_swallowing)]


class Transfer(BaseModel):
    source: str
    target: str
    amount: int = Field(gt=0)


class NewAccount(BaseModel):
    name: str
    balance: int  # no ge=0 on purpose: the database's CHECK is the last line of defence


@app.exception_handler(IntegrityError)
async def integrity_error(request: Request, exc: IntegrityError):
    return JSONResponse(status_code=409, content={"detail": "rejected by the database"})


def move_money(db: Session, transfer: Transfer) -> dict:
    with db.begin():  # <- one transaction: COMMIT if the block ends, ROLLBACK if it raises
        target = db.get(Account, transfer.target)
        source = db.get(Account, transfer.source)
        if target is None or source is None:
            raise HTTPException(404, "no such account")
        target.balance += transfer.amount
        db.flush()  # <- the credit is written to the database (UPDATE sent)...
        if source.balance < transfer.amount:
            raise HTTPException(409, "insufficient funds")  # <- ...and undone by the ROLLBACK
        source.balance -= transfer.amount
    return {"moved": transfer.amount, "from": transfer.source, "to": transfer.target}


@app.post("/transfers")
def transfer(body: Transfer, db: Db):
    return move_money(db, body)


@app.post("/reraising/transfers")
def transfer_reraising(body: Transfer, db: Reraises):
    return move_money(db, body)


@app.post("/swallowing/transfers")
def transfer_swallowing(body: Transfer, db: Swallows):
    return move_money(db, body)


@app.get("/accounts")
def balances(db: Db) -> dict[str, int]:
    return {a.name: a.balance for a in db.scalars(select(Account).order_by(Account.name))}


@app.post("/late/accounts", status_code=201)  # the trap: the dependency commits
def open_account_late(body: NewAccount, db: CommitsLate):
    db.add(Account(**body.model_dump()))
    return {"opened": body.name}  # the 201 leaves now, the COMMIT comes after it


@app.post("/accounts", status_code=201)  # fix 1: commit in the endpoint
def open_account(body: NewAccount, db: Db):
    db.add(Account(**body.model_dump()))
    db.commit()  # <- a failure here happens before any response: the client hears of it
    return {"opened": body.name}


@app.post("/scoped/accounts", status_code=201)  # fix 2: teardown before the response
def open_account_scoped(body: NewAccount, db: CommitsFirst):
    db.add(Account(**body.model_dump()))
    return {"opened": body.name}


# --- tour ---


def _sql_trace(app, statements):
    """Record the SQL the app sends (and its COMMITs and ROLLBACKs); returns an undo function."""
    from sqlalchemy import event

    engine = getattr(app.state, "engine", None)
    if engine is None:
        return lambda: None
    hooks = [
        ("before_cursor_execute", lambda conn, cur, sql, *a: statements.append(sql.split()[0])),
        ("commit", lambda conn: statements.append("COMMIT")),
        ("rollback", lambda conn: statements.append("ROLLBACK")),
    ]
    for name, fn in hooks:
        event.listen(engine, name, fn)
    return lambda: [event.remove(engine, name, fn) for name, fn in hooks]


def tour(t):
    from contextlib import closing

    from fastapi.testclient import TestClient

    start = {"alice": 100, "bob": 20}
    sql = []
    untrace = _sql_trace(t.app, sql)
    try:
        t.step("A transfer that fails half way (the credit is already written) rolls back whole.")
        t.get("/accounts")
        sql.clear()
        r = t.post("/transfers", json={"source": "bob", "target": "alice", "amount": 50})
        sent = list(sql)
        t.note("SQL sent", " -> ".join(sent))
        after = t.get("/accounts").json()
        t.check("409 insufficient funds", r.status_code == 409
                and r.json().get("detail") == "insufficient funds", r.text)
        t.check("the credit to alice reached the database, then ROLLBACK",
                "UPDATE" in sent and sent[-1:] == ["ROLLBACK"] and "COMMIT" not in sent, str(sent))
        t.check("balances unchanged: alice 100, bob 20", after == start, str(after))

        t.step("A good transfer commits both updates together.")
        sql.clear()
        r = t.post("/transfers", json={"source": "alice", "target": "bob", "amount": 30})
        sent = list(sql)
        t.note("SQL sent", " -> ".join(sent))
        after = t.get("/accounts").json()
        t.check("200 and one COMMIT after the two UPDATEs", r.status_code == 200
                and sent.count("UPDATE") == 2 and sent[-1:] == ["COMMIT"], str(sent))
        t.check("alice 70, bob 50: the money moved", after == {"alice": 70, "bob": 50}, str(after))
    finally:
        untrace()

    # a client that hands back 500s instead of raising, and keeps the lifespan's database
    with closing(TestClient(t.app, raise_server_exceptions=False)) as lax:
        t.step("The trap: a dependency that commits after `yield` commits after the response left.")
        teardown_errors.clear()
        r = t.record(lax.post("/late/accounts", json={"name": "carol", "balance": -5}))
        accounts = t.get("/accounts").json()
        t.note("server side, after the response", teardown_errors or "nothing")
        t.check("the client was told 201 Created", r.status_code == 201, r.text)
        t.check("but the COMMIT failed on the CHECK constraint, after the response",
                teardown_errors == ["IntegrityError"], str(teardown_errors))
        t.check("and carol does not exist", r.status_code == 201 and "carol" not in accounts,
                str(accounts))

        t.step("Fix 1: commit in the endpoint; the failure becomes the response (409).")
        teardown_errors.clear()
        r = t.post("/accounts", json={"name": "dave", "balance": -5})
        t.check("409 from the IntegrityError handler", r.status_code == 409, r.text)
        r = t.post("/accounts", json={"name": "erin", "balance": 5})
        t.check("a valid account is committed, then 201",
                r.status_code == 201 and t.client.get("/accounts").json().get("erin") == 5, r.text)

        t.step('Fix 2: Depends(get_session_committing, scope="function") commits before responding.')
        r = t.record(lax.post("/scoped/accounts", json={"name": "frank", "balance": -5}))
        t.check("the same committing dependency now yields a 409", r.status_code == 409
                and teardown_errors == ["IntegrityError"], f"{r.status_code} {teardown_errors}")
        r = t.post("/scoped/accounts", json={"name": "grace", "balance": 5})
        t.check("and a valid account: committed, then 201",
                r.status_code == 201 and t.client.get("/accounts").json().get("grace") == 5, r.text)

        t.step("An `except` in a yield dependency must re-raise: swallowed errors become a 500.")
        body = {"source": "bob", "target": "alice", "amount": 500}
        caught.clear()
        good = t.record(lax.post("/reraising/transfers", json=body))
        t.note("the re-raising dependency's except saw", caught or "nothing")
        t.check("re-raising dependency: its except saw the HTTPException, and the endpoint's 409 "
                "reached the client", caught == ["HTTPException"] and good.status_code == 409
                and good.json().get("detail") == "insufficient funds", f"{caught} {good.text}")
        caught.clear()
        bad = t.record(lax.post("/swallowing/transfers", json=body))
        t.note("the swallowing dependency's except saw", caught or "nothing")
        t.check("swallowing dependency: the same HTTPException, and a bare 500 instead",
                caught == ["HTTPException"] and bad.status_code == 500, f"{caught} {bad.text}")
        t.check("either way nothing moved", t.client.get("/accounts").json().get("alice") == 70)
