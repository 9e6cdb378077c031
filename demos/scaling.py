"""Scaling: several worker processes share one port; more machines go behind a load balancer.

Run it alone, from the repository's top folder: fastapi dev demos/scaling.py
Several workers: uvicorn scaling:app --workers 2   (or: fastapi run --workers 2 scaling.py)
"""

import os

from fastapi import FastAPI

app = FastAPI(title="Scaling demo")


@app.get("/pid")
async def pid():
    # each worker is a separate process with its own interpreter, memory and event loop
    return {"pid": os.getpid(), "parent": os.getppid()}  # <- which worker answered


# --- tour ---


def tour(t):
    import socket
    import subprocess
    import sys
    import tempfile
    import time
    from collections import Counter
    from pathlib import Path

    import httpx2

    t.step("In-process (TestClient) there is one process: every answer has this process's pid.")
    r = t.get("/pid")
    t.check("the in-process app answers with our own pid",
            r.status_code == 200 and r.json().get("pid") == os.getpid(), r.text)

    t.step("A real server: `uvicorn scaling:app --workers 2` on 127.0.0.1, as a subprocess.")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    here = Path(__file__).resolve()
    command = [sys.executable, "-m", "uvicorn", f"{here.stem}:app", "--app-dir", str(here.parent),
               "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
               "--log-level", "warning"]
    t.note("command", " ".join(["uvicorn", *command[3:]]))
    # meanwhile, one more interpreter (warnings as errors) imports both worker classes
    probe_code = ("import uvicorn_worker\nprint('uvicorn_worker: imported cleanly')\n"
                  "try:\n    import uvicorn.workers\nexcept DeprecationWarning as exc:\n"
                  "    print('uvicorn.workers: DeprecationWarning:', str(exc).splitlines()[0])\n")
    probe = subprocess.Popen([sys.executable, "-W", "error", "-c", probe_code],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    seen = Counter()
    parents = set()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log, \
            httpx2.Client(base_url=base, trust_env=False, timeout=2,
                          limits=httpx2.Limits(max_keepalive_connections=0)) as http:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            first = None
            deadline = time.monotonic() + 30  # startup wait, bounded (a busy machine is slow to start two)
            while first is None and time.monotonic() < deadline and server.poll() is None:
                try:
                    first = http.get("/pid")
                except httpx2.TransportError:
                    time.sleep(0.05)
            ready = time.perf_counter() - start
            t.check("the server came up within 30 s", first is not None,
                    f"{ready:.2f} s" if first else f"exit code {server.poll()}")
            if first is None:
                log.seek(0)
                t.note("server output", log.read().decode(errors="replace")[-800:])
                return
            t.record(first, elapsed=ready)
            t.note("first answer after", f"{ready:.2f} s (a worker's interpreter imports the app)")

            t.step("Fresh connections until two different worker pids have answered.")
            deadline = time.monotonic() + 30
            while len(seen) < 2 and time.monotonic() < deadline:
                body = http.get("/pid").json()  # no keep-alive: each request a new connection
                seen[body["pid"]] += 1
                parents.add(body["parent"])
            t.note("both workers answering after", f"{time.perf_counter() - start:.2f} s")
        finally:
            server.terminate()  # SIGTERM: the supervisor stops its workers, then exits
            try:
                server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)  # the whole group: supervisor and workers
                server.wait()
            out, _ = probe.communicate(timeout=10)
    t.note("supervisor pid (the process we started)", server.pid)
    t.note("worker pids and requests each answered", dict(seen))
    t.check("two different worker processes answered", len(seen) == 2, str(dict(seen)))
    t.check("both are children of the supervisor, neither is it",
            parents == {server.pid} and server.pid not in seen, f"parents {parents}")
    t.note("supervisor exit code after SIGTERM", server.returncode)

    t.step("`uvicorn.workers` (gunicorn -k uvicorn.workers.UvicornWorker) is deprecated now.")
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    for name, outcome in lines.items():
        t.note(f"import {name}", outcome)
    t.check("importing uvicorn.workers raises a DeprecationWarning pointing to uvicorn-worker",
            "uvicorn-worker" in lines.get("uvicorn.workers", ""), out.strip()[-300:])
    t.check("its replacement, the uvicorn-worker package, imports cleanly",
            lines.get("uvicorn_worker") == "imported cleanly", out.strip()[-300:])
    t.note("production, one machine", "fastapi run --workers 4 main.py (fastapi[standard])  |  "
           "uvicorn main:app --host 0.0.0.0 --workers 4")
    t.note("production, gunicorn as manager",
           "gunicorn main:app -k uvicorn_worker.UvicornWorker -w 4")
    t.note("Kubernetes / Docker (advice, not checked: no container runtime in a demo)",
           "one uvicorn process per container, no --workers; scale with replicas behind the "
           "load balancer")
    t.note("and the rest", "cache in Redis (demo caching), pool DB connections (demo sql_database)")
