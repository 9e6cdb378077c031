"""`export -o` writes only regular files, atomically, keeping their mode (quiz/fileio.py)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quiz.cli import app


def fifo(path: Path) -> None:
    os.mkfifo(path)


def device(path: Path) -> None:
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own


def link(path: Path) -> None:
    target = path.with_name("target.csv")
    target.write_text("keep me\n", encoding="utf-8")
    path.symlink_to(target)


def dangling(path: Path) -> None:
    path.symlink_to(path.with_name("nowhere.csv"))


@pytest.mark.parametrize(
    ("make", "kind", "words"),
    [
        (fifo, stat.S_ISFIFO, "is not a regular file"),
        (device, stat.S_ISCHR, "is not a regular file"),
        (link, stat.S_ISLNK, "is a symbolic link"),
        (dangling, stat.S_ISLNK, "is a symbolic link"),
    ],
    ids=["fifo", "device", "symlink", "dangling-symlink"],
)
@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_special_files_are_refused_in_one_sentence(
    runner: CliRunner, tmp_path: Path, make: Callable[[Path], None], kind: Callable[[int], bool],
    words: str, force: bool,
) -> None:
    out = tmp_path / "out.csv"
    make(out)
    result = runner.invoke(app, ["export", "-f", "csv", "-o", str(out), *(["--force"] if force else [])])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out} {words}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert kind(os.lstat(out).st_mode)  # still what it was
    if (target := tmp_path / "target.csv").exists():
        assert target.read_text(encoding="utf-8") == "keep me\n"
    assert not (tmp_path / "nowhere.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_force_keeps_the_mode_of_the_file_it_replaces(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "private.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    result = runner.invoke(app, ["export", "-f", "csv", "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text(encoding="utf-8") != "old\n"
