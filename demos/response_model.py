"""response_model: the output contract, filtering and validating what an endpoint returns.

Run it alone, from the repository's top folder: fastapi dev demos/response_model.py
"""

from fastapi import FastAPI
from pydantic import BaseModel, EmailStr

app = FastAPI(title="response_model demo")


class UserOut(BaseModel):  # what the client gets back: no password field at all
    username: str
    email: EmailStr
    full_name: str | None = None


class UserIn(UserOut):  # what the client sends: the same fields plus the password
    password: str


class Item(BaseModel):
    name: str
    price: float
    description: str | None = None
    tax: float = 10.5
    tags: list[str] = []


USERS: dict[str, UserIn] = {}
ITEMS = {"foo": {"name": "Foo", "price": 50.2}, "bar": {"name": "Bar", "price": 62, "tax": 20.2}}


@app.post("/users", response_model=UserOut, status_code=201)  # <- the filter
async def create_user(user: UserIn):
    USERS[user.username] = user  # kept with its password (hash it in real life: see auth)
    return user  # <- the full object, password included: response_model strips it


@app.get("/users/{username}")
async def read_user(username: str) -> UserOut:  # <- return annotation = response_model
    return USERS[username]  # a UserIn, password and all: filtered down to UserOut


@app.get("/items/{item_id}", response_model=Item, response_model_exclude_unset=True)  # <-
async def read_item(item_id: str):
    return ITEMS[item_id]  # only the fields that were set: defaults are left out


@app.get("/broken", response_model=UserOut)
async def broken():
    return {"username": "ghost"}  # <- no email: fails the output contract, 500 not bad data


# --- tour ---


def tour(t):
    from fastapi.exceptions import ResponseValidationError
    from fastapi.testclient import TestClient

    t.step("POST a UserIn with a password; the endpoint returns it all; response_model=UserOut "
           "drops the password.")
    new = {"username": "ada", "email": "ada@example.com", "password": "s3cret!", "full_name": "Ada"}
    try:
        r = t.post("/users", json=new)
        body = r.json() if r.status_code == 201 else {}
        t.check("201 and the user's public fields", body.get("username") == "ada", r.text)
        t.check("no password in the output", "password" not in body and "s3cret!" not in r.text,
                r.text)
        returned = USERS.get("ada")
        t.check("yet the object the endpoint returned has it",
                getattr(returned, "password", None) == "s3cret!", repr(returned))

        t.step("A return-type annotation (-> UserOut) is the response_model too.")
        r = t.get("/users/ada")
        public = {"username", "email", "full_name"}
        t.check("200, exactly the UserOut fields",
                r.status_code == 200 and set(r.json()) == public, r.text)
    finally:
        USERS.pop("ada", None)

    t.step("The OpenAPI schema documents the output model: clients never see a password field.")
    schemas = t.client.get("/openapi.json").json().get("components", {}).get("schemas", {})
    out_fields = sorted(schemas.get("UserOut", {}).get("properties", {}))
    in_fields = sorted(schemas.get("UserIn", {}).get("properties", {}))
    t.note("UserIn fields (request)", in_fields)
    t.note("UserOut fields (response)", out_fields)
    t.check("the response schema has no password",
            out_fields == ["email", "full_name", "username"] and "password" in in_fields)

    t.step("response_model_exclude_unset=True: defaults that were never set are left out.")
    foo = t.get("/items/foo").json()
    bar = t.get("/items/bar").json()
    t.check("foo: only name and price (tax's default 10.5 is not sent)",
            foo == {"name": "Foo", "price": 50.2}, str(foo))
    t.check("bar: its tax was set, so it is sent",
            bar == {"name": "Bar", "price": 62.0, "tax": 20.2}, str(bar))

    t.step("Output validation: data that does not fit the model is a server bug, so a 500.")
    with TestClient(t.app, raise_server_exceptions=False) as client:  # a client that shows the 500
        r = t.record(client.get("/broken"))
    t.check("the client gets 500 Internal Server Error, not the broken data",
            r.status_code == 500 and "ghost" not in r.text, f"{r.status_code} {r.text}")
    errors = []
    try:
        with TestClient(t.app) as strict:  # raise_server_exceptions=True: the server's exception
            strict.get("/broken")
    except ResponseValidationError as exc:
        errors = exc.errors()
    t.note("ResponseValidationError.errors()", [(e["type"], e["loc"]) for e in errors])
    t.check("the server raised ResponseValidationError: email is missing",
            [(e["type"], e["loc"][-1]) for e in errors] == [("missing", "email")], str(errors))
