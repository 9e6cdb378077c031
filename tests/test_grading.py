"""Grading: typed answers against key points, with real answers, typos and off-topic ones."""

from __future__ import annotations

import pytest

from quiz.grading import Rating, grade, normalise, suggest
from quiz.model import KeyPoint, Question

MIDDLEWARE = Question(
    id="middleware",
    number=3,
    question="Explain Middleware in FastAPI.",
    answer="Middleware wraps every request.",
    key_points=(
        KeyPoint("Runs before and after every request, wrapping the endpoint",
                 ("before and after", "every request", "wraps the request", "around each request",
                  "call_next")),
        KeyPoint('Registered with @app.middleware("http") or app.add_middleware',
                 ("app.middleware", "@app.middleware", "add_middleware", 'middleware("http")')),
        KeyPoint("Cross-cutting uses such as logging, timing, headers, auth, CORS, GZip",
                 ("logging", "timing", "process time", "custom header", "cors", "gzip", "request id",
                  "monitoring")),
        KeyPoint("Measures time with time.perf_counter, not a hard-coded value",
                 ("perf_counter", "monotonic clock", "measure the time", "elapsed time")),
        KeyPoint("Per-route logic belongs in a dependency; order of add_middleware matters",
                 ("dependency instead", "per route", "order matters", "outermost", "last added")),
    ),
    tags=("core", "middleware"),
)

DEPENDENCIES = Question(
    id="dependency-injection",
    number=1,
    question="What is dependency injection in FastAPI?",
    answer="Depends() declares what a path operation needs.",
    key_points=(
        KeyPoint("Declared with Depends() in the path operation's parameters",
                 ("Depends()", "Depends")),
        KeyPoint("Reuses shared logic: database sessions, authentication, settings",
                 ("database session", "shared logic", "reuse", "authentication", "current user")),
        KeyPoint("Dependencies can depend on other dependencies (a graph, cached per request)",
                 ("sub-dependencies", "sub-dependency", "cached per request", "dependency graph")),
        KeyPoint("Easy to override in tests with app.dependency_overrides",
                 ("dependency_overrides", "override in tests")),
    ),
    tags=("core",),
)

