"""Multi-tenancy: the tenant from the verified token, every query scoped by a dependency, 404 across tenants.

Run it alone, from the repository's top folder: fastapi dev demos/multi_tenancy.py
"""

from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

SECRET = "demo-secret-change-me-0123456789abcdef"  # from settings in a real app
app = FastAPI(title="Multi-tenancy demo")
bearer = HTTPBearer()

invoices = [  # one shared table, a tenant_id on every row
    {"id": 1, "tenant_id": "acme", "amount": 100},
    {"id": 2, "tenant_id": "acme", "amount": 250},
    {"id": 3, "tenant_id": "globex", "amount": 999},
]
summary_cache: dict[tuple, dict] = {}


def current_tenant(request: Request,
                   creds: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
    try:
        claims = jwt.decode(creds.credentials, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401, "Invalid token", headers={"WWW-Authenticate": "Bearer"}) from None
    request.state.tenant = claims["tenant"]  # for logs and metrics
    return claims["tenant"]  # <- the tenant comes from the verified token, never from the client


class TenantRepo:
    """Every query goes through here, and every query is scoped to one tenant."""

    def __init__(self, tenant: Annotated[str, Depends(current_tenant)]) -> None:
        self.tenant = tenant

    def list(self) -> list[dict]:
        return [i for i in invoices if i["tenant_id"] == self.tenant]  # <- scoped

    def get(self, invoice_id: int) -> dict | None:
        return next((i for i in self.list() if i["id"] == invoice_id), None)  # <- scoped too

    def add(self, amount: int) -> dict:
        invoice = {"id": len(invoices) + 1, "tenant_id": self.tenant, "amount": amount}
        invoices.append(invoice)
        return invoice


Repo = Annotated[TenantRepo, Depends()]


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no tenant_id in a body
    amount: int


@app.get("/invoices")
def list_invoices(repo: Repo):
    return repo.list()


@app.get("/invoices/{invoice_id}")
def read_invoice(invoice_id: int, repo: Repo):
    invoice = repo.get(invoice_id)
    if invoice is None:
        raise HTTPException(404, "Invoice not found")  # <- the same answer as for no such id
    return invoice


@app.post("/invoices", status_code=201)
def create_invoice(data: InvoiceIn, repo: Repo):
    return repo.add(data.amount)


@app.get("/summary")
def summary(repo: Repo):
    key = (repo.tenant, "summary")  # <- a cache key always holds the tenant
    if key not in summary_cache:
        rows = repo.list()
        summary_cache[key] = {"count": len(rows), "total": sum(i["amount"] for i in rows)}
    return summary_cache[key]


# --- tour ---


def tour(t):
    def auth(user, tenant, secret=SECRET):
        token = jwt.encode({"sub": user, "tenant": tenant}, secret, algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    alice, bob = auth("alice", "acme"), auth("bob", "globex")

    t.step("alice belongs to acme (a claim of her signed token): she sees acme's invoices only.")
    r = t.get("/invoices", headers=alice)
    t.check("acme's two invoices, none of globex's",
            r.status_code == 200 and [i["id"] for i in r.json()] == [1, 2], r.text)

    t.step("alice asks for globex's invoice 3 by id: the answer is the one for an id that does "
           "not exist, so she cannot even learn that it exists.")
    other = t.get("/invoices/3", headers=alice)
    missing = t.get("/invoices/99", headers=alice)
    t.check("404 for another tenant's invoice", other.status_code == 404, other.text)
    t.check("the same status and body as for a missing id",
            (other.status_code, other.text) == (missing.status_code, missing.text),
            f"{other.text} / {missing.text}")

    t.step("A client cannot pick its tenant: an X-Tenant-ID header is not read, and a body with "
           "tenant_id is refused.")
    r = t.get("/invoices", headers={**alice, "X-Tenant-ID": "globex"})
    t.check("with X-Tenant-ID: globex, still acme's invoices",
            r.status_code == 200 and {i["tenant_id"] for i in r.json()} == {"acme"}, r.text)
    r = t.post("/invoices", headers=alice, json={"amount": 5, "tenant_id": "globex"})
    t.check("a tenant_id in the body: 422", r.status_code == 422, r.text)
    r = t.post("/invoices", headers=alice, json={"amount": 5})
    t.check("created under alice's tenant", r.status_code == 201
            and r.json().get("tenant_id") == "acme", r.text)

    t.step("Caches are shared by every tenant: the key must hold the tenant.")
    a = t.get("/summary", headers=alice)
    b = t.get("/summary", headers=bob)
    t.check("bob gets globex's summary, not acme's cached one",
            b.status_code == 200 and b.json() == {"count": 1, "total": 999}, f"{a.text} / {b.text}")

    t.step("A token signed with another key claims tenant globex: 401.")
    r = t.get("/invoices", headers=auth("mallory", "globex", secret="x" * 32))
    t.check("forged token: 401", r.status_code == 401, r.text)
