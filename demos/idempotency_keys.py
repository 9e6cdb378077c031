"""Idempotency keys: a retried POST replays the stored response; another body 422, one in flight 409.

Run it alone, from the repository's top folder: fastapi dev demos/idempotency_keys.py
"""

import hashlib
import threading
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, Field

app = FastAPI(title="Idempotency keys demo")


class Payment(BaseModel):
    account: str
    amount: int = Field(gt=0)


store: dict[tuple[str, str], dict] = {}  # (account, key) -> fingerprint, done, the response
claim_lock = threading.Lock()  # stands in for INSERT under a unique constraint, or SET NX
charges: list[dict] = []  # the side effect that must happen once
gate = threading.Event()
gate.set()  # the tour clears it to hold a charge in flight
in_flight: list[str] = []


def charge(payment: Payment, key: str) -> dict:
    in_flight.append(key)
    gate.wait(30)  # a slow payment provider
    charges.append(payment.model_dump())
    in_flight.remove(key)
    return {"id": len(charges), **payment.model_dump()}


@app.post("/payments", status_code=201)
def create_payment(payment: Payment, response: Response,
                   idempotency_key: Annotated[str | None, Header()] = None):
    if not idempotency_key:
        raise HTTPException(400, "An Idempotency-Key header is required")
    key = (payment.account, idempotency_key)  # <- keys are scoped to the client
    fingerprint = hashlib.sha256(payment.model_dump_json().encode()).hexdigest()
    with claim_lock:
        entry = store.get(key)  # <- look the key up before doing anything
        claimed = entry is None
        if claimed:
            store[key] = entry = {"fingerprint": fingerprint, "done": False}  # <- claimed first
    if not claimed:
        if entry["fingerprint"] != fingerprint:  # <- same key, another request
            raise HTTPException(422, "This Idempotency-Key was used with a different body")
        if not entry["done"]:
            raise HTTPException(409, "A request with this Idempotency-Key is in progress")
        response.headers["Idempotent-Replayed"] = "true"
        return entry["body"]  # <- the stored response, not a second charge
    body = charge(payment, idempotency_key)
    entry.update(done=True, body=body)
    return body


@app.get("/charges")
def get_charges() -> dict:
    return {"charges": charges, "in_flight": list(in_flight)}


# --- tour ---


def tour(t):
    import time
    from concurrent.futures import ThreadPoolExecutor

    pay = {"account": "acme", "amount": 100}
    show = ["idempotency-key", "idempotent-replayed"]

    t.step("A POST without a key is refused: the server could not tell a retry from a new payment.")
    r = t.post("/payments", json=pay)
    t.check("no Idempotency-Key: 400", r.status_code == 400, str(r.status_code))

    t.step("The first POST charges; the client times out and retries with the same key: the "
           "stored response comes back and nothing is charged twice.")
    first = t.post("/payments", json=pay, headers={"Idempotency-Key": "k-1"}, show_headers=show)
    retry = t.post("/payments", json=pay, headers={"Idempotency-Key": "k-1"}, show_headers=show)
    t.check("the retry got the same 201 and body", first.status_code == retry.status_code == 201
            and retry.json() == first.json(), f"{first.text} / {retry.text}")
    t.check("marked as a replay", retry.headers.get("idempotent-replayed") == "true",
            str(dict(retry.headers)))
    r = t.get("/charges")
    t.check("charged once", len(r.json().get("charges", [])) == 1, r.text)

    t.step("The same key with another body is a client bug, not a retry: 422.")
    r = t.post("/payments", json={**pay, "amount": 250}, headers={"Idempotency-Key": "k-1"})
    t.check("key reused with a different amount: 422", r.status_code == 422, r.text)

    t.step("Keys belong to one client: another account's k-1 is a new payment.")
    r = t.post("/payments", json={**pay, "account": "globex"}, headers={"Idempotency-Key": "k-1"})
    t.check("globex's k-1 charged", r.status_code == 201 and r.json().get("account") == "globex",
            r.text)

    t.step("A retry while the first attempt is still running gets 409, not a second charge.")
    gate.clear()
    burst = ThreadPoolExecutor(max_workers=2)
    try:
        a = burst.submit(t.client.post, "/payments", json=pay, headers={"Idempotency-Key": "k-2"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the server's own record: k-2 is being charged
            s = t.client.get("/charges")
            if s.status_code != 200 or "k-2" in s.json().get("in_flight", []):
                break
            time.sleep(0.01)
        b = burst.submit(t.client.post, "/payments", json=pay, headers={"Idempotency-Key": "k-2"})
        deadline = time.monotonic() + 20
        while not b.done() and time.monotonic() < deadline:  # answered, or charging a second time
            s = t.client.get("/charges")
            if s.status_code != 200 or s.json().get("in_flight") == ["k-2", "k-2"]:
                break
            time.sleep(0.01)
    finally:
        gate.set()
    ra, rb = a.result(timeout=60), b.result(timeout=60)
    burst.shutdown()
    t.record(rb)
    t.check("the concurrent retry: 409", rb.status_code == 409, rb.text)
    t.check("the first attempt: 201", ra.status_code == 201, ra.text)
    r = t.get("/charges")
    t.check("k-2 charged once: three charges in all", len(r.json().get("charges", [])) == 3,
            r.text)
