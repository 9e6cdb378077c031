"""Grading: typed answers against key points, with real answers, typos and off-topic ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from quiz.cli import app
from quiz.grading import Grade, Rating, grade, normalise, suggest
from quiz.model import BUILTIN_BANKS, KeyPoint, Pitfall, Question

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


@pytest.mark.parametrize("bank", BUILTIN_BANKS)
def test_every_builtin_model_answer_scores_full_marks_and_asserts_no_pitfall(bank: str) -> None:
    """A key point whose terms its own model answer never uses cannot be scored fairly; a
    pitfall (or a contradiction) the model answer asserts is one that flags right answers."""
    from quiz.bank import load_bank

    wrong = {}
    for q in load_bank([BUILTIN_BANKS[bank]]):
        g = grade(q.answer, q)
        if g.missed or g.pitfalls or g.contradictions or g.score != 100:
            wrong[q.id] = [p.point for p in g.missed] + [f"pitfall: {h.claim} ({h.found})"
                                                         for h in g.pitfalls] + [
                f"contradiction: {c}" for c in g.contradictions]
    assert wrong == {}


@pytest.mark.parametrize("bank", BUILTIN_BANKS)
def test_every_builtin_pitfall_claim_is_flagged(bank: str) -> None:
    """Each pitfall's own claim, typed as an answer to a question it is listed under (its own, or
    one a bank-wide pitfall names), is recognised and rated at most Hard."""
    from quiz.bank import load_bank

    missed = [f"{q.id}: {p.claim}" for q in load_bank([BUILTIN_BANKS[bank]]) for p in q.listed_pitfalls
              if p.claim not in [h.claim for h in grade(p.claim, q).pitfalls]
              or grade(p.claim, q).suggested > Rating.HARD]
    assert missed == []


# --- issue 10: negation, non-answers, matching, pitfalls ---------------------------------------


def one_point(*terms: str, point: str = "The point") -> Question:
    return Question("q", 1, "What is it?", "!", (KeyPoint(point, terms),))


def test_a_negated_answer_is_not_credited() -> None:
    """Measured: this scored 60/100, Hard, like the README's good example."""
    answer = ("Middleware is only for CORS. It does not run before and after the endpoint, it is "
              "not for logging or timing, and you cannot use app.middleware or add_middleware for it.")
    g = grade(answer, MIDDLEWARE)
    assert [p.hit for p in g.points] == [False, False, True, False, False]  # CORS alone
    assert g.score == 20
    assert g.suggested is Rating.AGAIN


@pytest.mark.parametrize(
    "answer",
    [
        "It does not wrap the request.",
        "It doesn't wrap the request.",
        "Middleware isn't something that wraps the request.",
        "You can't use it to wrap the request.",
        "You cannot wrap the request with it.",
        "It never wraps the request.",
        "No, there is no wrapping of the request.",
        "It is not a wrapper around each request.",
        "Neither the logging nor the wrapping of the request is done there.",
        "It doesnt wrap the request.",  # typed fast, without the apostrophe
        "Middleware isnt something that wraps the request.",
        "You cant use it to wrap the request.",
        "it dont wrap the request",
    ],
)
def test_a_term_in_a_negated_clause_is_not_credited(answer: str) -> None:
    q = one_point("wraps the request", "wrapping of the request", "around each request")
    assert not grade(answer, q).points[0].hit


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("It is not for CORS but for logging.", True),  # "not X but Y" credits Y
        ("It is no longer for CORS, now it is for logging.", True),  # "no longer X, now Y"
        ("It is for logging, not for CORS.", True),
        ("It is not for logging.", False),
        ("It is not only for CORS but also for logging.", True),  # "not only" negates nothing
        ("I'm not sure, but logging is one use.", True),
    ],
)
def test_negation_stops_where_the_statement_does(answer: str, hit: bool) -> None:
    assert grade(answer, one_point("logging")).points[0].hit is hit


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("the client does not wait for it", True),  # the term says the negation itself
        ("the client does wait for it", False),
        ("it doesn't block the event loop", True),  # a negated negative word is positive
        ("it is not tied to the event loop", False),
    ],
)
def test_negative_terms_and_negated_negatives(answer: str, hit: bool) -> None:
    q = Question("q", 1, "?", "!", (KeyPoint("Client does not wait; the loop is free",
                                             ("client does not wait", "event loop")),))
    assert grade(answer, q).points[0].hit is hit


@pytest.mark.parametrize(
    "answer",
    ["I don't know what dependencies are.", "I don't know", "no idea", "Not sure.", "skip", "pass",
     "?", "idk, sorry", "No idea what dependency injection is in FastAPI, sorry.", "n/a", "Pass, sorry.",
     "Hmm... no.", "I don't know, skip"],
)
def test_a_non_answer_scores_nothing(answer: str) -> None:
    """Measured: "I don't know what dependencies are." got 33."""
    g = grade(answer, DEPENDENCIES)
    assert g.non_answer and not g.empty
    assert g.score == 0 and not g.hits
    assert g.suggested is Rating.AGAIN


@pytest.mark.parametrize("answer", ["You pass it to Depends()", "Skip the cache with use_cache=False",
                                    "Nothing runs before the dependency is resolved"])
def test_a_short_answer_using_a_non_answer_word_is_an_answer(answer: str) -> None:
    assert not grade(answer, DEPENDENCIES).non_answer


def test_an_unsure_answer_with_substance_is_graded() -> None:
    g = grade("Not sure, but I think Depends() declares what the endpoint needs, and in tests you "
              "swap them with dependency_overrides.", DEPENDENCIES)
    assert not g.non_answer
    assert g.score == 50


def test_api_terms_match_on_word_boundaries_only() -> None:
    """Measured: "That is unacceptable." hit the `accept()` point."""
    q = one_point("accept()", "ws.accept")
    assert not grade("That is unacceptable.", q).points[0].hit
    assert grade("You must call await websocket.accept() first.", q).points[0].hit
    assert grade("then ws.accept()", q).points[0].hit
    mw = one_point("add_middleware")
    assert grade("app.add_middleware(GZipMiddleware)", mw).points[0].hit
    assert not grade("my_add_middleware_helper", mw).points[0].hit