GOOD_MIDDLEWARE = """\
Middleware wraps every request: it runs before and after the path operation, around call_next.
You register a function with @app.middleware("http"), or a class with app.add_middleware.
Typical uses are logging, timing with a custom header, CORS and GZip.
Measure the duration with time.perf_counter() rather than time.time().
Logic needed by a few routes belongs in a dependency instead, and the order matters: the last
added middleware is the outermost.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("Use  @app.middleware('http').", "use @app.middleware http"),
        ("time.perf_counter() is monotonic.", "time.perf_counter is monotonic"),
        ("CORS-Middleware; GZip/Brotli", "cors middleware gzip brotli"),
        ("It doesn't block; async def; --workers 4", "it does not block async_def --workers 4"),
        ("add_middleware\n\tthen   call_next", "add_middleware then call_next"),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_a_good_answer_scores_full_marks() -> None:
    g = grade(GOOD_MIDDLEWARE, MIDDLEWARE)
    assert g.score == 100
    assert g.suggested is Rating.EASY
    assert not g.missed
    assert all(p.matched for p in g.points)


def test_an_off_topic_answer_scores_nothing() -> None:
    g = grade("Pydantic validates request bodies and FastAPI generates OpenAPI docs from type "
              "hints; uvicorn serves the app.", MIDDLEWARE)
    assert g.score == 0
    assert g.suggested is Rating.AGAIN
    assert not g.hits


def test_typos_still_hit() -> None:
    answer = ("Midleware runs befor and after evry request; you add it with app.add_midleware. "
              "Good for loging and CORS. Measure with time.perf_countr.")
    g = grade(answer, MIDDLEWARE)
    hits = {p.point.split()[0]: p for p in g.hits}
    assert set(hits) == {"Runs", "Registered", "Cross-cutting", "Measures"}
    assert hits["Registered"].matched == "add_middleware"
    assert hits["Registered"].found == "add_midleware"
    assert g.score == 80
    assert g.suggested is Rating.GOOD


def test_a_partial_answer_gets_partial_credit() -> None:
    g = grade("It runs before and after each request, for things like logging.", MIDDLEWARE)
    assert g.score == 40
    assert g.suggested is Rating.HARD
    assert [p.hit for p in g.points] == [True, False, True, False, False]


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("we configure cors for the browser", True),
        ("the CORS headers", True),
        ("a form with a platform", False),  # "orm" must not hit inside words
        ("an orm maps tables", True),
    ],
)
def test_short_terms_need_a_whole_word(answer: str, hit: bool) -> None:
    q = Question("q", 1, "?", "!", (KeyPoint("Knows the ORM or CORS", ("orm", "cors")),))
    assert grade(answer, q).points[0].hit is hit


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("register it with app.add_middleware(GZipMiddleware)", True),
        ("register it with add_middlewares", True),  # one letter off still counts
        ("register it with app.include_router", False),
        ("middle ware is added", False),
    ],
)
def test_api_names_match_exactly_or_nearly(answer: str, hit: bool) -> None:
    q = Question("q", 1, "?", "!", (KeyPoint("Uses add_middleware", ("add_middleware",)),))
    assert grade(answer, q).points[0].hit is hit


def test_app_middleware_is_not_add_middleware() -> None:
    q = Question("q", 1, "?", "!", (KeyPoint("Uses the decorator", ("app.middleware",)),))
    assert not grade("I call add_middleware", q).points[0].hit
    assert grade('I use @app.middleware("http")', q).points[0].hit


def test_the_point_wording_counts_weakly() -> None:
    q = Question("q", 1, "?", "!", (KeyPoint("Validation errors return status 422 with details",
                                             ("unprocessable entity",)),))
    g = grade("Any validation errors return a 422 status, with details of each field.", q)
    assert g.points[0].hit
    assert g.points[0].matched == "(the point's own words)"
    assert not grade("It returns errors.", q).points[0].hit


def test_a_second_real_question() -> None:
    answer = ("You declare what an endpoint needs with Depends(); FastAPI resolves it per request. "
              "It is how you share a database session or the current user, and dependencies can "
              "have sub-dependencies. In tests, app.dependency_overrides swaps them.")
    g = grade(answer, DEPENDENCIES)
    assert g.score == 100
    assert grade("FastAPI is fast because of Starlette and async.", DEPENDENCIES).score == 0


@pytest.mark.parametrize("answer", ["", "   ", "\n\n"])
def test_an_empty_answer_means_show_me(answer: str) -> None:
    g = grade(answer, MIDDLEWARE)
    assert g.empty
    assert g.score == 0
    assert g.suggested is Rating.AGAIN
    assert len(g.points) == 5 and not g.hits


@pytest.mark.parametrize(
    ("score", "rating"),
    [(0, Rating.AGAIN), (39, Rating.AGAIN), (40, Rating.HARD), (64, Rating.HARD),
     (65, Rating.GOOD), (89, Rating.GOOD), (90, Rating.EASY), (100, Rating.EASY)],
)
def test_score_to_rating(score: int, rating: Rating) -> None:
    assert suggest(score) is rating


@pytest.mark.parametrize(
    ("text", "rating"),
    [("1", Rating.AGAIN), ("2", Rating.HARD), ("3", Rating.GOOD), ("4", Rating.EASY),
     ("again", Rating.AGAIN), ("Hard", Rating.HARD), ("g", Rating.GOOD), (" EASY ", Rating.EASY),
     ("5", None), ("", None), ("maybe", None)],
)
def test_rating_parse(text: str, rating: Rating | None) -> None:
    assert Rating.parse(text) is rating


def test_grading_is_pure() -> None:
    first = grade(GOOD_MIDDLEWARE, MIDDLEWARE)
    assert grade(GOOD_MIDDLEWARE, MIDDLEWARE) == first
    assert MIDDLEWARE.key_points[0].terms[0] == "before and after"


def test_every_builtin_model_answer_covers_its_own_key_points() -> None:
    """A key point whose terms its own model answer never uses cannot be scored fairly."""
    from quiz.bank import load_bank

    misses = {
        q.id: [p.point for p in grade(q.answer, q).points if not p.hit]
        for q in load_bank()
    }
    assert {k: v for k, v in misses.items() if v} == {}
