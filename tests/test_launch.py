"""The commands quiz prints work as printed, for the way quiz was started (`uv run quiz`, an
installed `quiz`, the venv's script by its path), keep the `--bank` in use, and are never cut in
two when the output goes to a pipe. Each printed command is run again, as a user would paste it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quiz.bank import BUILTIN_BANK

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SCRIPT = VENV_BIN / "quiz"  # the venv's own quiz, as `uv run` starts it
UV = shutil.which("uv")


def env(home: Path, *, uv_run: bool, on_path: bool) -> dict[str, str]:
    """A user's environment: under `uv run` (its marker, and the venv first on PATH, as uv does)
    or not; the venv's `quiz` on PATH or not."""
    path = [str(VENV_BIN)] if on_path or uv_run else []
    path += [str(Path(UV).parent)] if UV else []
    e = {k: v for k, v in os.environ.items() if not k.startswith(("UV_RUN", "VIRTUAL_ENV", "COLUMNS"))}
    e |= {"PATH": os.pathsep.join([*path, "/usr/bin", "/bin"]), "QUIZ_HOME": str(home / "quiz-home"),
          "NO_COLOR": "1", "UV_OFFLINE": "1", "UV_NO_SYNC": "1"}  # a pasted `uv run` reaches no network
    if uv_run:
        e["UV_RUN_RECURSION_DEPTH"] = "1"
    return e


def printed_command(home: Path, cwd: Path, *, uv_run: bool, on_path: bool) -> str:
    """`quiz --bank BUILTIN stats` to a pipe: the command its exercises line prints."""
    out = subprocess.run([str(SCRIPT), "--bank", str(BUILTIN_BANK), "stats"], cwd=cwd, capture_output=True,
                         text=True, env=env(home, uv_run=uv_run, on_path=on_path), timeout=120)
    assert out.returncode == 0, out.stderr
    found = re.search(r"Exercises: 0 of \d+ solved  \((.*)\)$", out.stdout, re.MULTILINE)
    assert found, out.stdout
    return found.group(1)


def run_pasted(command: str, home: Path, cwd: Path, *, uv_run: bool, on_path: bool) -> str:
    """`command` run in a shell as pasted (outside `uv run`, as a new terminal would be)."""
    out = subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True, timeout=120,
                         env=env(home, uv_run=False, on_path=on_path and not uv_run))
    assert out.returncode == 0, f"{command}: {out.stderr}"
    return out.stdout


needs_uv = pytest.mark.skipif(UV is None or Path(sys.prefix) != ROOT / ".venv",
                              reason="run through uv, from the project's own .venv")
BANK = f"--bank {BUILTIN_BANK}"


@needs_uv
def test_under_uv_run_the_printed_commands_read_uv_run_quiz(tmp_path: Path) -> None:
    command = printed_command(tmp_path, ROOT, uv_run=True, on_path=False)
    assert command == f"uv run quiz {BANK} practice --list"
    assert "process-time" in run_pasted(command, tmp_path, ROOT, uv_run=True, on_path=False)
    elsewhere = tmp_path / "notes"  # another folder: uv is told where the project is
    elsewhere.mkdir()
    command = printed_command(tmp_path, elsewhere, uv_run=True, on_path=False)
    assert command == f"uv run --project {ROOT} quiz {BANK} practice --list"
    assert "process-time" in run_pasted(command, tmp_path, elsewhere, uv_run=True, on_path=False)


def test_the_scripts_path_when_quiz_is_not_on_path_and_quiz_when_it_is(tmp_path: Path) -> None:
    command = printed_command(tmp_path, tmp_path, uv_run=False, on_path=False)
    assert command == f"{SCRIPT} {BANK} practice --list"
    assert "process-time" in run_pasted(command, tmp_path, tmp_path, uv_run=False, on_path=False)
    command = printed_command(tmp_path, tmp_path, uv_run=False, on_path=True)  # as after `uv tool install`
    assert command == f"quiz {BANK} practice --list"
    assert "process-time" in run_pasted(command, tmp_path, tmp_path, uv_run=False, on_path=True)


def test_install_completion_says_when_the_shell_cannot_find_quiz(tmp_path: Path) -> None:
    e = env(tmp_path, uv_run=True, on_path=False) | {"HOME": str(tmp_path), "SHELL": "/bin/bash"}
    out = subprocess.run([str(SCRIPT), "--install-completion", "bash"], cwd=ROOT, capture_output=True,
                         text=True, env=e, timeout=60)
    assert out.returncode == 0, out.stderr
    said = " ".join(out.stderr.split())
    assert "Completion is for the command `quiz`, which your shell does not find " \
           "(you ran `uv run quiz`)" in said
    assert "uv tool install ." in said
    installed = subprocess.run([str(SCRIPT), "--install-completion", "bash"], capture_output=True, text=True,
                               env=env(tmp_path, uv_run=False, on_path=True) | {"HOME": str(tmp_path)},
                               timeout=60)
    assert installed.returncode == 0 and "Completion is for" not in installed.stderr


def test_commands_are_never_cut_in_two_in_a_pipe(tmp_path: Path) -> None:
    e = env(tmp_path, uv_run=False, on_path=False)
    quiz = f"{SCRIPT} {BANK}"
    out = subprocess.run([str(SCRIPT), "--bank", str(BUILTIN_BANK), "drill", "--new", "0"], cwd=tmp_path,
                         capture_output=True, text=True, env=e, stdin=subprocess.DEVNULL, timeout=60)
    assert out.returncode == 0, out.stderr
    assert f": {quiz} drill --new 40, or {quiz} drill --cram.\n" in out.stdout
    exam = subprocess.run([str(SCRIPT), "--bank", str(BUILTIN_BANK), "exam", "--count", "2", "--time", "0",
                           "--seed", "1"], cwd=tmp_path, capture_output=True, text=True, env=e,
                          input="\n\n\n", timeout=60)
    assert exam.returncode == 0, exam.stderr
    drill = re.search(r"^Drill them now: (.*)$", exam.stdout, re.MULTILINE)
    assert drill and re.fullmatch(rf"{re.escape(quiz)} drill --cram( --topic [a-z-]+)+", drill.group(1)), \
        exam.stdout
    assert max(len(line) for line in exam.stdout.splitlines()) > 80  # the command, whole on its line


def test_a_removed_current_folder_is_no_traceback(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    script = f"cd {gone} && rmdir {gone} && exec {SCRIPT} stats"
    for uv_run in (False, True):
        out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=60,
                             env=env(tmp_path, uv_run=uv_run, on_path=False))
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
        assert re.search(r"Exercises: 0 of \d+ solved", out.stdout)
        gone.mkdir()


@needs_uv
def test_quiz_new_prints_next_steps_that_run_as_printed(tmp_path: Path) -> None:
    bank = tmp_path / "my bank"  # a space: the path is quoted for the shell
    out = subprocess.run([str(SCRIPT), "new", str(bank)], cwd=ROOT, capture_output=True, text=True,
                         env=env(tmp_path, uv_run=True, on_path=False), timeout=60)
    assert out.returncode == 0, out.stderr
    steps = out.stdout.split("Next:\n", 1)[1].splitlines()
    assert steps[0] == f"  uv run quiz validate '{bank}' --strict"
    for step in steps[:2]:  # validate, show
        assert run_pasted(step.strip(), tmp_path, ROOT, uv_run=True, on_path=False)
