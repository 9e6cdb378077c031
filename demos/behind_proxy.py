"""Behind a proxy under a path prefix: the server's --root-path, OpenAPI `servers`, forwarded headers.

Run it alone, from the repository's top folder, as the proxy would reach it:
    fastapi run demos/behind_proxy.py --root-path /api/v1 --forwarded-allow-ips 127.0.0.1
"""

import contextlib
import time

from fastapi import FastAPI, Request

app = FastAPI(title="Behind a proxy demo")  # <- no root_path here: the server is told, not the app


@app.get("/items/{item_id}", name="read_item")
def read_item(item_id: int, request: Request):
    return {
        "item_id": item_id,
        "self": str(request.url_for("read_item", item_id=item_id)),  # <- an absolute link for the client
        "root_path": request.scope.get("root_path", ""),
        "scheme": request.url.scheme,
    }


@app.get("/items", name="list_items")
def list_items():
    return []


# --- tour ---


@contextlib.contextmanager
def served(app_to_serve, **options):
    """An app under uvicorn on 127.0.0.1 (a free port) in a thread, with these server options."""
    import socket
    import threading

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app_to_serve, log_config=None, log_level=None, access_log=False, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60  # a start-up wait, not a timing claim: it ends as soon as it starts
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def tour(t):
    import re
    import warnings

    import httpx2

    proxy_headers = {"Host": "api.example.com", "X-Forwarded-Proto": "https",
                     "X-Forwarded-For": "203.0.113.7"}

    t.step("The proxy serves the app at https://api.example.com/api/v1 and strips the prefix. Uvicorn "
           "runs with root_path='/api/v1' (--root-path) and trusts 127.0.0.1's forwarded headers.")
    with served(t.app, root_path="/api/v1", proxy_headers=True, forwarded_allow_ips="127.0.0.1") as base, \
            httpx2.Client(base_url=base, follow_redirects=False) as proxy:
        r = t.record(proxy.get("/items/1", headers=proxy_headers))
        body = r.json() if r.status_code == 200 else {}
        t.check("the stripped request is routed: 200", r.status_code == 200, r.text)
        t.check("url_for builds the public URL: https, the host, the prefix",
                body.get("self") == "https://api.example.com/api/v1/items/1", r.text)

        r = t.record(proxy.get("/api/v1/items/1", headers=proxy_headers))
        t.check("a proxy that keeps the prefix gets 404: uvicorn puts root_path in front of the path again",
                r.status_code == 404, r.text)

        r = t.record(proxy.get("/items/", headers=proxy_headers), show_headers=["location"])
        t.check("the trailing-slash redirect keeps the prefix and the scheme",
                r.status_code == 307 and r.headers.get("location") == "https://api.example.com/api/v1/items",
                str(r.headers.get("location")))

        docs = proxy.get("/docs", headers=proxy_headers).text
        spec = proxy.get("/openapi.json", headers=proxy_headers).json()
        asked = re.findall(r"url: '([^']+)'", docs)[:1]
        t.note("/docs fetches its schema from", asked)
        t.note("OpenAPI servers", spec.get("servers"))
        t.check("Swagger UI fetches /api/v1/openapi.json, through the proxy",
                asked == ["/api/v1/openapi.json"], str(asked))
        t.check("the OpenAPI document says the API is at /api/v1",
                spec.get("servers") == [{"url": "/api/v1"}], str(spec.get("servers")))

    t.step("Without a root path the app answers the same, but every link it builds is wrong "
           "behind the proxy.")
    r = t.get("/items/1", headers=proxy_headers)
    t.check("url_for lacks /api/v1", r.json().get("self") == "http://api.example.com/items/1", r.text)
    docs = t.client.get("/docs").text
    t.check("/docs asks for /openapi.json: the proxy would send that elsewhere",
            re.findall(r"url: '([^']+)'", docs)[:1] == ["/openapi.json"])
    t.check("no servers entry in the OpenAPI document", "servers" not in t.client.get("/openapi.json").json())

    t.step("Forwarded headers are trusted only from --forwarded-allow-ips: from another address "
           "they are ignored.")
    with served(t.app, root_path="/api/v1", proxy_headers=True, forwarded_allow_ips="10.0.0.1") as base, \
            httpx2.Client(base_url=base) as client:
        r = t.record(client.get("/items/1", headers=proxy_headers))
        t.check("X-Forwarded-Proto ignored: the scheme stays http", r.json().get("scheme") == "http", r.text)

    t.step("FastAPI(root_path=...) still works but is deprecated: configure the server instead.")
    from fastapi import FastAPI as Fresh

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Fresh(root_path="/api/v1")
    names = [type(w.message).__name__ for w in caught]
    t.note("warnings", names)
    t.check("FastAPI(root_path=...) warns FastAPIDeprecationWarning", "FastAPIDeprecationWarning" in names,
            str(names))
