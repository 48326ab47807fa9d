"""No loss under faults: daphne killed, Redis restarted, a dashboard that stops reading (issue 6).

Real processes on loopback. The clients are `websockets` clients that follow
docs/protocol.md's resume rules, as the widget and the dashboard do: a message
is sent again with the same `client_id` until it is acked; after a reconnect a
client syncs from the highest seq up to which it has everything, and also when
a live `message.new` skips a seq; messages are de-duplicated by id.

Every wait is a bounded poll for a condition; nothing asserts a duration.
"""

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import uuid
from collections import Counter
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.db import connection

from conversations.models import Message, Visitor
from tests import live, realtime

pytestmark = [pytest.mark.asyncio]

# Bounds for the waits below, not expectations: a healthy run needs a fraction of them.
ACK_WAIT = 30.0
RECONNECT_WAIT = 90.0
# Close codes of docs/protocol.md: reconnect and sync; refused for now, connect again in a moment.
CLOSE_RECONNECT = 4012
CLOSE_UNAVAILABLE = 4013
CONNECTION_ERRORS = (OSError, TimeoutError, websockets.ConnectionClosed, websockets.InvalidHandshake)
# These tests are about faults, not per-socket rate limits: raise them (the clients obey
# `rate_limited` all the same, should a limit still apply).
UNLIMITED = {
    f"CHAT_RATE_{role}_{kind}": "1000000" for role in ("VISITOR", "AGENT") for kind in ("MESSAGES", "FRAMES")
}


