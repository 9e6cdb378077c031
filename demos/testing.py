"""Testing: TestClient (httpx2), dependency_overrides for mocks, and async tests with AsyncClient.

Run it alone, from the repository's top folder: fastapi dev demos/testing.py
"""

from contextlib import asynccontextmanager
from typing import Annotated

import httpx2
from fastapi import Depends, FastAPI, HTTPException, Request

WEATHER_API = "https://api.weather.example"  # a third-party service: tests must not call it


@asynccontextmanager
async def lifespan(app: FastAPI):
    db = {1: {"id": 1, "name": "Ada (production DB)"}}  # stands in for an engine opened at startup
    async with httpx2.AsyncClient(base_url=WEATHER_API) as weather:  # one pooled client
        yield {"db": db, "weather": weather}  # <- lifespan state: request.state.db, .weather


app = FastAPI(title="Testing demo", lifespan=lifespan)


def get_db(request: Request) -> dict[int, dict]:
    return request.state.db


def get_weather(request: Request) -> httpx2.AsyncClient:
    return request.state.weather


@app.get("/users/{user_id}")
async def read_user(user_id: int, db: Annotated[dict, Depends(get_db)]):  # <- overridable
    if user_id not in db:
        raise HTTPException(status_code=404, detail="User not found")
    return db[user_id]


@app.get("/forecast/{city}")
async def forecast(city: str, weather: Annotated[httpx2.AsyncClient, Depends(get_weather)]):
    r = await weather.get("/forecast", params={"city": city})
    if r.is_error:
        raise HTTPException(status_code=502, detail="Weather service unavailable")
    return {"city": city, "temp_c": r.json()["temp_c"]}


@app.get("/health")
async def health(request: Request):
    return {"lifespan_ran": hasattr(request.state, "db")}  # <- False when lifespan never ran


# --- tour ---


def tour(t):
    import contextlib

    import anyio
    from fastapi.testclient import TestClient

    t.step("TestClient is an httpx2.Client driving the app in-process: no server, no requests.")
    chain = [f"{c.__module__}.{c.__qualname__}" for c in type(t.client).__mro__[:2]]
    t.note("TestClient's class, then its base", " -> ".join(chain))
    t.check("isinstance(client, httpx2.Client)", isinstance(t.client, httpx2.Client), chain[-1])
    r = t.get("/users/1")
    t.check("a plain test: 200 and the user from the real DB",
            r.status_code == 200 and r.json().get("name") == "Ada (production DB)", r.text)

    t.step("app.dependency_overrides swaps the DB dependency for a test one; clear() restores it.")
    test_db = {1: {"id": 1, "name": "Test user"}}
    t.app.dependency_overrides[get_db] = lambda: test_db  # <- the whole mocking mechanism
    try:
        r1 = t.get("/users/1")
        r2 = t.get("/users/2")
    finally:
        t.app.dependency_overrides.clear()
    t.check("the endpoint read the test DB", r1.json().get("name") == "Test user", r1.text)
    t.check("and its 404 path is testable", r2.status_code == 404, str(r2.status_code))
    r = t.get("/users/1")
    t.check("after clear() the real DB is back", r.json().get("name") == "Ada (production DB)")

    t.step("The external API is mocked too: an httpx2.MockTransport answers, not the network.")
    calls = []

    def fake_api(request):
        calls.append(str(request.url))
        if request.url.params["city"] == "Atlantis":
            return httpx2.Response(503)  # a failure the real service won't give on demand
        return httpx2.Response(200, json={"temp_c": 21.5})

    async def fake_weather():
        async with httpx2.AsyncClient(base_url=WEATHER_API,
                                      transport=httpx2.MockTransport(fake_api)) as client:
            yield client

    t.app.dependency_overrides[get_weather] = fake_weather
    try:
        ok = t.get("/forecast/Paris")
        down = t.get("/forecast/Atlantis")
    finally:
        t.app.dependency_overrides.clear()
    t.note("requests the mock received", calls)
    t.check("the endpoint used the mock's answer", ok.json() == {"city": "Paris", "temp_c": 21.5},
            ok.text)
    t.check("the mock saw the exact outgoing request",
            calls[:1] == [f"{WEATHER_API}/forecast?city=Paris"], str(calls))
    t.check("a 503 from the service becomes our 502", down.status_code == 502,
            str(down.status_code))

    t.step("Async tests: httpx2.AsyncClient + ASGITransport, run here with anyio (pytest: "
           "@pytest.mark.anyio). ASGITransport does NOT run the lifespan.")

    async def test_health_async():
        transport = httpx2.ASGITransport(app=t.app)  # <- no lifespan events are sent
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as ac:
            return await ac.get("/health")

    r = t.record(anyio.run(test_health_async))
    t.check("AsyncClient(ASGITransport): lifespan state absent",
            r.status_code == 200 and r.json() == {"lifespan_ran": False}, r.text)

    t.step("Entering app.router.lifespan_context(app) yourself runs startup, but its state never "
           "reaches request.state through ASGITransport; asgi-lifespan's LifespanManager does.")

    async def test_health_own_lifespan():
        async with t.app.router.lifespan_context(t.app) as state:  # <- startup ran: state built
            transport = httpx2.ASGITransport(app=t.app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://test") as ac:
                return sorted(state), await ac.get("/health")

    yielded, r = anyio.run(test_health_own_lifespan)
    t.record(r)
    t.note("the lifespan yielded", yielded)
    t.check("lifespan_context entered: startup ran, yet request.state has no db",
            yielded == ["db", "weather"] and r.json() == {"lifespan_ran": False}, r.text)

    async def test_health_lifespan_manager():
        from asgi_lifespan import LifespanManager

        async with LifespanManager(t.app) as manager:  # <- manager.app puts the state in scope
            transport = httpx2.ASGITransport(app=manager.app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://test") as ac:
                return await ac.get("/health")

    r = t.record(anyio.run(test_health_lifespan_manager))
    t.check("LifespanManager + ASGITransport(app=manager.app): present",
            r.json() == {"lifespan_ran": True}, r.text)

    t.step("TestClient runs the lifespan only inside `with TestClient(app)`.")
    with contextlib.closing(TestClient(t.app)) as bare:
        r = t.record(bare.get("/health"))
    t.check("TestClient(app) without `with`: absent", r.json() == {"lifespan_ran": False}, r.text)
    with TestClient(t.app) as client:
        r = t.record(client.get("/health"))
    t.check("with TestClient(app) as client: present", r.json() == {"lifespan_ran": True}, r.text)
