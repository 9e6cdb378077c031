"""`quiz demo X --serve` offline: /docs and /redoc render in a real headless Chromium with the
network blocked (assets served locally), and every "try:" URL of the banner answers 2xx."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from .test_demo_cli import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    """The api_docs demo on a real uvicorn server: (base URL, the banner)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QUIZ_HOME": home, "NO_COLOR": "1", "COLUMNS": "200"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "quiz", "demo", "api_docs", "--serve", "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx2.get(f"{base}/openapi.json", timeout=2)
                    break
                except httpx2.TransportError:
                    assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            banner = []
            assert proc.stdout is not None
            while not (line := proc.stdout.readline()).startswith("INFO"):
                banner.append(line)
            yield base, "".join(banner)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


def rendered(url: str, tmp_path: Path) -> str:
    """The DOM after the page's scripts ran, in headless Chromium that can reach 127.0.0.1 only."""
    proc = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=10000", "--dump-dom", url,
        ],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_swagger_ui_renders_the_operations_offline(served: tuple[str, str], tmp_path: Path) -> None:
    base, _ = served
    page = httpx2.get(f"{base}/docs").text
    assert "cdn." not in page and "fastapi.tiangolo.com" not in page  # nothing from the web
    dom = rendered(f"{base}/docs", tmp_path)
    assert 'data-path="/books"' in dom  # the operations, drawn by Swagger UI's JavaScript
    assert 'data-path="/health"' in dom
    assert "Add a book" in dom


def test_redoc_renders_the_operations_offline(served: tuple[str, str], tmp_path: Path) -> None:
    base, _ = served
    page = httpx2.get(f"{base}/redoc").text
    assert "cdn." not in page and "fonts.googleapis" not in page
    dom = rendered(f"{base}/redoc", tmp_path)
    assert "Add a book" in dom and "Bookshop API" in dom


def test_every_try_url_of_the_banner_answers_2xx(served: tuple[str, str]) -> None:
    base, banner = served
    tries = [line.split("try:")[1].strip() for line in banner.splitlines() if "try:" in line]
    assert tries == [f"{base}/health"], banner  # /books/search needs ?q=: a 422, so not offered
    for url in tries:
        assert httpx2.get(url).is_success
