"""Background tasks: work that runs after the response is sent, in the same process.

Run it alone, from the repository's top folder: fastapi dev demos/background_tasks.py

For short jobs only (an email, a log line): they share the server process and are lost if
it stops. Heavy or must-not-lose work belongs in a queue (Celery, RQ, arq).
"""

import contextlib
import time

from fastapi import BackgroundTasks, Depends, FastAPI, Request

app = FastAPI(title="Background tasks demo")
done: list[str] = []  # what the tasks did, in order, so the tour can show it


def send_welcome_email(address: str) -> None:
    time.sleep(0.2)  # a slow mail server: the client must not wait for it
    done.append(f"mail sent to {address}")


def write_audit(line: str) -> None:
    done.append(f"audit: {line}")


def audit_request(request: Request, background_tasks: BackgroundTasks) -> None:
    # a dependency gets the same BackgroundTasks object as the endpoint
    background_tasks.add_task(write_audit, f"{request.method} {request.url.path}")  # <-


@app.post("/signup", dependencies=[Depends(audit_request)])
def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome_email, email)  # <- queued, runs after the response
    background_tasks.add_task(write_audit, f"signed up {email}")  # <- then this one, in order
    return {"message": f"Welcome {email}, check your inbox"}


# --- tour ---


@contextlib.contextmanager
def _serve(app_to_serve):
    """Serve the app with uvicorn on 127.0.0.1 (a free port) in a thread; stop it on exit."""
    import socket
    import threading

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app_to_serve, log_config=None, log_level=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def tour(t):
    import httpx2

    done.clear()
    t.step("Served by uvicorn on 127.0.0.1: the client gets its answer while the mail is pending.")
    with _serve(t.app) as base, httpx2.Client(base_url=base) as client:
        start = time.perf_counter()
        r = client.post("/signup", params={"email": "ada@example.com"})
        elapsed = time.perf_counter() - start
        seen_by_then = list(done)
        t.record(r, elapsed=elapsed)
        t.note("what the tasks had done when the response arrived", seen_by_then or "nothing")
        t.check("200: the response arrived", r.status_code == 200, str(r.status_code))
        t.check("no mail sent yet: the response went out before the mail task finished",
                r.status_code == 200 and not any(s.startswith("mail") for s in seen_by_then),
                str(seen_by_then))

        t.step("The tasks then run one after another, in the order they were added.")
        deadline = time.monotonic() + 3
        while r.status_code == 200 and len(done) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        finished = time.perf_counter() - start
        t.note("response received after", f"{elapsed * 1000:.0f} ms")
        t.note("all tasks done after", f"{finished * 1000:.0f} ms")
        t.note("task log", " -> ".join(done))
        expected = [
            "audit: POST /signup",  # added by the dependency, which ran before the endpoint
            "mail sent to ada@example.com",
            "audit: signed up ada@example.com",  # waited for the slow mail: one at a time
        ]
        t.check("dependency's task, then the mail, then the audit line", done == expected,
                str(done))
    done.clear()
