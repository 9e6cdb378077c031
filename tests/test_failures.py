"""A broken environment: one sentence on stderr, exit 1, never a traceback.

QUIZ_HOME being a file, standard output that fails, `quiz new` where it cannot write, and a
full disk when the progress database is opened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app


def one_sentence(stderr: str) -> None:
    assert stderr.startswith("Error: ") and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


def quiz(*args: str, home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZ_HOME": str(home)}
    env.pop("QUIZ_BANK", None)
    return subprocess.run([sys.executable, "-m", "quiz", *args], env=env, text=True, check=False,
                          **kwargs)  # type: ignore[call-overload, no-any-return]


# --- 8. QUIZ_HOME (or its cache) is a file ------------------------------------------------------


def test_quiz_home_being_a_file(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("QUIZ_HOME", str(home))
    for args in (["list"], ["show", "3"], ["validate", "questions"], ["export", "-f", "json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)  # the cache only costs speed
    for args in (["stats"], ["due"], ["drill"]):
        result = runner.invoke(app, args, input="")
        assert result.exit_code == 1, (args, result.output)
        one_sentence(result.stderr)
        assert "is a file, not a folder" in result.stderr


def test_its_cache_being_a_file(runner: CliRunner, quiz_home: Path) -> None:
    quiz_home.mkdir()
    (quiz_home / "cache").write_text("not a folder", encoding="utf-8")
    for args in (["list"], ["show", "3"], ["stats"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)


# --- 9. standard output that fails -----------------------------------------------------------------


@pytest.mark.parametrize("args", [["export", "-f", "csv"], ["list", "--json"], ["show", "3"], ["stats"]])
def test_a_full_stdout_is_one_sentence(args: list[str], tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = quiz(*args, home=tmp_path, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 1
    one_sentence(done.stderr)
    assert "No space left on device" in done.stderr


@pytest.mark.parametrize("args", [["list", "--json"], ["export", "-f", "csv"], ["show", "3"]])
def test_a_closed_pipe_ends_quietly(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "QUIZ_HOME": str(tmp_path)}
    with subprocess.Popen([sys.executable, "-m", "quiz", *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # like `| head -c 10` that is already gone
        err = child.stderr.read()
        assert child.wait() == 1
    assert err == ""


# --- 10. quiz new where it cannot write -----------------------------------------------------------


def test_new_onto_a_dangling_symlink(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "bank"
    target.symlink_to(tmp_path / "nowhere")
    result = runner.invoke(app, ["new", str(target)])
    assert result.exit_code == 1
    one_sentence(result.stderr)
    assert "symbolic link" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_new_into_a_read_only_folder(runner: CliRunner, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes through permissions: /sys is read-only even for root
        target = Path("/sys/quiz-new-bank")
    else:
        (tmp_path / "ro").mkdir(mode=0o555)
        target = tmp_path / "ro" / "bank"
    result = runner.invoke(app, ["new", str(target)])
    assert result.exit_code == 1
    one_sentence(result.stderr)
    assert f"Cannot write the new bank into {target}" in result.stderr


# --- 11. a full disk when the database is opened ----------------------------------------------------

NO_ROOM = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # no byte may be written: a full disk
sys.argv = ["quiz", *sys.argv[1:]]
from quiz.cli import main
main()
"""


@pytest.mark.parametrize("args", [["stats"], ["drill"]])
def test_a_full_disk_at_open_says_so(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "QUIZ_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", NO_ROOM, *args], env=env, text=True, capture_output=True,
                          input="", check=False)
    assert done.returncode == 1
    one_sentence(done.stderr)
    assert "is full" in done.stderr


# --- issue 20: a 10,000-character path, a closed stdin ------------------------------------------

LONG = "a" * 10_000


@pytest.mark.parametrize("args", [
    ["validate", LONG], ["--bank", LONG, "list"], ["demo", LONG], ["demo", "middleware", "--copy", LONG],
    ["new", LONG], ["practice", LONG], ["practice", "middleware", "--dir", LONG], ["progress", "sync", LONG],
], ids=["validate", "bank", "demo", "demo-copy", "new", "practice", "practice-dir", "sync"])
def test_a_path_too_long_is_one_sentence(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    one_sentence(result.stderr)
    assert "(10,0" in result.stderr and "characters): File name too long." in result.stderr
    assert len(result.stderr) < 300  # the path shortened: its start, its end and its length


@pytest.mark.parametrize(("command", "code", "said"), [
    ("drill --limit 1", 0, ""), ("exam --count 1", 0, ""),
    ("export -o EXISTING", 1, "already exists: not overwriting it"),
    ("progress export -o EXISTING", 1, "already exists: not overwriting it"),
])
def test_a_closed_stdin_reads_as_empty(tmp_path: Path, command: str, code: int, said: str) -> None:
    existing = tmp_path / "existing.md"
    existing.write_text("mine\n")
    line = f"{sys.executable} -m quiz {command.replace('EXISTING', str(existing))} <&-"
    result = subprocess.run(["bash", "-c", line], env={**os.environ, "QUIZ_HOME": str(tmp_path / "home")},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    if said:
        one_sentence(result.stderr)
        assert said in result.stderr
    assert existing.read_text() == "mine\n"
