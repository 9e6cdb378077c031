"""Every demo runs its tour and every check passes; no check passes against an empty app;
an app that breaks one claim fails the check that states it."""

import pytest

from quiz.demo import Check, Demo, Failure, builtin_demos, load_module, run_demo, run_tour

DEMOS = builtin_demos()


def _demo_module(slug: str):  # type: ignore[no-untyped-def]
    return load_module(next(d for d in DEMOS if d.slug == slug))


def _with_the_rest_of(module, app):  # type: ignore[no-untyped-def]
    """`app` with the demo's routes added, except those it defines itself (its versions win)."""

    def key(route):  # type: ignore[no-untyped-def]
        return getattr(route, "path", None), frozenset(getattr(route, "methods", None) or ())

    from fastapi import APIRouter

    own = {key(route) for route in app.routes}
    rest = APIRouter()
    rest.routes = [route for route in module.app.routes if key(route) not in own]
    app.include_router(rest)  # copied as the app's own routes: its dependency_overrides apply
    return app


def _failed(module, app) -> set[str]:  # type: ignore[no-untyped-def]
    """The labels of the checks that failed when the demo's tour ran against `app`."""
    events: list[object] = []
    checks, failure = run_tour(module, events.append, app=app)
    assert failure is None, failure.trace if failure else ""
    return {c.label for c in checks if not c.ok}


@pytest.mark.parametrize("demo", DEMOS, ids=[d.slug for d in DEMOS])
def test_the_tour_passes_every_check(demo: Demo) -> None:
    events: list[object] = []
    result = run_demo(demo, events.append)
    failed = [c.label for c in result.checks if not c.ok]
    assert result.failure is None, result.failure.trace if result.failure else ""
    assert failed == []
    assert result.checks, "a tour must make checks"
    assert result.ok


@pytest.mark.parametrize("demo", DEMOS, ids=[d.slug for d in DEMOS])
def test_the_tour_fails_against_an_empty_app(demo: Demo) -> None:
    """A check that passes whatever the app does proves nothing."""
    from fastapi import FastAPI

    module = load_module(demo)
    events: list[object] = []
    checks, failure = run_tour(module, events.append, app=FastAPI())
    assert failure is not None or not all(c.ok for c in checks)


@pytest.mark.parametrize("demo", DEMOS, ids=[d.slug for d in DEMOS])
def test_the_demo_has_a_title_source_and_marked_lines(demo: Demo) -> None:
    source, marked = demo.app_source()
    assert "app = " in source or "import app" in source
    assert "def tour" not in source, "the tour goes below the `# --- tour ---` marker"
    assert marked, "mark the lines that matter with `# <-`"
    assert demo.title and demo.title != demo.slug
    assert "import quiz" not in demo.source and "from quiz" not in demo.source


