"""Deployment: a real ASGI server (Uvicorn) behind a reverse proxy, several workers, one image.

Run it alone, from the repository's top folder: fastapi dev demos/deployment.py
In production (pick one):
    fastapi run deployment.py --workers 4 --proxy-headers
    gunicorn deployment:app -k uvicorn_worker.UvicornWorker -w 4 -b 0.0.0.0:8000
Behind nginx, which terminates TLS and forwards the original scheme and client address:
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
"""

import os

from fastapi import FastAPI, Request

app = FastAPI(title="Deployment demo")


@app.get("/health")
async def health():  # <- what a load balancer or a Kubernetes probe polls
    return {"status": "ok"}


@app.get("/whoami")
async def whoami(request: Request):
    return {
        "scheme": request.url.scheme,  # <- "https" when a trusted proxy sends X-Forwarded-Proto
        "client": request.client.host,  # <- the real client from X-Forwarded-For, not the proxy
        "pid": os.getpid(),  # <- which worker process answered
    }


# --- tour ---

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}

DOCKERFILE = """FROM python:3.13-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["fastapi", "run", "deployment.py", "--port", "80", "--proxy-headers"]"""

KUBERNETES = (
    "one Uvicorn process per container (no --workers); `replicas: 4` in the Deployment "
    "scales it out; readinessProbe and livenessProbe: httpGet /health; the Ingress terminates TLS"
)

NGINX = """location / {
    proxy_pass http://127.0.0.1:8000;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
}"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int):
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve()
    command = [
        sys.executable, "-m", "uvicorn", f"{here.stem}:app", "--app-dir", str(here.parent),
        "--host", "127.0.0.1", "--port", str(port),
        "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
        "--no-access-log", "--log-level", "info",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _stop_server(proc) -> str:
    import subprocess

    proc.terminate()  # SIGTERM: what `docker stop` and Kubernetes send
    try:
        return proc.communicate(timeout=5)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[1]


def _wait_ready(proc, http, timeout: float = 15.0) -> bool:
    import time

    import httpx2

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if http.get("/health").status_code == 200:
                return True
        except httpx2.TransportError:  # not listening yet
            time.sleep(0.05)
    return False


def _import_fresh_copy(name: str) -> list[str]:
    """Execute module `name` under a private name (sys.modules untouched); return its warnings."""
    import importlib.util
    import warnings

    spec = importlib.util.find_spec(name)
    private_name = "_fresh_" + name.replace(".", "_")
    private = importlib.util.spec_from_file_location(private_name, spec.origin)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        private.loader.exec_module(importlib.util.module_from_spec(private))
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def tour(t):
    import importlib.util
    import signal
    import time

    import httpx2
    from fastapi.testclient import TestClient
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    t.step("A real Uvicorn server, started as its own process on 127.0.0.1, answers over TCP.")
    port = _free_port()
    start = time.perf_counter()
    proc = _start_server(port)
    t.note("command", " ".join(["python", *proc.args[1:]]))
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as http:
            ready = _wait_ready(proc, http)
            t.note("ready after", f"{time.perf_counter() - start:.2f} s")
            if not t.check("the server came up within 15 s", ready, f"exit code {proc.poll()}"):
                return
            body = t.record(http.get("/whoami")).json()
            t.check("another process answered", body.get("pid") not in (None, os.getpid()),
                    f"server pid {body.get('pid')}, this process {os.getpid()}")
            t.check("a direct connection: scheme http, client 127.0.0.1",
                    body.get("scheme") == "http" and body.get("client") == "127.0.0.1", str(body))

            t.step("nginx terminates TLS and forwards the original scheme and client address: "
                   "Uvicorn applies them as the proxy (127.0.0.1) is in --forwarded-allow-ips.")
            t.note("nginx site (not run here)", NGINX)
            shown = ["x-forwarded-proto", "x-forwarded-for"]
            body = t.record(http.get("/whoami", headers=FORWARDED), show_headers=shown).json()
            t.check("request.url.scheme is https", body.get("scheme") == "https", str(body))
            t.check("request.client.host is the forwarded client 203.0.113.7",
                    body.get("client") == "203.0.113.7", str(body))
    finally:
        stderr = _stop_server(proc)

    t.step("On SIGTERM (docker stop, a Kubernetes rollout) Uvicorn shuts down gracefully: "
           "it stops accepting, finishes in-flight requests, runs the lifespan shutdown.")
    log = [line for line in stderr.splitlines() if line.startswith("INFO:")]
    t.note("server log", "\n".join(log[-4:]))
    t.note("exit status", f"{proc.returncode} (Uvicorn re-raises SIGTERM after a clean shutdown)")
    t.check("the shutdown completed before the process ended",
            any("Application shutdown complete" in line for line in log)
            and proc.returncode in (0, -signal.SIGTERM), f"exit status {proc.returncode}")

    t.step("The same headers from an address that is not a trusted proxy are ignored (no "
           "spoofing): Uvicorn's ProxyHeadersMiddleware, in-process, trusting only 10.0.0.2.")
    guarded = ProxyHeadersMiddleware(t.app, trusted_hosts="10.0.0.2")
    with TestClient(guarded, client=("127.0.0.1", 50000)) as direct:
        spoofed = t.record(direct.get("/whoami", headers=FORWARDED), show_headers=shown)
    body = spoofed.json() if spoofed.status_code == 200 else {}
    t.check("the headers are ignored: scheme http, client 127.0.0.1",
            body.get("scheme") == "http" and body.get("client") == "127.0.0.1", spoofed.text)

    t.step("Production runs several worker processes under a manager (see `quiz demo scaling`).")
    t.note("FastAPI CLI", "fastapi run deployment.py --workers 4 --proxy-headers")
    t.note("Uvicorn alone", "uvicorn deployment:app --host 0.0.0.0 --port 8000 --workers 4")
    t.note("Gunicorn",
           "gunicorn deployment:app -k uvicorn_worker.UvicornWorker -w 4 -b 0.0.0.0:8000")
    cli = importlib.util.find_spec("fastapi_cli")
    t.note("fastapi-cli installed here", "yes" if cli else "no: it comes with fastapi[standard]")
    from gunicorn.workers.base import Worker
    from uvicorn_worker import UvicornWorker

    t.check("uvicorn_worker.UvicornWorker imports and is a Gunicorn worker class",
            issubclass(UvicornWorker, Worker))
    caught = _import_fresh_copy("uvicorn.workers")
    t.note("importing uvicorn.workers says", caught[0] if caught else "nothing")
    t.check("`-k uvicorn.workers.UvicornWorker` is deprecated: importing it warns",
            any(c.startswith("DeprecationWarning") for c in caught))

    t.step("Docker, Kubernetes and a TLS-terminating proxy cannot run on this machine: "
           "here is their configuration instead.")
    t.note("Dockerfile (not built here)", DOCKERFILE)
    t.note("Kubernetes (not run here)", KUBERNETES)
