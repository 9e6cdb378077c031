"""Role-based access control: roles in JWT claims, checked per endpoint by a dependency factory.

Run it alone, from the repository's top folder: fastapi dev demos/rbac.py
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt  # PyJWT
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

SECRET_KEY = "change-me: load it from settings, never from code"
ALGORITHM = "HS256"

app = FastAPI(title="RBAC demo")
bearer = HTTPBearer()  # <- no or malformed Authorization header: 401


class User(BaseModel):
    username: str
    roles: list[str]


def create_token(username: str, roles: list[str], minutes: int = 30) -> str:
    """Issued at login (see the auth demo for passwords): the roles travel inside the token."""
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    claims = {"sub": username, "roles": roles, "exp": expires}  # <- roles are a claim
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def get_current_user(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> User:
    try:
        claims = jwt.decode(credentials.credentials, SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.InvalidTokenError:  # bad signature, expired, malformed...
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid or expired token",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    return User(username=claims["sub"], roles=claims.get("roles", []))


def require_role(role: str):  # <- a dependency factory: one checker per role
    def check_role(user: Annotated[User, Depends(get_current_user)]) -> User:
        if role not in user.roles:
            raise HTTPException(status_code=status.HTTP_403_FORBIDDEN,  # <- known, not allowed
                                detail=f"Requires role '{role}'")
        return user

    return check_role


@app.get("/me")
async def me(user: Annotated[User, Depends(get_current_user)]) -> User:  # any signed-in user
    return user


@app.get("/reports")
async def reports(user: Annotated[User, Depends(require_role("analyst"))]):  # <- per endpoint
    return {"reports": ["q1", "q2"], "for": user.username}


@app.delete("/users/{username}", dependencies=[Depends(require_role("admin"))])  # <- admin only
async def delete_user(username: str):
    return {"deleted": username}


# --- tour ---


def tour(t):
    admin = create_token("alice", ["admin", "analyst"])
    user = create_token("bob", ["user"])
    as_user = {"Authorization": f"Bearer {user}"}
    as_admin = {"Authorization": f"Bearer {admin}"}

    t.step("The roles are claims inside the signed JWT (PyJWT): anyone can read them, nobody can "
           "change them without the key.")
    t.note("bob's token", user)
    t.note("its claims", jwt.decode(user, options={"verify_signature": False}))

    t.step("No token at all: 401 Unauthorized, with WWW-Authenticate: Bearer.")
    r = t.delete("/users/carol", show_headers=["www-authenticate"])
    t.check("401 without a token (FastAPI 0.122+: 401, not 403)", r.status_code == 401,
            str(r.status_code))
    t.check("the challenge header is there", r.headers.get("www-authenticate") == "Bearer")

    t.step("bob is signed in, but his role is 'user': the admin route answers 403 Forbidden.")
    r = t.get("/me", headers=as_user, show_headers=["authorization"])
    t.check("his token is valid: /me is 200",
            r.status_code == 200 and r.json().get("roles") == ["user"], r.text)
    r = t.delete("/users/carol", headers=as_user)
    t.check("admin route with role user: 403", r.status_code == 403, str(r.status_code))
    r = t.get("/reports", headers=as_user)
    t.check("analyst route with role user: 403", r.status_code == 403, str(r.status_code))

    t.step("alice carries the admin and analyst roles: both routes let her through.")
    r = t.delete("/users/carol", headers=as_admin)
    t.check("admin route with role admin: 200",
            r.status_code == 200 and r.json() == {"deleted": "carol"}, r.text)
    r = t.get("/reports", headers=as_admin)
    t.check("analyst route: 200", r.status_code == 200, str(r.status_code))

    t.step("Forging the role does not work: the signature no longer matches, so 401.")
    guess = "an attacker's guess at the secret key"
    forged = jwt.encode({"sub": "bob", "roles": ["admin"]}, guess, algorithm=ALGORITHM)
    r = t.delete("/users/carol", headers={"Authorization": f"Bearer {forged}"})
    t.check("a token signed with another key: 401", r.status_code == 401, str(r.status_code))
    expired = create_token("alice", ["admin"], minutes=-1)
    r = t.delete("/users/carol", headers={"Authorization": f"Bearer {expired}"})
    t.check("an expired admin token: 401", r.status_code == 401, str(r.status_code))
