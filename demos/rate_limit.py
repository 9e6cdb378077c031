"""Rate limiting: a fixed-window limit per client, counted in Redis, answered with 429.

Run it alone, from the repository's top folder: fastapi dev demos/rate_limit.py
"""

from contextlib import asynccontextmanager

from fakeredis import FakeAsyncRedis
from fastapi import Depends, FastAPI, HTTPException, Request, Response

LIMIT = 5  # requests ...
WINDOW = 60  # ... per 60 seconds, per client


@asynccontextmanager
async def lifespan(app: FastAPI):
    # FakeAsyncRedis stands in for a server here; in production, the same redis.asyncio API:
    # app.state.redis = redis.asyncio.Redis.from_url("redis://redis:6379/0")
    app.state.redis = FakeAsyncRedis(decode_responses=True)  # <- one store for all workers and hosts
    yield
    await app.state.redis.aclose()


def client_key(request: Request) -> str:
    api_key = request.headers.get("X-API-Key")  # <- per API key when there is one, else per IP
    # (behind a proxy: uvicorn --forwarded-allow-ips=PROXY_IP, or request.client is the proxy)
    return f"key:{api_key}" if api_key else f"ip:{request.client.host}"


async def rate_limit(request: Request, response: Response) -> None:
    key = f"ratelimit:{client_key(request)}"
    async with request.app.state.redis.pipeline(transaction=True) as pipe:  # MULTI ... EXEC
        count, _, ttl = await (
            pipe.incr(key)  # <- atomic counter, one per client and window
            .expire(key, WINDOW, nx=True)  # <- the first hit starts the window; Redis ends it
            .ttl(key)
            .execute()
        )
    headers = {
        "X-RateLimit-Limit": str(LIMIT),
        "X-RateLimit-Remaining": str(max(0, LIMIT - count)),
        "X-RateLimit-Reset": str(ttl),  # seconds until the window ends
    }
    if count > LIMIT:
        raise HTTPException(429, "Too Many Requests", headers={**headers, "Retry-After": str(ttl)})  # <-
    response.headers.update(headers)


# A fixed window lets a client burst 2 x LIMIT across a window boundary; a sliding window or a
# token bucket (a Lua script in Redis) smooths that out at the cost of more work per request.
# One line puts every route behind the limit; a router or one route can take it instead:
# APIRouter(dependencies=[Depends(rate_limit)]) or @app.get(..., dependencies=[...]).
# The slowapi library packages the same idea (@limiter.limit("5/minute"), Redis storage included).
app = FastAPI(title="Rate limit demo", lifespan=lifespan, dependencies=[Depends(rate_limit)])


@app.get("/search")
async def search(q: str = "") -> dict[str, str]:
    return {"q": q, "result": "..."}


# --- tour ---

import time  # noqa: E402

HEADERS = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "x-api-key"]


def tour(t):
    redis = t.app.state.redis
    keys = ["ratelimit:ip:testclient", "ratelimit:key:partner-42"]
    t.client.portal.call(redis.delete, *keys)  # a clean slate, so the tour can run again

    t.step("Five requests in the window pass; each says how many are left.")
    remaining = []
    for i in range(1, 6):
        r = t.get(f"/search?q={i}", show_headers=HEADERS)
        remaining.append((r.status_code, r.headers.get("x-ratelimit-remaining")))
    t.check("five times 200, remaining 4, 3, 2, 1, 0",
            remaining == [(200, "4"), (200, "3"), (200, "2"), (200, "1"), (200, "0")], str(remaining))

    t.step("The sixth gets 429 Too Many Requests, with Retry-After: when the window ends.")
    blocked = t.get("/search?q=6", show_headers=HEADERS)
    retry_after = int(blocked.headers.get("retry-after", "-1"))
    t.check("429", blocked.status_code == 429, str(blocked.status_code))
    t.check("Retry-After is the seconds left in the 60 s window", 0 < retry_after <= 60, str(retry_after))
    t.check("X-RateLimit-Remaining: 0 on the refusal", blocked.headers.get("x-ratelimit-remaining") == "0")
    count = t.client.portal.call(redis.get, keys[0])
    t.note("the counter in Redis", f"GET {keys[0]} -> {count!r}")

    t.step("Another client (its own API key) has its own counter: it is not limited.")
    other = t.get("/search?q=partner", headers={"X-API-Key": "partner-42"}, show_headers=HEADERS)
    t.check("200 for the other client, 4 left", other.status_code == 200
            and other.headers.get("x-ratelimit-remaining") == "4", other.text)
    t.client.portal.call(redis.expire, keys[0], 30)  # fast-forward: 30 s of the window are gone
    again = t.get("/search?q=7", show_headers=HEADERS)
    t.check("the first client is still refused", again.status_code == 429)
    t.check("a fixed window: hitting it again does not push its end back (Retry-After at most 30)",
            0 < int(again.headers.get("retry-after", "-1")) <= 30, again.headers.get("retry-after", ""))

    t.step("When the key expires the window is over: the client gets through again.")
    t.client.portal.call(redis.pexpire, keys[0], 50)  # fast-forward: the window ends in 50 ms
    time.sleep(0.08)
    t.note("the key after expiry", f"EXISTS {keys[0]} -> {t.client.portal.call(redis.exists, keys[0])}")
    back = t.get("/search?q=8", show_headers=HEADERS)
    t.check("200 again, a fresh window with 4 left", back.status_code == 200
            and back.headers.get("x-ratelimit-remaining") == "4", back.text)
    t.client.portal.call(redis.delete, *keys)

    t.step("Behind a proxy: uvicorn reads X-Forwarded-For by default (no --proxy-headers needed), "
           "but only from the addresses in --forwarded-allow-ips.")
    import anyio
    import httpx2
    import uvicorn
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    config = uvicorn.Config(t.app, log_config=None)  # its defaults, read without configuring logging
    t.note("uvicorn.Config defaults", f"proxy_headers={config.proxy_headers}, "
           f"forwarded_allow_ips={config.forwarded_allow_ips!r}")
    t.check("proxy headers are on by default", config.proxy_headers is True)

    async def client_ip(scope, receive, send):  # a bare ASGI app: which client does it see?
        host = scope["client"][0].encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": host})

    async def seen_from(peer: str) -> str:
        behind = ProxyHeadersMiddleware(client_ip, trusted_hosts="10.0.0.5")  # --forwarded-allow-ips
        transport = httpx2.ASGITransport(app=behind, client=(peer, 4321))
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as ac:
            r = await ac.get("/", headers={"X-Forwarded-For": "203.0.113.7"})
        return r.text

    trusted, stranger = anyio.run(seen_from, "10.0.0.5"), anyio.run(seen_from, "10.9.9.9")
    t.note("client seen (proxy 10.0.0.5 trusted / another peer)", f"{trusted} / {stranger}")
    t.check("from the trusted proxy, the app sees the real client", trusted == "203.0.113.7", trusted)
    t.check("from any other address, the header is ignored", stranger == "10.9.9.9", stranger)
