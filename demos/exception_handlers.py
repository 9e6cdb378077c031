"""Exception handlers: turn any exception into the HTTP response your clients expect.

Run it alone, from the repository's top folder: fastapi dev demos/exception_handlers.py
"""

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException


class OutOfStock(Exception):  # <- a domain error: the business code knows nothing about HTTP
    def __init__(self, sku: str, wanted: int, available: int):
        super().__init__(f"{sku}: wanted {wanted}, only {available} left")
        self.sku, self.wanted, self.available = sku, wanted, available


app = FastAPI(title="Exception handlers demo")
stock = {"pen": 3}
http_errors: list[str] = []  # what the HTTP handler saw: a stand-in for a log


@app.exception_handler(StarletteHTTPException)  # <- Starlette's class: routing 404/405 too
async def log_http_error(request: Request, exc: StarletteHTTPException):
    http_errors.append(f"{exc.status_code} {request.method} {request.url.path}")
    return await http_exception_handler(request, exc)  # <- reuse FastAPI's default response


@app.exception_handler(OutOfStock)  # <- one place maps the domain error to HTTP
async def out_of_stock(request: Request, exc: OutOfStock):
    return JSONResponse(
        status_code=409,
        content={"error": {"code": "out_of_stock", "sku": exc.sku, "available": exc.available}},
    )


@app.exception_handler(RequestValidationError)  # <- reshape the 422
async def invalid_request(request: Request, exc: RequestValidationError):
    fields = {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}
    return JSONResponse(status_code=422, content={"error": {"code": "invalid", "fields": fields}})


class Order(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


@app.post("/orders", status_code=201)
async def place_order(order: Order):
    if order.sku not in stock:
        raise HTTPException(404, f"no product {order.sku!r}")
    if stock[order.sku] < order.quantity:
        raise OutOfStock(order.sku, order.quantity, stock[order.sku])  # <- just raise it
    stock[order.sku] -= order.quantity
    return {"sku": order.sku, "left": stock[order.sku]}


@app.get("/admin", include_in_schema=False)
async def admin():
    raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})


@app.get("/report")
async def report():
    return {"average": sum([]) / len([])}  # a bug: ZeroDivisionError, handled by nobody


# --- tour ---


def tour(t):
    from fastapi.testclient import TestClient

    stock["pen"] = 3  # the tour can run again
    http_errors.clear()

    t.step("A domain exception raised deep in the code becomes a 409 with its own JSON shape.")
    ok = t.post("/orders", json={"sku": "pen", "quantity": 2})
    r = t.post("/orders", json={"sku": "pen", "quantity": 5})
    error = r.json().get("error", {}) if r.status_code == 409 else {}
    t.check("the first order went through", ok.status_code == 201, ok.text)
    t.check("OutOfStock -> 409 with code, sku and what is left",
            error == {"code": "out_of_stock", "sku": "pen", "available": 1}, r.text)

    t.step("HTTPException goes through the handler, which logs and reuses FastAPI's default.")
    r = t.post("/orders", json={"sku": "ink", "quantity": 1})
    admin = t.get("/admin", show_headers=["www-authenticate"])
    t.check("the default shape {'detail': ...} is kept", r.status_code == 404
            and r.json() == {"detail": "no product 'ink'"}, r.text)
    t.check("and so are the exception's headers",
            admin.status_code == 401 and admin.headers.get("www-authenticate") == "Bearer")
    t.check("the handler saw both", http_errors[:2] == ["404 POST /orders", "401 GET /admin"],
            str(http_errors))

    t.step("Registered on Starlette's HTTPException, it also sees routing errors (404, 405).")
    http_errors.clear()
    t.get("/nowhere")
    t.delete("/orders")
    t.note("the handler saw", http_errors)
    t.check("a URL with no route: 404 through our handler", "404 GET /nowhere" in http_errors)
    t.check("a wrong method: 405 through our handler", "405 DELETE /orders" in http_errors)

    t.step("Registered on fastapi.HTTPException instead, it would miss them; here is the proof.")
    seen = []
    probe = FastAPI()

    @probe.exception_handler(HTTPException)  # FastAPI's subclass, as in the source's example
    async def fastapi_only(request, exc):
        seen.append(exc.status_code)
        return await http_exception_handler(request, exc)

    @probe.get("/items/{item_id}")
    async def item(item_id: int):
        raise HTTPException(404, "no such item")

    with TestClient(probe) as client:
        client.get("/items/1")
        missing = client.get("/nowhere")
    t.note("fastapi.HTTPException handler saw", seen)
    t.check("it saw the endpoint's 404 but not the router's", seen == [404]
            and missing.status_code == 404, str(seen))
    t.note("why", "the router raises starlette.exceptions.HTTPException, the parent class: "
           "a handler for the subclass never matches it")

    t.step("RequestValidationError's handler reshapes the 422.")
    r = t.post("/orders", json={"sku": "pen", "quantity": 0})
    fields = r.json().get("error", {}).get("fields", {}) if r.status_code == 422 else {}
    t.check("422 in our shape, naming the field", list(fields) == ["body.quantity"], r.text)

    t.step("An exception nobody handles becomes a bare 500: no traceback leaks to the client.")
    with TestClient(t.app, raise_server_exceptions=False) as lax:  # TestClient re-raises by default
        r = t.record(lax.get("/report"))
    t.check("500 Internal Server Error", r.status_code == 500, r.text)
    t.check("the body says nothing about the bug", r.text == "Internal Server Error"
            and "ZeroDivision" not in r.text, r.text)
