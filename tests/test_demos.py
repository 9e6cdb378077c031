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

    module = load_module(next(d for d in DEMOS if d.slug == "middleware"))
    events: list[object] = []
    checks, failure = run_tour(module, events.append, app=broken)
    failed = {c.label for c in checks if not c.ok}
    assert "the fast endpoint measures less than half of that" in failed
    assert "before, endpoint, after: in that order" in failed
    assert any(isinstance(e, Check) and not e.ok for e in events)


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
