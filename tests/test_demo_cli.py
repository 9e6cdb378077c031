"""`quiz demo` as a user runs it: one demo, --list, --all, --copy, --serve on a real server."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from quiz.cli import app

ROOT = Path(__file__).resolve().parents[1]


def test_a_demo_shows_source_steps_and_checks(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "middleware"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "middleware.py" in out and "@app.middleware" in out  # the source
    assert "▶ The middleware runs before and after the endpoint" in out  # a step
    assert "GET /slow" in out and "x-process-time" in out  # a request and a header that matters
    assert "✔ the slow endpoint (a 0.05 s await) measures at least 0.05 s" in out
    assert "middleware: 14/14 checks passed" in out


def test_a_demo_by_question_number(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "3", "--quiet"])
    assert result.exit_code == 0
    assert "@app.middleware" not in result.stdout  # --quiet: no source
    assert "checks passed" in result.stdout


def test_an_unknown_demo_suggests(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "midleware"])
    assert result.exit_code == 1
    assert "Error: There is no demo 'midleware'. Did you mean 'middleware'" in result.stderr


def test_an_unknown_question_number(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "99"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: There is no question 99: numbers run 1 to 40."


def test_copy_into_a_folder_that_cannot_be_made_is_one_sentence(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["demo", "middleware", "--copy", str(blocker / "sub")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Cannot write into {blocker / 'sub'}:")
    assert blocker.read_text() == "not a folder"


def test_demo_without_a_name_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 2
    assert "quiz demo --list" in result.output


def test_demo_list(runner: CliRunner) -> None:
    result = runner.invoke(app, ["demo", "--list", "--json"])
    assert result.exit_code == 0
    rows = {r["demo"]: r for r in json.loads(result.stdout)}
    assert 3 in rows["middleware"]["questions"]
    assert rows["middleware"]["title"].startswith("Middleware")


def test_a_failing_demo_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    demos = tmp_path / "demos"
    demos.mkdir()
    (demos / "liar.py").write_text(
        '"""A demo whose claim is false."""\nfrom fastapi import FastAPI\napp = FastAPI()\n'
        "@app.get('/')\ndef root():\n    return {'n': 1}\n# --- tour ---\n"
        "def tour(t):\n    t.step('n is two')\n    t.check('n == 2', t.get('/').json()['n'] == 2)\n"
    )
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "questions:\n  - id: liar\n    question: q?\n    answer: a.\n"
        "    key_points: [{point: p, terms: [p]}]\n    demo: liar\n"
    )
    result = runner.invoke(app, ["--bank", str(bank), "demo", "liar", "--trust"])
    assert result.exit_code == 1
    assert "✘ n == 2" in result.stdout
    assert "0/1 checks passed" in result.stdout
    result = runner.invoke(app, ["--bank", str(bank), "demo", "--all", "--json", "--trust"])
    assert result.exit_code == 1
    rows = {r["demo"]: r for r in json.loads(result.stdout)}
    assert rows["liar"]["ok"] is False
    assert rows["middleware"]["ok"] is True


def test_copy_writes_a_standalone_file_and_never_overwrites(runner: CliRunner, tmp_path: Path) -> None:
    dest = tmp_path / "play"
    result = runner.invoke(app, ["demo", "middleware", "--copy", str(dest)])
    assert result.exit_code == 0
    copied = dest / "middleware.py"
    assert copied.is_file()
    probe = subprocess.run(
        [sys.executable, "-c", "import middleware; print(type(middleware.app).__name__)"],
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.strip() == "FastAPI", probe.stderr
    copied.write_text("# my edits\n")
    again = runner.invoke(app, ["demo", "middleware", "--copy", str(dest)])
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert copied.read_text() == "# my edits\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_a_real_uvicorn_server(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "QUIZ_HOME": str(tmp_path), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "quiz", "demo", "middleware", "--serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                docs = httpx2.get(f"http://127.0.0.1:{port}/docs", timeout=2)
                break
            except httpx2.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()
        fast = httpx2.get(f"http://127.0.0.1:{port}/fast", timeout=5)
        assert fast.json() == {"speed": "fast"}
        assert float(fast.headers["x-process-time"]) < 1
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/docs" in output
    assert "Traceback" not in output


def test_serve_on_a_port_in_use_is_one_sentence(runner: CliRunner) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["demo", "middleware", "--serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: Port {port} on 127.0.0.1 is in use: choose another with --port."


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["list"], ["show", "3"], ["validate", "questions"], ["stats"], ["practice", "--list"]],
)
def test_commands_without_demos_never_import_the_web_stack(argv: list[str]) -> None:
    code = (
        "import sys\nfrom quiz.cli import app\n"
        "try:\n    app(" + repr(argv) + ")\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('fastapi', 'uvicorn', 'httpx2', 'starlette') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert "HEAVY []" in proc.stderr, proc.stderr


def _masked(text: str) -> str:
    return re.sub(r"\d+\.\d+|\d+ ms", "N", text)  # measured times differ between two runs


@pytest.mark.parametrize(
    "argv",
    [["demo", "middleware", "--quiet"], ["demo", "-q", "3"], ["demo", "cors"], ["demo", "midleware"],
     ["demo", "99", "-q"], ["demo", "middleware", "--quiet", "--no-color"]],
)
def test_a_demo_run_as_a_user_runs_it_says_what_the_typer_app_says(
    runner: CliRunner, argv: list[str]
) -> None:
    """`quiz demo TOPIC [-q]` is read without Typer (start-up): the same output and exit code."""
    proc = subprocess.run([sys.executable, "-m", "quiz", *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    result = runner.invoke(app, argv)
    assert (proc.returncode, _masked(proc.stdout), _masked(proc.stderr)) == (
        result.exit_code, _masked(result.stdout), _masked(result.stderr))
    assert proc.stdout or proc.stderr


def test_one_demo_imports_no_typer() -> None:
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('TYPER', 'typer' in sys.modules, file=sys.stderr))\n"
            "sys.argv = ['quiz', 'demo', 'middleware', '--quiet']\nfrom quiz.launch import main\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "middleware: 14/14 checks passed" in proc.stdout
    assert "TYPER False" in proc.stderr, proc.stderr


def test_a_demo_file_named_on_the_command_line_runs(runner: CliRunner, tmp_path: Path) -> None:
    mine = tmp_path / "mine.py"
    mine.write_text((ROOT / "demos" / "middleware.py").read_text())
    result = runner.invoke(app, ["demo", str(mine), "--quiet"])
    assert result.exit_code == 0, result.output
    assert re.search(r"mine: (\d+)/\1 checks passed", result.stdout), result.stdout
    missing = runner.invoke(app, ["demo", str(tmp_path / "nope.py")])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"Error: There is no demo file {tmp_path / 'nope.py'}."


def test_copy_prints_commands_that_work_from_any_folder(tmp_path: Path) -> None:
    """Run as a user would: the venv's own `quiz`, not on PATH, from another folder."""
    script = Path(sys.executable).with_name("quiz")
    env = {"PATH": "/usr/bin:/bin", "QUIZ_HOME": str(tmp_path / "home"), "NO_COLOR": "1", "COLUMNS": "300"}
    dest = tmp_path / "play"
    out = subprocess.run([str(script), "demo", "middleware", "--copy", str(dest)], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    commands = [line.strip() for line in out.stdout.splitlines() if line.startswith("  ")]
    assert [c.split()[-1] for c in commands] == ["--watch", "--serve"]
    assert "fastapi dev" not in out.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(commands[0].replace("--watch", "--quiet"), shell=True, cwd=elsewhere,
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert re.search(r"middleware: (\d+)/\1 checks passed", run.stdout), run.stdout


def test_watch_runs_again_on_every_save_until_ctrl_c(tmp_path: Path) -> None:
    import pexpect

    mine = tmp_path / "mine.py"
    source = (ROOT / "demos" / "middleware.py").read_text()
    mine.write_text(source)
    env = {**os.environ, "QUIZ_HOME": str(tmp_path / "home"), "TERM": "dumb", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "quiz", "demo", str(mine), "--watch"], env=env,
                          encoding="utf-8", dimensions=(50, 150), timeout=60)
    try:
        child.expect(r"mine: (\d+)/\1 checks passed")
        child.expect_exact("Watching mine.py: save it to check again (Ctrl-C stops).")
        time.sleep(0.5)  # the watcher is up
        mine.write_text(source.replace('f"{elapsed:.4f}"', '"0.123"'))
        child.expect_exact("run 2")
        child.expect_exact("✘ the fast endpoint measures less than half of that")
        child.expect(r"mine: (\d+)/(\d+) checks passed")
        assert child.match.group(1) != child.match.group(2)
        child.expect_exact("Watching mine.py")
        assert "GET /fast" not in child.before  # compact: checks only
        child.sendintr()
        child.expect_exact("Stopped watching.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def bank_with_demos(tmp_path: Path, demos: dict[str, str]) -> Path:
    """A bank of one question a demo, each demo a file with `app` and the given tour body."""
    folder = tmp_path / "demos"
    folder.mkdir()
    questions = []
    for slug, tour in demos.items():
        (folder / f"{slug}.py").write_text(
            f'"""The {slug} demo."""\nfrom fastapi import FastAPI\napp = FastAPI()\n# --- tour ---\n'
            f"def tour(t):\n{tour}")
        questions.append(f"  - id: {slug}\n    question: q?\n    answer: a.\n"
                         f"    key_points: [{{point: p, terms: [p]}}]\n    demo: {slug}\n")
    bank = tmp_path / "bank.yaml"
    bank.write_text("questions:\n" + "".join(questions))
    return bank


def test_all_reports_a_demo_that_ends_its_process_and_runs_the_others(tmp_path: Path) -> None:
    """`--all` runs demos in worker processes: one that ends its process is a failed row, not
    the end of quiz; the rows keep the demos' order."""
    bank = bank_with_demos(tmp_path, {
        "first": "    t.check('one', True)\n",
        "quitter": "    import os\n    t.check('one', True)\n    os._exit(3)\n",
        "last": "    t.check('one', True)\n",
    })
    env = {**os.environ, "QUIZ_HOME": str(tmp_path / "home")}
    argv = ["--bank", str(bank), "demo", "--all", "--json", "--trust"]
    proc = subprocess.run([sys.executable, "-m", "quiz", *argv], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 1, proc.stderr
    rows = json.loads(proc.stdout)
    names = [r["demo"] for r in rows]
    assert names[:3] == ["first", "quitter", "last"] and "middleware" in names
    by_name = {r["demo"]: r for r in rows}
    assert by_name["quitter"]["ok"] is False
    assert by_name["quitter"]["failure"].startswith("the demo's process stopped")
    assert [n for n, r in by_name.items() if not r["ok"]] == ["quitter"]


def test_ctrl_c_stops_every_demo_of_all_and_each_cleans_up(tmp_path: Path) -> None:
    import pexpect

    running = tmp_path / "running"
    bank = bank_with_demos(tmp_path, {
        "waiter": (f"    import pathlib, time\n    mark = pathlib.Path({str(running)!r})\n"
                   "    mark.write_text('x')\n    try:\n"
                   "        for _ in range(1200):  # up to a minute: Ctrl-C comes first\n"
                   "            time.sleep(0.05)\n    finally:\n        mark.unlink()\n"
                   "    t.check('one', True)\n"),
    })
    env = {**os.environ, "QUIZ_HOME": str(tmp_path / "home"), "TERM": "dumb", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "quiz", "--bank", str(bank), "demo", "--all", "--trust"],
                          env=env, encoding="utf-8", dimensions=(50, 150), timeout=60, cwd=str(tmp_path))
    try:
        for _ in range(1200):  # until the demo runs (or pexpect's timeout below ends the test)
            if running.exists():
                break
            time.sleep(0.05)
        assert running.exists()
        child.sendintr()
        child.expect_exact("Interrupted.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert not running.exists()  # the demo's own cleanup ran


def test_all_runs_demos_at_the_same_time(tmp_path: Path) -> None:
    """Each of two demos waits for the other to have started: they pass only when both run at
    once (in one process, one after the other, the first would wait in vain)."""
    def meets(me: str, other: str) -> str:
        return (f"    import pathlib, time\n    here = pathlib.Path({str(tmp_path)!r})\n"
                f"    (here / '{me}').write_text('x')\n"
                f"    for _ in range(600):  # up to 30 s; the other one comes much sooner\n"
                f"        if (here / '{other}').exists():\n            break\n        time.sleep(0.05)\n"
                f"    t.check('met the other demo', (here / '{other}').exists())\n")

    bank = bank_with_demos(tmp_path, {"ping": meets("ping.started", "pong.started"),
                                      "pong": meets("pong.started", "ping.started")})
    env = {**os.environ, "QUIZ_HOME": str(tmp_path / "home")}
    argv = ["--bank", str(bank), "demo", "--all", "--json", "--trust"]
    proc = subprocess.run([sys.executable, "-m", "quiz", *argv], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    rows = {r["demo"]: r for r in json.loads(proc.stdout)}
    assert rows["ping"]["ok"] and rows["pong"]["ok"], proc.stdout
    assert proc.returncode == 0
