"""`quiz demo X --serve`: the demo's app on a real uvicorn server at 127.0.0.1."""

from __future__ import annotations

import errno
import socket

from quiz import ui
from quiz.demo import Demo, _on_path, load_module
from quiz.errors import QuizError

HOST = "127.0.0.1"


def check_port(port: int) -> None:
    """Raise a clear error when the port is taken (before uvicorn would print a traceback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise QuizError(f"Port {port} on {HOST} is in use: choose another with --port.") from None
            raise QuizError(f"Cannot listen on {HOST}:{port}: {exc.strerror}.") from None


def example_paths(app: object) -> list[str]:
    """GET paths without parameters, from the OpenAPI schema: what a browser can open now."""
    try:
        schema = app.openapi()  # type: ignore[attr-defined]
    except Exception:  # an app whose schema cannot be built still serves
        return []
    return [path for path, ops in schema.get("paths", {}).items() if "get" in ops and "{" not in path]


def serve(demo: Demo, port: int) -> None:
    import uvicorn

    check_port(port)
    module = load_module(demo)
    base = f"http://{HOST}:{port}"
    ui.out.print(f"Serving the {demo.slug} demo at {base}  (Ctrl-C stops it)")
    ui.out.print(f"  API docs: {base}/docs")
    for path in example_paths(module.app)[:8]:
        ui.out.print(f"  try:      {base}{path}")
    config = uvicorn.Config(module.app, host=HOST, port=port, log_level="info")
    with _on_path(demo.path.parent):
        try:
            uvicorn.Server(config).run()
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: a clean stop
            pass
    ui.out.print("Server stopped.")