class ChatClient:
    """One visitor or agent client with the resume rules of docs/protocol.md.

    `view` maps seq -> message for the one conversation it follows; `deliveries`
    counts how often each message id reached it (live, in an ack or in a sync),
    before de-duplication; `conflicts` lists seqs seen with two different ids,
    which must never happen.
    """

    def __init__(self, name: str, ws_url: str):
        self.name = name
        self.ws_url = ws_url
        self.ws = None
        self.conversation: int | None = None
        self.view: dict[int, dict] = {}
        self.deliveries: Counter = Counter()
        self.conflicts: list[tuple[int, int, int]] = []
        self.pending: dict[str, str] = {}  # client_id -> body, sent and not yet acked
        self.acked: dict[str, dict] = {}
        self.sent_here: set[str] = set()  # client_ids sent on the current connection
        self.errors: list[dict] = []
        self.connects = 0
        self.drops = 0
        self.limited = 0  # `rate_limited` errors received
        self.retry_at = 0.0  # loop time before which nothing is sent again after `rate_limited`

    # --- connection ---------------------------------------------------------

    async def _open(self):  # pragma: no cover - defined by subclasses
        raise NotImplementedError

    async def _connect_once(self) -> None:
        self.ws = await self._open()
        self.connects += 1
        self.sent_here = set()
        if self.conversation is not None:
            await self._send(type="sync", conversation=self.conversation, after_seq=self.contiguous())
        for client_id, body in list(self.pending.items()):
            await self._send_message(client_id, body)

    async def ensure_connected(self, timeout: float = RECONNECT_WAIT) -> None:
        """Reconnect (resume, sync, resend what was not acked) until it works or `timeout` passes."""
        async with asyncio.timeout(timeout):
            while self.ws is None:
                try:
                    await self._connect_once()
                except CONNECTION_ERRORS:
                    await self._drop()
                    await asyncio.sleep(0.2)

    async def _drop(self) -> None:
        if self.ws is not None:
            self.drops += 1
            ws, self.ws = self.ws, None
            ws.transport.abort()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def _send(self, **frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def _send_message(self, client_id: str, body: str) -> None:  # pragma: no cover
        raise NotImplementedError

    # --- frames ----------------------------------------------------------------

    def contiguous(self) -> int:
        """The highest seq up to which this client has every message."""
        seq = 0
        while seq + 1 in self.view:
            seq += 1
        return seq

    def _record(self, message: dict) -> None:
        if message["conversation"] != self.conversation:
            return
        self.deliveries[message["id"]] += 1
        known = self.view.setdefault(message["seq"], message)
        if known["id"] != message["id"]:
            self.conflicts.append((message["seq"], known["id"], message["id"]))

    async def _handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "message.ack":
            message = frame["message"]
            if self.conversation is None:
                self.conversation = message["conversation"]
            self.acked[frame["client_id"]] = message
            self.pending.pop(frame["client_id"], None)
            self._record(message)
        elif kind == "message.new":
            if self.conversation is None and frame.get("conversation"):
                self.conversation = frame["message"]["conversation"]
            gap = frame["message"]["seq"] > self.contiguous() + 1
            self._record(frame["message"])
            if gap and frame["message"]["conversation"] == self.conversation:
                # A live event was lost (a crash between commit and fan-out): fill in.
                await self._send(type="sync", conversation=self.conversation, after_seq=self.contiguous())
        elif kind == "sync":
            for message in frame["messages"]:
                self._record(message)
            if frame["has_more"]:
                after = frame["messages"][-1]["seq"]
                await self._send(type="sync", conversation=self.conversation, after_seq=after)
        elif kind == "error":
            self.errors.append(frame)
            if frame.get("code") == "rate_limited":
                self.limited += 1
                self.retry_at = asyncio.get_running_loop().time() + frame.get("retry_after", 1)
            elif frame.get("code") != "server_error":
                raise AssertionError(f"{self.name} got {frame}")
            # Not applied: send it again on this connection.
            self.sent_here.discard(frame.get("client_id"))

    async def pump(self, until, timeout: float) -> None:
        """Handle frames until `until()` holds; ConnectionClosed if the socket goes away."""
        async with asyncio.timeout(timeout):
            while not until():
                await self._handle(json.loads(await self.ws.recv()))

    # --- what tests call ---------------------------------------------------------

    async def post(self, body: str, *, wait: float = ACK_WAIT) -> dict:
        """Send one message and return its ack, resending with the same client_id across drops."""
        client_id = f"{self.name}-{uuid.uuid4().hex[:12]}"
        self.pending[client_id] = body
        async with asyncio.timeout(RECONNECT_WAIT + wait):
            while client_id not in self.acked:
                await self.ensure_connected()
                try:
                    if client_id not in self.sent_here:
                        await self._pause_if_limited()
                        await self._send_message(client_id, body)
                    await self.pump(lambda: client_id in self.acked or client_id not in self.sent_here, wait)
                except CONNECTION_ERRORS:
                    await self._drop()
        return self.acked[client_id]

    async def _pause_if_limited(self) -> None:
        await asyncio.sleep(max(0.0, self.retry_at - asyncio.get_running_loop().time()))

    async def catch_up(self, last_seq: int, timeout: float = ACK_WAIT) -> None:
        """Sync until this client has every message up to `last_seq`, reconnecting if needed."""
        async with asyncio.timeout(RECONNECT_WAIT + timeout):
            while self.contiguous() < last_seq:
                await self.ensure_connected()
                try:
                    await self._pause_if_limited()
                    await self._send(type="sync", conversation=self.conversation, after_seq=self.contiguous())
                    limited = self.limited
                    await self.pump(
                        lambda limited=limited: self.contiguous() >= last_seq or self.limited > limited,
                        timeout,
                    )
                except CONNECTION_ERRORS:
                    await self._drop()

    async def wait_for_live(self, client_id: str, timeout: float) -> bool:
        """True once a live `message.new` with `client_id` arrives on the current socket."""
        seen = False

        async def spot(frame):
            nonlocal seen
            if frame["type"] == "message.new" and frame["message"]["client_id"] == client_id:
                seen = True
            await ChatClient._handle(self, frame)

        try:
            async with asyncio.timeout(timeout):
                while not seen:
                    await spot(json.loads(await self.ws.recv()))
        except (TimeoutError, *CONNECTION_ERRORS):
            return False
        return True


async def first_frame(ws) -> dict:
    """The socket's first frame; a refusal while Redis is away (`unavailable`, then 4013) is a drop."""
    frame = json.loads(await ws.recv())
    if frame["type"] == "error" and frame.get("code") == "unavailable":
        await ws.recv()  # raises ConnectionClosed: the server closes it now
        raise AssertionError(f"an open socket after {frame}")
    return frame


class VisitorClient(ChatClient):
    def __init__(self, name: str, ws_url: str, site_key: str):
        super().__init__(name, ws_url)
        self.site_key = site_key
        self.token: str | None = None

    async def _open(self):
        ws = await websockets.connect(
            f"{self.ws_url}/ws/visitor/{self.site_key}/", origin=realtime.SITE_A_ORIGIN, open_timeout=5
        )
        try:
            async with asyncio.timeout(10):
                assert (await first_frame(ws))["type"] == "welcome"
                await ws.send(
                    json.dumps({"type": "session.start", **({"token": self.token} if self.token else {})})
                )
                while True:
                    frame = json.loads(await ws.recv())
                    if frame["type"] == "session":
                        break
        except BaseException:
            ws.transport.abort()
            raise
        self.token = self.token or frame["token"]
        return ws

    async def _send_message(self, client_id: str, body: str) -> None:
        await self._send(type="message.send", client_id=client_id, body=body)
        self.sent_here.add(client_id)


class AgentClient(ChatClient):
    def __init__(self, name: str, ws_url: str, origin: str, cookie: str):
        super().__init__(name, ws_url)
        self.origin = origin
        self.cookie = cookie

    async def _open(self):
        ws = await websockets.connect(
            f"{self.ws_url}/ws/agent/",
            origin=self.origin,
            additional_headers={"Cookie": self.cookie},
            open_timeout=5,
        )
        try:
            async with asyncio.timeout(10):
                while (await first_frame(ws))["type"] != "welcome":
                    pass
        except BaseException:
            ws.transport.abort()
            raise
        return ws

    async def _send_message(self, client_id: str, body: str) -> None:
        await self._send(type="message.send", conversation=self.conversation, client_id=client_id, body=body)
        self.sent_here.add(client_id)

    async def wait_for_conversation(self, timeout: float = ACK_WAIT) -> int:
        await self.pump(lambda: self.conversation is not None, timeout)
        return self.conversation


# --- helpers -------------------------------------------------------------------


def restart_daphne_on(server: live.DaphneServer, settings_dict: dict, env: dict) -> live.DaphneServer:
    """Start a daphne on the port `server` had (it must be dead), on the same database."""
    port = server.port
    if server.log_path.exists():
        server.log_path.rename(server.log_path.with_name(f"daphne-{port}-killed-{uuid.uuid4().hex[:6]}.log"))
    # live.start_daphne picks a free port; this one is free again and must be reused.
    pick = live.free_port
    live.free_port = lambda: port
    try:
        return live.start_daphne(env, settings_dict=settings_dict, timeout=60)
    finally:
        live.free_port = pick


def describe(client: ChatClient) -> str:
    repeats = sum(n - 1 for n in client.deliveries.values())
    return f"{client.name}: {client.connects} connections, {repeats} repeated deliveries de-duplicated"


def kill_hard(server: live.DaphneServer) -> None:
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    server.stop()  # forget it (it is dead already)


async def stored_messages(conversation_id: int) -> list[tuple[int, int, str | None]]:
    return [
        row
        async for row in Message.objects.filter(conversation_id=conversation_id)
        .order_by("seq")
        .values_list("seq", "id", "client_id")
    ]


async def assert_exactly_once(clients: list[ChatClient]) -> list:
    """Every acked message is stored once; each client's view is the stored conversation, seq 1..N."""
    conversation = clients[0].conversation
    assert all(c.conversation == conversation for c in clients)
    rows = await stored_messages(conversation)
    assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1)), "stored seqs have a gap"
    stored_ids = Counter(client_id for _, _, client_id in rows if client_id)
    assert all(n == 1 for n in stored_ids.values()), "a client_id is stored twice"
    by_client_id = {client_id: (seq, pk) for seq, pk, client_id in rows}
    for client in clients:
        assert not client.pending, f"{client.name} has unacked messages"
        for client_id, message in client.acked.items():
            assert by_client_id.get(client_id) == (message["seq"], message["id"]), (client.name, client_id)
    last_seq = len(rows)
    for client in clients:
        await client.catch_up(last_seq)
        assert not client.conflicts, f"{client.name} saw one seq with two ids: {client.conflicts}"
        seen = [(seq, m["id"], m["client_id"]) for seq, m in sorted(client.view.items())]
        assert seen == rows, f"{client.name} does not see the stored conversation exactly"
    return rows


