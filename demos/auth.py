"""Authentication: HTTP Basic, OAuth2 password flow with JWT, HTTPBearer and an API key, as dependencies.

Run it alone, from the repository's top folder: fastapi dev demos/auth.py

Each scheme is a dependency (not a middleware): it guards only the routes that declare it
and shows up in the OpenAPI docs, where /docs offers an "Authorize" button for it.
"""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
)
from pwdlib import PasswordHash

app = FastAPI(title="Authentication demo")

SECRET_KEY = secrets.token_hex(32)  # in production: read it from settings, never commit it
ALGORITHM = "HS256"
password_hash = PasswordHash.recommended()  # <- pwdlib with Argon2 (passlib is unmaintained)
USERS = {  # a user table: only the Argon2 hash of "secret" is stored, never the password
    "alice": "$argon2id$v=19$m=65536,t=3,p=4$BCb+A4nJucuwizMzYPVauA$"
             "cWkZuwr1D66eYoivyLqKk/FWWALFYgBnpEbKSU2H4EM",
}
DUMMY_HASH = ("$argon2id$v=19$m=65536,t=3,p=4$xbnpQiUxEQSlneLX7v2/iA$"  # checked for unknown
              "nawJwYx1lXkN6maA8weW3G8rcBki6Syw3kGBsMQJn+8")  # users: timing reveals nothing

# --- 1. HTTP Basic ---------------------------------------------------------------------
basic = HTTPBasic()


@app.get("/basic/me")
def basic_me(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]):
    user_ok = secrets.compare_digest(credentials.username.encode(), b"admin")  # <- constant time
    pass_ok = secrets.compare_digest(credentials.password.encode(), b"swordfish")
    if not (user_ok and pass_ok):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password",
                            headers={"WWW-Authenticate": "Basic"})
    return {"user": credentials.username}


# --- 2. OAuth2 password flow + JWT ------------------------------------------------------
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")  # <- reads "Authorization: Bearer ..."


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    stored = USERS.get(form.username)
    if not password_hash.verify(form.password, stored or DUMMY_HASH) or stored is None:  # <-
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    expire = datetime.now(UTC) + timedelta(minutes=15)
    token = jwt.encode({"sub": form.username, "exp": expire}, SECRET_KEY, algorithm=ALGORITHM)
    return {"access_token": token, "token_type": "bearer"}  # <- signed, short-lived


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])  # <- checks sig + exp
    except jwt.InvalidTokenError as exc:  # bad signature, expired, malformed
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials",
                            headers={"WWW-Authenticate": "Bearer"}) from exc
    return payload["sub"]


@app.get("/users/me")
def users_me(user: Annotated[str, Depends(get_current_user)]):
    return {"user": user}


# --- 3. HTTPBearer: the bare "Authorization: Bearer" header, for tokens issued elsewhere ------
bearer = HTTPBearer()  # <- no credentials: 401 since FastAPI 0.122 (it answered 403 before)


@app.get("/bearer/me")
def bearer_me(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {"user": get_current_user(credentials.credentials)}  # the same JWT check


# --- 4. API key in a header -------------------------------------------------------------
api_key_header = APIKeyHeader(name="X-API-Key")  # <- no key: 401 since 0.122 (403 before)
API_KEYS = {"k-123": "billing-service"}


def get_service(key: Annotated[str, Depends(api_key_header)]) -> str:
    if key not in API_KEYS:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid API key",
                            headers={"WWW-Authenticate": "APIKey"})
    return API_KEYS[key]


@app.get("/service/ping")
def service_ping(service: Annotated[str, Depends(get_service)]):
    return {"service": service}


# --- tour ---


def _tamper(token: str) -> str:
    """Swap the payload for one claiming to be admin, keeping the original signature."""
    header, _payload, signature = token.split(".")
    forged = jwt.encode({"sub": "admin"}, "not-the-server-key-" + "x" * 32, algorithm=ALGORITHM)
    return f"{header}.{forged.split('.')[1]}.{signature}"


def _challenged(r, scheme):
    """A 401 that names its scheme: every 401 must say how to authenticate (RFC 9110, 11.6.1)."""
    return r.status_code == 401 and r.headers.get("www-authenticate", "").split(" ")[0] == scheme


