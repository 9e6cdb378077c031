"""Core key points (`core: true`): every one said and one point more -> at least Good."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.bank import BankError, load_bank, validate_paths
from quiz.bank.cache import CachedQuestion
from quiz.cli import app
from quiz.grading import Rating, grade
from quiz.model import KeyPoint, Pitfall, Question

POINTS = (
    KeyPoint("Declared with Depends() in the path operation's parameters", ("Depends",), core=True),
    KeyPoint("FastAPI calls the dependency per request and injects the result",
             ("per request", "injects the result"), core=True),
    KeyPoint("Dependencies can depend on other dependencies", ("sub-dependencies",)),
    KeyPoint("Overridden in tests with app.dependency_overrides", ("dependency_overrides",)),
    KeyPoint("Reuses shared logic such as database sessions", ("database session",)),
    KeyPoint("A dependency with yield runs its cleanup after the response", ("yield",)),
)
PITFALL = Pitfall("Depends() is resolved once at startup", ("once at startup",),
                  "It is resolved per request.")
CORE = Question("dependency-injection", 1, "What is dependency injection in FastAPI?", "!", POINTS,
                pitfalls=(PITFALL,))
PLAIN = Question("dependency-injection", 1, "What is dependency injection in FastAPI?", "!",
                 tuple(KeyPoint(k.point, k.terms) for k in POINTS), pitfalls=(PITFALL,))


@pytest.mark.parametrize(
    ("answer", "core", "plain"),
    [
        # both core points and one more: 3 of 6 is Hard by the share, Good with core points
        ("- Depends in the params\n- called per request\n- yield for cleanup", Rating.GOOD, Rating.HARD),
        # the core points alone do not lift: 2 of 6 stays Again
        ("- Depends in the params\n- called per request", Rating.AGAIN, Rating.AGAIN),
        # every core point and most others: the share decides above Good
        ("Depends, per request, sub-dependencies, dependency_overrides, a database session, yield",
         Rating.EASY, Rating.EASY),
        # a core point missed: the share decides (5 of 6 is Good), no cap
        ("Depends, sub-dependencies, dependency_overrides, a database session, yield",
         Rating.GOOD, Rating.GOOD),
        # a core point missed and little else: Again
        ("Depends and yield and sub-dependencies", Rating.HARD, Rating.HARD),
        # every core point and one more, but a pitfall asserted: at most Hard as always
        ("Depends is called per request, with yield for cleanup; it is resolved once at startup",
         Rating.HARD, Rating.HARD),
    ],
)
def test_core_points_decide_the_band(answer: str, core: Rating, plain: Rating) -> None:
    assert grade(answer, CORE).suggested is core
    assert grade(answer, PLAIN).suggested is plain


def test_the_score_is_still_the_share_and_each_result_says_whether_it_is_core() -> None:
    g = grade("- Depends in the params\n- called per request", CORE)
    assert g.score == 33
    assert [p.core for p in g.points] == [True, True, False, False, False, False]
    assert g.points[0].to_dict()["core"] is True
    assert "core" not in g.points[2].to_dict()
    assert all(p.core == k.core for p, k in zip(grade("", CORE).points, POINTS, strict=True))


def test_a_point_marked_as_said_lifts_the_rating_at_once() -> None:
    from dataclasses import replace

    from quiz.session import rescore

    g = grade("- Depends in the params\n- called per request", CORE)
    assert (g.score, g.suggested) == (33, Rating.AGAIN)
    said = rescore(g, [replace(p, hit=True) if p.point == POINTS[5].point else p for p in g.points])
    assert (said.score, said.suggested) == (50, Rating.GOOD)  # both core points and one more
    unsaid = rescore(said, [replace(p, hit=False) if p.point == POINTS[0].point else p for p in said.points])
    assert (unsaid.score, unsaid.suggested) == (33, Rating.AGAIN)


BANK = """\
bank_id: core-test
questions:
  - id: alpha
    question: What is dependency injection in FastAPI?
    answer: Depends() declares it; FastAPI calls it per request; sub-dependencies chain.
    key_points:
      - point: Declared with Depends()
        terms: [Depends]
        core: true
      - point: Called per request
        terms: [per request]
        core: true
      - point: Dependencies have sub-dependencies
        terms: [sub-dependencies]
  - id: beta
    question: What is middleware?
    answer: It wraps every request.
    key_points:
      - point: It wraps every request
        terms: [wraps every request]
{beta}"""
BETA_CORE = ("        core: true\n      - point: It is added with add_middleware\n"
             "        terms: [add_middleware]\n")


def write(tmp_path: Path, beta: str = BETA_CORE) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(BANK.format(beta=beta), encoding="utf-8")
    return path


def test_core_marks_load_from_the_file_and_from_the_cache(tmp_path: Path, quiz_home: Path) -> None:
    path = write(tmp_path)
    parsed = load_bank([path])
    cached = load_bank([path])
    assert isinstance(cached.questions[0], CachedQuestion)
    for bank in (parsed, cached):
        assert [[k.core for k in q.key_points] for q in bank] == [[True, True, False], [True, False]]
        assert bank.questions[0].key_points[0].to_dict()["core"] is True
        assert "core" not in bank.questions[0].key_points[2].to_dict()
    assert [p.core for p in grade("Depends, per request", cached.questions[0]).points] == [True, True, False]


def test_core_must_be_true_or_false(tmp_path: Path) -> None:
    path = write(tmp_path, BETA_CORE.replace("core: true", "core: essential"))
    with pytest.raises(BankError, match=r"alpha|beta"):
        load_bank([path])
    _, problems = validate_paths([path])
    assert any("key_points[0].core" in p.field for p in problems), problems


def test_every_point_core_is_an_error_and_a_question_without_core_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "        core: true\n")  # beta: its one point is core (allowed: one point)
    _, problems = validate_paths([path])
    assert problems == []
    beta = BETA_CORE.removeprefix("        core: true\n")
    all_core = BANK.format(beta=beta).replace("        terms: [sub-dependencies]\n",
                                              "        terms: [sub-dependencies]\n        core: true\n")
    path.write_text(all_core, encoding="utf-8")
    _, problems = validate_paths([path])
    [error] = [p for p in problems if p.severity == "error"]
    assert error.field == "alpha.key_points"
    assert "every key point is core" in error.message
    [warning] = [p for p in problems if p.severity == "warning"]  # beta marks none of its two
    assert warning.field == "beta.key_points"
    assert "no core key point" in warning.message
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code != 0
    assert "every key point is core" in result.output
    path.write_text(BANK.format(beta=""), encoding="utf-8")  # beta's one point: core or not, the same
    assert validate_paths([path])[1] == []


def test_show_marks_the_core_points(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = CliRunner().invoke(app, ["--bank", str(path), "show", "alpha"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "★ Declared with Depends()" in result.output
    assert "• Dependencies have sub-dependencies" in result.output
    assert "★ core: say every one, and one point more, for at least Good" in result.output


def test_exports_carry_core_and_mark_it_where_key_points_are_listed(tmp_path: Path, quiz_home: Path) -> None:
    import csv
    import io
    import json

    path = write(tmp_path)
    runner = CliRunner()

    def export(fmt: str, *more: str) -> str:
        result = runner.invoke(app, ["--bank", str(path), "export", "--format", fmt, *more])
        assert result.exit_code == 0, result.output
        return result.stdout

    data = json.loads(export("json"))
    assert [k.get("core", False) for k in data["questions"][0]["key_points"]] == [True, True, False]
    for fmt in ("yaml", "json"):  # the bank formats load back with their core points, and import
        again = tmp_path / f"again.{fmt}"
        export(fmt, "-o", str(again))
        assert [[k.core for k in q.key_points] for q in load_bank([again])] == [
            [True, True, False], [True, False]]
        imported = tmp_path / f"imported-{fmt}"
        result = runner.invoke(app, ["import", str(again), "-o", str(imported)])
        assert result.exit_code == 0, result.output
        assert [[k.core for k in q.key_points] for q in load_bank([imported])] == [
            [True, True, False], [True, False]]
    assert "- ★ Declared with Depends()\n- ★ Called per request\n- Dependencies have sub-dependencies" \
        in export("markdown")
    assert "<li>★ Declared with Depends()</li>" in export("html")
    rows = list(csv.DictReader(io.StringIO(export("csv"))))
    assert rows[0]["key_points"].split("\n") == ["★ Declared with Depends()", "★ Called per request",
                                                 "Dependencies have sub-dependencies"]