async def two_streams(visitor: VisitorClient, agent: AgentClient, count: int, fault, fault_after: int):
    """Visitor and agent each post `count` messages back to back; `fault()` runs once both have
    `fault_after` acks, while both streams go on."""
    first = await visitor.post("v-0")
    agent.conversation = first["conversation"]
    both_started = asyncio.Event()

    async def stream(client: ChatClient, start: int):
        for i in range(start, count):
            await client.post(f"{client.name}-{i}")
            if len(visitor.acked) >= fault_after and len(agent.acked) >= fault_after:
                both_started.set()

    async def run_fault():
        async with asyncio.timeout(RECONNECT_WAIT):
            await both_started.wait()
        await fault()

    async with asyncio.timeout(4 * RECONNECT_WAIT):
        await asyncio.gather(stream(visitor, 1), stream(agent, 0), run_fault())


@pytest.fixture
def settings_dict(transactional_db):
    return dict(connection.settings_dict)


# --- a. daphne killed ----------------------------------------------------------------


async def test_nothing_acked_is_lost_or_doubled_when_daphne_is_killed_mid_conversation(
    start_daphne, settings_dict, site_a, bob
):
    server = start_daphne(UNLIMITED)
    cookie = await sync_to_async(realtime.session_cookie)(bob)
    visitor = VisitorClient("v", server.ws_url, site_a.key)
    agent = AgentClient("a", server.ws_url, server.url, cookie)
    await agent.ensure_connected()
    await visitor.ensure_connected()
    restarted, in_flight = [], []

    async def kill_and_restart():
        kill_hard(server)
        in_flight.append(len(visitor.pending) + len(agent.pending))
        # The same environment: REDIS_URL, when set, comes from os.environ as before.
        restarted.append(await asyncio.to_thread(restart_daphne_on, server, settings_dict, UNLIMITED))

    try:
        await two_streams(visitor, agent, count=40, fault=kill_and_restart, fault_after=10)
        rows = await assert_exactly_once([visitor, agent])
    finally:
        await visitor.close()
        await agent.close()
        for s in restarted:
            s.stop()

    print(f"unacked when killed: {in_flight[0]}; {describe(visitor)}; {describe(agent)}")
    assert len(rows) == 80
    assert visitor.drops >= 1 and agent.drops >= 1, "the kill did not cut the clients off"


