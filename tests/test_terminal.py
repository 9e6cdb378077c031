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
    child.expect(r"\n╭─ Model answer")  # the panel starts its own line
    child.expect_exact("The answer, and what a good one mentions")
    child.expect_exact("Enter = Again")
    child.send("q")
    child.expect(r"Cards done\s+0 \(skipped 1\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(0,)]


def test_an_enter_after_the_rating_key_does_not_answer_the_next_card(tmp_path: Path,
                                                                       quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill")
    child.expect_exact("Explain middleware in FastAPI.")
    type_answer(child, GOOD["middleware"])
    child.expect_exact("Enter = Easy")
    child.send("3")
    child.expect_exact("→ Good")
    time.sleep(0.5)
    child.send("\r")  # the Enter a candidate adds after the key, half a second later
    child.expect_exact("What is CORS and how does FastAPI handle it?")
    time.sleep(2)  # the card waits: no "show me" for it
    child.sendline(GOOD["cors"])
    child.sendline("")
    child.expect_exact("Score 100/100")
    child.expect_exact("Enter = Easy")
    child.send("4")
    child.expect_exact("Saved: Easy.")
    child.expect_exact("› ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "The answer, and what a good one mentions" not in (child.before or "")
    assert rows(quiz_home, "SELECT question_id, rating, score FROM reviews ORDER BY id") == [
        ("middleware", 3, 100), ("cors", 4, 100)]


def test_a_card_rated_again_comes_back_in_the_same_drill(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill", "--new", "2")
    child.expect_exact("new · left: 1 new · 0 learning · 0 due")
    type_answer(child, "no idea")
    child.expect_exact("Enter = Again")
    child.send("\r")
    child.expect_exact("Saved: Again. Next review in 1 min. It comes back in this drill.")
    child.expect_exact("What is CORS")
    type_answer(child, GOOD["cors"])
    child.expect_exact("Enter = Easy")
    child.send("4")
    child.expect_exact("Explain middleware in FastAPI.")  # its one-minute step: back in this drill
    # a minute's step, back as soon as nothing else is left: said to be early
    child.expect(r"again · early: due in \d+ min · left: 0 new · 0 learning · 0 due")
    type_answer(child, GOOD["middleware"])
    child.expect_exact("model answer shown earlier in this drill: the suggestion is at most Good.")
    child.expect_exact("Enter = Good")  # just read, not recalled: at most Good
    child.send("4")
    child.expect_exact("Drill over")
    child.expect(r"Cards done\s+2 \(3 reviews\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Nothing is due now" not in (child.before or "")
    assert rows(quiz_home, "SELECT question_id, rating FROM reviews ORDER BY id") == [
        ("middleware", 1), ("cors", 4), ("middleware", 4)]


def test_undo_the_last_rating(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill", "--new", "2")
    child.expect_exact("Explain middleware in FastAPI.")
    type_answer(child, GOOD["middleware"])
    child.expect_exact("Enter = Easy")
    child.send("1")  # a slip: Again instead of Easy
    child.expect_exact("Saved: Again.")
    child.expect_exact("What is CORS")
    child.expect_exact("› ")
    child.sendline("u")
    child.expect_exact("Undone: Again on #1 middleware. Rate it again.")
    child.expect_exact("Explain middleware in FastAPI.")
    child.expect_exact("new · left: 1 new · 0 learning · 0 due")
    child.expect_exact("Your answer, kept: rate it again.")  # not typed a second time
    child.expect_exact(GOOD["middleware"])
    child.expect_exact("Enter = Easy")
    child.send("4")
    child.expect_exact("What is CORS")  # then the card that was on screen
    child.expect_exact("› ")
    child.sendline("q")
    child.expect(r"Cards done\s+1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert rows(quiz_home, "SELECT question_id, rating FROM reviews ORDER BY id") == [("middleware", 4)]
    assert rows(quiz_home, "SELECT question_id, state FROM cards") == [("middleware", 2)]  # Review


def test_hints_cap_the_suggested_rating(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill", "--new", "2")
    child.expect_exact("Explain middleware in FastAPI.")
    child.expect_exact("› ")
    child.sendline("h")
    child.expect_exact("Hint 1 of 2: Runs before and after every request")
    type_answer(child, GOOD["middleware"])
    child.expect_exact("Score 100/100")
    child.expect_exact("1 hint taken: the suggestion is at most Good.")
    child.expect_exact("Enter = Good")
    child.send("\r")
    child.expect_exact("Saved: Good.")
    child.expect_exact("What is CORS")
    child.expect_exact("› ")
    child.sendline("h")
    child.expect_exact("Hint 1 of 2: Browsers block cross-origin requests unless allowed")
    child.expect_exact("› ")
    child.sendline("h")
    child.expect_exact("Hint 2 of 2: Configured with CORSMiddleware and allow_origins")
    child.expect_exact("› ")
    child.sendline("h")
    child.expect_exact("No more hints: every key point is shown.")
    type_answer(child, GOOD["cors"])
    child.expect_exact("2 hints taken: the suggestion is at most Hard.")
    child.expect_exact("Enter = Hard")
    child.send("\r")
    child.expect_exact("Saved: Hard.")
    child.expect_exact("› ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert rows(quiz_home, "SELECT question_id, rating, score FROM reviews ORDER BY id") == [
        ("middleware", 3, 100), ("cors", 2, 100)]


def test_the_exam_clock_ticks_and_ends_the_exam(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "exam", "--count", "2", "--time", "6s", "--seed", "1")
    child.expect_exact("1 of 2")
    child.expect(r"\[0:0\d\] › ")
    child.send("It runs before and after every request")  # no Enter: the clock ends it
    child.expect(r"\[0:0\d\] › It runs before and after every request")
    child.expect(r"\[0:0[0-4]\] › It runs")  # still ticking while the candidate thinks
    child.expect_exact("Time is up: the answer typed so far counts, and the exam ends here.")
    child.expect_exact("Scorecard")
    child.expect(r"1 of 2 answered in 0:0\d · time ran out")
    child.expect_exact("any other key: done")
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_rating_key_works_after_ctrl_z_and_fg(tmp_path: Path, quiz_home: Path) -> None:
    import signal
    import termios

    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill", "--limit", "1")
    type_answer(child, GOOD["middleware"])
    child.expect_exact("Enter = Easy")
    time.sleep(0.3)  # the key prompt is waiting
    child.kill(signal.SIGSTOP)  # Ctrl-Z in a shell
    while Path(f"/proc/{child.pid}/stat").read_text().split()[2] != "T":
        time.sleep(0.05)
    mode = termios.tcgetattr(child.child_fd)  # the shell takes the terminal back in line mode
    mode[3] |= termios.ICANON | termios.ECHO
    termios.tcsetattr(child.child_fd, termios.TCSANOW, mode)
    child.kill(signal.SIGCONT)  # fg
    time.sleep(0.3)
    child.send("3")  # one key, no Enter, as before the pause
    child.expect_exact("→ Good")
    child.expect(pexpect.EOF)
    child.close()
    assert rows(quiz_home, "SELECT rating FROM reviews") == [(3,)]


def test_reset_in_a_terminal_asks_and_n_keeps_everything(tmp_path: Path, quiz_home: Path) -> None:
    bank = write_bank(tmp_path / "bank")
    child = spawn(bank, quiz_home, "drill", "--limit", "1")
    type_answer(child, GOOD["middleware"])
    child.expect_exact("Enter = Easy")
    child.send("\r")
    child.expect(pexpect.EOF)
    child = spawn(bank, quiz_home, "reset")
    child.expect_exact("Forget all your progress on the bank drill-test: 1 card and 1 review? "
                       "This cannot be undone.")
    child.sendline("n")
    child.expect_exact("Nothing was reset.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert rows(quiz_home, "SELECT COUNT(*) FROM reviews") == [(1,)]
