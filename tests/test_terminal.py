"""The drill in a real terminal (pexpect): type, rate with one key, Ctrl-C; nothing lost."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pytest

from .conftest import rows
from .test_drill import GOOD, write_bank

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pexpect needs a POSIX terminal")


def spawn(bank: Path, home: Path, *args: str) -> pexpect.spawn:
    # a dumb terminal: no escape codes in the output to match around
    env = {**os.environ, "QUIZ_HOME": str(home), "TERM": "dumb", "COLUMNS": "110", "LINES": "50"}
    env.pop("QUIZ_BANK", None)
    return pexpect.spawn(sys.executable, ["-m", "quiz", "--bank", str(bank), *args], env=env,
                         encoding="utf-8", dimensions=(50, 110), timeout=30)


def type_answer(child: pexpect.spawn, *lines: str) -> None:
    for line in lines:
        child.expect_exact("› " if line is lines[0] else "  ")
        child.sendline(line)
    child.sendline("")  # the blank line submits


def test_answer_rate_then_ctrl_c(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill")
    child.expect_exact("Explain middleware in FastAPI.")
    child.expect_exact("› ")
    child.sendline("?")  # help, then the same question again
    child.expect_exact("A blank line (or Ctrl-D) submits it")
    type_answer(child, "It runs before and after every request,", "added with app.add_middleware.")
    child.expect_exact("Score 100/100")
    child.expect_exact("Enter = Easy")
    child.send("3")  # one key, no Enter: override with Good
    child.expect_exact("→ Good")
    child.expect_exact("Saved: Good. Next review in 10 min.")

    child.expect_exact("What is CORS and how does FastAPI handle it?")
    type_answer(child, GOOD["cors"])
    child.expect_exact("suggested: Easy")
    child.send("\r")  # Enter accepts the suggestion
    child.expect_exact("Saved: Easy.")

    child.expect_exact("How do you paginate results?")
    child.expect_exact("› ")
    child.send("limit and off")  # half typed, then Ctrl-C
    child.expect_exact("limit and off")
    # let readline reach its wait for keys: a SIGINT landing while input() is still setting up
    # is only seen at the next key (CPython's readline loop), which no person types that fast
    time.sleep(0.3)
    child.sendintr()
    child.expect_exact("Drill interrupted: every rated card is saved")
    child.expect(r"Cards done\s+2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert rows(quiz_home, "SELECT question_id FROM cards ORDER BY question_id") == [
        ("cors",), ("middleware",)]
    assert rows(quiz_home, "SELECT question_id, rating, score FROM reviews ORDER BY id") == [
        ("middleware", 3, 100), ("cors", 4, 100)]


def test_ctrl_c_at_the_rating_rates_nothing(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home)  # plain `quiz`: the drill
    child.expect_exact("Explain middleware in FastAPI.")
    type_answer(child, GOOD["middleware"])
    child.expect_exact("Enter = Easy")
    child.sendintr()
    child.expect_exact("Drill interrupted")
    child.expect(r"Cards done\s+0")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(0,)]


def test_skip_ctrl_d_and_quit(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill")
    child.expect_exact("Explain middleware in FastAPI.")
    child.expect_exact("› ")
    child.sendline("s")
    child.expect_exact("Skipped.")
    child.expect_exact("What is CORS")
    child.expect_exact("› ")
    time.sleep(0.3)  # as a person would: a Ctrl-D sent before readline waits for keys is lost
    child.sendeof()  # Ctrl-D on an empty answer: show me
    child.expect_exact("The answer, and what a good one mentions")
    child.expect_exact("Enter = Again")
    child.send("q")
    child.expect(r"Cards done\s+0 \(skipped 1\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(0,)]
