"""What runs is exactly what was approved (issue 20, items 1-6): a bank's demo is approved as its
whole folder (sibling modules, companion folders, exercises), runs from the bytes that were
shown and hashed, `--watch` asks again, and no path prints raw control or bidi characters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
from typer.testing import CliRunner

from quiz.cli import app

DEMO = '''"""A bank's demo that imports what lies beside it."""
import pathlib
{imports}
from fastapi import FastAPI

pathlib.Path({marker!r}).write_text("demo ran")
app = FastAPI()


@app.get("/")
def root():
    return {{"value": VALUE}}  # <- the value


# --- tour ---


def tour(t):
    t.step("It answers with the value.")
    t.check("the value", t.get("/").json() == {{"value": 42}})
'''

BANK = """\
bank_id: stranger
questions:
  - id: topic
    question: Explain the topic.
    answer: It is shown by the demo.
    key_points: [{point: Shown by the demo, terms: [demo]}]
    demo: topic
"""


def make_bank(tmp_path: Path, imports: str = "VALUE = 42", files: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "stranger"
    (folder / "demos").mkdir(parents=True)
    (folder / "bank.yaml").write_text(BANK, encoding="utf-8")
    demo = DEMO.format(imports=imports, marker=str(tmp_path / "demo-ran"))
    (folder / "demos" / "topic.py").write_text(demo, encoding="utf-8")
    for rel, text in (files or {}).items():
        (folder / "demos" / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / "demos" / rel).write_text(text, encoding="utf-8")
    return folder


def spawn(home: Path, *args: str, cwd: Path | None = None) -> pexpect.spawn:
    env = {**os.environ, "QUIZ_HOME": str(home), "TERM": "dumb", "COLUMNS": "160", "LINES": "50"}
    env.pop("QUIZ_BANK", None)
    return pexpect.spawn(sys.executable, ["-m", "quiz", *args], env=env, encoding="utf-8",
                         dimensions=(50, 160), timeout=30, cwd=str(cwd) if cwd else None)


def approve_in_terminal(home: Path, bank: Path, *args: str) -> str:
    """Answer y to the approval prompt in a real terminal; the whole output."""
    child = spawn(home, "--bank", str(bank), *args)
    child.expect_exact("Run it?")
    child.send("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before)


def refused(runner: CliRunner, bank: Path, *args: str) -> None:
    result = runner.invoke(app, ["--bank", str(bank), *args])
    assert result.exit_code == 1, result.output
    assert "has not been approved" in result.stderr
    assert "Traceback" not in result.output


# --- 1. sibling modules ------------------------------------------------------------------------


def test_an_edited_sibling_module_asks_again(runner: CliRunner, tmp_path: Path, quiz_home: Path) -> None:
    marker = tmp_path / "helper-edit-ran"
    bank = make_bank(tmp_path, "from helper import VALUE", {"helper.py": "VALUE = 42\n"})
    approve_in_terminal(quiz_home, bank, "demo", "topic", "--quiet")
    assert runner.invoke(app, ["--bank", str(bank), "demo", "topic", "--quiet"]).exit_code == 0
    (bank / "demos" / "helper.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nVALUE = 42\n", encoding="utf-8")
    refused(runner, bank, "demo", "topic", "--quiet")
    assert not marker.exists()


def test_a_bank_module_never_shadows_an_installed_package(tmp_path: Path, quiz_home: Path) -> None:
    marker = tmp_path / "shadow-ran"
    shadow = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
    bank = make_bank(tmp_path, "import pexpect\nVALUE = 42", {"pexpect.py": shadow})
    env = {**os.environ, "QUIZ_HOME": str(quiz_home)}
    result = subprocess.run([sys.executable, "-m", "quiz", "--bank", str(bank), "demo", "topic", "--trust",
                             "--quiet"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1/1 checks passed" in result.stdout
    assert not marker.exists()  # the installed pexpect was imported, not the bank's pexpect.py


# --- 2. companion folders ------------------------------------------------------------------------


def test_an_edited_companion_folder_asks_again(runner: CliRunner, tmp_path: Path, quiz_home: Path) -> None:
    marker = tmp_path / "companion-edit-ran"
    bank = make_bank(tmp_path, "from topic_app import VALUE", {"topic_app/__init__.py": "VALUE = 42\n"})
    approve_in_terminal(quiz_home, bank, "demo", "topic", "--quiet")
    (bank / "demos" / "topic_app" / "__init__.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nVALUE = 42\n", encoding="utf-8")
    refused(runner, bank, "demo", "topic", "--quiet")
    assert not marker.exists()


# --- 3. exercises ----------------------------------------------------------------------------------

EXERCISE = """exercises:
  - id: the-value
    title: The value
    task: Return the value.
    edits:
      - line: 'return {{"value": VALUE}}'
        replace: |
          {code}
          return {{"value": 0}}  # TODO: the value
"""


def test_an_exercise_added_after_approval_asks_and_shows_its_code(
    runner: CliRunner, tmp_path: Path, quiz_home: Path
) -> None:
    marker = tmp_path / "exercise-ran"
    bank = make_bank(tmp_path)
    approve_in_terminal(quiz_home, bank, "demo", "topic", "--quiet")
    code = f"__import__('pathlib').Path({str(marker)!r}).write_text('x')  # EXERCISE_ONLY_CODE"
    (bank / "demos" / "exercises").mkdir()
    (bank / "demos" / "exercises" / "topic.yaml").write_text(EXERCISE.format(code=code), encoding="utf-8")
    practice = tmp_path / "practice"
    args = ["--bank", str(bank), "practice", "the-value", "--once", "--dir", str(practice)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "has not been approved" in result.stderr
    assert not marker.exists() and not practice.exists()

    child = spawn(quiz_home, "--bank", str(bank), "practice", "the-value", "--once", "--dir", str(practice))
    child.expect_exact("Run an exercise from a bank?")
    child.expect_exact("exercises/topic.yaml")  # the prompt lists every file covered
    child.expect_exact("Run it?")
    child.send("v")  # the code that runs: the demo with the exercise's edits made
    child.expect_exact("EXERCISE_ONLY_CODE")
    child.expect_exact("Run it?")
    child.send("n")
    child.expect_exact("it was not approved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert not marker.exists()


# --- 4. a swap while the prompt waits -------------------------------------------------------------


def test_a_file_swapped_while_the_prompt_waits_never_runs(
    runner: CliRunner, tmp_path: Path, quiz_home: Path
) -> None:
    bank = make_bank(tmp_path)
    swapped_marker = tmp_path / "swapped-ran"
    demo = bank / "demos" / "topic.py"
    shown = demo.read_text(encoding="utf-8")
    child = spawn(quiz_home, "--bank", str(bank), "demo", "topic", "--quiet")
    child.expect_exact("Run it?")
    demo.write_text(f"import pathlib\npathlib.Path({str(swapped_marker)!r}).write_text('x')\n" + shown,
                    encoding="utf-8")
    child.send("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert (tmp_path / "demo-ran").exists()  # what was shown ran
    assert not swapped_marker.exists()  # what was swapped in did not
    refused(runner, bank, "demo", "topic", "--quiet")  # and it is not the swapped file that was approved
    assert not swapped_marker.exists()


# --- 5. --watch ------------------------------------------------------------------------------------


def test_watch_asks_again_when_the_content_changes(tmp_path: Path, quiz_home: Path) -> None:
    marker = tmp_path / "edited-ran"
    bank = make_bank(tmp_path)
    approve_in_terminal(quiz_home, bank, "demo", "topic", "--quiet")
    child = spawn(quiz_home, "--bank", str(bank), "demo", "topic", "--watch")
    child.expect_exact("Watching topic.py")
    demo = bank / "demos" / "topic.py"
    edited = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n" + demo.read_text("utf-8")
    for _ in range(30):  # saved again until the watcher (started after the first run) sees it
        demo.write_text(edited, encoding="utf-8")
        if child.expect_exact(["Run a demo from a bank?", pexpect.TIMEOUT], timeout=1) == 0:
            break
    child.expect_exact("Run it?")
    assert not marker.exists()
    child.send("n")
    child.expect_exact("it was not approved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert not marker.exists()


def test_watch_without_a_terminal_refuses_changed_content(tmp_path: Path, quiz_home: Path) -> None:
    marker = tmp_path / "edited-ran"
    bank = make_bank(tmp_path)
    approve_in_terminal(quiz_home, bank, "demo", "topic", "--quiet")
    env = {**os.environ, "QUIZ_HOME": str(quiz_home)}
    with subprocess.Popen([sys.executable, "-m", "quiz", "--bank", str(bank), "demo", "topic", "--watch"],
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Watching" in line:
                break
        demo = bank / "demos" / "topic.py"
        edited = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n" + demo.read_text("utf-8")
        err = ""
        try:
            for _ in range(30):  # saved again until the watcher (started after the first run) sees it
                demo.write_text(edited, encoding="utf-8")
                try:
                    _, err = proc.communicate(timeout=1)
                    break
                except subprocess.TimeoutExpired:
                    continue
        finally:
            proc.kill()
    assert proc.returncode == 1
    assert "has not been approved" in err and "Traceback" not in err
    assert not marker.exists()


# --- 6. names with control and bidi characters -------------------------------------------------


def test_names_through_the_bank_print_no_escape_codes(runner: CliRunner, tmp_path: Path) -> None:
    bank = make_bank(tmp_path)
    demos = bank / "demos"
    hostile = "x\x1b]0;T\x07\x1b[2Jy.py"
    (demos / "topic.py").rename(demos / hostile)
    (demos / "topic.py").symlink_to(demos / hostile)
    result = runner.invoke(app, ["--bank", str(bank), "demo", "topic", "--quiet"])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "x␛]0;T␇␛[2Jy.py" in result.stderr.replace("\n", "")


def test_the_approval_panel_shows_escapes_made_visible(tmp_path: Path, quiz_home: Path) -> None:
    bank = make_bank(tmp_path)
    demos = bank / "demos"
    hostile = "x\x1b]0;T\x07\x1b[2Jy.py"
    (demos / "topic.py").rename(demos / hostile)
    (demos / "topic.py").symlink_to(demos / hostile)
    child = spawn(quiz_home, "--bank", str(bank), "demo", "topic", "--quiet")
    child.expect_exact("Run it?")
    panel = str(child.before)
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()
    assert "x␛]0;T␇␛[2Jy.py" in panel
    assert "\x1b]0;T" not in panel and "\x1b[2J" not in panel


def test_bidi_controls_are_shown_not_obeyed(runner: CliRunner, tmp_path: Path, quiz_home: Path) -> None:
    bank = make_bank(tmp_path)
    demos = bank / "demos"
    hostile = "evil\u202eyp.py"
    (demos / "topic.py").rename(demos / hostile)
    (demos / "topic.py").symlink_to(demos / hostile)
    result = runner.invoke(app, ["--bank", str(bank), "demo", "topic"])
    assert result.exit_code == 1
    assert "\u202e" not in result.output
    assert "evil<U+202E>yp.py" in result.stderr.replace("\n", "")
    child = spawn(quiz_home, "--bank", str(bank), "demo", "topic", "--quiet")
    child.expect_exact("Run it?")
    panel = str(child.before)
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()
    assert "evil<U+202E>yp.py" in panel and "\u202e" not in panel


# --- the Build paragraph: practice files, links leading outside, siblings in practice -------------


def test_a_practice_file_quiz_did_not_write_is_asked_about(
    runner: CliRunner, tmp_path: Path, quiz_home: Path
) -> None:
    marker = tmp_path / "planted-ran"
    folder = tmp_path / "work"
    (folder / "practice").mkdir(parents=True)
    planted = folder / "practice" / "process_time.py"  # what a cloned folder may hold
    planted.write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n", encoding="utf-8")
    result = runner.invoke(app, ["practice", "process-time", "--once", "--dir", str(folder / "practice")])
    assert result.exit_code == 1, result.output
    assert "was not written by quiz practice" in result.stderr
    assert not marker.exists()

    child = spawn(quiz_home, "practice", "process-time", "--once", cwd=folder)
    child.expect_exact("not written by quiz practice: run it?")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and not marker.exists()

    written = runner.invoke(app, ["practice", "process-time", "--once", "--dir", str(tmp_path / "mine")])
    assert written.exit_code == 1 and "Wrote" in written.stdout  # quiz's own file: checked, not asked
    again = runner.invoke(app, ["practice", "process-time", "--once", "--dir", str(tmp_path / "mine")])
    assert again.exit_code == 1 and "not written" not in again.output and "checks passed" in again.stdout


def test_a_demo_link_leading_outside_the_bank_says_so(runner: CliRunner, tmp_path: Path) -> None:
    bank = make_bank(tmp_path)
    outside = tmp_path / "outside.py"
    (bank / "demos" / "topic.py").rename(outside)
    (bank / "demos" / "topic.py").symlink_to(outside)
    for ref in ("topic", "1"):
        result = runner.invoke(app, ["--bank", str(bank), "demo", ref, "--trust"])
        assert result.exit_code == 1, result.output
        assert "outside the bank's folder" in result.stderr  # the bank itself refuses it
        assert "has no demo yet" not in result.output
    assert not (tmp_path / "demo-ran").exists()


def test_exercises_of_a_demo_with_sibling_modules_work_in_the_practice_folder(
    runner: CliRunner, tmp_path: Path
) -> None:
    # a module name no other test imports: what is found is what lies beside the demo
    bank = make_bank(tmp_path, "from practice_sibling import VALUE", {"practice_sibling.py": "VALUE = 42\n"})
    (bank / "demos" / "exercises").mkdir()
    (bank / "demos" / "exercises" / "topic.yaml").write_text(EXERCISE.format(code="pass"), encoding="utf-8")
    practice = tmp_path / "practice"
    result = runner.invoke(app, ["--bank", str(bank), "practice", "the-value", "--once", "--trust",
                                 "--dir", str(practice)])
    assert result.exit_code == 1, result.output  # as written: the TODO fails the check, the import works
    assert "0/1 checks passed" in result.stdout and "failed to load" not in result.output
    path = practice / "the_value.py"
    path.write_text(path.read_text(encoding="utf-8").replace('{"value": 0}', '{"value": VALUE}'),
                    encoding="utf-8")
    solved = runner.invoke(app, ["--bank", str(bank), "practice", "the-value", "--once", "--trust",
                                 "--dir", str(practice)])
    assert solved.exit_code == 0, solved.output
    assert "1/1 checks passed" in solved.stdout


# --- 17. practice --dir edge cases -------------------------------------------------------------------


def test_practice_dir_a_regular_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", encoding="utf-8")
    result = runner.invoke(app, ["practice", "process-time", "--once", "--dir", str(target)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {target} is a file, not a folder: choose another --dir."
    assert "never overwritten" not in result.output
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_practice_a_dangling_link_at_the_exercise_path(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "practice"
    folder.mkdir()
    (folder / "process_time.py").symlink_to(tmp_path / "nowhere.py")
    result = runner.invoke(app, ["practice", "process-time", "--once", "--dir", str(folder)])
    assert result.exit_code == 1
    assert "is a link to" in result.stderr and "which does not exist" in result.stderr
    assert "never overwritten" not in result.output and "Traceback" not in result.output


def test_removing_the_practice_folder_during_a_watch_stops_it(tmp_path: Path, quiz_home: Path) -> None:
    import shutil

    folder = tmp_path / "practice"
    child = spawn(quiz_home, "practice", "process-time", "--dir", str(folder))
    child.expect_exact("Watching")
    shutil.rmtree(folder)
    child.expect_exact("stopped watching")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


# --- the tree and its snapshots ----------------------------------------------------------------


def test_the_fingerprint_covers_every_file_and_the_copy_leaves_out_what_cannot_be_approved(
    tmp_path: Path, quiz_home: Path
) -> None:
    from quiz.approval import read_tree, write_snapshot

    folder = tmp_path / "demos"
    (folder / "exercises").mkdir(parents=True)
    (folder / "__pycache__").mkdir()
    (folder / "topic.py").write_text("app = 1\n", encoding="utf-8")
    (folder / "exercises" / "topic.yaml").write_text("exercises: []\n", encoding="utf-8")
    (folder / "__pycache__" / "topic.cpython-311.pyc").write_bytes(b"\0")
    (folder / ".env").write_text("SECRET=1\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside\n", encoding="utf-8")
    (folder / "data.txt").symlink_to(tmp_path / "secret.txt")
    tree = read_tree(folder)
    assert sorted(tree.files) == ["exercises/topic.yaml", "topic.py"]
    assert tree.left_out == ("data.txt (a link leading outside)",)
    snapshot = write_snapshot(tree)
    assert snapshot.is_relative_to(quiz_home / "snapshots")
    assert (snapshot / "exercises" / "topic.yaml").read_text(encoding="utf-8") == "exercises: []\n"
    assert not (snapshot / "data.txt").exists() and not (snapshot / ".env").exists()
    before = tree.fingerprint
    (folder / "exercises" / "topic.yaml").write_text("exercises: [x]\n", encoding="utf-8")
    assert read_tree(folder).fingerprint != before  # an exercise is part of what is approved


def test_snapshots_are_pruned(tmp_path: Path, quiz_home: Path) -> None:
    from quiz.approval import SNAPSHOTS_KEPT, read_tree, write_snapshot

    folder = tmp_path / "demos"
    folder.mkdir()
    for i in range(SNAPSHOTS_KEPT + 3):
        (folder / "topic.py").write_text(f"app = {i}\n", encoding="utf-8")
        last = write_snapshot(read_tree(folder))
    kept = [d for d in (quiz_home / "snapshots").iterdir() if not d.name.startswith(".")]
    assert len(kept) == SNAPSHOTS_KEPT and last in kept


def test_a_fifo_or_a_dangling_link_in_the_folder_is_left_out_never_waited_on(tmp_path: Path) -> None:
    from quiz.approval import read_tree

    folder = tmp_path / "demos"
    folder.mkdir()
    (folder / "topic.py").write_text("app = 1\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.py")
    (folder / "gone.py").symlink_to(folder / "nowhere.py")
    tree = read_tree(folder)
    assert sorted(tree.files) == ["topic.py"]
    assert sorted(tree.left_out) == ["gone.py (a link to nothing)", "pipe.py (not a regular file)"]
