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


def charge_card(order_id: int) -> None:
    done.append(f"charging order {order_id}")
    raise RuntimeError("card declined")  # <- logged by the server; the tasks after it never run


def send_receipt(order_id: int) -> None:
    done.append(f"receipt for order {order_id}")


@app.post("/orders/{order_id}")
def place_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(charge_card, order_id)  # <- raises
    background_tasks.add_task(send_receipt, order_id)  # <- so this one is skipped
    return {"order_id": order_id, "status": "accepted"}  # <- the 200 is already sent


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


def _recorded(app_to_wrap):
    """The app as an ASGI app that writes the server's own events into `done`: when the response
    was sent (its last body message), and an exception that came out of the app afterwards (the
    server would log it; here it is recorded instead)."""

    async def recorded(scope, receive, send):
        async def send_and_record(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.append("response sent")

        try:
            await app_to_wrap(scope, receive, send_and_record)
        except Exception as exc:
            if scope["type"] != "http":
                raise
            done.append(f"the app raised {type(exc).__name__}: {exc}")

    return recorded


def tour(t):
    import httpx2
    from fastapi.testclient import TestClient

    done.clear()
    t.step("Served by uvicorn on 127.0.0.1: the client gets its answer while the mail is pending.")
    with _serve(_recorded(t.app)) as base, httpx2.Client(base_url=base) as client:
        start = time.perf_counter()
        r = client.post("/signup", params={"email": "ada@example.com"})
        elapsed = time.perf_counter() - start
        t.record(r, elapsed=elapsed)
        t.check("200: the response arrived", r.status_code == 200, str(r.status_code))

        t.step("The tasks then run one after another, in the order they were added.")
        deadline = time.monotonic() + 3
        while r.status_code == 200 and len(done) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        finished = time.perf_counter() - start
        t.note("response received after", f"{elapsed * 1000:.0f} ms")
        t.note("all tasks done after", f"{finished * 1000:.0f} ms")
        t.note("the server's record", " -> ".join(done))
        sent = done.index("response sent") if "response sent" in done else len(done)
        mail = next((i for i, s in enumerate(done) if s.startswith("mail")), -1)
        t.check("the server sent the response before the mail task finished (its own record)",
                0 <= sent < mail, str(done))
        tasks = [s for s in done if s != "response sent"]
        expected = [
            "audit: POST /signup",  # added by the dependency, which ran before the endpoint
            "mail sent to ada@example.com",
            "audit: signed up ada@example.com",  # waited for the slow mail: one at a time
        ]
        t.check("dependency's task, then the mail, then the audit line", tasks == expected,
                str(tasks))

    t.step("A task that raises stops the tasks queued after it; the client already has its 200.")
    done.clear()
    with TestClient(_recorded(t.app)) as client:  # runs the tasks before it returns the response
        r = t.record(client.post("/orders/7"))
    t.note("the server's record", " -> ".join(done))
    t.check("200 for the client: the response went out before the tasks ran",
            r.status_code == 200 and done[:1] == ["response sent"], f"{r.status_code} {done}")
    t.check("the charge ran and raised, after the response",
            done[1:] == ["charging order 7", "the app raised RuntimeError: card declined"], str(done))
    t.check("the receipt queued after it never ran", not any(s.startswith("receipt") for s in done),
            str(done))
    done.clear()
