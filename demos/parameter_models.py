"""Parameter models for query, header, cookie and form; Body(embed=True); the Response parameter.

Run it alone, from the repository's top folder: fastapi dev demos/parameter_models.py
"""

from typing import Annotated, Literal

from fastapi import Body, Cookie, FastAPI, Form, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")  # <- an unknown (or misspelled) query parameter is a 422

    limit: int = Field(10, gt=0, le=100)
    order_by: Literal["created", "updated"] = "created"
    tags: list[str] = []


class TenantHeaders(BaseModel):
    x_tenant_id: str  # read from the X-Tenant-Id header: underscores become hyphens
    x_request_id: str | None = None


class Preferences(BaseModel):
    session_id: str
    theme: Literal["light", "dark"] = "light"


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3)
    password: str = Field(min_length=8)


class Item(BaseModel):
    name: str
    price: float


app = FastAPI(title="Parameter models demo")


@app.get("/items")
def list_items(filters: Annotated[Filters, Query()]):  # <- one model for all the query parameters
    return filters


@app.get("/tenant")
def tenant(headers: Annotated[TenantHeaders, Header()]):  # <- a header model
    return headers


@app.get("/preferences")
def preferences(cookies: Annotated[Preferences, Cookie()]):  # <- a cookie model
    return cookies


@app.post("/signup")
def signup(form: Annotated[SignUp, Form()]):  # <- an HTML form as a model
    return {"username": form.username}


@app.post("/items/bare")
def create_bare(item: Item):  # one body model: the JSON body *is* the item
    return item


@app.post("/items/embedded")
def create_embedded(item: Annotated[Item, Body(embed=True)]):  # <- the body is {"item": {...}}
    return item


@app.put("/items/{item_id}", status_code=200)
def upsert(item_id: int, item: Item, response: Response):  # <- a Response to set status, headers, cookies
    created = item_id > 100  # pretend: a new id
    if created:
        response.status_code = 201
    response.headers["Location"] = f"/items/{item_id}"
    response.set_cookie("last_item", str(item_id), httponly=True)
    return item  # still validated and serialized as usual


# --- tour ---


def tour(t):
    t.step("A query parameter model: one validated object, documented as separate query parameters.")
    r = t.get("/items", params={"limit": 5, "order_by": "updated", "tags": ["a", "b"]})
    t.check("the model filled from the query", r.status_code == 200 and r.json() == {
        "limit": 5, "order_by": "updated", "tags": ["a", "b"]}, r.text)
    typo = t.get("/items", params={"limti": 5})
    kinds = [e["type"] for e in typo.json().get("detail", [])] if typo.status_code == 422 else []
    t.check("?limti=5 (a typo): 422 extra_forbidden instead of a silent default",
            kinds == ["extra_forbidden"], typo.text)
    spec = t.client.get("/openapi.json").json()
    params = spec.get("paths", {}).get("/items", {}).get("get", {}).get("parameters", [])
    t.note("OpenAPI parameters of GET /items", [(p["name"], p["in"]) for p in params])
    listed = [(p["name"], p["in"]) for p in params]
    t.check("OpenAPI lists limit, order_by and tags as query parameters",
            listed == [("limit", "query"), ("order_by", "query"), ("tags", "query")], str(listed))

    t.step("Header and cookie models work the same way; header names get hyphens.")
    r = t.get("/tenant", headers={"X-Tenant-Id": "acme"})
    t.check("X-Tenant-Id filled x_tenant_id",
            r.status_code == 200 and r.json().get("x_tenant_id") == "acme", r.text)
    r = t.get("/preferences", headers={"Cookie": "session_id=s-1; theme=dark"})
    t.check("cookies filled the model", r.json() == {"session_id": "s-1", "theme": "dark"}, r.text)

    t.step("A form model validates an HTML form (application/x-www-form-urlencoded).")
    r = t.post("/signup", data={"username": "ada", "password": "correct horse"})
    t.check("a valid form: 200", r.status_code == 200 and r.json() == {"username": "ada"}, r.text)
    r = t.post("/signup", data={"username": "ada", "password": "short"})
    t.check("a short password: 422", r.status_code == 422, r.text)

    t.step("One body model is the whole body; Body(embed=True) expects it under its name.")
    item = {"name": "Pen", "price": 1.5}
    bare = [t.post("/items/bare", json=item).status_code,
            t.post("/items/bare", json={"item": item}).status_code]
    embedded = [t.post("/items/embedded", json={"item": item}).status_code,
                t.post("/items/embedded", json=item).status_code]
    t.note("bare: {...} / {'item': {...}}", bare)
    t.note("embedded: {'item': {...}} / {...}", embedded)
    t.check("bare takes the item itself, not wrapped", bare == [200, 422], str(bare))
    t.check("embed=True takes {'item': {...}}, not the bare item", embedded == [200, 422], str(embedded))

    t.step("A Response parameter sets the status, headers and cookies while the endpoint returns data.")
    r = t.put("/items/101", json=item, show_headers=["location", "set-cookie"])
    t.check("a new id: 201 with Location and the cookie",
            r.status_code == 201 and r.headers.get("location") == "/items/101"
            and "last_item=101" in r.headers.get("set-cookie", ""), str(dict(r.headers)))
    t.check("and the body went through the model", r.json() == item, r.text)
    r = t.put("/items/7", json=item)
    t.check("an existing id: the decorator's 200", r.status_code == 200, str(r.status_code))
