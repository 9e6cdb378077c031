"""Every demo runs its tour and every check passes; no check passes against an empty app."""

from __future__ import annotations

import pytest

from quiz.demo import Check, Demo, Failure, builtin_demos, load_module, run_demo, run_tour

DEMOS = builtin_demos()


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


def _demo_module(slug: str):  # type: ignore[no-untyped-def]
    return load_module(next(d for d in DEMOS if d.slug == slug))


def _failed(module, app) -> set[str]:  # type: ignore[no-untyped-def]
    events: list[object] = []
    checks, failure = run_tour(module, events.append, app=app)
    assert failure is None, failure.trace if failure else ""
    return {c.label for c in checks if not c.ok}


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
    handled.include_router(module.app.router)
    failed = _failed(module, handled)
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