@pytest.mark.parametrize(
    ("terms", "answer"),
    [
        (("send email",), "Typical uses: emails and notifications."),  # measured: missed
        (("gateway",), "Rate limits belong in the nginx/gateway layer."),  # measured: missed
        (("nginx",), "Rate limits belong in the nginx/gateway layer."),
        (("notification",), "It sends notifications."),
        (("dependency_overrides",), "override it with app.dependency_overrides[get_db]"),
        (("sub-dependencies",), "a dependency can have sub dependencies"),
        (("in-process",), "they run in process"),
        (("logs",), "it writes a log"),
        (("--workers",), "uvicorn main:app --workers 4"),
    ],
)
def test_plurals_and_joined_words_match(terms: tuple[str, ...], answer: str) -> None:
    assert grade(answer, one_point(*terms)).points[0].hit


def test_a_cli_flag_is_not_a_word() -> None:
    assert not grade("the uvicorn-worker package", one_point("--workers")).points[0].hit


def test_a_phrase_needs_its_own_words_in_order() -> None:
    """"def ..." is not inside "async def ...", and swapped facts do not match."""
    q = one_point("def endpoints run in a threadpool")
    assert grade("plain def endpoints run in a threadpool", q).points[0].hit
    assert grade("Normal def endpoints are run in the threadpool by FastAPI.", q).points[0].hit
    assert not grade("async def endpoints run in a threadpool", q).points[0].hit
    assert not grade("def endpoints run on the event loop and async def endpoints run in a threadpool",
                     q).points[0].hit


# --- pitfalls ----------------------------------------------------------------------------------

ASYNC_DEF = Question(
    id="async-vs-def",
    number=6,
    question="Difference between async def and normal def in FastAPI endpoints?",
    answer="async def runs on the event loop; def runs in the threadpool.",
    key_points=(
        KeyPoint("async def runs on the event loop", ("event loop", "await", "coroutine")),
        KeyPoint("def endpoints run in a threadpool", ("threadpool", "thread pool", "run_in_threadpool")),
        KeyPoint("A blocking call in async def stalls every request", ("time.sleep", "blocking call")),
    ),
    pitfalls=(
        Pitfall("async def endpoints run in a threadpool and plain def endpoints run on the event loop",
                ("async def endpoints run in a threadpool", "async def runs in a thread pool",
                 "plain def endpoints run on the event loop", "normal def runs on the event loop",
                 "blocking calls belong in async def"),
                "It is the other way round: async def runs on the event loop, plain def in the "
                "threadpool."),
    ),
)


def pitfall_question(*pitfalls: tuple[str, tuple[str, ...]]) -> Question:
    return Question("q", 1, "How do you run code at startup?", "Use lifespan.",
                    (KeyPoint("Startup and shutdown go in lifespan", ("lifespan",)),
                     KeyPoint("It opens shared resources once", ("engine", "connection pool"))),
                    pitfalls=tuple(Pitfall(claim, terms, "What holds today.") for claim, terms in pitfalls))


OUTDATED = pitfall_question(
    ("Startup code goes in @app.on_event('startup').", ("on_event", "@app.on_event")),
    ("Sign the tokens with python-jose.", ("python-jose", "jose")),
    ("Run gunicorn -k uvicorn.workers.UvicornWorker.", ("uvicorn.workers", "uvicorn.workers.UvicornWorker")),
)


def test_swapped_facts_get_no_credit() -> None:
    """Measured: this scored 50."""
    g = grade("async def endpoints run in a threadpool and plain def endpoints run on the event loop, "
              "so blocking calls belong in async def", ASYNC_DEF)
    assert [h.claim for h in g.pitfalls] == [ASYNC_DEF.pitfalls[0].claim]
    assert [p.hit for p in g.points] == [False, False, False]
    assert g.score == 0 and g.suggested is Rating.AGAIN


def test_the_right_order_is_not_a_pitfall() -> None:
    g = grade("Plain def endpoints run in the threadpool and async def endpoints run on the event loop, "
              "so a blocking call like time.sleep must not go in async def.", ASYNC_DEF)
    assert not g.pitfalls
    assert g.score == 100 and g.suggested is Rating.EASY


@pytest.mark.parametrize(
    "answer",
    [
        "Create the engine in @app.on_event('startup').",
        "I use app.on_event for startup, it opens the pool.",
        "python-jose signs my tokens",
        "gunicorn -k uvicorn.workers.UvicornWorker -w 4",
        "We replaced PyJWT with python-jose.",  # the new thing of "replaced with" is asserted
        "Stop using lifespan and switch to on_event.",
        "I think python-jose is the library to sign tokens with.",
        "We replaced the old PyJWT code with python-jose.",
        "Open the pool in on_event; it is simple and it works.",
    ],
)
def test_an_asserted_pitfall_is_flagged(answer: str) -> None:
    g = grade(answer, OUTDATED)
    assert len(g.pitfalls) == 1
    assert g.suggested <= Rating.HARD


@pytest.mark.parametrize(
    "answer",
    [
        "use lifespan; @app.on_event is deprecated",
        "PyJWT instead of python-jose",
        "not uvicorn.workers but the uvicorn-worker package",
        "on_event is outdated", "on_event was removed in Starlette 1.0", "on_event is legacy",
        "@app.on_event is deprecated now, use lifespan",
        "avoid on_event", "don't use on_event, use lifespan", "Lifespan rather than on_event.",
        "It's no longer on_event: lifespan now.", "Lifespan replaced the old on_event hooks.",
        "I moved from python-jose to PyJWT.", "python-jose is not maintained anymore",
        "Lifespan (on_event is gone).", "You could use on_event, but it is deprecated.",
        "I used to put it in on_event.", "on_event is the old way.", "python-jose was merged away",
        "Tutorials say on_event, but that's no longer true.", "Lifespan, without any on_event handler.",
        "python-jose has had no release in years", "python-jose is barely maintained",
        "The source says to use on_event.", "Older tutorials use on_event.",
        "Putting it in on_event is a bad idea because lifespan owns startup.", "on_event is a trap.",
        "Opening the pool in on_event is an anti-pattern.", "python-jose is a common mistake",
        # the whole clause reports it: a word of the past or of others before, a verdict after
        "The older guides opened the engine and the pool in an on_event hook.",
        "Some people still register startup code with @app.on_event here.",
        "Many examples open the pool in on_event; in Starlette 1.0 that is removed.",
        "A lot of people sign tokens with python-jose; it isn't maintained.",
        "In Pydantic v1 days everyone opened the pool in on_event.",
    ],
)
def test_naming_an_old_api_to_reject_it_is_not_a_pitfall(answer: str) -> None:
    assert grade(answer, OUTDATED).pitfalls == ()