# --- b. Redis restarted ----------------------------------------------------------------


class RedisProcess:
    """A private redis-server (no persistence, like tests/live.py's) that can be killed and restarted."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = live.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        if not live.wait_for(
            lambda: self.process.poll() is not None or live.redis_ping(self.url), timeout=10
        ):
            raise RuntimeError(f"redis-server on {self.port} did not answer PING")
        assert self.process.poll() is None, f"redis-server exited with {self.process.returncode}"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def restartable_redis():
    redis = RedisProcess()
    live.require(redis.binary, "no redis-server to restart")
    redis.start()
    yield redis
    redis.kill()


def assert_no_traceback(*servers: live.DaphneServer) -> None:
    """Redis going away is an outage, not a bug: the log gets a line now and then, never a traceback."""
    for server in servers:
        log = server.log_path.read_text(errors="replace")
        assert "Traceback" not in log and "Exception inside application" not in log, server.log_tail()


async def close_code(ws: realtime.Socket, timeout: float = ACK_WAIT) -> int | None:
    """The code the server closed `ws` with (None: no close frame), waiting at most `timeout`."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.next("no such frame", timeout=timeout)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


async def assert_live_at_once(server: live.DaphneServer, site, user, token: str) -> None:
    """The first sockets opened now get their welcome, and a message crosses each way live."""
    agent = await realtime.agent(server, user)
    visitor = await realtime.visitor(server, site, token=token)
    try:
        await visitor.send(type="message.send", client_id="v-live", body="are you there?")
        ack = await visitor.next("message.ack", timeout=ACK_WAIT, client_id="v-live")
        await agent.next("message.new", timeout=ACK_WAIT, client_id="v-live")
        conversation = ack["message"]["conversation"]
        await agent.send(type="message.send", conversation=conversation, client_id="a-live", body="yes")
        await visitor.next("message.new", timeout=ACK_WAIT, client_id="a-live")
    finally:
        await visitor.close()
        await agent.close()


