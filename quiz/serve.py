"""`quiz demo X --serve`: the demo's app on a real uvicorn server at 127.0.0.1."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any

from quiz import ui
from quiz.demo import Demo, _on_path, load_module
from quiz.errors import QuizError

HOST = "127.0.0.1"
ASSETS = "/_quiz/docs"  # where Swagger UI's and ReDoc's files are served from, beside the demo's routes


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
    """GET paths that need nothing more (no path parameter, no required query or header), from
    the OpenAPI schema: what a browser can open now."""
    try:
        schema = app.openapi()  # type: ignore[attr-defined]
    except Exception:  # an app whose schema cannot be built still serves
        return []
    out = []
    for path, ops in schema.get("paths", {}).items():
        get = ops.get("get")
        if get is None or "{" in path:
            continue
        if any(p.get("required") for p in get.get("parameters", [])) or get.get("security"):
            continue
        out.append(path)
    return out


def try_paths(app: Any, limit: int = 8) -> list[str]:
    """The example paths that answer 2xx here and now (asked in-process, before serving): a
    demo that shows a 500 or a redirect on purpose does not offer it as a first thing to try."""
    from fastapi.testclient import TestClient

    found: list[str] = []
    try:
        with TestClient(app, base_url=f"http://{HOST}", raise_server_exceptions=False) as client:
            for path in example_paths(app):
                if client.get(path, follow_redirects=False).is_success:
                    found.append(path)
                if len(found) == limit:
                    break
    except Exception:  # a probe that fails only costs the suggestions
        return found
    return found


def offline_docs(app: Any) -> Any:
    """The demo's app behind an ASGI layer that serves its /docs and /redoc pages with Swagger UI
    and ReDoc from the fastapi-offline package (no CDN, no favicon from the web): the demo file,
    which a candidate copies, stays as FastAPI makes it. Everything else, lifespan included,
    goes to the app untouched."""
    import fastapi_offline
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static")
    openapi_url = getattr(app, "openapi_url", None)
    pages: dict[str, Any] = {}
    if openapi_url and getattr(app, "docs_url", None):
        pages[app.docs_url] = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
    if openapi_url and getattr(app, "redoc_url", None):
        pages[app.redoc_url] = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith(ASSETS + "/"):
                await assets({**scope, "root_path": scope.get("root_path", "") + ASSETS}, receive, send)
                return
            if path in pages:
                await pages[path](scope, receive, send)
                return
        await app(scope, receive, send)

    return serve


def serve(demo: Demo, port: int) -> None:
    import uvicorn

    check_port(port)
    module = load_module(demo)
    base = f"http://{HOST}:{port}"
    ui.out.print(f"Serving the {demo.slug} demo at {base}  (Ctrl-C stops it)")
    ui.out.print(f"  API docs: {base}/docs")
    with _on_path(demo.path.parent):
        paths = try_paths(module.app)
    for path in paths:
        ui.out.print(f"  try:      {base}{path}")
    config = uvicorn.Config(offline_docs(module.app), host=HOST, port=port, log_level="info")
    with _on_path(demo.path.parent):
        try:
            uvicorn.Server(config).run()
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: a clean stop
            pass
    ui.out.print("Server stopped.")
