"""An in-process Celery worker: a stand-in for `celery -A celery_jobs worker --pool=solo`.

In production the worker is its own process (or container) reading jobs from Redis or
RabbitMQ. Here the broker is Kombu's in-memory transport, which only threads of one process
share, so the worker runs in a thread of the web app's process.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery, _state
from celery.worker import WorkController
from celery.worker import state as worker_state
from kombu.transport import memory


class MemoryTransport(memory.Transport):
    """Kombu's in-memory transport, polled in short slices.

    The worker's loop waits up to 2 s for a message before it looks at its stop flag; short
    slices let the worker stop within a few hundredths of a second.
    """

    def drain_events(self, connection, timeout=None):
        return super().drain_events(connection, timeout=min(timeout or 0.05, 0.05))


@contextmanager
def embedded_worker(celery_app: Celery, name: str = "celery-worker") -> Iterator[threading.Thread]:
    """Run a Celery worker in a thread while the block runs; stop it and wait for it after."""
    if str(celery_app.conf.broker_url).startswith("memory://"):
        celery_app.conf.broker_transport = MemoryTransport
    ready = threading.Event()
    worker = WorkController(
        app=celery_app,
        hostname="worker@demo",
        pool="solo",  # run the tasks in the worker's own thread, one at a time
        concurrency=1,
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        loglevel="ERROR",
        ready_callback=lambda consumer: ready.set(),
    )

    def run() -> None:
        celery_app.set_current()  # Celery looks tasks up on the thread's current app
        worker.start()

    default_app = _state.default_app  # Celery creates one while it runs a task: put it back
    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        if not ready.wait(10):
            raise RuntimeError("the Celery worker did not start")
        yield thread
    finally:
        worker_state.should_stop = 0  # a warm shutdown: the loop sees it and stops the worker
        thread.join(10)
        worker_state.should_stop = None
        _state.set_default_app(default_app)
        if thread.is_alive():
            raise RuntimeError("the Celery worker did not stop")