async def test_after_a_redis_restart_messages_flow_again_and_nothing_acked_is_lost(
    start_daphne, restartable_redis, transactional_db, site_a, bob
):
    redis = restartable_redis
    env = UNLIMITED | {"REDIS_URL": redis.url}
    first, second = start_daphne(env), start_daphne(env)
    cookie = await sync_to_async(realtime.session_cookie)(bob)
    visitor = VisitorClient("v", first.ws_url, site_a.key)
    agent = AgentClient("a", second.ws_url, second.url, cookie)
    await agent.ensure_connected()
    await visitor.ensure_connected()
    outage = {}

    async def restart_redis():
        await asyncio.to_thread(redis.kill)
        # The streams go on while Redis is away: let each client try a few messages first.
        acked, drops = len(visitor.acked) + len(agent.acked), visitor.drops + agent.drops
        await asyncio.to_thread(
            live.wait_for,
            lambda: len(visitor.acked) + len(agent.acked) >= acked + 6 or visitor.drops + agent.drops > drops,
            timeout=10,
        )
        outage.update(
            acked=len(visitor.acked) + len(agent.acked) - acked, drops=visitor.drops + agent.drops - drops
        )
        await asyncio.to_thread(redis.start)

    try:
        await two_streams(visitor, agent, count=30, fault=restart_redis, fault_after=10)
        rows = await assert_exactly_once([visitor, agent])
        # Live events cross processes again, to the sockets the clients hold now.
        probe = await visitor.post("after the restart")
        assert await agent.wait_for_live(probe["client_id"], timeout=ACK_WAIT), (
            "the agent's socket on the other process no longer hears new messages"
        )
    finally:
        await visitor.close()
        await agent.close()
    print(f"while Redis was away: {outage}; {describe(visitor)}; {describe(agent)}")
    assert len(rows) == 60
    assert_no_traceback(first, second)