def test_a_pitfall_caps_the_rating_and_takes_the_credit_of_its_statement() -> None:
    answer = "Open the engine once in @app.on_event('startup'). Lifespan also works."
    g = grade(answer, OUTDATED)
    assert [p.hit for p in g.points] == [True, False]  # the engine is in the pitfall's statement
    assert g.score == 50
    hit = g.pitfalls[0]
    assert (hit.claim, hit.correction) == (OUTDATED.pitfalls[0].claim, "What holds today.")
    assert hit.matched in ("on_event", "@app.on_event") and "on_event" in hit.found
    assert hit.to_dict()["claim"] == hit.claim
    perfect = "Lifespan opens the connection pool once. Or @app.on_event('startup')."
    g = grade(perfect, OUTDATED)
    assert g.score == 100 and g.suggested is Rating.HARD


def test_never_blocking_calls_negates_the_blocking_calls() -> None:
    """Blind set: "never blocking calls inside async def" is the rule, not the swapped claim."""
    g = grade("async def runs on the event loop, so never blocking calls inside async def.", ASYNC_DEF)
    assert g.pitfalls == ()
    assert grade("It doesn't block the event loop", one_point("block the event loop",
                 point="Does not block the event loop")).points[0].hit


@pytest.mark.parametrize(
    ("term", "answer"),
    [("threadpool", "def runs in a thread pool"), ("thread pool", "def runs in a threadpool"),
     ("plain def runs in a threadpool", "a plain def endpoint runs in a thread pool"),
     ("multiple workers", "run several workers"), ("multiple workers", "run many workers"),
     ("bidirectional", "a bi-directional channel"), ("real-time", "realtime updates"),
     ("rate limiting", "ratelimiting"), ("health checks", "healthchecks"),
     ("schemas", "schemas.py and models.py"),
     ("serializes", "it serialises the output"), ("behaviour", "the behavior")],
)
def test_joined_and_split_words_synonyms_and_spellings_match(term: str, answer: str) -> None:
    assert grade(answer, one_point(term, point="zzz qqq")).points[0].hit


def test_a_statement_that_goes_on_to_say_the_correction_rejects_the_pitfall() -> None:
    """Blind set: "Committing after the yield is a bad idea because ..."; and the same idea said
    as a consequence: the words after the pitfall's are its correction's."""
    point = KeyPoint("Commit in the endpoint", ("commit in the endpoint",))
    q = Question("tx", 1, "Transactions?", "!", (point,),
                 pitfalls=(Pitfall("Commit after the yield.", ("commit after the yield",),
                                   "That commit runs after the response is sent."),))
    for answer in ("Committing after the yield runs after the response, so errors are lost.",
                   "Committing after the yield means the commit runs after the response is sent.",
                   "Committing after the yield is a bad idea.", "Committing after the yield is a trap."):
        assert grade(answer, q).pitfalls == (), answer
    assert grade("Commit after the yield in the dependency.", q).pitfalls
    assert grade("Commit after the yield, it is simple.", q).pitfalls
    assert grade("Commit after the yield: the response is sent fine.", q).pitfalls  # two words are not a run


def test_an_opposite_word_is_not_a_typo() -> None:
    q = one_point("after yield runs before the response", point="zzz qqq")
    assert not grade("the code after the yield runs after the response", q).points[0].hit
    assert grade("the code after the yield runs before the response", q).points[0].hit


@pytest.mark.parametrize(
    ("term", "answer"),
    [("returns 403", "it returns 401"), ("httpx2", "httpx.AsyncClient"), ("oauth2 flow", "the oauth1 flow")],
)
def test_another_number_is_another_word(term: str, answer: str) -> None:
    assert not grade(answer, one_point(term, point="zzz qqq")).points[0].hit


def test_a_phrase_needs_its_first_and_last_words_in_order() -> None:
    q = one_point("403 when not authenticated")
    assert not grade("401 when not authenticated, 403 when the role is missing", q).points[0].hit
    assert grade("It gives 403 when not authenticated", q).points[0].hit


@pytest.mark.parametrize("bank", BUILTIN_BANKS)
def test_every_builtin_key_point_typed_as_an_answer_asserts_no_pitfall(bank: str) -> None:
    """What a key point says is right: typed as an answer, it is never flagged."""
    from quiz.bank import load_bank

    flagged = [f"{q.id}: {p.point} ({h.found})" for q in load_bank([BUILTIN_BANKS[bank]])
               for p in q.key_points for h in grade(p.point, q).pitfalls]
    assert flagged == []


def test_grading_one_answer_is_quick_enough_to_repeat() -> None:
    """Not a timing: grading the same answer twice gives the same grade (pure, cached)."""
    text = "async def endpoints run in a threadpool, plain def on the event loop"
    assert grade(text, ASYNC_DEF) == grade(text, ASYNC_DEF)


# --- the labelled answers ----------------------------------------------------------------------

LABELLED = Path(__file__).parent / "answers" / "labelled.yaml"
BLIND = Path(__file__).parent / "answers" / "blind.yaml"


def labelled(path: Path = LABELLED) -> dict[str, list[Grade]]:
    from quiz.bank import load_bank

    bank = load_bank()
    out: dict[str, list[Grade]] = {}
    for row in yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]:
        out.setdefault(row["label"], []).append(grade(row["text"], bank.get(row["question"])))
    return out


def test_the_labelled_set_is_what_it_says() -> None:
    rows = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["answers"]
    per_question: dict[str, set[str]] = {}
    for row in rows:
        per_question.setdefault(row["question"], set()).add(row["label"])
    assert len(per_question) >= 20
    assert all(labels == {"strong", "partial", "wrong", "outdated"} for labels in per_question.values())


def test_the_score_separates_strong_partial_and_wrong_answers() -> None:
    graded = labelled()
    mean = {label: sum(g.score for g in gs) / len(gs) for label, gs in graded.items()}
    assert mean["strong"] >= 80
    assert mean["strong"] > mean["partial"] + 30
    assert mean["partial"] > mean["wrong"]
    assert mean["outdated"] < 50
    good = [g.suggested >= Rating.GOOD for g in graded["strong"]]
    assert sum(good) / len(good) >= 0.9
    low = [g.suggested <= Rating.HARD for g in graded["wrong"] + graded["outdated"]]
    assert sum(low) / len(low) >= 0.9


