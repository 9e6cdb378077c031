"""The transactional outbox: the event is written with the order in one transaction, a relay publishes it.

Run it alone, from the repository's top folder: fastapi dev demos/transactional_outbox.py
"""

import json
import shutil
import sqlite3
import tempfile
import uuid
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel


class Broker:
    """Stands in for Kafka, RabbitMQ or SQS: it can be down, and it may deliver twice."""

    def __init__(self) -> None:
        self.up = True
        self.messages: list[dict] = []

    def publish(self, message: dict) -> None:
        if not self.up:
            raise ConnectionError("broker unreachable")
        self.messages.append(message)


class Consumer:
    """A downstream service: it deduplicates by event id, since delivery is at least once."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.emails_sent = 0

    def handle(self, message: dict) -> None:
        if message["event_id"] in self.seen:  # <- an idempotent consumer
            return
        self.seen.add(message["event_id"])
        self.emails_sent += 1


broker = Broker()
consumer = Consumer()
relay_faults = {"crash_after_publish": False}


@asynccontextmanager
async def lifespan(app: FastAPI):
    folder = tempfile.mkdtemp(prefix="outbox-demo-")
    db = str(Path(folder) / "app.db")
    with transaction(db) as conn:
        conn.executescript("""
            CREATE TABLE orders (id TEXT PRIMARY KEY, item TEXT NOT NULL);
            CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL,
                                 payload TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0);
        """)
    yield {"db": db}
    shutil.rmtree(folder, ignore_errors=True)


app = FastAPI(title="Transactional outbox demo", lifespan=lifespan)


@contextmanager
def transaction(db: str):
    conn = sqlite3.connect(db)
    try:
        with conn:  # commits at the end, rolls back on an exception
            yield conn
    finally:
        conn.close()


class Order(BaseModel):
    id: str
    item: str


@app.post("/orders/dual-write", status_code=201)
def create_order_dual_write(order: Order, request: Request):
    """The dual write: commit, then publish. A broker failure after the commit loses the event."""
    with transaction(request.state.db) as conn:
        conn.execute("INSERT INTO orders VALUES (?, ?)", (order.id, order.item))
    broker.publish({"event_id": uuid.uuid4().hex, "type": "order_placed", "order": order.id})
    return order


@app.post("/orders", status_code=201)
def create_order(order: Order, request: Request):
    event = {"event_id": uuid.uuid4().hex, "type": "order_placed", "order": order.id}
    try:
        with transaction(request.state.db) as conn:  # <- the order and its event, or neither
            conn.execute("INSERT INTO outbox (event_id, payload) VALUES (?, ?)",
                         (event["event_id"], json.dumps(event)))
            conn.execute("INSERT INTO orders VALUES (?, ?)", (order.id, order.item))  # a duplicate fails
    except sqlite3.IntegrityError:
        raise HTTPException(409, "Order exists") from None
    return order  # the broker may be down: the event waits in the outbox


@app.post("/relay")
def relay(request: Request):
    """One pass of the relay (a loop in a worker, or CDC such as Debezium, in production)."""
    published = 0
    with transaction(request.state.db) as conn:
        rows = conn.execute("SELECT seq, payload FROM outbox WHERE published = 0 ORDER BY seq").fetchall()
        for seq, payload in rows:
            try:
                broker.publish(json.loads(payload))  # <- publish first ...
            except ConnectionError:
                break  # stays unpublished: the next pass retries it
            if relay_faults["crash_after_publish"]:
                relay_faults["crash_after_publish"] = False
                raise HTTPException(500, "relay crashed after publishing")
            conn.execute("UPDATE outbox SET published = 1 WHERE seq = ?", (seq,))  # <- ... then mark
            conn.commit()
            published += 1
    return {"published": published}


@app.post("/consume")
def consume():
    for message in broker.messages:
        consumer.handle(message)
    return {"deliveries": len(broker.messages), "emails_sent": consumer.emails_sent}


@app.get("/state")
def state(request: Request):
    with transaction(request.state.db) as conn:
        orders = [r[0] for r in conn.execute("SELECT id FROM orders ORDER BY id")]
        pending = conn.execute("SELECT count(*) FROM outbox WHERE published = 0").fetchone()[0]
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    return {"orders": orders, "outbox": outbox, "pending": pending,
            "broker": [m["order"] for m in broker.messages]}


# --- tour ---


def tour(t):
    def state():
        r = t.client.get("/state")
        return r.json() if r.status_code == 200 else {}

    t.step("The dual write: commit the order, then publish. The broker is down: the order is "
           "saved, the client gets a 500, and the event is gone for good.")
    broker.up = False
    r = t.post("/orders/dual-write", json={"id": "A", "item": "book"})
    s = state()
    t.note("state", s)
    t.check("order A saved, no event for it anywhere",
            r.status_code == 500 and s.get("orders") == ["A"] and s.get("broker") == []
            and s.get("outbox") == 0, str(s))

    t.step("With the outbox the event is written in the order's own transaction; the broker "
           "being down does not fail the request.")
    r = t.post("/orders", json={"id": "B", "item": "pen"})
    s = state()
    t.check("201, order B saved and its event waiting in the outbox",
            r.status_code == 201 and "B" in s.get("orders", []) and s.get("pending") == 1, str(s))
    r = t.post("/relay")
    s = state()
    t.check("a relay pass while the broker is down publishes nothing and keeps the event",
            s.get("pending") == 1 and s.get("broker") == [], f"{r.text} {s}")

    t.step("The broker is back: the next relay pass publishes the event and marks it.")
    broker.up = True
    r = t.post("/relay")
    s = state()
    t.check("event for B published, nothing pending", s.get("broker") == ["B"]
            and s.get("pending") == 0, f"{r.text} {s}")

    t.step("A transaction that fails writes neither: a duplicate order leaves no event.")
    r = t.post("/orders", json={"id": "B", "item": "pen again"})
    s = state()
    t.check("409, and still one outbox row", r.status_code == 409 and s.get("outbox") == 1, str(s))

    t.step("At least once: the relay crashes after publishing C's event, before marking it, so "
           "the next pass publishes it again. The consumer deduplicates by event id.")
    t.post("/orders", json={"id": "C", "item": "ink"})
    relay_faults["crash_after_publish"] = True
    t.post("/relay")
    t.post("/relay")
    s = state()
    r = t.post("/consume")
    t.note("deliveries", s.get("broker"))
    t.check("C was delivered twice", s.get("broker") == ["B", "C", "C"], str(s))
    t.check("yet the consumer acted once per order", r.status_code == 200
            and r.json() == {"deliveries": 3, "emails_sent": 2}, r.text)
