"""A tiny OAuth2 identity provider standing in for Google or GitHub (no network needed).

/authorize  the user signs in and consents (auto-approved here), then is sent back with a code
/token      the client's server trades the code, its secret and the PKCE verifier for a token
/userinfo   the access token buys the user's profile
"""

import base64
import hashlib
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Form, Header
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

CLIENTS = {"quiz-demo": "demo-client-secret"}  # client_id -> client_secret, registered in advance
USER = {"sub": "1001", "email": "ada@example.com", "name": "Ada Lovelace"}
codes: dict[str, dict] = {}  # one-time authorization codes
tokens: dict[str, dict] = {}  # access token -> user

provider = FastAPI(title="Identity provider (stand-in)")


def oauth_error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)  # the shape RFC 6749 prescribes


@provider.get("/authorize")
async def authorize(response_type: str, client_id: str, redirect_uri: str, state: str,
                    code_challenge: str, code_challenge_method: str, scope: str = ""):
    if response_type != "code" or client_id not in CLIENTS or code_challenge_method != "S256":
        return oauth_error("invalid_request")
    code = secrets.token_urlsafe(16)
    codes[code] = {"client_id": client_id, "redirect_uri": redirect_uri,
                   "challenge": code_challenge, "user": USER}
    return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", 302)


@provider.post("/token")
async def token(client: Annotated[HTTPBasicCredentials, Depends(HTTPBasic())],
                grant_type: Annotated[str, Form()], code: Annotated[str, Form()],
                redirect_uri: Annotated[str, Form()], code_verifier: Annotated[str, Form()]):
    secret = CLIENTS.get(client.username, "")
    if not secrets.compare_digest(secret.encode(), client.password.encode()) or not secret:
        return oauth_error("invalid_client", 401)
    grant = codes.pop(code, None)  # a code works once
    digest = hashlib.sha256(code_verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    if (grant_type != "authorization_code" or grant is None or grant["client_id"] != client.username
            or grant["redirect_uri"] != redirect_uri or grant["challenge"] != challenge):
        return oauth_error("invalid_grant")
    access_token = secrets.token_urlsafe(24)
    tokens[access_token] = grant["user"]
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600}


@provider.get("/userinfo")
async def userinfo(authorization: Annotated[str, Header()] = ""):
    user = tokens.get(authorization.removeprefix("Bearer "))
    return user if user else oauth_error("invalid_token", 401)
