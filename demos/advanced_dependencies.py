"""Class-based and parameterised dependencies, Security with scopes, and a dependency's `scope`.

Run it alone, from the repository's top folder: fastapi dev demos/advanced_dependencies.py
"""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

events: list[str] = []  # the server's own record, in order
scope_calls: list[list[str]] = []  # the scopes each call of current_user was asked for


class Pagination:
    """A class as a dependency: FastAPI reads __init__'s parameters as query parameters."""

    def __init__(self, limit: Annotated[int, Query(ge=1, le=100)] = 10,
                 offset: Annotated[int, Query(ge=0)] = 0) -> None:
        self.limit, self.offset = limit, offset


class RequireRole:
    """A parameterised dependency: configured once, called per request through __call__."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __call__(self, role: str = "guest") -> str:  # <- FastAPI reads __call__'s parameters
        if role != self.role:
            raise HTTPException(status_code=403, detail=f"needs role {self.role}")
        return role


SCOPES = {"items:read": "Read items", "items:write": "Write items", "audit": "Write the audit log"}
oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes=SCOPES)
TOKENS = {"reader-token": ["items:read"], "writer-token": ["items:read", "items:write", "audit"]}


def current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2)]) -> str:
    scope_calls.append(list(security_scopes.scopes))  # <- the scopes this use of the dependency needs
    challenge = {"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'}
    granted = TOKENS.get(token)
    if granted is None:
        raise HTTPException(status_code=401, detail="Invalid token", headers=challenge)
    missing = [s for s in security_scopes.scopes if s not in granted]
    if missing:
        raise HTTPException(status_code=403, detail=f"Missing scope {missing[0]}", headers=challenge)
    return token


def per_request_session():
    events.append("request-scoped: enter")
    yield "session"
    events.append("request-scoped: exit")


def per_function_lock():
    events.append("function-scoped: enter")
    yield "lock"
    events.append("function-scoped: exit")


class RecordResponseSent:
    """A pure ASGI middleware that notes when the last byte of each response has been sent."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_and_note(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                events.append("response sent")

        await self.app(scope, receive, send_and_note)


app = FastAPI(title="Advanced dependencies demo")
app.add_middleware(RecordResponseSent)
admin_only = RequireRole("admin")  # <- one instance per configuration


@app.get("/items")
def list_items(page: Annotated[Pagination, Depends()]):  # <- Depends() with no argument: the class itself
    return {"limit": page.limit, "offset": page.offset}


@app.get("/admin/report")
def admin_report(role: Annotated[str, Depends(admin_only)]):
    return {"role": role}


@app.get("/secure/items")
def read_secure(user: Annotated[str, Security(current_user, scopes=["items:read"])]):
    return {"user": user}


@app.post("/secure/items")
def write_secure(
    user: Annotated[str, Security(current_user, scopes=["items:write"])],  # <- scopes per use
    audit: Annotated[str, Security(current_user, scopes=["audit"])],
):
    return {"user": user}


@app.get("/work")
def work(
    session: Annotated[str, Depends(per_request_session)],  # default scope="request"
    lock: Annotated[str, Depends(per_function_lock, scope="function")],  # <- released before the response
):
    events.append("endpoint")
    return {"session": session, "lock": lock}


# --- tour ---


def tour(t):
    t.step("A class as a dependency: Depends() with no argument calls Pagination with the query "
           "parameters of its __init__, validated like any others.")
    r = t.get("/items?limit=5&offset=20")
    t.check("the instance carries limit and offset", r.json() == {"limit": 5, "offset": 20}, r.text)
    r = t.get("/items?limit=500")
    t.check("limit=500 breaks le=100: 422", r.status_code == 422, str(r.status_code))

    t.step("A parameterised dependency: RequireRole('admin') is an instance; FastAPI calls its __call__.")
    r1 = t.get("/admin/report?role=admin")
    r2 = t.get("/admin/report?role=guest")
    t.check("role=admin: 200", r1.status_code == 200, r1.text)
    t.check("role=guest: 403 'needs role admin'",
            r2.status_code == 403 and r2.json().get("detail") == "needs role admin", r2.text)

    t.step("Security(current_user, scopes=[...]): the dependency reads what this use requires from "
           "SecurityScopes and answers 403 with a WWW-Authenticate naming the scopes.")
    scope_calls.clear()
    r = t.get("/secure/items", headers={"Authorization": "Bearer reader-token"})
    t.check("reader-token reads: 200", r.status_code == 200, r.text)
    r = t.post("/secure/items", headers={"Authorization": "Bearer reader-token"},
               show_headers=["www-authenticate"])
    t.check("reader-token writes: 403, WWW-Authenticate: Bearer scope=\"items:write\"",
            r.status_code == 403 and r.headers.get("www-authenticate") == 'Bearer scope="items:write"',
            r.text)
    r = t.get("/secure/items", headers={"Authorization": "Bearer nope"})
    t.check("an unknown token: 401", r.status_code == 401, r.text)

    t.step("The same dependency with other scopes is another dependency: it is not cached across them.")
    scope_calls.clear()
    r = t.post("/secure/items", headers={"Authorization": "Bearer writer-token"})
    t.note("current_user was called with", scope_calls)
    t.check("writer-token: 200, and current_user ran once per scope set",
            r.status_code == 200 and sorted(scope_calls) == [["audit"], ["items:write"]], str(scope_calls))
    spec = t.client.get("/openapi.json").json()
    security = spec["paths"]["/secure/items"]["post"].get("security")
    t.note("OpenAPI security of POST /secure/items", security)
    t.check("OpenAPI lists both scopes for the operation",
            security == [{"OAuth2PasswordBearer": ["items:write", "audit"]}], str(security))

    t.step("A yield dependency's scope: 'function' exits before the response is sent, the default "
           "'request' after it (server record).")
    events.clear()
    r = t.get("/work")
    t.note("server record", events)
    order = {e: i for i, e in enumerate(events)}
    sent = order.get("response sent", -1)
    t.check("function-scoped exit ran before the response was sent",
            -1 < order.get("function-scoped: exit", 99) < sent, str(events))
    t.check("request-scoped exit ran after it", order.get("request-scoped: exit", -1) > sent > -1,
            str(events))

    t.step("A request-scoped dependency cannot depend on a function-scoped one: FastAPI refuses the route.")
    from fastapi import FastAPI as Fresh

    def needs_lock(lock: Annotated[str, Depends(per_function_lock, scope="function")]):
        yield lock

    refused = ""
    try:
        Fresh().get("/x")(lambda dep=Depends(needs_lock): None)
    except Exception as exc:  # fastapi.exceptions.DependencyScopeError
        refused = type(exc).__name__
    t.note("declaring it raised", refused or "nothing")
    t.check("DependencyScopeError at declaration time", refused == "DependencyScopeError", refused)