def test_the_blind_set_covers_every_builtin_question_with_five_labels() -> None:
    from quiz.bank import load_bank

    rows = yaml.safe_load(BLIND.read_text(encoding="utf-8"))["answers"]
    per_question: dict[str, list[str]] = {}
    for row in rows:
        per_question.setdefault(row["question"], []).append(row["label"])
    assert set(per_question) == {q.id for q in load_bank()}
    assert all(sorted(labels) == sorted(BLIND_LABELS) for labels in per_question.values())


BLIND_LABELS = ("strong", "strong_terse", "partial", "wrong", "outdated")


def test_the_blind_set_is_graded_as_labelled() -> None:
    """Answers written without sight of the key points (measured: strong 98% Good/Easy, terse 57%,
    wrong and outdated 100% Again/Hard, no pitfall on a right answer): thresholds with margin."""
    graded = labelled(BLIND)
    good = [g.suggested >= Rating.GOOD for g in graded["strong"]]
    assert sum(good) / len(good) >= 0.85
    terse = [g.suggested >= Rating.GOOD for g in graded["strong_terse"]]
    assert sum(terse) / len(terse) >= 0.45
    low = [g.suggested <= Rating.HARD for g in graded["wrong"] + graded["outdated"]]
    assert sum(low) / len(low) >= 0.95
    assert [g for label in ("strong", "strong_terse", "partial") for g in graded[label] if g.pitfalls] == []
    mean = {label: sum(g.score for g in gs) / len(gs) for label, gs in graded.items()}
    assert mean["strong"] > mean["strong_terse"] > mean["partial"]
    assert mean["wrong"] < 35 and mean["outdated"] < 35


# --- pitfalls where the candidate sees them ----------------------------------------------------

PITFALL_BANK = """\
deck: Pitfalls
questions:
  - id: background-tasks
    number: 1
    question: How does FastAPI handle background tasks?
    answer: BackgroundTasks run after the response is sent, in the same process.
    key_points:
      - point: Declare BackgroundTasks and call add_task
        terms: [add_task, BackgroundTasks]
      - point: They run after the response, in the same process
        terms: [after the response, same process]
    pitfalls:
      - claim: BackgroundTasks run in another process.
        terms: [another process, separate process]
        correction: They run in the same process, after the response is sent.
        since: FastAPI docs
        reference: https://fastapi.tiangolo.com/tutorial/background-tasks/
  - id: plain
    number: 2
    question: What is a path operation?
    answer: A function bound to a method and a path.
    key_points:
      - point: A function bound to a method and a path
        terms: [method and path]
"""
WRONG = "They run in another process.\nYou call add_task.\n\n"


@pytest.fixture
def pitfall_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(PITFALL_BANK, encoding="utf-8")
    monkeypatch.setenv("QUIZ_BANK", str(path))
    return path


def test_the_graded_screen_shows_a_pitfall_in_red_with_its_correction(runner: CliRunner,
                                                                       pitfall_bank: Path) -> None:
    result = runner.invoke(app, ["drill", "--limit", "1"], input=WRONG + "\n")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Score 50/100 · 1 of 2 key points · 1 pitfall · suggested: Hard" in out
    assert "✘ You said: BackgroundTasks run in another process. (“another process”)" in out
    assert "Today: They run in the same process, after the response is sent. (FastAPI docs)" in out
    assert "Saved: Hard." in out


def test_the_exam_json_and_scorecard_carry_the_pitfalls(runner: CliRunner, pitfall_bank: Path) -> None:
    text = WRONG + "A function bound to a method and path.\n\n"
    result = runner.invoke(app, ["exam", "--json", "--time", "0", "--seed", "1"], input=text)
    assert result.exit_code == 0, result.output
    assert result.stderr.index("background tasks") < result.stderr.index("path operation")  # seed 1
    first, second = json.loads(result.stdout)["answers"]
    assert first["pitfalls"] == [{
        "claim": "BackgroundTasks run in another process.",
        "correction": "They run in the same process, after the response is sent.",
        "matched": "another process", "found": "another process", "since": "FastAPI docs",
        "reference": "https://fastapi.tiangolo.com/tutorial/background-tasks/"}]
    assert first["suggested"] == "Hard" and first["score"] == 50
    assert second["pitfalls"] == [] and second["suggested"] == "Easy"
    screen = runner.invoke(app, ["exam", "--time", "0", "--seed", "1"], input=text)
    assert screen.exit_code == 0, screen.output
    out = " ".join(screen.stdout.split())
    assert "1 wrong statement ·" in out
    assert "What you said that does not hold" in out
    assert "#1 ✘ You said: BackgroundTasks run in another process." in out


