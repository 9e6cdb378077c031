"""What a sentence says: a claim put behind words that reject it (a myth, a belief of others, a
question answered no, a denied frame) is not the candidate's claim; the same claim behind words
that assert it ("I think", "the docs say", "Contrary to what many think,") is. Checked on the
built-in banks' own pitfalls, as the candidate sees it: what the graded answer names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from quiz.bank import load_bank
from quiz.grading import grade
from quiz.model import BUILTIN_BANKS, KeyPoint, Question

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from bench_rejections import ASSERT, CHECK, TUNE, fill  # noqa: E402

#: A sample of the banks' pitfalls (bench/bench_rejections.py runs every one): question, claim's start.
SAMPLE = [
    ("fastapi", "scaling", "Uvicorn workers share memory"),
    ("fastapi", "background-tasks", "BackgroundTasks run in another process"),
    ("fastapi", "dependency-injection", "A dependency is built once at startup"),
    ("fastapi", "request-validation", "Convert models with .dict()"),
    ("fastapi", "middleware", "The first middleware added is the outermost"),
    ("fastapi", "api-docs", "FastAPI generates a Swagger 2.0"),
    ("senior", "idempotency-keys", "POST is idempotent"),
    ("senior", "request-id-threads", "A contextvar is thread-local"),
]


def _pitfall(bank: str, qid: str, start: str) -> tuple[Question, str]:
    q = load_bank(None if bank == "fastapi" else [BUILTIN_BANKS[bank]]).get(qid)
    return q, next(p.claim for p in q.checked_pitfalls if p.claim.startswith(start))


def _named(answer: str, q: Question, claim: str) -> bool:
    return any(h.claim == claim for h in grade(answer, q).pitfalls)


@pytest.mark.parametrize(("bank", "qid", "start"), SAMPLE)
def test_a_claim_behind_words_that_reject_it_is_not_named(bank: str, qid: str, start: str) -> None:
    q, claim = _pitfall(bank, qid, start)
    assert _named(fill("{X}.", claim), q, claim)  # said plainly, it is named
    flagged = [text for text in (fill(opener, claim) for opener in TUNE + CHECK)
               if (g := grade(text, q)).pitfalls or g.contradictions]
    assert flagged == []


@pytest.mark.parametrize(("bank", "qid", "start"), SAMPLE)
def test_a_claim_behind_words_that_assert_it_is_named(bank: str, qid: str, start: str) -> None:
    q, claim = _pitfall(bank, qid, start)
    missed = [text for text in (fill(opener, claim) for opener in ASSERT) if not _named(text, q, claim)]
    assert missed == []


WORKERS = ("fastapi", "scaling", "Uvicorn workers share memory")


@pytest.mark.parametrize(("answer", "named"), [
    ("Uvicorn workers share memory, so a global works as a cache.", True),
    ("None of the workers share memory; each is its own process.", False),
    ("Nobody should think workers share memory.", False),
    ("It's no longer the case that the workers share memory.", False),
    ("It is not true that with four processes the workers share memory.", False),  # past four words
    ("That doesn't mean the workers share memory.", False),
    ("Do the workers share memory? No, each has its own.", False),
    ("Do the workers share memory? Yes, so a global is enough.", True),
    ("I thought the workers share memory until I measured it.", False),
    ("I think the workers share memory.", True),
    ("The docs say workers share memory.", True),  # an authority's saying asserts
    ("Many developers assume the workers share memory.", False),
    ("You'll often hear that workers share memory; they don't.", False),
    ("Contrary to what many think, the workers share memory.", True),  # the frame ends at the comma
    ("Some say workers share memory. Not so.", False),
    ("The idea that workers share memory is a misconception.", False),
])
def test_how_a_sentence_frames_a_claim_decides_whether_it_is_named(answer: str, named: bool) -> None:
    q, claim = _pitfall(*WORKERS)
    assert _named(answer, q, claim) is named


def test_a_report_reaches_the_consequence_and_the_brackets_of_its_sentence_but_not_past_but() -> None:
    q, claim = _pitfall("fastapi", "background-tasks", "BackgroundTasks run in another process")
    assert not _named("Many people assume it's simple, so BackgroundTasks run in another process.", q, claim)
    assert not _named("Newcomers think the tasks are durable (BackgroundTasks run in another process).",
                      q, claim)
    assert _named("Some people use Celery, but BackgroundTasks run in another process.", q, claim)


def test_a_call_s_brackets_do_not_cut_the_sentence() -> None:
    q, claim = _pitfall("fastapi", "request-validation", "Convert models with .dict()")
    assert not _named("It's a myth that you convert with .dict() and parse input with parse_obj().", q, claim)


def test_a_denied_frame_denies_the_whole_claim_for_a_key_point_too() -> None:
    q = Question("w", 1, "Workers?", "!", (KeyPoint("Each worker has its own memory",
                                                    ("each worker has its own memory",)),))
    assert grade("Each worker has its own memory.", q).points[0].hit
    assert not grade("It is not true that each worker has its own memory.", q).points[0].hit
    assert not grade("Nothing says each worker has its own memory.", q).points[0].hit
    assert grade("You read the body with await request.body(), and each worker has its own memory.",
                 q).points[0].hit


def test_a_pitfall_s_consequence_earns_no_key_point() -> None:
    """"X, so Y": Y goes on from the wrong claim; it is not credited on its own."""
    pitfalls = _pitfall("fastapi", "background-tasks", "BackgroundTasks run in another")[0].checked_pitfalls
    q = Question("bg", 1, "Background tasks?", "!", (KeyPoint("Fine for emails", ("send emails",)),),
                 pitfalls=pitfalls)
    assert grade("They send emails after the response.", q).points[0].hit
    g = grade("BackgroundTasks run in another process, so they send emails and heavy jobs.", q)
    assert g.pitfalls and not g.points[0].hit
    g = grade("BackgroundTasks run in another process, but they send emails fine.", q)
    assert g.pitfalls and g.points[0].hit  # a `but` clause says something of its own


@pytest.mark.parametrize("answer", [
    'Instead of registering handlers with @app.on_event("startup"), use lifespan.',
    "Rather than putting startup code in an @app.on_event handler, I use lifespan.",
    "I use lifespan instead of the @app.on_event startup handler.",
])
def test_the_alternative_turned_down_by_instead_of_is_not_named(answer: str) -> None:
    q, claim = _pitfall("fastapi", "starlette", "Startup code goes in")
    assert not _named(answer, q, claim)
    assert _named('Startup code goes in an @app.on_event("startup") handler.', q, claim)


def _one(term: str, point: str = "zzz qqq") -> Question:
    return Question("one", 1, "Q?", "!", (KeyPoint(point, (term,)),))


@pytest.mark.parametrize(("term", "answer", "hit"), [
    ("shows started", "a status endpoint shows state and result", False),  # a typo is one letter
    ("receives the body", "it recieves the body", True),  # two letters swapped
    ("pydantic serializes", "Pydantic does the JSON serialising", True),  # British -ise
    ("containerize", "it ships as a container image", True),  # one stem starts the other
    ("OpenAPI 3.0 document", "FastAPI serves an OpenAPI 3.1 document", False),  # another number
])
def test_a_word_is_the_same_give_or_take_an_ending_or_one_typo(term: str, answer: str, hit: bool) -> None:
    assert grade(answer, _one(term)).points[0].hit is hit


@pytest.mark.parametrize("answer", [
    "- return type -> Pydantic serializes to JSON bytes (ORJSONResponse not needed)",
    "threading.local is no good here, because many requests share one thread on the loop.",
])
def test_a_negated_judgement_right_after_the_claim_rejects_it(answer: str) -> None:
    from quiz.model import Pitfall

    q = Question("p", 1, "Q?", "!", (KeyPoint("zzz qqq", ("zzz",)),), pitfalls=(
        Pitfall("Use ORJSONResponse.", ("use ORJSONResponse",), "Not needed."),
        Pitfall("Keep it in a threading.local.", ("threading.local",), "Use a ContextVar.")))
    assert grade(answer, q).pitfalls == ()
    assert grade("Return ORJSONResponse, not JSONResponse.", q).pitfalls  # the first is asserted


def test_a_rejecting_word_written_as_code_rejects_nothing() -> None:
    """`deprecated=True` is an API's parameter, not a verdict: a claim about it can be a pitfall."""
    from quiz.model import Pitfall

    q = Question("v", 1, "Versioning?", "!", (KeyPoint("zzz qqq", ("zzz",)),), pitfalls=(
        Pitfall("deprecated=True removes the route.", ("removes the endpoint",), "It only marks it."),))
    assert grade("Setting deprecated=True removes the endpoint from the app.", q).pitfalls
    assert grade("Field(examples=[...]) aside, deprecated=True removes the endpoint.", q).pitfalls
    assert not grade("Some tutorials say deprecated=True removes the endpoint.", q).pitfalls
    assert not grade("deprecated=True removes the endpoint, which is wrong.", q).pitfalls


