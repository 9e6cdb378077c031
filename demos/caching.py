"""Caching: cache-aside with Redis: a miss computes and stores, a hit skips the work.

Run it alone, from the repository's top folder: fastapi dev demos/caching.py
"""

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Annotated

from fakeredis import FakeAsyncRedis, FakeServer
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel
from redis.asyncio import Redis

CACHE_TTL_MS = 1_000  # short so the tour can watch a key expire; minutes in real life


@asynccontextmanager
async def lifespan(app: FastAPI):
    # production: redis = Redis.from_url("redis://localhost:6379/0", decode_responses=True)
    redis = FakeAsyncRedis(server=FakeServer(), decode_responses=True)  # <- in-process stand-in
    try:
        yield {"redis": redis}  # <- one client (and connection pool) for the whole app
    finally:
        await redis.aclose()  # <- closed at shutdown


app = FastAPI(title="Caching demo", lifespan=lifespan)
PRODUCTS = {  # the slow database
    1: {"id": 1, "name": "Keyboard", "price": 49.0},
    2: {"id": 2, "name": "Mouse", "price": 19.0},
}
queries: list[int] = []  # every query the slow database ran, so the tour can count them


class PriceUpdate(BaseModel):
    price: float


def get_redis(request: Request) -> Redis:
    return request.state.redis


async def load_product(product_id: int) -> dict:
    queries.append(product_id)
    await asyncio.sleep(0.05)  # an expensive query
    if product_id not in PRODUCTS:
        raise HTTPException(status_code=404, detail="Product not found")
    return PRODUCTS[product_id]


@app.get("/products/{product_id}")
async def read_product(product_id: int, response: Response,
                       redis: Annotated[Redis, Depends(get_redis)]):
    key = f"product:{product_id}"
    if (cached := await redis.get(key)) is not None:  # <- 1. look in the cache first
        response.headers["X-Cache"] = "HIT"
        response.headers["X-Cache-TTL-ms"] = str(await redis.pttl(key))
        return json.loads(cached)
    product = await load_product(product_id)  # <- 2. miss: do the work
    await redis.set(key, json.dumps(product), px=CACHE_TTL_MS)  # <- 3. store it, with a TTL
    response.headers["X-Cache"] = "MISS"
    return product


@app.put("/products/{product_id}")
async def update_price(product_id: int, update: PriceUpdate,
                       redis: Annotated[Redis, Depends(get_redis)]):
    product = await load_product(product_id)
    product["price"] = update.price
    await redis.delete(f"product:{product_id}")  # <- invalidate on write: no stale reads
    return product


# --- tour ---


def tour(t):
    import time

    import redis.asyncio

    headers = ["x-cache", "x-cache-ttl-ms"]
    t.step("The stand-in: fakeredis' FakeAsyncRedis subclasses redis.asyncio.Redis (same API).")
    t.check("precondition: FakeAsyncRedis subclasses redis.asyncio.Redis",
            issubclass(FakeAsyncRedis, redis.asyncio.Redis))
    t.note("aioredis", "merged into redis-py: `from redis import asyncio`; fastapi-cache2 is stale")

    original = PRODUCTS[1]["price"]
    try:
        t.step("First call: a miss, so the endpoint runs the slow query and stores the result.")
        queries.clear()
        miss = t.get("/products/1", show_headers=headers)
        miss_s = miss.elapsed.total_seconds()
        t.check("the database was queried once", queries == [1], f"{len(queries)} queries")
        t.note("the miss took (the 50 ms query)", f"{miss_s * 1000:.1f} ms")

        t.step("Second call: a hit, served from Redis without touching the database.")
        queries.clear()
        hit = t.get("/products/1", show_headers=headers)
        hit_s = hit.elapsed.total_seconds()
        t.check("no query this time", hit.status_code == 200 and queries == [],
                f"{len(queries)} queries")
        t.check("same body", hit.json() == miss.json())
        t.note("the hit took (no query: what the cache saves)", f"{hit_s * 1000:.1f} ms")
        ttl = int(hit.headers.get("x-cache-ttl-ms", "-1"))
        t.check(f"the key has a TTL of at most {CACHE_TTL_MS} ms (Redis' PTTL)", 0 < ttl <= CACHE_TTL_MS,
                f"{ttl} ms")

        t.step("One key per product: another product is not served from product 1's entry.")
        queries.clear()
        other = t.get("/products/2", show_headers=headers)
        t.check("product 2 is a miss of its own, with its own body",
                queries == [2] and other.json().get("name") == "Mouse", other.text)

        t.step(f"After the TTL ({CACHE_TTL_MS} ms) Redis drops the key: the next call misses.")
        redis = t.client.app_state["redis"]  # the app's client, from its lifespan state
        for _ in range(CACHE_TTL_MS // 2):  # until Redis itself has dropped the key (or ~5 TTLs)
            if not t.client.portal.call(redis.exists, "product:1"):
                break
            time.sleep(0.01)
        gone = t.client.portal.call(redis.exists, "product:1")
        t.note("the key after the TTL", f"EXISTS product:1 -> {gone}")
        queries.clear()
        r = t.get("/products/1", show_headers=headers)
        t.check("expired: the database was queried again", r.status_code == 200 and queries == [1],
                f"{len(queries)} queries")

        t.step("An update deletes the key, so the next read fetches the new price (no stale data).")
        t.get("/products/1", show_headers=headers)  # cached again
        t.put("/products/1", json={"price": 59.0})
        queries.clear()
        r = t.get("/products/1", show_headers=headers)
        t.check("after the update: a query, and the new price (the cache held 49.0)",
                queries == [1] and r.json().get("price") == 59.0, r.text)
        queries.clear()
        r = t.get("/products/1", show_headers=headers)
        t.check("and then from the cache: no query, the new price",
                queries == [] and r.status_code == 200 and r.json().get("price") == 59.0, r.text)
    finally:
        PRODUCTS[1]["price"] = original  # leave the demo as it was found