async def test_sockets_whose_groups_redis_lost_are_closed_and_hear_again_after_reconnecting(
    start_daphne, restartable_redis, transactional_db, site_a, bob
):
    """Redis loses its data while daphne's connections to it stay up (FLUSHALL).

    redis-py sees no error, as after a restart it reconnected to within its
    retries: without the layer's check the sockets stay open and deaf.
    """
    import redis

    server = start_daphne(UNLIMITED | {"REDIS_URL": restartable_redis.url})
    agent = await realtime.agent(server, bob)
    visitor = await realtime.visitor(server, site_a)
    token = visitor.session["token"]

    await asyncio.to_thread(lambda: redis.Redis.from_url(restartable_redis.url).flushall())

    for ws in (agent, visitor):
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.next("no such frame", timeout=ACK_WAIT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4012
    agent = await realtime.agent(server, bob)
    visitor = await realtime.visitor(server, site_a, token=token)
    try:
        await visitor.send(type="message.send", client_id="after-flush", body="after the flush")
        await visitor.next("message.ack", timeout=ACK_WAIT, client_id="after-flush")
        await agent.next("message.new", timeout=ACK_WAIT, client_id="after-flush")
    finally:
        await visitor.close()
        await agent.close()


async def test_a_redis_restart_closes_every_socket_with_4012_and_puts_no_traceback_in_the_log(
    start_daphne, restartable_redis, transactional_db, site_a, bob
):
    """Killed, not flushed: daphne's connections to Redis break (the FLUSHALL test keeps them)."""
    server = start_daphne(UNLIMITED | {"REDIS_URL": restartable_redis.url})
    agent = await realtime.agent(server, bob)
    visitor = await realtime.visitor(server, site_a)
    token = visitor.session["token"]

    await asyncio.to_thread(restartable_redis.kill)
    codes = [await close_code(agent), await close_code(visitor)]
    await asyncio.to_thread(restartable_redis.start)

    assert codes == [CLOSE_RECONNECT, CLOSE_RECONNECT]
    await assert_live_at_once(server, site_a, bob, token)
    assert_no_traceback(server)


async def test_a_socket_opened_while_redis_is_down_is_refused_with_4013_and_the_next_one_after_it_works(
    start_daphne, restartable_redis, transactional_db, site_a, bob
):
    server = start_daphne(UNLIMITED | {"REDIS_URL": restartable_redis.url})
    cookie = await sync_to_async(realtime.session_cookie)(bob)
    # Used before the outage: the process's pooled connections to Redis die with it.
    first = await realtime.visitor(server, site_a)
    token = first.session["token"]
    await first.send(type="message.send", client_id="v-first", body="hello")
    conversation = (await first.next("message.ack", client_id="v-first"))["message"]["conversation"]
    await first.close()
    await (await realtime.agent(server, bob, cookie)).close()
    await asyncio.to_thread(restartable_redis.kill)

    refusals = []
    for url, headers, origin, frame in (
        (f"{server.ws_url}/ws/visitor/{site_a.key}/", {}, realtime.SITE_A_ORIGIN, {"type": "session.start"}),
        (
            f"{server.ws_url}/ws/agent/",
            {"Cookie": cookie},
            server.url,
            {"type": "message.send", "conversation": conversation, "client_id": "a-refused", "body": "hi"},
        ),
    ):
        ws = realtime.Socket(await websockets.connect(url, origin=origin, additional_headers=headers))
        with contextlib.suppress(websockets.ConnectionClosed):  # the refusal may be there already
            await ws.send(**frame)  # at once, as the dashboard does: not applied on a refused socket
        first_frame = await ws.recv(timeout=ACK_WAIT)
        code = await close_code(ws)
        refusals.append((first_frame["type"], first_frame.get("code"), first_frame.get("retry_after"), code))
    await asyncio.to_thread(restartable_redis.start)

    assert refusals == [("error", "unavailable", 1, CLOSE_UNAVAILABLE)] * 2
    assert await Visitor.objects.acount() == 1
    assert not await Message.objects.filter(client_id="a-refused").aexists()
    await assert_live_at_once(server, site_a, bob, token)
    assert_no_traceback(server)


# --- c. a dashboard that stops reading -------------------------------------------------


def vm_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def ws_frame(text: str) -> bytes:
    """A masked client text frame (RFC 6455)."""
    payload, mask = text.encode(), os.urandom(4)
    n = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def open_silent_agent(server: live.DaphneServer, cookie: str) -> socket.socket:
    """An agent socket that completes the handshake and then never reads again."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/agent/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {server.url}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return sock


def tcp_state(sock: socket.socket) -> int:
    """Linux TCP_INFO tcpi_state: 1 established, 7 closed, 8 close-wait (the server closed)."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[0]


# Eight dashboard tabs of one agent stop reading; each would be sent every message (~10 KB a frame).
SLOW_READER_TABS = 8
SLOW_READER_MESSAGES = 1000
SLOW_READER_BODY = "x" * 4900
# What they would buffer is ~80 MB; a reading dashboard costs the server a few MiB over the run.
SLOW_READER_LIMIT_MIB = 32


@pytest.mark.timeout(300)
async def test_a_dashboard_that_stops_reading_does_not_grow_server_memory_without_bound(
    start_daphne, transactional_db, site_a, bob
):
    server = start_daphne(UNLIMITED)
    cookie = await sync_to_async(realtime.session_cookie)(bob)
    tabs = [await asyncio.to_thread(open_silent_agent, server, cookie) for _ in range(SLOW_READER_TABS)]
    visitor = VisitorClient("v", server.ws_url, site_a.key)
    await visitor.ensure_connected()
    try:
        # Warm up: the first messages load code and caches; measure from here.
        for _ in range(50):
            await visitor.post(SLOW_READER_BODY)
        before = vm_rss_kib(server.process.pid)
        window, sent, closed = 50, 0, set()
        async with asyncio.timeout(240):
            while sent < SLOW_READER_MESSAGES:
                # Pipelined: up to `window` unacked messages at a time.
                batch = min(window, SLOW_READER_MESSAGES - sent)
                ids = [f"flood-{sent + i}" for i in range(batch)]
                for client_id in ids:
                    visitor.pending[client_id] = SLOW_READER_BODY
                    await visitor._send_message(client_id, SLOW_READER_BODY)
                await visitor.pump(lambda ids=ids: all(i in visitor.acked for i in ids), ACK_WAIT)
                sent += batch
                # Like a dashboard whose tab still sends (typing, presence) but no longer reads.
                for tab in tabs:
                    if tab not in closed:
                        try:
                            tab.sendall(ws_frame('{"type": "presence", "availability": "online"}'))
                        except OSError:  # the server closed or reset it
                            closed.add(tab)
        after = vm_rss_kib(server.process.pid)
        closed_by_server = all(tab in closed or tcp_state(tab) != 1 for tab in tabs)
    finally:
        for tab in tabs:
            tab.close()
        await visitor.close()
    growth_mib = (after - before) / 1024
    print(
        f"daphne RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB after {sent} messages; "
        f"closed by the server: {closed_by_server}"
    )
    assert closed_by_server or growth_mib < SLOW_READER_LIMIT_MIB, (
        f"daphne grew {growth_mib:.0f} MiB for a dashboard that does not read ({sent} messages of "
        f"{len(SLOW_READER_BODY)} characters) and kept its socket open"
    )


@pytest.mark.timeout(120)
async def test_the_unsent_bytes_cap_spares_a_client_that_reads_one_large_sync_page(
    start_daphne, transactional_db, site_a
):
    """The cap counts the backlog, not the frame: a sync page larger than the cap still goes out.

    And pages stay under daphne's 1 MiB frame limit (CHAT_SYNC_PAGE_BYTES) whatever the text.
    """
    from conversations.services import message_post_by_visitor, visitor_create

    server = start_daphne(UNLIMITED | {"CHAT_MAX_UNSENT_BYTES": "65536"})

    def history() -> tuple[str, int]:
        visitor, token = visitor_create(site=site_a)
        for i in range(100):
            message, _ = message_post_by_visitor(visitor=visitor, client_id=f"h{i}", body="é" * 4000)
        return token, message.conversation_id

    token, conversation_id = await sync_to_async(history)()
    async with websockets.connect(
        f"{server.ws_url}/ws/visitor/{site_a.key}/", origin="https://a.example", max_size=2**24
    ) as ws:
        await ws.recv()  # welcome
        await ws.send(json.dumps({"type": "session.start", "token": token}))
        await ws.send(json.dumps({"type": "sync", "conversation": conversation_id, "after_seq": 0}))
        frames = [json.loads(await asyncio.wait_for(ws.recv(), 30)) for _ in range(2)]
    pages = [f for f in frames if f["type"] == "sync"]
    assert pages, [(f["type"], f.get("code")) for f in frames]
    received = pages[0]["messages"]
    async with websockets.connect(
        f"{server.ws_url}/ws/visitor/{site_a.key}/", origin="https://a.example", max_size=2**24
    ) as ws:
        await ws.recv()
        await ws.send(json.dumps({"type": "session.start", "token": token}))
        while pages[-1]["has_more"]:
            after = received[-1]["seq"]
            await ws.send(json.dumps({"type": "sync", "conversation": conversation_id, "after_seq": after}))
            while (frame := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] != "sync":
                pass
            pages.append(frame)
            received += frame["messages"]
    # 100 messages of 8 KB: more than the cap in one page, and all of them over a few pages.
    assert [m["seq"] for m in received] == list(range(1, 101))
    assert sum(len(json.dumps(p, ensure_ascii=False).encode()) for p in pages[:1]) > 65536
