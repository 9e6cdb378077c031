"""Social login: OAuth2 authorization code flow with Authlib's Starlette client and a session.

Run it alone, from the repository's top folder: fastapi dev demos/social_login.py
Then open http://127.0.0.1:8000/login in a browser.
The identity provider is a stand-in (social_login_app/provider.py) mounted at /idp, so the whole
flow runs offline. With Google you register its OpenID metadata instead:
    oauth.register("google", client_id=..., client_secret=...,
                   server_metadata_url="https://accounts.google.com/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid email profile"})
"""

import secrets

import httpx2
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse
from social_login_app.provider import provider
from starlette.middleware.sessions import SessionMiddleware

app = FastAPI(title="Social login demo")
app.add_middleware(SessionMiddleware, secret_key=secrets.token_urlsafe(32))  # <- signed cookie session
app.mount("/idp", provider)  # the stand-in for accounts.google.com

oauth = OAuth()
oauth.register(
    name="idp",
    client_id="quiz-demo",
    client_secret="demo-client-secret",  # from settings in real life, never in code
    authorize_url="/idp/authorize",  # <- front channel: the browser is sent here
    access_token_url="http://idp/token",  # <- back channel: this server calls it
    userinfo_endpoint="http://idp/userinfo",
    client_kwargs={
        "code_challenge_method": "S256",  # <- PKCE: a stolen code is useless without the verifier
        "transport": httpx2.ASGITransport(app=provider),  # demo only: back channel stays in-process
    },
)


@app.get("/login")
async def login(request: Request):
    redirect_uri = request.url_for("auth")
    return await oauth.idp.authorize_redirect(request, redirect_uri)  # <- state saved in the session


@app.get("/auth")
async def auth(request: Request):
    try:
        token = await oauth.idp.authorize_access_token(request)  # <- checks state, trades the code
    except OAuthError as exc:
        raise HTTPException(400, f"login failed: {exc.error}") from exc
    user = await oauth.idp.userinfo(token=token)
    request.session["user"] = {"email": user["email"], "name": user["name"]}  # <- logged in
    return RedirectResponse("/me", status_code=303)


@app.get("/me")
async def me(request: Request):
    user = request.session.get("user")
    if user is None:
        raise HTTPException(401, "Not logged in")
    return user


@app.get("/logout")
async def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/me", status_code=303)


# --- tour ---


def tour(t):
    from urllib.parse import parse_qs, urlsplit

    from fastapi.testclient import TestClient
    from social_login_app import provider as idp

    def query(url: str) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    t.step("/me without a session: 401. /login redirects the browser to the provider's /authorize.")
    t.get("/me")
    login = t.get("/login", follow_redirects=False, show_headers=["location"])
    to_provider = login.headers.get("location", "")
    params = query(to_provider)
    t.note("authorize parameters", params)
    t.check("302 to /idp/authorize", login.status_code == 302
            and urlsplit(to_provider).path == "/idp/authorize", to_provider)
    t.check("it carries client_id, redirect_uri and response_type=code",
            params.get("client_id") == "quiz-demo" and params.get("response_type") == "code"
            and params.get("redirect_uri") == "http://testserver/auth", str(params))
    t.check("a random state (CSRF) and a PKCE code_challenge",
            len(params.get("state", "")) >= 20 and params.get("code_challenge_method") == "S256")
    t.check("the state is kept in the signed session cookie",
            "session=" in login.headers.get("set-cookie", ""))

    t.step("The provider signs the user in (auto-approved here) and sends the browser back "
           "to redirect_uri with a one-time code and the same state.")
    back = t.get(to_provider, follow_redirects=False, show_headers=["location"])
    callback = back.headers.get("location", "")
    returned = query(callback)
    t.check("302 back to /auth with a code and the same state", back.status_code == 302
            and callback.startswith("http://testserver/auth?") and returned.get("code")
            and returned.get("state") == params.get("state"), callback)

    t.step("/auth: Authlib checks the state, trades the code (with the client secret and the PKCE "
           "verifier) for an access token, calls /userinfo, and the user goes into the session.")
    done = t.get(callback, follow_redirects=False, show_headers=["location"])
    t.check("303 to /me", done.status_code == 303 and done.headers.get("location") == "/me", done.text)
    t.check("the code was used up at the provider's /token", returned.get("code") not in idp.codes
            and bool(idp.tokens))
    me = t.get("/me")
    t.check("/me shows the provider's user", me.status_code == 200
            and me.json() == {"email": "ada@example.com", "name": "Ada Lovelace"}, me.text)

    t.step("Login CSRF: an attacker starts a login, then sends the victim's browser to /auth with "
           "the attacker's code and state. The victim's session holds no such state: rejected.")
    attacker = t.client.get(t.client.get("/login", follow_redirects=False).headers.get("location", "/login"),
                            follow_redirects=False).headers.get("location", "/auth")
    with TestClient(t.app) as victim:
        victim.get("/login", follow_redirects=False)  # the victim's own pending login
        forged = t.record(victim.get(attacker, follow_redirects=False))
        still_out = t.record(victim.get("/me"))
    t.check("400 mismatching_state", forged.status_code == 400 and "mismatching_state" in forged.text,
            forged.text)
    t.check("the victim is not logged in", still_out.status_code == 401)

    t.step("Logging out clears the session.")
    out = t.get("/logout")
    t.check("after /logout, /me is 401 again", out.status_code == 401, out.text)

    t.note("HTTP client", "Authlib 1.9 uses httpx2 (falls back to httpx with a deprecation "
           "warning); `transport=` above only keeps the back channel in this process")
    t.note("fastapi-users", "in maintenance mode: Authlib's Starlette client is the usual route")