@pytest.mark.parametrize(("term", "answer", "hit"), [
    ("regex=", "Constrain it with Field(regex=...).", True),
    ("regex=", "Pydantic v2 uses Field(pattern=...) (a Rust regex, no look-around).", False),
    ("dependencies=[", "It resolves further dependencies and injects the result.", False),
    ("dependencies=[", "Put them in dependencies=[Depends(verify)] on the router.", True),
    # a phrase's first and last word are one word: it needs both, in order
    ("timeout-keep-alive is the request timeout",
     "--timeout-keep-alive closes idle connections between requests", False),
])
def test_a_keyword_argument_is_code_and_a_phrase_needs_both_ends(term: str, answer: str, hit: bool) -> None:
    assert grade(answer, _one(term)).points[0].hit is hit


def test_while_and_however_inside_a_claim_keep_it_in_its_sentence() -> None:
    """"after a while", "however deep": a temporal `while` and a `however` with no comma after it
    start no contrast, so what frames the claim frames all of it."""
    q, claim = _pitfall("fastapi", "caching", "lru_cache entries expire")
    assert _named("lru_cache entries expire after a while.", q, claim)
    assert not _named("A classic misunderstanding: lru_cache entries expire after a while. That isn't so.",
                      q, claim)
    q, claim = _pitfall("fastapi", "pagination", "Offset pagination stays fast")
    assert not _named("Some say offset pagination stays fast however deep the page. Not so.", q, claim)
