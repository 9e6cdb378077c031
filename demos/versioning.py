"""API versioning: /api/v1 and /api/v2 routers side by side, v1 deprecated with a sunset date.

Run it alone, from the repository's top folder: fastapi dev demos/versioning.py
"""

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Response
from pydantic import BaseModel

USERS = {1: {"first": "Ada", "last": "Lovelace", "email": "ada@example.com"}}


def load_user(user_id: int) -> dict[str, str]:  # the service layer: shared by every version
    if user_id not in USERS:
        raise HTTPException(404, "User not found")
    return USERS[user_id]


class UserV1(BaseModel):
    id: int
    name: str  # v1: one "First Last" field


class UserV2(BaseModel):  # v2 splits the name and adds the email: a breaking change
    id: int
    first_name: str
    last_name: str
    email: str


DEPRECATED_SINCE = datetime(2026, 1, 1, tzinfo=UTC)
SUNSET = datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC)


async def announce_deprecation(response: Response) -> None:
    response.headers["Deprecation"] = f"@{int(DEPRECATED_SINCE.timestamp())}"  # <- RFC 9745
    response.headers["Sunset"] = format_datetime(SUNSET, usegmt=True)  # <- RFC 8594: gone after
    response.headers["Link"] = '</api/v2/users>; rel="successor-version"'


v1 = APIRouter(tags=["v1"], deprecated=True,  # <- every v1 operation is marked in /docs
               dependencies=[Depends(announce_deprecation)])  # <- and every v1 response says so
v2 = APIRouter(tags=["v2"])


@v1.get("/users/{user_id}")
async def get_user_v1(user_id: int) -> UserV1:
    user = load_user(user_id)
    return UserV1(id=user_id, name=f"{user['first']} {user['last']}")


@v2.get("/users/{user_id}")
async def get_user_v2(user_id: int) -> UserV2:
    user = load_user(user_id)
    return UserV2(id=user_id, first_name=user["first"], last_name=user["last"], email=user["email"])


app = FastAPI(title="Versioning demo")
app.include_router(v1, prefix="/api/v1")  # <- one router per version, mounted under its prefix
app.include_router(v2, prefix="/api/v2")  # (the source's `include router(v2 router` fixed)


# The alternative: one URL, the version in a header (clean URLs, but harder to test and cache).
@app.get("/api/users/{user_id}")
async def get_user(user_id: int, response: Response,
                   accept_version: Annotated[Literal["1", "2"], Header()] = "2") -> UserV1 | UserV2:
    response.headers["Vary"] = "Accept-Version"  # <- caches must key on the header
    return await (get_user_v1 if accept_version == "1" else get_user_v2)(user_id)


# --- tour ---

from email.utils import parsedate_to_datetime  # noqa: E402

DEPRECATION = ["deprecation", "sunset", "link", "accept-version", "vary"]


def tour(t):
    t.step("The same user from v1 and from v2: two shapes, one service layer underneath.")
    old = t.get("/api/v1/users/1", show_headers=DEPRECATION)
    new = t.get("/api/v2/users/1", show_headers=DEPRECATION)
    t.check("v1: {id, name}", old.status_code == 200
            and old.json() == {"id": 1, "name": "Ada Lovelace"}, old.text)
    t.check("v2: {id, first_name, last_name, email}", new.status_code == 200 and new.json()
            == {"id": 1, "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
            new.text)
    gone = t.get("/api/v3/users/1")
    t.check("a version that does not exist: 404", gone.status_code == 404)

    t.step("v1 answers with Deprecation and Sunset headers, set by a router-level dependency.")
    deprecation = old.headers.get("deprecation", "")
    sunset = old.headers.get("sunset", "")
    t.check("Deprecation: @<unix time> on v1, absent on v2",
            deprecation.startswith("@") and "deprecation" not in new.headers, deprecation)
    since = datetime.fromtimestamp(int(deprecation[1:] or 0), tz=UTC)
    ends = parsedate_to_datetime(sunset) if sunset else since
    t.note("deprecated since / sunset", f"{since:%Y-%m-%d} / {ends:%Y-%m-%d}")
    t.check("Sunset is an HTTP date after the deprecation date", ends > since, sunset)
    t.check("Link points clients to the successor version",
            'rel="successor-version"' in old.headers.get("link", ""))

    t.step("In /openapi.json, v1 operations are deprecated (struck through in /docs); v2 is not.")
    paths = t.client.get("/openapi.json").json().get("paths", {})
    v1_op = paths.get("/api/v1/users/{user_id}", {}).get("get", {})
    v2_op = paths.get("/api/v2/users/{user_id}", {}).get("get", {})
    t.note("operations", "\n".join(
        f"{method.upper()} {path}  tags={op.get('tags')}  deprecated={op.get('deprecated', False)}"
        for path, ops in paths.items() for method, op in ops.items()))
    t.check("v1: deprecated, tagged v1", v1_op.get("deprecated") is True
            and v1_op.get("tags") == ["v1"], str(v1_op.get("deprecated")))
    t.check("v2: not deprecated, tagged v2", not v2_op.get("deprecated")
            and v2_op.get("tags") == ["v2"], str(v2_op.get("deprecated")))

    t.step("Header versioning, briefly: one URL, Accept-Version picks the shape.")
    as_v1 = t.get("/api/users/1", headers={"Accept-Version": "1"}, show_headers=DEPRECATION)
    latest = t.get("/api/users/1", show_headers=DEPRECATION)
    unknown = t.get("/api/users/1", headers={"Accept-Version": "3"}, show_headers=DEPRECATION)
    t.check("Accept-Version: 1 gives the v1 shape", as_v1.json() == old.json(), as_v1.text)
    t.check("no header gives the latest (v2)", latest.json() == new.json(), latest.text)
    t.check("an unknown version is rejected: 422", unknown.status_code == 422, str(unknown.status_code))
    t.check("Vary: Accept-Version, so caches keep the versions apart",
            latest.headers.get("vary") == "Accept-Version")
