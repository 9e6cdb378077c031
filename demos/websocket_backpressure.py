"""WebSocket auth before accept, and back-pressure: a bounded queue per client, slow clients dropped.

Run it alone, from the repository's top folder: fastapi dev demos/websocket_backpressure.py
"""

import asyncio
from typing import Annotated

from fastapi import Depends, FastAPI, WebSocket, WebSocketDisconnect, WebSocketException, status

app = FastAPI(title="WebSocket auth and back-pressure demo")

TOKENS = {"t-alice": "alice", "t-bob": "bob"}  # stands in for verifying a short-lived JWT
ALLOWED_ORIGINS = {"https://app.example"}
QUEUE_SIZE = 8  # messages a client may fall behind before it is dropped

record: dict[str, list] = {"accepted": [], "dropped": [], "peak_queue": [0]}


async def ws_user(websocket: WebSocket, token: str | None = None) -> str:
    """Runs before the handshake is accepted: a refusal closes it with 1008 (HTTP 403)."""
    if websocket.headers.get("origin") not in ALLOWED_ORIGINS:  # <- a cookie rides along from any site
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="origin")
    if token not in TOKENS:  # <- browsers cannot set headers: a short-lived token in the query
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="token")
    return TOKENS[token]


class Subscriber:
    def __init__(self, user: str, websocket: WebSocket, stalled: bool) -> None:
        self.user, self.websocket, self.stalled = user, websocket, stalled
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=QUEUE_SIZE)  # <- bounded
        self.pump_task: asyncio.Task | None = None

    async def pump(self) -> None:
        """One sender task per client: a slow socket holds up this task only."""
        while True:
            message = await self.queue.get()
            if self.stalled:  # a client that stopped reading: its send buffer is full
                await asyncio.Event().wait()
            await self.websocket.send_text(message)


hub: dict[str, Subscriber] = {}


@app.websocket("/ws/feed")
async def feed(websocket: WebSocket, user: Annotated[str, Depends(ws_user)], stalled: bool = False):
    await websocket.accept()  # <- only after ws_user passed
    record["accepted"].append(user)
    sub = hub[user] = Subscriber(user, websocket, stalled)
    sub.pump_task = asyncio.create_task(sub.pump())
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        hub.pop(user, None)
        sub.pump_task.cancel()


@app.post("/publish")
async def publish(n: int) -> dict:
    too_slow = []
    for i in range(n):
        for sub in list(hub.values()):
            if sub in too_slow:
                continue
            try:
                sub.queue.put_nowait(f"tick {i}")  # <- never await a slow client here
            except asyncio.QueueFull:
                too_slow.append(sub)  # <- drop it rather than buffer without bound
            record["peak_queue"][0] = max(record["peak_queue"][0], sub.queue.qsize())
        await asyncio.sleep(0)  # a feed yields between events: each sender task gets its turn
    for sub in too_slow:
        record["dropped"].append(sub.user)
        if sub.pump_task:
            sub.pump_task.cancel()
        await sub.websocket.close(code=status.WS_1013_TRY_AGAIN_LATER)  # <- reconnect later
    return {"published": n, "dropped": [s.user for s in too_slow]}


@app.get("/record")
async def get_record() -> dict:
    return {**record, "connected": sorted(hub)}


# --- tour ---


def receive(ws, seconds=5.0):
    """One message from the server with a deadline: a broken app fails a check, not the tour."""
    import anyio

    async def within():
        with anyio.fail_after(seconds):
            return await ws._send_rx.receive()

    try:
        return ws.portal.call(within)
    except TimeoutError:
        return None


def tour(t):
    import time

    from fastapi import WebSocketDisconnect as Closed

    good = {"origin": "https://app.example"}

    def refused(url, headers):
        try:
            with t.client.websocket_connect(url, headers=headers) as ws:
                ws.send_text("hello?")
                msg = receive(ws, 2.0)
                return f"accepted ({msg})"
        except Closed as exc:
            return exc.code

    t.step("Authentication runs in a dependency before accept(): a refusal closes the handshake "
           "with 1008, and a server answers it with HTTP 403.")
    no_token = refused("/ws/feed", good)
    t.note("no token", no_token)
    bad_origin = refused("/ws/feed?token=t-alice", {"origin": "https://evil.example"})
    t.note("a valid token from another site's page", bad_origin)
    t.check("no token: closed with 1008", no_token == 1008, str(no_token))
    t.check("a foreign Origin (cross-site WebSocket hijacking): closed with 1008",
            bad_origin == 1008, str(bad_origin))
    r = t.get("/record")
    t.check("the endpoint never accepted either", r.json().get("accepted") == [], r.text)

    t.step("alice reads as fast as we publish; bob stopped reading. 50 messages are published: "
           "each client has its own bounded queue and sender task.")
    messages, bob_close = [], None
    with t.client.websocket_connect("/ws/feed?token=t-alice", headers=good) as alice:
        try:
            with t.client.websocket_connect("/ws/feed?token=t-bob&stalled=true", headers=good) as bob:
                deadline = time.monotonic() + 10
                while len(t.client.get("/record").json().get("connected", [])) < 2:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
                r = t.post("/publish?n=50")
                t.check("the publisher dropped bob, not alice",
                        r.status_code == 200 and r.json().get("dropped") == ["bob"], r.text)
                bob_close = receive(bob, 5.0)
        except Exception as exc:
            t.note("bob's connection", f"{type(exc).__name__}: {exc}")
        for _ in range(50):
            message = receive(alice, 5.0)
            if not message or message.get("type") != "websocket.send":
                break
            messages.append(message.get("text"))
    t.note("bob got", bob_close)
    t.note("alice got", f"{len(messages)} messages, the last {messages[-1:] }")
    t.check("bob was closed with 1013 (try again later)",
            bool(bob_close) and bob_close.get("type") == "websocket.close"
            and bob_close.get("code") == 1013, str(bob_close))
    t.check("alice got all 50, in order", messages == [f"tick {i}" for i in range(50)],
            f"{len(messages)} messages")
    r = t.get("/record")
    t.note("the server's record", r.text)
    t.check("no queue ever held more than 8 messages: memory stays bounded",
            0 < r.json().get("peak_queue", [0])[0] <= 8, r.text)