def tour(t):
    www = ["authorization", "www-authenticate"]

    t.step("HTTP Basic: no credentials is a 401 challenge; the right ones get in.")
    r = t.get("/basic/me", show_headers=www)
    t.check("401 with WWW-Authenticate: Basic", _challenged(r, "Basic"), str(r.status_code))
    r = t.get("/basic/me", auth=("admin", "wrong"), show_headers=www)
    t.check("a wrong password is a 401 with WWW-Authenticate: Basic", _challenged(r, "Basic"),
            f"{r.status_code} {r.headers.get('www-authenticate')}")
    r = t.get("/basic/me", auth=("admin", "swordfish"), show_headers=www)
    t.check("the right ones: 200", r.status_code == 200 and r.json() == {"user": "admin"}, r.text)

    t.step("OAuth2 password flow: /token checks the Argon2 hash and returns a signed JWT.")
    bad = t.post("/token", data={"username": "alice", "password": "guess"}, show_headers=www)
    t.check("a wrong password gets no token (401, WWW-Authenticate: Bearer)", _challenged(bad, "Bearer")
            and "access_token" not in bad.json(), str(bad.status_code))
    nobody = t.post("/token", data={"username": "mallory", "password": "secret"})
    t.check("an unknown user gets the same 401", _challenged(nobody, "Bearer")
            and nobody.json() == bad.json(), nobody.text)
    r = t.post("/token", data={"username": "alice", "password": "secret"})
    token = r.json().get("access_token", "") if r.status_code == 200 else ""
    t.check("the right password gets a bearer token", bool(token)
            and r.json().get("token_type") == "bearer", r.text)
    claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM]) if token else {}
    t.note("JWT claims (readable by anyone: base64, signed but not encrypted)", claims)
    t.check("the token names alice and expires", claims.get("sub") == "alice" and "exp" in claims)

    t.step("The protected route accepts the token and rejects everything else with 401.")
    r = t.get("/users/me", headers={"Authorization": f"Bearer {token}"}, show_headers=www)
    t.check("a valid token: 200 as alice", r.status_code == 200 and r.json() == {"user": "alice"},
            r.text)
    r = t.get("/users/me", show_headers=www)
    t.check("no token: 401 with WWW-Authenticate: Bearer (OAuth2PasswordBearer always said 401)",
            _challenged(r, "Bearer"), str(r.status_code))
    forged = _tamper(token) if token else "x.y.z"
    r = t.get("/users/me", headers={"Authorization": f"Bearer {forged}"}, show_headers=["www-authenticate"])
    t.check("a tampered token (payload says admin): 401, the signature no longer matches",
            _challenged(r, "Bearer"), f"{r.status_code} {r.headers.get('www-authenticate')}")
    expired = jwt.encode({"sub": "alice", "exp": datetime.now(UTC) - timedelta(minutes=1)},
                         SECRET_KEY, algorithm=ALGORITHM)
    r = t.get("/users/me", headers={"Authorization": f"Bearer {expired}"})
    t.check("an expired token, correctly signed: 401 with WWW-Authenticate: Bearer",
            _challenged(r, "Bearer"), f"{r.status_code} {r.headers.get('www-authenticate')}")

    t.step("HTTPBearer reads the same header; with none it answers 401 since FastAPI 0.122 (403 before).")
    r = t.get("/bearer/me", show_headers=www)
    t.check("no credentials: 401 with WWW-Authenticate: Bearer", _challenged(r, "Bearer"),
            str(r.status_code))
    for label, bad_token in (("a tampered", forged), ("an expired", expired), ("a malformed", "not-a-jwt")):
        r = t.get("/bearer/me", headers={"Authorization": f"Bearer {bad_token}"},
                  show_headers=["www-authenticate"])
        t.check(f"{label} token: 401 with WWW-Authenticate: Bearer", _challenged(r, "Bearer"),
                f"{r.status_code} {r.headers.get('www-authenticate')}")
    r = t.get("/bearer/me", headers={"Authorization": f"Bearer {token}"}, show_headers=www)
    t.check("the same token: 200 as alice", r.status_code == 200 and r.json() == {"user": "alice"},
            r.text)

    t.step("An API key in a header, for service-to-service calls: APIKeyHeader (also 403 before 0.122).")
    r = t.get("/service/ping", show_headers=["x-api-key", "www-authenticate"])
    t.check("no key: 401 with WWW-Authenticate: APIKey", _challenged(r, "APIKey"), str(r.status_code))
    r = t.get("/service/ping", headers={"X-API-Key": "nope"})
    t.check("an unknown key: 401 with WWW-Authenticate: APIKey", _challenged(r, "APIKey"),
            f"{r.status_code} {r.headers.get('www-authenticate')}")
    r = t.get("/service/ping", headers={"X-API-Key": "k-123"}, show_headers=["x-api-key"])
    t.check("a known key: 200", r.status_code == 200
            and r.json() == {"service": "billing-service"}, r.text)

    t.step("Because they are dependencies, the schemes are in the OpenAPI docs (/docs Authorize).")
    schemes = t.client.get("/openapi.json").json().get("components", {}).get("securitySchemes", {})
    t.note("securitySchemes", {name: s.get("type") for name, s in schemes.items()})
    t.check("HTTPBasic, OAuth2PasswordBearer, HTTPBearer and APIKeyHeader are documented",
            {"HTTPBasic", "OAuth2PasswordBearer", "HTTPBearer", "APIKeyHeader"} <= set(schemes),
            str(schemes))
