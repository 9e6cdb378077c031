"""`quiz list`, `quiz show`, `quiz validate`, `--bank`, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from quiz.cli import app

from .test_bank import GOOD


def bank_file(tmp_path: Path, text: str = GOOD) -> Path:
    path = tmp_path / "bank.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("list", "show", "validate", "demo"):
        assert command in result.stdout
    assert "Examples" in result.stdout


def test_list_shows_the_builtin_bank(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert "middleware" in result.stdout
    assert "Explain Middleware in FastAPI." in result.stdout


def test_list_json_with_filters(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--bank", str(bank_file(tmp_path)), "list", "--tag", "greek", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert rows == [
        {
            "number": 1,
            "id": "alpha",
            "topic": "letters",
            "tags": ["letters", "greek"],
            "difficulty": 2,
            "question": "What is alpha?",
            "demo": None,
        }
    ]


def test_list_search_and_topic(runner: CliRunner, tmp_path: Path) -> None:
    bank = str(bank_file(tmp_path))
    result = runner.invoke(app, ["-b", bank, "list", "--search", "second", "--json"])
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.stdout)] == ["beta"]
    result = runner.invoke(app, ["-b", bank, "list", "--topic", "leters"])
    assert result.exit_code == 1
    assert "Error: There is no topic 'leters'. Did you mean 'letters'?" in result.stderr


def test_show_by_number_and_by_id(runner: CliRunner, tmp_path: Path) -> None:
    bank = str(bank_file(tmp_path))
    by_number = runner.invoke(app, ["-b", bank, "show", "2"])
    by_id = runner.invoke(app, ["-b", bank, "show", "beta"])
    assert by_number.exit_code == by_id.exit_code == 0
    assert by_number.stdout == by_id.stdout
    assert "What is beta?" in by_id.stdout
    assert "The second letter." in by_id.stdout
    assert "It comes second" in by_id.stdout


def test_show_renders_answer_key_points_errata_and_follow_ups(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "3"])
    assert result.exit_code == 0
    for part in ("Answer", "Key points", "errata", "Follow-ups", "perf_counter", "quiz demo 3"):
        assert part in result.stdout


def test_show_unknown_suggests(runner: CliRunner) -> None:
    result = runner.invoke(app, ["show", "midleware"])
    assert result.exit_code == 1
    assert "Error: There is no question 'midleware'. Did you mean 'middleware'?" in result.stderr
    assert "Traceback" not in result.output


def test_validate_clean_bank(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(bank_file(tmp_path, GOOD + "bank_id: test\n"))])
    assert result.exit_code == 0
    assert "2 questions checked: 0 errors, 0 warnings." in result.stdout


def test_validate_lists_every_problem(runner: CliRunner, tmp_path: Path) -> None:
    text = GOOD.replace("    answer: The first letter.\n", "").replace(
        "    tags: [letters]\n", "    colour: x\n"
    )
    result = runner.invoke(app, ["validate", str(bank_file(tmp_path, text))])
    assert result.exit_code == 1
    assert "bank.yaml:3:5: alpha.answer: required field is missing" in result.stdout
    assert "bank.yaml:15:5: beta.colour: unknown field" in result.stdout
    assert "2 errors" in result.stdout


def test_validate_strict_turns_warnings_into_errors(runner: CliRunner, tmp_path: Path) -> None:
    path = str(bank_file(tmp_path, GOOD))  # no bank_id: a warning
    relaxed = runner.invoke(app, ["validate", path])
    strict = runner.invoke(app, ["validate", "--strict", path])
    assert relaxed.exit_code == 0
    assert "warning: bank_id: no bank_id" in relaxed.stdout
    assert strict.exit_code == 1
    # the summary counts what was printed: one warning, which --strict makes fail the check
    assert "warning: bank_id" in strict.stdout
    assert "0 errors, 1 warning (--strict: warnings fail the check)." in strict.stdout


def test_validate_json(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["validate", "--json", str(bank_file(tmp_path, GOOD.replace("beta", "alpha")))]
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"][0]["field"] == "id"
    assert data["errors"][0]["line"] == 10


def test_validate_a_missing_path(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.stdout


def test_a_broken_bank_for_any_command_is_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    path = str(bank_file(tmp_path, GOOD.replace("difficulty: 3", "difficulty: 9")))
    result = runner.invoke(app, ["--bank", path, "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "difficulty" in result.stderr
    assert "Traceback" not in result.output


def test_two_banks_combine(runner: CliRunner, tmp_path: Path) -> None:
    one = bank_file(tmp_path)
    two = tmp_path / "two.yaml"
    two.write_text(GOOD.replace("alpha", "gamma").replace("beta", "delta"), encoding="utf-8")
    result = runner.invoke(app, ["-b", str(one), "-b", str(two), "list", "--json"])
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.stdout)] == ["alpha", "beta", "gamma", "delta"]


def test_shell_completion_offers_ids_topics_and_demos(runner: CliRunner) -> None:
    cases = [
        ("quiz show midd", "middleware"),
        ("quiz list --topic sec", "security"),
        ("quiz demo asy", "async_vs_def"),
    ]
    for line, expected in cases:
        env = {"_QUIZ_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
        result = runner.invoke(app, [], env=env, prog_name="quiz")
        assert result.exit_code == 0
        assert expected in result.stdout, (line, result.stdout)


def test_search_says_where_it_matched_across_spaces_and_hyphens(runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "--search", "web socket", "--json"])
    assert result.exit_code == 0, result.output
    found = {q["id"]: q["matched"] for q in json.loads(result.stdout)}
    assert found["websockets"][:2] == ["question", "id"]
    table = runner.invoke(app, ["list", "--search", "Web-Sockets"])
    assert table.exit_code == 0, table.output
    assert "found in" in table.stdout and "matching 'Web-Sockets'" in table.stdout


def test_topic_and_tag_ignore_case(runner: CliRunner) -> None:
    upper = runner.invoke(app, ["list", "--topic", "SECURITY", "--tag", "Jwt", "--json"])
    lower = runner.invoke(app, ["list", "--topic", "security", "--tag", "jwt", "--json"])
    assert upper.exit_code == 0, upper.output
    assert json.loads(upper.stdout) == json.loads(lower.stdout) != []


def test_help_uses_one_argument_style_and_one_examples_layout(runner: CliRunner) -> None:
    usages = {"show": "QUESTION", "validate": "PATH...", "new": "BANK_DIR", "demo": "[TOPIC]"}
    for command, argument in usages.items():
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0] == f"Usage: quiz {command} [OPTIONS] {argument}"
    commands = ("drill", "exam", "stats", "due", "reset", "list", "show", "validate", "demo", "export", "new")
    for command in commands:
        text = runner.invoke(app, [command, "--help"]).stdout
        block = text[text.index("Examples:"):].split("\n\n")[0].splitlines()[1:]
        assert len(block) >= 3, command
        assert all(line.startswith("    quiz ") or "| quiz" in line for line in block), command


def test_show_keeps_inline_html_as_text(runner: CliRunner, tmp_path: Path) -> None:
    """A bank that teaches XSS keeps its examples: HTML in an answer is shown, not dropped."""
    answer = ("Raw HTML such as <b>bold</b>, <script>alert('xss')</script> and must be shown.\n\n"
              "<div class=\"note\">a block of HTML</div>\n")
    block = "    answer: |\n" + textwrap.indent(answer, "      ")
    text = GOOD.replace("    answer: The first letter.\n", block)
    result = runner.invoke(app, ["--bank", str(bank_file(tmp_path, text)), "show", "alpha"])
    assert result.exit_code == 0, result.output
    assert "Raw HTML such as <b>bold</b>, <script>alert('xss')</script> and must be shown." in result.stdout
    assert '<div class="note">a block of HTML</div>' in result.stdout


def test_a_long_list_prints_as_one_table(runner: CliRunner, tmp_path: Path) -> None:
    bank = tmp_path / "long.yaml"
    bank.write_text("questions:\n" + "".join(
        f"  - {{id: q{i}, question: Question {i}?, answer: A., key_points: [{{point: p, terms: [p]}}],"
        f" tags: [topic{i % 3}, extra]}}\n" for i in range(1, 251)), encoding="utf-8")
    result = runner.invoke(app, ["--bank", str(bank), "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = [line.split()[:2] for line in lines if line.strip()[:1].isdigit()]
    assert rows == [[str(i), f"q{i}"] for i in range(1, 251)]  # every question, in order
    assert sum(1 for line in lines if line.split()[:2] == ["#", "question"]) == 1  # one header
    starts = [line.index(f"q{i} ") for line in lines for i in (1, 99, 100, 101, 250)
              if line.split()[:2] == [str(i), f"q{i}"]]
    assert len(set(starts)) == 1  # the same columns across the whole list
    body = lines[lines.index(next(line for line in lines if line.split()[:2] == ["1", "q1"])):]
    assert all(line.strip() for line in body[:-1])  # no blank line inside it


def test_search_puts_the_most_relevant_first_and_tags_are_never_cut(runner: CliRunner) -> None:
    found = json.loads(runner.invoke(app, ["list", "--search", "settings", "--json"]).stdout)
    assert found[0]["id"] == "settings"  # its id, question area, a tag: before those with it in the answer
    weights = [sum({"id": 16, "question": 8, "tag": 4, "key point": 2, "answer": 1}[w] for w in q["matched"])
               for q in found]
    assert weights == sorted(weights, reverse=True) and len(found) > 3

    def at_80_columns(*args: str) -> str:
        env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
        env.pop("QUIZ_BANK", None)
        out = subprocess.run([sys.executable, "-m", "quiz", *args], capture_output=True, text=True, env=env,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        assert max(len(line) for line in out.stdout.splitlines()) <= 80
        return out.stdout

    table = at_80_columns("list", "--search", "settings")
    ids = [line.split()[1] for line in table.splitlines() if re.match(r"\s+\d+\s", line)]
    assert ids == [q["id"] for q in found]
    assert "found in id, answer," in table  # the line under the question (wrapped at 80)
    listed = at_80_columns("list", "--topic", "security")
    assert "…" not in listed and " authentication " in listed  # every tag whole


def test_a_command_run_alone_is_the_one_the_whole_app_has() -> None:
    """`quiz CMD` builds CMD alone (quiz.cli.COMMANDS names its module): the same command, the
    same options and help, and every command of the app is in the map."""
    import typer.main

    from quiz.cli import COMMANDS, app_for

    whole = typer.main.get_command(app)
    assert sorted(whole.commands) == sorted(COMMANDS)  # type: ignore[attr-defined]
    for name in COMMANDS:
        alone = typer.main.get_command(app_for(["--no-color", name, "--help"]))
        assert list(alone.commands) == [name]  # type: ignore[attr-defined]
        one, full = alone.commands[name], whole.commands[name]  # type: ignore[attr-defined]
        def shown(command: Any) -> list[tuple[Any, ...]]:
            return [(p.name, p.opts, getattr(p, "help", None)) for p in command.params]

        assert shown(one) == shown(full)
        assert (one.help, one.epilog) == (full.help, full.epilog)
    bare = typer.main.get_command(app_for(["--bank", "list"]))  # `list` is --bank's value: the drill
    assert list(bare.commands) == ["drill"]  # type: ignore[attr-defined]
    typo = typer.main.get_command(app_for(["lst"]))  # no such command: the whole app says so
    assert typo.commands.keys() == whole.commands.keys()  # type: ignore[attr-defined]


def test_show_imports_only_its_command_module(tmp_path: Path) -> None:
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
            "sys.argv = ['quiz', 'show', '3']\n"
            "from quiz.cli import main\n"
            "main()\n")
    env = {**os.environ, "QUIZ_HOME": str(tmp_path / "home")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "yaml" in first.stderr.split()  # parsed, then cached
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    imported = set(out.stderr.split())
    assert "Explain Middleware in FastAPI." in out.stdout and "quiz.commands.bank_cmds" in imported
    assert not imported & {"quiz.commands.export_cmd", "quiz.commands.drill_cmds", "quiz.export", "yaml",
                           "quiz.bank.yamlfile", "quiz.bank.problems", "quiz.bank.parsing", "_hashlib"}


def test_a_title_reads_as_rich_reads_a_string() -> None:
    """question_panel passes plain titles as Text (Rich's emoji table is not loaded for them):
    the same screen as the string for any title, markup and :emoji: codes included."""
    import io

    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    from quiz.ui.questions import title_text

    titles = ["#3 · middleware · core · difficulty 2/3",
              "new · left: 4 new · 0 learning · 0 due · d: see it run", "a :smile: b",
              "x [bold]y[/]", "early: due at 12:30:45", "a::b", "c:d", "\\[x]", ":thumbs_up:"]
    for title in titles:
        screens = []
        for given in (title, title_text(title)):
            console = Console(file=io.StringIO(), width=60, color_system="truecolor", force_terminal=True)
            console.print(Panel(Text("q"), title=given, subtitle=given))
            screens.append(console.file.getvalue())  # type: ignore[attr-defined]
        assert screens[0] == screens[1], title
    assert isinstance(title_text(titles[0]), Text) and title_text(":thumbs_up:") == ":thumbs_up:"


def test_the_drills_first_screen_loads_neither_the_grader_nor_rich_tables() -> None:
    code = ("import sys\nimport quiz.cli, quiz.session, quiz.store, quiz.ui.drill, quiz.ui.prompt\n"
            "from quiz.grading import Rating, Grade\n"
            "print(' '.join(m for m in ('rapidfuzz', 'Stemmer', 'quiz.grading.score', 'rich.table', 'fsrs',"
            " 'quiz.commands.export_cmd') if m in sys.modules))\n"
            "from quiz.grading import grade\nprint(grade.__module__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["", "quiz.grading.score"]


def test_the_start_ups_sha256_is_hashlibs() -> None:
    """quiz.paths.sha256 (CPython's own below 1 MB, so a command need not load OpenSSL) gives
    hashlib's digest on either side of the threshold, fed at once or in parts."""
    import hashlib

    from quiz.paths import LARGE_HASH, sha256

    for data in (b"", b"abc", b"\x00" * (LARGE_HASH - 1), b"x" * LARGE_HASH, bytes(range(256)) * 9000):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
        parts = sha256(data[:7])
        parts.update(data[7:])
        assert parts.digest() == hashlib.sha256(data).digest()


HOSTILE_BANK = """\
deck: "Deck \\u001b[2J"
questions:
  - id: hostile
    question: "What is \\u001b]52;c;aGVsbG8=\\u0007 a clipboard?"
    answer: "Errata \\u001b[2J here"
    key_points: [{point: A point, terms: [point]}]
"""


def test_list_and_show_as_a_user_runs_them_say_what_the_typer_app_says(tmp_path: Path) -> None:
    """`quiz list` and `quiz show N` (after --bank and --no-color only) are read without Typer
    (start-up): the same bytes on stdout and stderr and the same exit code as through Typer, in
    colour and without, from the cache and parsed."""
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(HOSTILE_BANK, encoding="utf-8")
    lines = [["list"], ["show", "3"], ["show", "middleware"], ["show", "99"], ["show", "midleware"],
             ["--no-color", "list"], ["--bank", "senior", "list"], ["-b", "senior", "show", "2"],
             ["--bank=senior", "--no-color", "show", "1"], ["--bank", str(tmp_path / "none"), "list"],
             ["--bank", str(hostile), "list"], ["--bank", str(hostile), "show", "1"],
             ["--bank", "senior", "--bank", str(hostile), "show", "hostile"]]
    seen: dict[str, tuple[int, str, str]] = {}
    typer_main = ("import sys\nfrom pathlib import Path\nimport quiz\nfrom quiz.cli import main\n"
                  "sys.argv[0] = str(Path(quiz.__file__).with_name('__main__.py'))\nmain()\n")  # as -m quiz
    for colour in ({"FORCE_COLOR": "1", "TERM": "xterm-256color"}, {"NO_COLOR": "1"}):
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "QUIZ_BANK")}
        env |= {"QUIZ_HOME": str(tmp_path / "home"), "COLUMNS": "90", **colour}
        for argv in lines:
            fast = subprocess.run([sys.executable, "-m", "quiz", *argv], capture_output=True, text=True,
                                  env=env, timeout=120)
            typed = subprocess.run([sys.executable, "-c", typer_main, *argv], capture_output=True, text=True,
                                   env=env, timeout=120)
            said = (fast.returncode, fast.stdout, fast.stderr)
            assert said == (typed.returncode, typed.stdout, typed.stderr)
            seen[" ".join(argv[-2:])] = said
    assert seen["list"][0] == 0 and "Explain Middleware in FastAPI." in seen["list"][1]
    assert seen["show 99"][0] == 1 and "There is no question 99" in seen["show 99"][2]
    assert "What is ␛]52;c;aGVsbG8=␇ a clipboard?" in seen["show hostile"][1]


def test_list_imports_no_typer(tmp_path: Path) -> None:
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('TYPER', 'typer' in sys.modules, file=sys.stderr))\n"
            "sys.argv = ['quiz', 'list']\nfrom quiz.launch import main\nmain()\n")
    env = {**os.environ, "QUIZ_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Explain Middleware in FastAPI." in proc.stdout
    assert "TYPER False" in proc.stderr, proc.stderr
    typer_line = subprocess.run([sys.executable, "-c", code.replace("'list'", "'list', '--json'")],
                                capture_output=True, text=True, env=env, timeout=60)
    assert "TYPER True" in typer_line.stderr  # an option after the command: Typer reads the line