def test_quiz_show_lists_the_pitfalls(runner: CliRunner, pitfall_bank: Path) -> None:
    result = runner.invoke(app, ["show", "1"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Pitfalls" in out
    assert "✘ BackgroundTasks run in another process." in out
    assert "Today: They run in the same process" in out
    data = json.loads(runner.invoke(app, ["show", "1", "--json"]).stdout)
    assert data["pitfalls"][0]["claim"] == "BackgroundTasks run in another process."
    assert data["pitfalls"][0]["correction"].startswith("They run in the same process")
    plain = runner.invoke(app, ["show", "2", "--json"])
    assert plain.exit_code == 0 and json.loads(plain.stdout)["pitfalls"] == []
    assert "Pitfalls" not in runner.invoke(app, ["show", "2"]).stdout


@pytest.mark.parametrize(
    ("terms", "answer", "hit"),
    [
        (("UJSONResponse",), "JSONResponse is the default.", False),  # not a typo: another class
        (("ORJSONResponse",), "JSONResponse is the default.", False),
        (("JSONResponse",), "ORJSONResponse is deprecated.", False),
        (("sync library",), "an async library", False),
        (("only for type checking",), "a type checker would reject it", False),
        (("only for type checking",), "the annotation is only there for type checking", True),
    ],
)
def test_another_name_is_not_a_typo(terms: tuple[str, ...], answer: str, hit: bool) -> None:
    assert grade(answer, one_point(*terms)).points[0].hit is hit


def test_a_wrapped_line_is_not_a_new_clause() -> None:
    text = "You may see on_event in old tutorials, but on_event is\ndeprecated; use lifespan."
    assert grade(text, OUTDATED).pitfalls == ()
    listed = "Startup:\n- on_event('startup') opens the pool\n- it is simple"
    assert len(grade(listed, OUTDATED).pitfalls) == 1


def test_quiz_new_example_grades_its_own_answer_and_pitfall(runner: CliRunner, tmp_path: Path) -> None:
    from quiz.bank import load_bank

    result = runner.invoke(app, ["new", str(tmp_path / "my-bank")])
    assert result.exit_code == 0, result.output
    (q,) = load_bank([tmp_path / "my-bank"]).questions
    assert q.pitfalls
    g = grade(q.answer, q)
    assert g.score == 100 and not g.pitfalls
    for p in q.pitfalls:
        g = grade(p.claim, q)
        assert [h.claim for h in g.pitfalls] == [p.claim] and g.suggested <= Rating.HARD


@pytest.mark.parametrize(
    ("point", "terms", "answer", "hit"),
    [
        ("The file is never loaded whole into memory", ("whole file into memory",),
         "StreamingResponse doesn't load the whole file into memory.", True),
        ("TestClient is built on HTTPX (httpx2), not requests", ("httpx",),
         "TestClient is not httpx based.", False),
        ("Not durable; heavy jobs belong in a task queue", ("task queue",),
         "You never need a task queue.", False),
        ("No body size limit by default", ("body size limit",),
         "There is no body size limit by default.", True),
    ],
)
def test_a_point_that_states_a_negation_is_said_by_a_negated_answer(
        point: str, terms: tuple[str, ...], answer: str, hit: bool) -> None:
    assert grade(answer, one_point(*terms, point=point)).points[0].hit is hit


# --- the cases measured in issue 10, on the built-in bank ----------------------------------------

MEASURED_OUTDATED = [
    ("databases", "I use Gino as the async ORM, and get_db commits after the yield or rolls back."),
    ("starlette", 'Startup code goes in @app.on_event("startup"), shutdown in @app.on_event("shutdown").'),
    ("response-classes", "For speed, use ORJSONResponse instead of JSONResponse."),
    ("wsgi-vs-asgi", "Mount the Flask app with fastapi.middleware.wsgi.WSGIMiddleware."),
    ("request-validation", "Custom checks go in a @validator method on the model."),
    ("business-rules", "Write a @validator on the field and raise ValueError."),
    ("scaling", "Run gunicorn -k uvicorn.workers.UvicornWorker with 4 workers."),
    ("deployment", "gunicorn -k uvicorn.workers.UvicornWorker -w 4 in Docker."),
    ("settings", "from pydantic import BaseSettings, and call load_dotenv() to read the .env file."),
    ("limitations", "It is relatively new and still maturing."),
]


@pytest.mark.parametrize(("qid", "answer"), MEASURED_OUTDATED)
def test_measured_outdated_answers_are_flagged_on_the_builtin_bank(qid: str, answer: str) -> None:
    """Measured: these scored 67 to 100 (Good or Easy)."""
    from quiz.bank import load_bank

    g = grade(answer, load_bank().get(qid))
    assert g.pitfalls
    assert g.suggested <= Rating.HARD


@pytest.mark.parametrize(
    ("qid", "answer"),
    [("starlette", "use lifespan; @app.on_event is deprecated"),
     ("authentication", "PyJWT instead of python-jose"),
     ("scaling", "not uvicorn.workers but the uvicorn-worker package")],
)
def test_rejecting_the_old_api_is_not_flagged_on_the_builtin_bank(qid: str, answer: str) -> None:
    from quiz.bank import load_bank

    g = grade(answer, load_bank().get(qid))
    assert g.pitfalls == () and g.hits


def test_measured_wrong_answers_on_the_builtin_bank() -> None:
    from quiz.bank import load_bank

    bank = load_bank()
    swapped = grade("async def endpoints run in a threadpool and plain def endpoints run on the event loop, "
                    "so blocking calls belong in async def", bank.get("async-vs-def"))
    assert swapped.pitfalls and swapped.score == 0  # measured: 50
    negated = grade("Middleware is only for CORS. It does not run before and after the endpoint, it is not "
                    "for logging or timing, and you cannot use app.middleware or add_middleware for it.",
                    bank.get("middleware"))
    assert negated.score <= 20 and negated.suggested is Rating.AGAIN  # measured: 60, Hard
    assert grade("I don't know what dependencies are.", bank.get("dependency-injection")).score == 0  # 33
    assert not grade("That is unacceptable.", bank.get("websockets")).hits


def test_a_wording_the_candidate_marked_as_said_credits_the_point_as_their_own() -> None:
    answer = "Depends() declares it; the framework hands each endpoint its collaborators."
    point = DEPENDENCIES.key_points[1].point
    before = grade(answer, DEPENDENCIES)
    assert not before.points[1].hit
    after = grade(answer, DEPENDENCIES, own={point: ["hands each endpoint its collaborators"]})
    assert after.points[1].hit and after.points[1].own
    assert after.score > before.score
    assert not after.points[0].own  # a point the bank's terms credit is not "your wording"
    elsewhere = grade("Depends() declares it.", DEPENDENCIES,
                      own={point: ["hands each endpoint its collaborators"]})
    assert not elsewhere.points[1].hit


ENDPOINTS = Question(
    id="endpoints",
    number=1,
    question="Where does FastAPI run a def endpoint, and an async def one?",
    answer="A plain def endpoint runs in the thread pool; an async def endpoint runs on the event loop.",
    key_points=(
        KeyPoint("A plain def endpoint runs in the thread pool", ("thread pool", "run_in_threadpool"),
                 subject=("def", "plain def")),
        KeyPoint("An async def endpoint runs on the event loop", ("event loop",), subject=("async def",)),
        KeyPoint("The last middleware added is the outermost", ("outermost",), subject=("last added",)),
    ),
    contrasts=(("def", "async def"), ("thread pool", "event loop"), ("first", "last"),
               ("outermost", "innermost")),
    synonyms=(("thread pool", "worker thread"),),
)


@pytest.mark.parametrize(
    ("answer", "hit"),
    [
        ("A plain def endpoint runs in the thread pool.", True),
        ("FastAPI hands a def endpoint to a worker thread.", True),  # a synonym of the predicate
        ("You declare a def endpoint. FastAPI runs it in the thread pool.", True),  # subject in scope
        ("run_in_threadpool is used.", True),  # no subject named at all: the question's
        ("An async def endpoint runs in the thread pool.", False),
        ("An async def endpoint is handed to run_in_threadpool.", False),
        ("A def endpoint does not run in the thread pool.", False),
    ],
)
def test_a_statement_is_credited_only_when_said_of_its_subject(answer: str, hit: bool) -> None:
    assert grade(answer, ENDPOINTS).points[0].hit is hit


@pytest.mark.parametrize(
    ("answer", "said", "instead"),
    [
        ("An async def endpoint is handed to run_in_threadpool.", "async def", "def"),
        ("A plain def endpoint runs directly on the event loop.", "event loop", "thread pool"),
        ("The first middleware added is the outermost one.", "first", "last"),
        ("The last added middleware is the innermost.", "innermost", "outermost"),
    ],
)
def test_a_swapped_statement_is_a_contradiction(answer: str, said: str, instead: str) -> None:
    g = grade(answer, ENDPOINTS)
    assert [(c.said, c.instead) for c in g.contradictions][:1] == [(said, instead)]
    assert g.suggested <= Rating.HARD
    point = next(p for p in g.points if p.point == g.contradictions[0].point)
    assert not point.hit


@pytest.mark.parametrize(
    "answer",
    [
        "A plain def endpoint runs in the thread pool, an async def endpoint on the event loop.",
        "def endpoints go to the thread pool and async def endpoints stay on the event loop.",
        "In an async def endpoint you can offload a blocking call with run_in_threadpool.",
        "Unlike async def endpoints, plain def endpoints run in the thread pool.",
    ],
)
def test_the_right_statement_and_its_mirror_are_no_contradiction(answer: str) -> None:
    g = grade(answer, ENDPOINTS)
    assert g.contradictions == ()


#: No key point has a subject: the role pairs come from the model answer and the points' own words.
TASKS = Question(
    id="tasks",
    number=1,
    question="How do background tasks run?",
    answer="They run after the response is sent. An async def task is awaited on the event loop, a plain "
           "def task runs in the thread pool. Middleware order matters: the last one added is the outermost. "
           "Async tasks stay on the event loop.",
    key_points=(
        KeyPoint("Tasks run after the response is sent", ("after the response",)),
        KeyPoint("async def tasks on the loop, def tasks in the thread pool", ("event loop", "thread pool")),
        KeyPoint("The last middleware added is the outermost", ("outermost",)),
    ),
    contrasts=(("def", "async def"), ("thread pool", "event loop"), ("first", "last"),
               ("outermost", "innermost"), ("before", "after"), ("task", "middleware"), ("sync", "async")),
    synonyms=(("thread pool", "worker thread"),),
)


@pytest.mark.parametrize(
    ("answer", "said", "instead"),
    [
        ("Async def tasks are sent to the thread pool.", "thread pool", "event loop"),
        ("A def task runs directly on the event loop.", "def", "async def"),
        ("FastAPI hands an async def task to a worker thread.", "thread pool", "event loop"),  # a synonym
        ("The first middleware you add is the outermost.", "first", "last"),
        ("Tasks run before the response is sent.", "before", "after"),
        ("A def task is a plain function and runs on the event loop.", "def", "async def"),  # over `and`
        ("If a task is async, like a fetch, the thread pool runs it.", "thread pool", "event loop"),  # aside
    ],
)
def test_a_role_pair_of_the_model_answer_said_the_other_way_round_is_a_contradiction(
        answer: str, said: str, instead: str) -> None:
    """A point without a subject is a statement too: its roles are read off the question's text."""
    g = grade(answer, TASKS)
    assert [(c.said, c.instead) for c in g.contradictions][:1] == [(said, instead)]
    assert g.suggested <= Rating.HARD
    assert all(c.correction.startswith(f"It is {c.instead}, not {c.said}: ") for c in g.contradictions)


@pytest.mark.parametrize(
    "answer",
    [
        "A def task runs in the thread pool and an async def task on the event loop.",
        "Async def tasks are awaited on the event loop; def tasks go to a worker thread.",  # the mirror
        "The last middleware added is the outermost, and the first one the innermost.",
        "Tasks run after the response is sent, so the client does not wait.",
        "An async def task is not run in the thread pool.",  # negated
        "In an async def task, offload a blocking call to the thread pool.",  # a means, not a role
        "Some people think async def tasks are sent to the thread pool; they are not.",  # rejected
        "Use def or async def; the thread pool or the event loop runs them.",  # no pair: both of each set
        "The thread pool runs def tasks.",  # another order: no role read either way
        "Def tasks run in the thread pool, and async def tasks on the event loop.",  # nothing carried
        "A task can be a def or an async def function: FastAPI awaits it on the event loop or runs "
        "it in the thread pool.",  # a colon ends the part of the sentence
        "Code before the yield runs first, right after the endpoint returns.",  # after something else
    ],
)
def test_a_role_pair_said_the_right_way_or_not_at_all_is_no_contradiction(answer: str) -> None:
    assert grade(answer, TASKS).contradictions == ()


def test_a_role_pair_is_read_only_where_the_text_says_one_member_with_one_partner() -> None:
    """A member the texts pair with two members of one set has no role there: "def and async def
    both run in the thread pool" reads no pair, so "async def runs in the thread pool" is no
    contradiction."""
    import dataclasses

    both = dataclasses.replace(TASKS, answer=TASKS.answer + " A def task and an async def task can both "
                                                            "block; an async def task is in the thread pool "
                                                            "only when offloaded.")
    assert grade("Async def tasks are sent to the thread pool.", both).contradictions == ()


def test_a_role_contradiction_is_shown_and_in_the_exam_json(runner: CliRunner, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A bank with contrasts and no `subject:` anywhere: the swap is still named, on the screen and
    in `exam --json`."""
    bank = tmp_path / "bank.yaml"
    bank.write_text(yaml.safe_dump({
        "contrasts": [["first", "last"], ["outermost", "innermost"]],
        "questions": [{"id": "order", "question": "Which middleware runs first?",
                       "answer": "Order matters: the last middleware added is the outermost, so it sees the "
                                 "request first.",
                       "key_points": [{"point": "The last middleware added is the outermost",
                                       "terms": ["outermost", "order matters"]}]}],
    }))
    monkeypatch.setenv("QUIZ_BANK", str(bank))
    text = "Order matters: the first middleware added is the outermost.\n"
    result = runner.invoke(app, ["exam", "--json", "--time", "0", "--seed", "1"], input=text)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)["answers"][0]
    assert answer["suggested"] in ("Hard", "Again")
    assert [(c["said"], c["instead"]) for c in answer["contradictions"]] == [("first", "last")]
    assert answer["contradictions"][0]["point"].startswith("Order matters: the last middleware added")
    screen = runner.invoke(app, ["exam", "--time", "0", "--seed", "1"], input=text)
    out = " ".join(screen.stdout.split())
    assert "You said: first middleware added is the outermost" in out
    assert "It is last, not first" in out


@pytest.mark.parametrize(
    ("qid", "swapped", "right"),
    [  # written for this test from the built-in model answers, one member swapped
        ("background-tasks", "An async def background task runs in the threadpool.",
         "A def background task runs in the threadpool."),
        ("async-vs-def", "A plain def endpoint is sent to the event loop.",
         "A plain def endpoint is sent to the thread pool."),
        ("streaming", "A sync generator is iterated on the event loop.",
         "A sync generator is iterated in the thread pool."),
        ("rate-limiting", "A Redis counter exists once per process.",
         "An in-memory counter exists once per process."),
        ("testing", "TestClient calls the app in a separate process.",
         "TestClient calls the app in-process."),
        ("long-running-tasks", "Celery suits short fire-and-forget jobs tied to a request.",
         "BackgroundTasks suits short fire-and-forget jobs tied to a request."),
    ],
)
def test_builtin_role_pairs_name_a_swap(qid: str, swapped: str, right: str) -> None:
    q = load_builtin(qid)
    g = grade(swapped, q)
    assert g.contradictions and g.suggested <= Rating.HARD
    assert grade(right, q).contradictions == ()


@pytest.mark.parametrize(
    ("qid", "answer"),
    [  # the model answers say "the client gets a 500": a party of an exchange turns with the verb
        ("response-model", "The server returns a 500 when the output does not fit the model."),
        ("transactions", "The server answers 500 and the transaction is rolled back."),
    ],
)
def test_a_party_of_an_exchange_takes_no_part_in_a_role_pair(qid: str, answer: str) -> None:
    assert grade(answer, load_builtin(qid)).contradictions == ()


def test_a_contrasting_form_is_said_only_with_every_word_of_its_member() -> None:
    """"per worker" is not said by "workers" ("per" is a stop word, but not here): a swapped
    statement needs the member it swaps in, whole."""
    q = load_builtin("rate-limiting")
    assert grade("For multiple workers or instances the counters must live in Redis.", q).contradictions == ()
    assert grade("Redis counters are per worker.", q).contradictions


@pytest.mark.parametrize("bank", BUILTIN_BANKS)
def test_no_right_answer_of_the_tuning_half_is_flagged_by_a_role_pair(
        bank: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The role pairs read off the built-in questions add no contradiction to a right answer of the
    corpus's tuning half (the held-back half is only measured, by bench/bench_grading.py)."""
    import quiz.grading.score as score
    from quiz.bank import load_bank

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from grading_figures import CORPUS, SENIOR_CORPUS, corpus

    questions = {q.id: q for q in load_bank([BUILTIN_BANKS[bank]])}
    rows = [r for r in corpus("tune", CORPUS if bank == "fastapi" else SENIOR_CORPUS)
            if r["label"] in ("strong_spoken", "strong_bullets", "strong_typos", "partial", "fair_rejection")]
    with_roles = [grade(r["text"], questions[r["question"]]).contradictions for r in rows]
    monkeypatch.setattr(score, "question_roles", lambda *_: ())
    flagged = []
    for row, now in zip(rows, with_roles, strict=True):
        before = grade(row["text"], questions[row["question"]]).contradictions
        if added := [c.found for c in now if c not in before]:
            flagged.append((row["question"], row["label"], added))
    assert flagged == []


def load_builtin(qid: str) -> Question:
    from quiz.bank import load_bank

    return next(q for q in load_bank() if q.id == qid)


def test_a_contradiction_is_shown_and_in_the_exam_json(runner: CliRunner, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    bank = tmp_path / "bank.yaml"
    bank.write_text(yaml.safe_dump({
        "contrasts": [["def", "async def"], ["thread pool", "event loop"]],
        "questions": [{"id": "endpoints", "question": "Where does a def endpoint run?",
                       "answer": "A plain def endpoint runs in the thread pool.",
                       "key_points": [{"point": "A plain def endpoint runs in the thread pool",
                                       "subject": ["def"], "terms": ["thread pool"]},
                                      {"point": "Blocking calls are fine there",
                                       "terms": ["blocking calls"]}]}],
    }))
    monkeypatch.setenv("QUIZ_BANK", str(bank))
    text = "An async def endpoint runs in the thread pool.\n"
    result = runner.invoke(app, ["exam", "--json", "--time", "0", "--seed", "1"], input=text)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)["answers"][0]
    assert answer["suggested"] == "Again"
    assert answer["contradictions"][0]["said"] == "async def"
    assert answer["contradictions"][0]["instead"] == "def"
    screen = runner.invoke(app, ["exam", "--time", "0", "--seed", "1"], input=text)
    out = " ".join(screen.stdout.split())
    assert "You said: async def endpoint runs in the thread pool" in out
    assert "It is def, not async def" in out


def test_a_missed_point_shows_the_closest_part_and_what_it_lacked() -> None:
    g = grade("Registration happens in the path operation parameters.", DEPENDENCIES)
    declared = g.points[0]
    assert not declared.hit
    assert declared.near == "registration happens in the path operation parameters"
    assert declared.lacked == "declared, depends"


def test_a_pitfall_voids_only_its_own_statement() -> None:
    q = load_builtin("request-validation")
    g = grade("Pydantic validates the body; I write custom checks with @validator, and bad input returns 422",
              q)
    assert g.pitfalls
    assert next(p for p in g.points if "422" in p.point).hit


@pytest.mark.parametrize(("qid", "answer"), [
    ("request-validation", "I write custom checks with the validator decorator on the model."),
    ("background-tasks", "Background tasks run in a separate worker process, after the response."),
])
def test_a_bank_synonym_names_a_pitfall_in_another_wording(qid: str, answer: str) -> None:
    assert grade(answer, load_builtin(qid)).pitfalls


# --- the blind corpus: tuning half and held-back half ---------------------------------------------

#: What the grader reached on each half of tests/answers/corpus (measured by bench_grading.py, the
#: README states the held-back figures), held here a few points lower. The held-back half is never
#: read to change the grader: a figure below issue 19's target is stated, not tuned.
CORPUS_FLOORS: dict[str, dict[str, float]] = {
    "tune": {"strong_spoken Good or Easy": 0.72, "strong_bullets Good or Easy": 0.87,
             "strong_typos Good or Easy": 0.80, "wrong Again": 0.87, "swapped named": 0.65,
             "swapped Hard or below": 0.92, "misconception named": 0.86,
             "misconception Hard or below": 0.93, "other_question Again": 0.82,
             "partial Again or Hard": 0.95},
    "heldout": {"strong_spoken Good or Easy": 0.57, "strong_bullets Good or Easy": 0.33,
                "strong_typos Good or Easy": 0.35, "wrong Again": 0.87, "swapped named": 0.06,
                "swapped Hard or below": 0.80, "misconception named": 0.40,
                "misconception Hard or below": 0.77, "other_question Again": 0.92,
                "partial Again or Hard": 0.95},
}
CORPUS_CEILINGS: dict[str, dict[str, float]] = {
    "tune": {"wrong Good or Easy": 0.03, "fair_rejection flagged": 0.03},
    "heldout": {"wrong Good or Easy": 0.07, "fair_rejection flagged": 0.05},
}


@pytest.mark.parametrize("half", ["tune", "heldout"])
def test_the_blind_corpus_figures_hold(half: str) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from grading_figures import corpus, figures

    from quiz.bank import load_bank

    rows = corpus(half)
    count = len(rows)
    assert count >= 450, f"the {half} half has {count} answers"
    measured = figures(rows, {q.id: q for q in load_bank()})
    low = {name: round(measured[name], 3) for name, floor in CORPUS_FLOORS[half].items()
           if not measured[name] >= floor}
    high = {name: round(measured[name], 3) for name, ceiling in CORPUS_CEILINGS[half].items()
            if not measured[name] <= ceiling}
    assert low == {} and high == {}


@pytest.mark.parametrize("answer", ["- swap deps in tests", "- tests: replace a dependency with a fake"])
def test_the_bank_synonyms_credit_short_forms_and_other_verbs(answer: str) -> None:
    """Terse notes say `deps`, `db`, `params`, `config`; people say replace or swap for override."""
    g = grade(answer, load_builtin("dependency-injection"))
    assert next(p for p in g.points if p.point == "Easy to test by overriding dependencies").hit


STATUS = Question(
    "status", 1, "What does a request without a token get?", "401 with WWW-Authenticate.",
    (KeyPoint("A missing token gets 401", ("401",)),),
    pitfalls=(Pitfall("A missing token gets 403.", ("403", "forbidden"), "It gets 401.",
                      subject=("missing token", "no token", "not authenticated")),),
)


@pytest.mark.parametrize(("answer", "named"), [
    ("A request with a missing token gets 403.", True),
    ("If there is no token the helper answers Forbidden.", True),  # any wording of either part
    ("Not authenticated? Then it is 403.", False),  # another sentence
    ("Not authenticated, it is 403.", True),  # the next part of the sentence points back
    ("A missing token gets 401, a missing role 403.", False),  # 403 said of another subject
    ("A missing token gets 401 and a missing role gets 403.", False),
    ("A missing token gets 401, not 403.", False),
    ("Older tutorials say a missing token gets 403.", False),
    ("The helper answers 403 for a missing token.", True),  # "answers" the verb, not "some answers"
])
def test_a_pitfall_with_a_subject_is_named_only_when_said_of_it(answer: str, named: bool) -> None:
    assert bool(grade(answer, STATUS).pitfalls) is named


def test_a_pitfall_subject_round_trips_through_the_bank_format(tmp_path: Path) -> None:
    from quiz.bank import load_bank

    bank = tmp_path / "bank.yaml"
    bank.write_text(yaml.safe_dump({"questions": [{
        "id": "status", "question": "What does a request without a token get?", "answer": "401.",
        "key_points": [{"point": "A missing token gets 401", "terms": ["401"]}],
        "pitfalls": [{"claim": "A missing token gets 403.", "terms": ["403"], "correction": "401.",
                      "subject": ["missing token"]}]}]}))
    for _ in range(2):  # parsed, then read back from the cache
        q = load_bank([bank]).get("status")
        assert q.pitfalls[0].subject == ("missing token",)
        assert q.pitfalls[0].to_dict()["subject"] == ["missing token"]
        assert grade("A missing token gets 403.", q).pitfalls
        assert not grade("A missing role gets 403.", q).pitfalls


@pytest.mark.parametrize(("qid", "answer"), [
    ("authentication", "HTTPBearer answers 403 when the Authorization header is missing."),
    ("starlette", "Starlette is the web server underneath FastAPI."),
    ("background-tasks", "Background tasks are executed in a separate worker process after the response."),
    ("scaling", "Uvicorn workers share memory so a module-level dict works as a cache."),
    ("cors", "CORS stops other servers and curl from calling the API."),
    ("testing", "TestClient spins up a real uvicorn server for the tests."),
    ("rbac", "A logged-in user who lacks the admin role should get a 401."),
    ("rate-limiting", "When a client exceeds the limit, return 403 Forbidden."),
])
def test_classic_misconceptions_are_named_in_other_wordings(qid: str, answer: str) -> None:
    g = grade(answer, load_builtin(qid))
    assert g.pitfalls and g.suggested <= Rating.HARD


@pytest.mark.parametrize(("answer", "flagged"), [
    ("def endpoints block the event loop.", True),
    ("Plain def endpoints do not block the event loop: they run in the thread pool.", False),
    ("Sync endpoints don't block the event loop.", False),
    ("def endpoints never block the event loop.", False),
])
def test_a_negation_inside_a_claims_words_says_the_opposite(answer: str, flagged: bool) -> None:
    """"does not block" is a statement of its own (the negation is not a cue before a negative
    word), but inside a pitfall's words it says the opposite of the pitfall."""
    assert bool(grade(answer, load_builtin("async-vs-def")).pitfalls) is flagged


GRADE_EVERY_ANSWER = """
import json, sys, yaml
from pathlib import Path
from quiz.bank import load_bank
from quiz.grading import grade
questions = {q.id: q for q in load_bank([Path("questions")]).questions}
out = []
for path in sorted(Path("tests/answers/corpus").glob("tune-*.yaml")):
    for row in yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]:
        g = grade(row["text"], questions[row["question"]])
        out.append(repr(g))
json.dump(out, sys.stdout)
"""


def test_an_answer_grades_the_same_in_every_process() -> None:
    """Python salts its string hashes per process: the grade (score, what was matched, what it
    names) must not depend on the order of a set."""
    root = Path(__file__).resolve().parent.parent
    runs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", GRADE_EVERY_ANSWER], cwd=root, env=env,
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout))
    assert len(runs[0]) > 400
    assert runs[0] == runs[1]