def test_a_broken_check_fails_the_demo() -> None:
    """The middleware demo against an app whose middleware reports a hard-coded time."""
    from fastapi import FastAPI, Request

    broken = FastAPI()

    @broken.middleware("http")
    async def fixed_time(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers["X-Process-Time"] = "0.123"
        return response

    @broken.get("/fast")
    async def fast() -> dict[str, str]:
        return {"speed": "fast"}

    @broken.get("/slow")
    async def slow() -> dict[str, str]:
        return {"speed": "slow"}

    module = _demo_module("middleware")
    events: list[object] = []
    checks, failure = run_tour(module, events.append, app=broken)
    failed = {c.label for c in checks if not c.ok}
    assert "the fast endpoint measures less than half of that" in failed
    assert "before, endpoint, after: in that order" in failed
    assert any(isinstance(e, Check) and not e.ok for e in events)


def test_the_middleware_demo_tells_a_handled_exception_from_an_unhandled_one() -> None:
    """With a handler registered for RuntimeError, /crash reaches the middleware as a 500 response."""
    from fastapi import FastAPI, Request
    from fastapi.responses import PlainTextResponse

    module = _demo_module("middleware")
    handled = FastAPI()

    @handled.exception_handler(RuntimeError)
    async def as_500(request: Request, exc: RuntimeError) -> PlainTextResponse:
        return PlainTextResponse("Internal Server Error", status_code=500)

    handled.middleware("http")(module.add_process_time_header)
    handled.middleware("http")(module.watch_errors)
    failed = _failed(module, _with_the_rest_of(module, handled))
    assert "call_next raised the RuntimeError; the middleware caught it with try/except" in failed
    assert "with no X-Process-Time: the 500 was built outside the user middleware" in failed
    assert "the exception went on past the 500 to the server (uvicorn logs its traceback)" in failed
    assert "the client still got a plain-text 500 Internal Server Error" not in failed
    assert "call_next returned a 404 response, it raised nothing" not in failed


def test_a_tour_that_raises_is_a_failure_not_a_crash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "boom.py"
    path.write_text(
        '"""Boom."""\nfrom fastapi import FastAPI\napp = FastAPI()\n'
        "def tour(t):\n    t.step('x')\n    raise RuntimeError('the demo broke')\n"
    )
    events: list[object] = []
    result = run_demo(Demo("boom", path), events.append)
    assert not result.ok
    assert isinstance(events[-1], Failure)
    assert "RuntimeError: the demo broke" in events[-1].message


def test_the_auth_demo_fails_when_httpbearer_answers_403_as_before_0_122() -> None:
    from typing import Annotated

    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    module = _demo_module("auth")

    class HTTPBearer403(HTTPBearer):  # FastAPI's documented way back to the old status
        def make_not_authenticated_error(self) -> HTTPException:
            return HTTPException(status_code=403, detail="Not authenticated")

    old = FastAPI()
    Credentials = Annotated[HTTPAuthorizationCredentials, Depends(HTTPBearer403(scheme_name="HTTPBearer"))]

    @old.get("/bearer/me")
    def bearer_me(credentials: Credentials):  # type: ignore[no-untyped-def]
        return {"user": module.get_current_user(credentials.credentials)}

    failed = _failed(module, _with_the_rest_of(module, old))
    assert failed == {"no credentials: 401 with WWW-Authenticate: Bearer"}


def test_the_dependencies_demo_fails_when_the_settings_override_is_ignored() -> None:
    from fastapi import FastAPI

    module = _demo_module("dependencies")
    fixed = FastAPI()

    @fixed.get("/items")
    def list_items(user: module.CurrentUser, db: module.DB, settings: module.SettingsDep):  # type: ignore[name-defined,no-untyped-def]
        module.calls.append("endpoint /items")
        module.settings_seen.append(settings)
        return {"user": user, "items": db["items"][:2]}  # a page size of its own, not the settings'

    failed = _failed(module, _with_the_rest_of(module, fixed))
    assert failed == {"overriding the settings too: page_size=10 gives 10 of the 12 items"}


def test_the_transactions_demo_fails_when_the_dependency_swallows_instead_of_reraising() -> None:
    from fastapi import FastAPI
    from sqlalchemy.exc import IntegrityError

    module = _demo_module("transactions")
    swallowing = FastAPI(lifespan=module.lifespan)
    swallowing.exception_handler(IntegrityError)(module.integrity_error)

    @swallowing.post("/reraising/transfers")
    def transfer(body: module.Transfer, db: module.Swallows):  # type: ignore[name-defined,no-untyped-def]
        return module.move_money(db, body)

    failed = _failed(module, _with_the_rest_of(module, swallowing))
    assert failed == {"re-raising dependency: its except saw the HTTPException, and the endpoint's 409 "
                      "reached the client"}


def test_the_caching_demo_does_not_trust_the_x_cache_header() -> None:
    """An endpoint that queries every time but claims HIT fails the check that counts queries."""
    from fastapi import FastAPI, Response

    module = _demo_module("caching")
    liar = FastAPI(lifespan=module.lifespan)
    answered: list[int] = []

    @liar.get("/products/{product_id}")
    async def read_product(product_id: int, response: Response):  # type: ignore[no-untyped-def]
        product = await module.load_product(product_id)
        response.headers["X-Cache"] = "HIT" if answered else "MISS"
        response.headers["X-Cache-TTL-ms"] = "100"
        answered.append(product_id)
        return product

    failed = _failed(module, _with_the_rest_of(module, liar))
    assert "no query this time" in failed
    assert "and then from the cache: no query, the new price" in failed
    assert "the database was queried once" not in failed


def test_the_response_classes_demo_tells_pydantic_bytes_from_json_dumps() -> None:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    module = _demo_module("response_classes")
    old_path = FastAPI()

    @old_path.get("/readings/{sensor}", response_class=JSONResponse)
    async def read_sensor(sensor: str) -> module.Reading:  # type: ignore[name-defined]
        return module.Reading(sensor=sensor, seconds=0.00002)

    failed = _failed(module, _with_the_rest_of(module, old_path))
    assert failed == {
        "the default path sends Reading.model_dump_json(), byte for byte",
        "response_class=JSONResponse sends json.dumps of the dumped dict: other bytes",
    }


def test_the_middleware_demo_says_where_each_layer_of_the_stack_comes_from() -> None:
    """Issue 23: the printed stack named ExceptionTelemetryMiddleware and AppBodyLimitMiddleware,
    which appear nowhere in the code shown; and the errata's figure is the demo's own."""
    import re

    from quiz.bank import load_bank
    from quiz.demo import Note

    demo = next(d for d in builtin_demos() if d.slug == "middleware")
    events: list[object] = []
    assert run_demo(demo, events.append).ok
    stack = next(e for e in events if isinstance(e, Note) and e.label.startswith("the middleware stack"))
    layers = [re.fullmatch(r"(\w+) \(([\w ]+)\)", part) for part in stack.value.split(" -> ")]
    assert all(layers), stack.value
    source = demo.path.read_text()
    for name, origin in (m.groups() for m in layers if m):
        assert (origin == "this file") == (f"def {name}(" in source), (name, origin)
        assert origin in ("this file", "fastapi", "starlette"), (name, origin)
    assert any(origin == "fastapi" for _, origin in (m.groups() for m in layers if m))
    assert any(isinstance(e, Note) and "build_middleware_stack" in e.value for e in events)
    sleep = re.search(r"await asyncio\.sleep\(([\d.]+)\)", source)
    assert sleep
    errata = load_bank().get("middleware").errata or ""
    assert f"measuring at least {sleep.group(1)} s" in " ".join(errata.split())
