"""OpenAPI for generated clients: operation ids, typed errors, callbacks, webhooks.

Run it alone, from the repository's top folder: fastapi dev demos/openapi_clients.py
Then generate a client, e.g.: npx @hey-api/openapi-ts -i http://127.0.0.1:8000/openapi.json -o client
"""

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.routing import APIRoute
from pydantic import BaseModel, HttpUrl


def operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"  # <- "invoices-create_invoice": the client's method name


class Invoice(BaseModel):
    id: str
    customer: str
    total: float


class InvoiceIn(BaseModel):
    customer: str
    total: float
    callback_url: HttpUrl | None = None  # where we POST the "invoice paid" event


class Message(BaseModel):
    detail: str


class InvoicePaid(BaseModel):
    id: str
    paid: bool


class Subscription(BaseModel):
    customer: str
    plan: str


# The request this API makes to the client's callback_url: documented, never served here.
invoice_callbacks = APIRouter()


@invoice_callbacks.post("{$callback_url}/invoices/{$request.body.id}", response_model=None)  # <-
def invoice_paid(body: InvoicePaid):
    pass


app = FastAPI(title="Invoices API", generate_unique_id_function=operation_id)  # <-
INVOICES: dict[str, Invoice] = {"inv-1": Invoice(id="inv-1", customer="ACME", total=99.5)}


@app.get("/invoices/{invoice_id}", tags=["invoices"], responses={404: {"model": Message}})  # <- typed error
def read_invoice(invoice_id: str) -> Invoice:
    if invoice_id not in INVOICES:
        raise HTTPException(status_code=404, detail="Invoice not found")
    return INVOICES[invoice_id]


@app.post("/invoices", tags=["invoices"], callbacks=invoice_callbacks.routes)  # <- documents the callback
def create_invoice(invoice: InvoiceIn) -> Invoice:
    new = Invoice(id=f"inv-{len(INVOICES) + 1}", customer=invoice.customer, total=invoice.total)
    INVOICES[new.id] = new
    return new


@app.webhooks.post("new-subscription")  # <- OpenAPI 3.1 `webhooks`: what we send, to a URL set elsewhere
def new_subscription(body: Subscription):
    pass


# --- tour ---


def tour(t):
    import warnings

    spec = t.client.get("/openapi.json").json()
    paths = spec.get("paths", {})

    t.step("Operation ids become the generated client's method names: generate_unique_id_function gives "
           "'invoices-read_invoice' instead of the default 'read_invoice_invoices__invoice_id__get'.")
    ids = sorted(op.get("operationId", "") for item in paths.values() for op in item.values())
    t.note("operationIds", ids)
    t.check("tag-name operation ids", ids == ["invoices-create_invoice", "invoices-read_invoice"], str(ids))
    plain = FastAPI()
    plain.get("/invoices/{invoice_id}")(read_invoice)
    default = plain.openapi()["paths"]["/invoices/{invoice_id}"]["get"]["operationId"]
    t.note("FastAPI's default for the same route", default)
    t.check("the default is name + path + method", default == "read_invoice_invoices__invoice_id__get",
            default)

    t.step("Two operations with the same id break a generated client: FastAPI warns when it builds "
           "the schema.")
    clash = FastAPI(generate_unique_id_function=operation_id)
    clash.get("/v1/invoices/{invoice_id}", tags=["invoices"])(read_invoice)
    clash.get("/v2/invoices/{invoice_id}", tags=["invoices"])(read_invoice)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clash.openapi()
    said = [str(w.message).split(" for ")[0] for w in caught]
    t.note("warnings", said)
    t.check("'Duplicate Operation ID invoices-read_invoice'",
            said == ["Duplicate Operation ID invoices-read_invoice"], str(said))

    t.step("Errors are typed for the client too: responses={404: {'model': Message}}.")
    not_found = paths.get("/invoices/{invoice_id}", {}).get("get", {}).get("responses", {}).get("404", {})
    ref = not_found.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    t.check("the 404 response refers to the Message schema", ref == "#/components/schemas/Message",
            str(not_found))
    r = t.get("/invoices/nope")
    t.check("and the app answers in that shape",
            r.status_code == 404 and r.json() == {"detail": "Invoice not found"})

    t.step("Callbacks document a request *we* make to the client's URL; nothing is served at that path.")
    callbacks = paths.get("/invoices", {}).get("post", {}).get("callbacks", {})
    t.note("callbacks of POST /invoices", {k: list(v) for k, v in callbacks.items()})
    expression = callbacks.get("invoice_paid", {})
    t.check("the callback is under the operation, keyed by its runtime expression",
            "{$callback_url}/invoices/{$request.body.id}" in expression
            and "post" in expression.get("{$callback_url}/invoices/{$request.body.id}", {}), str(callbacks))
    t.check("it is not a path of this API", not any("callback" in p for p in paths), str(list(paths)))

    t.step("Webhooks (OpenAPI 3.1): events we send to a URL registered out of band, not tied to one "
           "operation.")
    webhooks = spec.get("webhooks", {})
    t.note("openapi", spec.get("openapi"))
    t.check("the document is OpenAPI 3.1", str(spec.get("openapi", "")).startswith("3.1"))
    t.check("webhooks['new-subscription'].post is documented with its body",
            "requestBody" in webhooks.get("new-subscription", {}).get("post", {}), str(webhooks)[:200])
    r = t.post("/new-subscription", json={"customer": "ACME", "plan": "pro"})
    t.check("and it is not an endpoint of the app: 404", r.status_code == 404, str(r.status_code))
