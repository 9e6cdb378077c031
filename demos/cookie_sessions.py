"""Cookie sessions with CSRF protection, and refresh-token rotation with reuse detection.

Run it alone, from the repository's top folder: fastapi dev demos/cookie_sessions.py
"""

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.security import APIKeyCookie

app = FastAPI(title="Cookie sessions demo")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TRUSTED_ORIGINS = {"https://testserver", "https://app.example.com"}

sessions: dict[str, dict] = {}  # session id -> {"user", "csrf"}: server-side, so logout revokes it
refresh_tokens: dict[str, dict] = {}  # sha256(token) -> {"user", "family", "used"}
revoked_families: set[str] = set()  # the server's record of detected reuse
session_cookie = APIKeyCookie(name="session", auto_error=False)  # documents the cookie in OpenAPI


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()  # store a hash, never the refresh token itself


def set_session(response: Response, user: str) -> str:
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    sessions[sid] = {"user": user, "csrf": csrf}
    response.set_cookie("session", sid, httponly=True, secure=True, samesite="lax", path="/")  # <-
    response.set_cookie("csrf_token", csrf, secure=True, samesite="lax", path="/")  # readable by our JS
    return csrf


def issue_refresh(response: Response, user: str, family: str) -> str:
    token = secrets.token_urlsafe(32)
    refresh_tokens[digest(token)] = {"user": user, "family": family, "used": False}
    response.set_cookie("refresh", token, httponly=True, secure=True, samesite="strict",
                        path="/auth/refresh", max_age=14 * 24 * 3600)  # <- sent to one path only
    return token


def current_user(request: Request, sid: Annotated[str | None, Depends(session_cookie)],
                 x_csrf_token: Annotated[str | None, Header()] = None) -> str:
    session = sessions.get(sid or "")
    if session is None:
        raise HTTPException(status_code=401, detail="Not logged in")
    if request.method not in SAFE_METHODS:  # <- CSRF checks on unsafe methods only
        origin = request.headers.get("origin")
        if origin is not None and origin not in TRUSTED_ORIGINS:
            raise HTTPException(status_code=403, detail="Cross-site request refused")
        if not x_csrf_token or not hmac.compare_digest(x_csrf_token, session["csrf"]):  # <- double submit
            raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
    return session["user"]


User = Annotated[str, Depends(current_user)]


@app.post("/auth/login")
def login(response: Response, username: str):
    set_session(response, username)
    issue_refresh(response, username, family=secrets.token_hex(8))
    return {"user": username}


@app.post("/auth/refresh")
def refresh(response: Response, refresh: Annotated[str | None, Cookie()] = None):
    record = refresh_tokens.get(digest(refresh or ""))
    if record is None or record["family"] in revoked_families:
        raise HTTPException(status_code=401, detail="Refresh token invalid")
    if record["used"]:  # <- a rotated token came back: someone kept a copy
        revoked_families.add(record["family"])  # <- revoke every token of the family
        response.delete_cookie("refresh", path="/auth/refresh")
        raise HTTPException(status_code=401, detail="Refresh token reused: session revoked")
    record["used"] = True  # <- rotation: each refresh token works once
    set_session(response, record["user"])
    issue_refresh(response, record["user"], record["family"])
    return {"user": record["user"]}


@app.get("/me")
def me(user: User):
    return {"user": user}


@app.post("/transfers")
def transfer(user: User, amount: int):
    return {"user": user, "amount": amount}


@app.post("/auth/logout")
def logout(response: Response, user: User, sid: Annotated[str | None, Depends(session_cookie)]):
    sessions.pop(sid or "", None)  # <- revoked on the server, not only forgotten by the browser
    response.delete_cookie("session", path="/")
    return {"user": user}


# --- tour ---


def tour(t):
    from fastapi.testclient import TestClient

    def cookie(client, name):
        """The value the client's cookie jar holds for `name` (httpx files "testserver" under .local)."""
        return next((c.value for c in client.cookies.jar if c.name == name), None)

    def with_cookie(name, value, path="/"):
        """Another client (an attacker's, a copied cookie) holding only this cookie."""
        other = TestClient(t.app, base_url="https://testserver")
        other.cookies.set(name, value, domain="testserver.local", path=path)
        return other

    browser = TestClient(t.app, base_url="https://testserver")  # https: the Secure cookies are sent

    t.step("Login sets an opaque session cookie: HttpOnly (no JS), Secure (https only), SameSite=Lax.")
    r = t.record(browser.post("/auth/login", params={"username": "alice"}), show_headers=["set-cookie"])
    cookies = {c.split("=", 1)[0]: c.lower() for c in r.headers.get_list("set-cookie")}
    session_attrs = cookies.get("session", "")
    t.check("session cookie: HttpOnly; Secure; SameSite=lax; Path=/",
            all(a in session_attrs for a in ("httponly", "secure", "samesite=lax", "path=/")), session_attrs)
    t.check("the CSRF cookie is readable by the page's JS (not HttpOnly)",
            "csrf_token" in cookies and "httponly" not in cookies["csrf_token"],
            cookies.get("csrf_token", ""))
    refresh_attrs = cookies.get("refresh", "")
    t.check("the refresh cookie is HttpOnly and sent only to /auth/refresh",
            "httponly" in refresh_attrs and "path=/auth/refresh" in refresh_attrs, refresh_attrs)

    t.step("Cookies go with every request the browser makes, a forged one included: safe methods pass, "
           "unsafe ones need the CSRF token in a header, which another site cannot read.")
    r = t.record(browser.get("/me"))
    t.check("GET /me with the cookie alone: 200", r.status_code == 200, r.text)
    forged = t.record(browser.post("/transfers", params={"amount": 100}))
    t.check("POST with the cookie but no X-CSRF-Token (a forged form): 403", forged.status_code == 403,
            forged.text)
    token = cookie(browser, "csrf_token")
    ok = t.record(browser.post("/transfers", params={"amount": 100}, headers={"X-CSRF-Token": token}))
    t.check("POST with the cookie and the matching header: 200", ok.status_code == 200, ok.text)
    evil = t.record(browser.post("/transfers", params={"amount": 100},
                                 headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}))
    t.check("POST from another Origin: 403 even with a token", evil.status_code == 403, evil.text)

    t.step("Refresh rotation: each refresh token works once and is replaced; the old one coming back "
           "means it was stolen, and the whole family is revoked.")
    old = cookie(browser, "refresh")
    r = t.record(browser.post("/auth/refresh"))
    new = cookie(browser, "refresh")
    t.check("refresh: 200 and a new refresh token", r.status_code == 200 and new and new != old, r.text)
    stolen = t.record(with_cookie("refresh", old, "/auth/refresh").post("/auth/refresh"))
    t.check("the old token replayed: 401 'reused'", stolen.status_code == 401 and "reused" in stolen.text,
            stolen.text)
    r = t.record(browser.post("/auth/refresh"))
    t.check("and the legitimate new token is revoked with its family: 401", r.status_code == 401, r.text)
    t.note("revoked families (server record)", len(revoked_families))

    t.step("Logout deletes the session on the server: a copy of the cookie no longer works.")
    copy = cookie(browser, "session")
    r = t.record(browser.post("/auth/logout", headers={"X-CSRF-Token": cookie(browser, "csrf_token")}))
    again = t.record(with_cookie("session", copy).get("/me"))
    t.check("logout 200, and the copied cookie gets 401", r.status_code == 200 and again.status_code == 401,
            again.text)
