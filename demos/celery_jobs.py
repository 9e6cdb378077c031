"""Celery: heavy jobs leave the request; a worker runs them and the client polls for the result.

Run it alone, from the repository's top folder: fastapi dev demos/celery_jobs.py
"""

import threading
import time
from contextlib import asynccontextmanager

from celery import Celery
from celery_jobs_app.worker import embedded_worker  # stand-in for `celery -A celery_jobs worker`
from fastapi import BackgroundTasks, FastAPI, Response

celery_app = Celery(
    "jobs",
    broker="memory://",  # <- production: "redis://redis:6379/0" or "amqp://rabbitmq"
    backend="cache+memory://",  # <- where states and results go (Redis in production)
    set_as_current=False,
)


@celery_app.task(bind=True, shared=False)  # <- a task: a function a worker runs for you
def crunch(self, n: int) -> dict:
    started = time.perf_counter()
    time.sleep(0.15)  # the heavy part: no web request should wait for this
    return {
        "started": started,
        "ended": time.perf_counter(),  # the same clock as the web app's: one process here
        "sum_of_squares": sum(i * i for i in range(n)),
        "queue": self.request.delivery_info["routing_key"],  # it came through the broker
        "thread": threading.current_thread().name,
    }


@asynccontextmanager
async def lifespan(app: FastAPI):
    with embedded_worker(celery_app):  # in production the worker is a separate process
        yield


app = FastAPI(title="Celery demo", lifespan=lifespan)
outbox: list[str] = []  # what the BackgroundTasks example "sent"


@app.post("/jobs", status_code=202)  # <- 202 Accepted: queued, not done
def submit_job(n: int, response: Response):
    job = crunch.delay(n)  # <- enqueue on the broker and return at once
    response.headers["Location"] = f"/jobs/{job.id}"
    return {"task_id": job.id, "state": job.state, "web_thread": threading.current_thread().name,
            "answered_at": time.perf_counter()}


@app.get("/jobs/{task_id}")
def job_status(task_id: str):
    job = celery_app.AsyncResult(task_id)  # <- the result backend knows its state
    body = {"task_id": task_id, "state": job.state}  # PENDING, SUCCESS, FAILURE (STARTED: opt-in)
    if job.successful():
        body["result"] = job.result
    return body


@app.post("/welcome-email")
def welcome_email(to: str, background: BackgroundTasks):
    background.add_task(outbox.append, to)  # <- short work: same process, after the response
    return {"queued_for": to}


# --- tour ---


def tour(t):
    t.step("POST /jobs enqueues the job with .delay() and answers 202 with a task id at once.")
    start = time.perf_counter()
    r = t.post("/jobs", params={"n": 1000}, show_headers=["location"])
    submit_s = time.perf_counter() - start
    body = r.json() if r.status_code == 202 else {}
    task_id = body.get("task_id", "")
    t.note("POST /jobs took", f"{submit_s * 1000:.0f} ms (the job itself sleeps 150 ms)")
    t.check("202 Accepted with a task id", r.status_code == 202 and len(task_id) == 36, r.text)
    t.check("Location points at the status URL", r.headers.get("location") == f"/jobs/{task_id}")
    t.check("the job was still PENDING when the response left", body.get("state") == "PENDING")

    t.step("GET /jobs/{id} polls the result backend until the worker reports SUCCESS.")
    states = []
    status = None
    deadline = time.perf_counter() + 3
    while task_id and time.perf_counter() < deadline:
        status = t.client.get(f"/jobs/{task_id}")
        state = status.json().get("state") if status.status_code == 200 else None
        states.append(state)
        if state not in ("PENDING", "STARTED"):
            break
        time.sleep(0.02)
    done_s = time.perf_counter() - start
    if status is not None:
        t.record(status)
    result = status.json().get("result", {}) if status is not None else {}
    seen = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    t.note("states seen while polling", f"{' -> '.join(map(str, seen))} ({len(states)} polls)")
    t.note("job done after", f"{done_s * 1000:.0f} ms")
    answered, ended = body.get("answered_at", float("inf")), result.get("ended", float("-inf"))
    t.check("the POST's handler returned before the job ended: it did not wait for it (the server's "
            "record)", answered < ended, f"{submit_s:.3f} s against {done_s:.3f} s")
    t.check("it ends in SUCCESS", states[-1:] == ["SUCCESS"], str(seen))
    t.note("task_track_started", celery_app.conf.task_track_started)
    t.check("never STARTED while it ran: Celery reports STARTED only with task_track_started=True "
            "(off by default), so a running task reads PENDING",
            celery_app.conf.task_track_started is False and "STARTED" not in states, str(seen))
    t.check(
        "with the task's return value",
        result.get("sum_of_squares") == sum(i * i for i in range(1000)),
        str(result),
    )

    t.step("A Celery worker ran it, in its own thread: not the thread that served the request.")
    t.note("request served on", body.get("web_thread"))
    t.note("job ran on", f"thread {result.get('thread')}, taken from queue {result.get('queue')}")
    t.check("the job came through the broker's queue", result.get("queue") == "celery", str(result))
    t.check(
        "the job ran on the worker's thread, not the request's",
        result.get("thread") == "celery-worker" and body.get("web_thread") != "celery-worker",
    )
    worker_threads = [th.name for th in threading.enumerate() if th.name == "celery-worker"]
    t.check("the worker thread is running beside the app", worker_threads == ["celery-worker"])
    t.note(
        "shutdown",
        "the lifespan stops the worker when the app stops (after this tour); "
        "in production it is `celery -A celery_jobs worker`, a process of its own",
    )

    t.step("Short work needs no broker: BackgroundTasks runs it in the app after the response.")
    outbox.clear()
    r = t.post("/welcome-email", params={"to": "ada@example.com"})
    t.check("the background task ran in the web app", outbox == ["ada@example.com"], str(outbox))
    t.note(
        "BackgroundTasks vs Celery",
        "BackgroundTasks: same process, no retries, lost if the process dies; fine for an "
        "email or a log line. Celery: separate workers, a broker, retries, results, scaling.",
    )
    t.note(
        "not run here",
        "Redis/RabbitMQ (the broker) and Flower (the monitoring UI, `celery -A celery_jobs "
        "flower`) are servers: this demo uses Kombu's in-memory broker and result backend.",
    )
