"""WebSockets: one long-lived, two-way connection per client; an echo and a chat room.

Run it alone, from the repository's top folder: fastapi dev demos/websocket_chat.py
"""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI(title="WebSocket chat demo")


class Room:
    """Who is connected, and a broadcast to all of them (one process; Redis pub/sub for more)."""

    def __init__(self) -> None:
        self.members: dict[str, WebSocket] = {}

    async def join(self, user: str, websocket: WebSocket) -> None:
        await websocket.accept()  # <- the handshake: HTTP upgrade -> WebSocket
        self.members[user] = websocket
        await self.broadcast({"from": "server", "text": f"{user} joined"})

    def leave(self, user: str) -> None:
        self.members.pop(user, None)

    async def broadcast(self, message: dict[str, str]) -> None:
        for websocket in list(self.members.values()):
            await websocket.send_json(message)  # <- the server pushes, unasked


room = Room()


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()  # <- waits for the client's next frame
            await websocket.send_text(f"echo: {text}")
    except WebSocketDisconnect:
        pass


@app.websocket("/ws/chat/{user}")
async def chat(websocket: WebSocket, user: str):
    await room.join(user, websocket)
    try:
        while True:
            text = await websocket.receive_text()
            await room.broadcast({"from": user, "text": text})  # <- one message, every member
    except WebSocketDisconnect:  # <- the client went away: forget it, tell the others
        room.leave(user)
        await room.broadcast({"from": "server", "text": f"{user} left"})


@app.get("/chat/members")
async def members() -> list[str]:
    return sorted(room.members)


# --- tour ---


def receive(ws, seconds=2.0):
    """ws.receive_text() with a deadline: a broken app fails the tour instead of hanging it."""
    import anyio

    async def within():
        with anyio.fail_after(seconds):
            return await ws._send_rx.receive()  # TestClient's own receive has no timeout

    try:
        message = ws.portal.call(within)
    except TimeoutError:
        return None  # nothing came: the check that expected a frame fails
    ws._raise_on_close(message)
    return message.get("text")


def _json(text):
    import json

    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def tour(t):
    import time

    t.step("An echo endpoint: the connection stays open and each frame sent gets a frame back.")
    with t.client.websocket_connect("/ws/echo") as ws:
        replies = []
        for text in ("hello", "still there?"):
            ws.send_text(text)
            t.note("client ->", text)
            replies.append(receive(ws))
            t.note("client <-", replies[-1])
    t.check("two frames in, two echoes out, on one connection",
            replies == ["echo: hello", "echo: still there?"], str(replies))

    t.step("A chat room: alice and bob connect; the server announces each arrival to the room.")
    try:  # an exception in the app's websocket handler comes out when its connection closes
        with t.client.websocket_connect("/ws/chat/alice") as alice:
            t.note("alice <-", receive(alice))
            with t.client.websocket_connect("/ws/chat/bob") as bob:
                to_alice, to_bob = receive(alice), receive(bob)
                t.note("alice <-", to_alice)
                t.note("bob <-", to_bob)
                joined = {"from": "server", "text": "bob joined"}
                got = [_json(to_alice), _json(to_bob)]
                t.check("both are told bob joined", got == [joined, joined], str(got))
                r = t.get("/chat/members")
                t.check("the room has two members", r.json() == ["alice", "bob"], r.text)

                t.step("alice sends one frame; the server broadcasts it to every member, her too.")
                alice.send_text("hi bob")
                t.note("alice ->", "hi bob")
                to_alice, to_bob = receive(alice), receive(bob)
                t.note("alice <-", to_alice)
                t.note("bob <-", to_bob)
                sent = {"from": "alice", "text": "hi bob"}
                got = [_json(to_alice), _json(to_bob)]
                t.check("both got it, marked from alice", got == [sent, sent], str(got))

                t.step("bob disconnects: the server catches WebSocketDisconnect and the room shrinks.")
                bob.close()
                t.note("bob ->", "close frame (code 1000)")
                left = receive(alice)
                t.note("alice <-", left)
                bye = {"from": "server", "text": "bob left"}
                t.check("alice is told bob left", _json(left) == bye, left)
                r = t.get("/chat/members")
                t.check("the room is down to alice", r.json() == ["alice"], r.text)
            alice.close()
            deadline = time.monotonic() + 2
            while t.client.get("/chat/members").json() and time.monotonic() < deadline:
                time.sleep(0.01)
    except Exception as exc:
        t.note("the app's websocket handler raised", f"{type(exc).__name__}: {exc}")
    r = t.get("/chat/members")
    t.check("everyone gone: the room is empty again", r.json() == [], r.text)
