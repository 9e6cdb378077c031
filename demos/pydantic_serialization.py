"""Pydantic v2 serialization in FastAPI: from_attributes, aliases, field_serializer, computed_field, strict.

Run it alone, from the repository's top folder: fastapi dev demos/pydantic_serialization.py
"""

from datetime import datetime
from typing import Annotated

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Strict, computed_field, field_serializer, model_serializer
from pydantic.alias_generators import to_camel


class UserRow:
    """Stands in for an ORM row (SQLAlchemy): attributes, not a dict, and a secret column."""

    def __init__(self, id: int, first_name: str, last_name: str) -> None:
        self.id, self.first_name, self.last_name = id, first_name, last_name
        self.password_hash = "argon2$secret"
        self.created_at = datetime(2026, 1, 2, 3, 4, 5)


class User(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,  # <- firstName on the wire, first_name in Python
        validate_by_name=True,  # <- input accepts first_name as well as firstName
    )

    id: int
    first_name: str
    last_name: str
    created_at: datetime

    @computed_field  # <- part of the output and of the OpenAPI output schema
    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @field_serializer("created_at")  # <- one field's output format (JSON and model_dump)
    def day_only(self, value: datetime) -> str:
        return value.strftime("%Y-%m-%d")


class Page(BaseModel):
    items: list[User]
    total: int

    @model_serializer(mode="wrap")  # <- the whole model's output: here an envelope
    def envelope(self, handler):
        return {"data": handler(self)["items"], "meta": {"total": self.total}}


class Transfer(BaseModel):
    amount: Annotated[int, Strict()]  # <- strict on this field only: "100" is refused
    at: datetime  # lax: an ISO string from JSON becomes a datetime


class StrictTransfer(BaseModel):
    model_config = ConfigDict(strict=True)  # strict on every field, datetime included
    amount: int
    at: datetime


ROWS = {1: UserRow(1, "Ada", "Lovelace"), 2: UserRow(2, "Alan", "Turing")}
app = FastAPI(title="Pydantic serialization demo")


@app.get("/users/{user_id}", response_model=User)  # <- FastAPI validates the row with from_attributes
def read_user(user_id: int):
    return ROWS[user_id]


@app.get("/users", response_model=Page)
def list_users():
    return Page(items=[User.model_validate(r, from_attributes=True) for r in ROWS.values()], total=len(ROWS))


@app.post("/users", response_model=User)
def create_user(user: User):
    return user


@app.post("/transfers")
def transfer(body: Transfer):
    return {"amount": body.amount, "at": body.at}


@app.post("/strict-transfers")
def strict_transfer(body: StrictTransfer):
    return {"amount": body.amount}


# --- tour ---


def tour(t):
    from pydantic import ValidationError

    t.step("Returning an ORM row with response_model=User: FastAPI validates it with from_attributes, "
           "serializes by alias, runs the field serializer and adds the computed field.")
    r = t.get("/users/1")
    body = r.json() if r.status_code == 200 else {}
    t.check("200 with camelCase keys (by_alias is FastAPI's default)",
            r.status_code == 200 and {"firstName", "lastName", "createdAt"} <= set(body), r.text)
    t.check("the secret column is filtered out", "passwordHash" not in body and "password_hash" not in body)
    t.check("@field_serializer wrote the date only", body.get("createdAt") == "2026-01-02", r.text)
    t.check("@computed_field added fullName", body.get("fullName") == "Ada Lovelace", r.text)

    t.step("Outside FastAPI, model_validate(row) needs from_attributes: on the model or on the call.")
    try:
        User.model_validate(ROWS[1])
        refused = "accepted"
    except ValidationError as exc:
        refused = exc.errors()[0]["type"]
    t.note("User.model_validate(row)", refused)
    t.check("without from_attributes the row is refused", refused == "model_type", refused)
    try:
        ok = User.model_validate(ROWS[1], from_attributes=True).first_name
    except ValidationError as exc:  # with an alias generator it reads row.firstName unless validate_by_name
        ok = exc.errors()[0]["type"]
    t.check("with from_attributes=True it validates (validate_by_name: it reads row.first_name)",
            ok == "Ada", ok)

    t.step("Input: the alias is what clients send; validate_by_name also takes the field name.")
    sent = {"id": 3, "lastName": "Hopper", "createdAt": "2026-03-04T00:00:00"}
    by_alias = t.post("/users", json={**sent, "firstName": "Grace"})
    by_name = t.post("/users", json={**sent, "first_name": "Grace"})
    t.check("firstName accepted", by_alias.status_code == 200, by_alias.text)
    t.check("first_name accepted too",
            by_name.status_code == 200 and by_name.json().get("firstName") == "Grace", by_name.text)

    t.step("The OpenAPI schema has separate input and output models: the computed field is output only.")
    schemas = t.client.get("/openapi.json").json()["components"]["schemas"]
    out, inp = schemas.get("User-Output", {}), schemas.get("User-Input", {})
    t.note("schemas", sorted(schemas))
    t.check("fullName is in User-Output and required there",
            "fullName" in out.get("properties", {}) and "fullName" in out.get("required", []), str(out)[:200])
    t.check("and not in User-Input", inp != {} and "fullName" not in inp.get("properties", {}),
            str(inp)[:200])

    t.step("@model_serializer(mode='wrap') reshapes the whole model: an envelope around the list.")
    r = t.get("/users")
    page = r.json() if r.status_code == 200 else {}
    t.check("{'data': [...], 'meta': {'total': 2}}",
            page.get("meta") == {"total": 2} and [u.get("firstName") for u in page.get("data", [])]
            == ["Ada", "Alan"], r.text)

    t.step("Strict mode: Strict() on one field refuses '100'; strict=True on the model also refuses "
           "an ISO datetime string, because FastAPI validates the decoded JSON as Python objects.")
    good = t.post("/transfers", json={"amount": 100, "at": "2026-05-01T12:00:00"})
    coerced = t.post("/transfers", json={"amount": "100", "at": "2026-05-01T12:00:00"})
    whole = t.post("/strict-transfers", json={"amount": 100, "at": "2026-05-01T12:00:00"})
    t.check("amount 100 with an ISO datetime: 200", good.status_code == 200, good.text)
    t.check("amount '100' (a string): 422", coerced.status_code == 422, coerced.text)
    kinds = [e["type"] for e in whole.json().get("detail", [])] if whole.status_code == 422 else []
    t.check("strict=True on the model: the ISO datetime is refused (422, datetime_type)",
            kinds == ["datetime_type"], whole.text)
