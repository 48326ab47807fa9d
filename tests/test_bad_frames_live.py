"""Bad frames over a real daphne, with a real WebSocket client (docs/protocol.md, "Errors").

Every bad frame is answered: an `error` frame on a socket that stays usable, or,
for what the WebSocket layer itself refuses (a message over the transport limit,
invalid UTF-8), a close frame with its code and a reason, never a dropped TCP
connection. And nothing a client sends puts a traceback in the server's log.
"""

import asyncio
import base64
import json
import os

import pytest
import websockets
from asgiref.sync import sync_to_async

from accounts.models import Site
from conversations.services import message_post_by_visitor, visitor_create
from tests import realtime

pytestmark = [pytest.mark.asyncio]

# daphne's --websocket-max-message-size, as tests/live.py starts it (docs/protocol.md).
TRANSPORT_LIMIT = 1024 * 1024


@pytest.fixture
def server(daphne_server, transactional_db):
    return daphne_server


class Log:
    """What the server logged since the test began."""

    def __init__(self, server):
        self.path = server.log_path
        self.start = self.path.stat().st_size

    def text(self) -> str:
        with open(self.path, "rb") as log:
            log.seek(self.start)
            return log.read().decode(errors="replace")


async def open_socket(server, site) -> realtime.Socket:
    # No permessage-deflate: the frames must reach daphne at their full size.
    ws = await websockets.connect(
        f"{server.ws_url}/ws/visitor/{site.key}/", origin=realtime.SITE_A_ORIGIN, compression=None
    )
    socket = realtime.Socket(ws)
    assert (await socket.recv())["type"] == "welcome"
    return socket


async def closed_with(socket: realtime.Socket, send) -> tuple[int, str]:
    """Run `send`, then wait (bounded) for the server to close; the close code and reason it sent."""
    try:
        await send()
        async with asyncio.timeout(10):
            while True:  # frames sent before the close, if any
                await socket.ws.recv()
    except websockets.ConnectionClosed:
        pass
    await asyncio.wait_for(socket.ws.wait_closed(), 10)
    received = socket.ws.protocol.close_rcvd
    return (received.code, received.reason) if received else (1006, "")


async def assert_usable(socket: realtime.Socket, client_id: str = "after") -> None:
    await socket.send(type="message.send", client_id=client_id, body="still here")
    assert (await socket.next("message.ack"))["client_id"] == client_id


async def test_deeply_nested_json_gets_frame_too_deep_and_the_socket_stays_usable(server, site_a):
    log = Log(server)
    socket = await open_socket(server, site_a)
    await socket.send(type="session.start")
    await socket.next("session")

    for raw in (
        "[" * 3000,
        '{"a": ' * 3000 + "1" + "}" * 3000,
        '{"type": "message.send", "client_id": "deep", "body": "hi", "x": ' + "[" * 100 + "]" * 100 + "}",
    ):
        await socket.ws.send(raw)
        error = await socket.next("error")
        assert error["code"] == "frame_too_deep" and "32" in error["detail"]
    # Brackets inside strings are text, not nesting.
    await socket.send(type="message.send", client_id="brackets", body="[" * 3000)
    assert (await socket.next("message.ack"))["message"]["body"] == "[" * 3000

    await assert_usable(socket)
    await socket.close()
    assert "Traceback" not in log.text() and "RecursionError" not in log.text()


@pytest.mark.parametrize("fragmented", [False, True], ids=["one_frame", "fragments"])
async def test_frames_up_to_the_transport_limit_get_frame_too_large_and_one_byte_more_closes_with_1009(
    server, site_a, fragmented
):
    log = Log(server)
    socket = await open_socket(server, site_a)
    await socket.send(type="session.start")
    await socket.next("session")

    await socket.ws.send("x" * TRANSPORT_LIMIT)
    assert (await socket.next("error"))["code"] == "frame_too_large"
    body = "é" * (TRANSPORT_LIMIT // 2 - 100)  # 2 bytes each in UTF-8: just under the limit
    frame = {"type": "message.send", "client_id": "big", "body": body}
    await socket.ws.send(json.dumps(frame, ensure_ascii=False))
    assert (await socket.next("error"))["code"] == "frame_too_large"
    await assert_usable(socket)

    text = "x" * (TRANSPORT_LIMIT + 1)
    if fragmented:
        chunks = [text[i : i + 100_000] for i in range(0, len(text), 100_000)]
        code, reason = await closed_with(socket, lambda: socket.ws.send(chunks))
    else:
        code, reason = await closed_with(socket, lambda: socket.ws.send(text))

    assert code == 1009 and str(TRANSPORT_LIMIT) in reason
    # The server is fine: the next socket works.
    other = await open_socket(server, site_a)
    await other.send(type="session.start")
    await other.next("session")
    await assert_usable(other)
    await other.close()
    assert "Traceback" not in log.text()


@pytest.mark.parametrize(
    "payload",
    [b'{"type": "typing", "is_typing": true, "x": "\xff"}', b'{"type": "sync", "x": "\xed\xa0\x80"}'],
    ids=["invalid_byte", "encoded_surrogate"],
)
async def test_invalid_utf8_in_a_text_frame_is_closed_with_1007_and_a_reason(server, site_a, payload):
    log = Log(server)
    socket = await open_socket(server, site_a)

    code, reason = await closed_with(socket, lambda: socket.ws.send(payload, text=True))

    assert code == 1007 and reason
    assert "Traceback" not in log.text()


async def read_server_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One unmasked frame from the server: (opcode, payload)."""
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    return first & 0x0F, await reader.readexactly(length)


async def test_a_frame_that_breaks_rfc_6455_is_closed_with_1002_and_a_reason(server, site_a):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        f"GET /ws/visitor/{site_a.key}/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\nOrigin: {realtime.SITE_A_ORIGIN}\r\n\r\n"
    )
    writer.write(handshake.encode())
    assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).startswith(b"HTTP/1.1 101")

    writer.write(b"\x81\x02hi")  # a text frame without the mask every client frame must have
    async with asyncio.timeout(10):
        for _ in range(10):  # the welcome may come first
            opcode, payload = await read_server_frame(reader)
            if opcode == 0x8:
                break
    writer.close()

    assert opcode == 0x8 and int.from_bytes(payload[:2], "big") == 1002 and payload[2:]


async def test_lone_surrogates_in_string_fields_get_invalid_field_and_the_socket_stays_usable(server, site_a):
    await Site.objects.filter(pk=site_a.pk).aupdate(
        prechat_name="optional", prechat_email="optional", prechat_phone="optional"
    )
    log = Log(server)
    socket = await open_socket(server, site_a)

    await socket.ws.send('{"type": "session.start", "token": "\\udfff"}')
    error = await socket.next("error")
    assert error["code"] == "invalid_field" and "token" in error["detail"]
    await socket.send(type="session.start")
    await socket.next("session")
    for raw in (
        '{"type": "contact", "name": "Jo \\ud800"}',
        '{"type": "contact", "name": "Jo", "email": "jo\\udc00@example.org"}',
        '{"type": "context", "page": {"path": "/", "title": "\\ud83d"}}',
        '{"type": "message.send", "client_id": "s1", "body": "hi", "lang": "\\ud800"}',
    ):
        await socket.ws.send(raw)
        error = await socket.next("error")
        assert error["code"] == "invalid_field", (raw, error)
    # A surrogate pair is one character, and fine.
    await socket.ws.send('{"type": "message.send", "client_id": "pair", "body": "\\ud83d\\ude00"}')
    assert (await socket.next("message.ack"))["message"]["body"] == "\U0001f600"

    await assert_usable(socket)
    await socket.close()
    text = log.text()
    assert "Traceback" not in text and "frame failed" not in text


async def test_no_bad_frame_makes_the_server_log_a_traceback(server, site_a):
    """A mixed bag on one socket: each gets its error frame, and the log stays clean."""
    log = Log(server)
    socket = await open_socket(server, site_a)
    frames = [
        ("{oops", "malformed_json"),
        ('{"type": "message.send", "x": NaN}', "malformed_json"),
        ('{"type": "message.send", "x": 1e999}', "malformed_json"),
        ("[" * 40 + "]" * 40, "frame_too_deep"),
        ('{"type": "sync", "conversation": 1180591620717411303424, "after_seq": 0}', "no_session"),
        (json.dumps({"type": "nope"}), "unknown_type"),
    ]
    for raw, code in frames:
        await socket.ws.send(raw)
        assert (await socket.next("error"))["code"] == code, raw
    await socket.send(type="session.start")
    await socket.next("session")
    await assert_usable(socket)
    await socket.close()
    assert "Traceback" not in log.text()


async def test_a_sync_page_of_bodies_that_escape_to_six_bytes_a_character_stays_under_the_limit(
    server, site_a
):
    """A body of control characters is 6 bytes a character in JSON (`\\u0001`); pages must count that."""
    visitor, token = await sync_to_async(visitor_create)(site=site_a)
    for i in range(60):
        await sync_to_async(message_post_by_visitor)(visitor=visitor, client_id=f"c{i}", body="\x01" * 5000)
    log = Log(server)
    socket = await open_socket(server, site_a)
    await socket.send(type="session.start", token=token)
    conversation = (await socket.next("session"))["conversation"]["id"]

    after_seq, pages = 0, 0
    while pages < 60:  # bounded: at least one message a page
        await socket.send(type="sync", conversation=conversation, after_seq=after_seq)
        page = await socket.next("sync")
        after_seq, pages = page["messages"][-1]["seq"], pages + 1
        if not page["has_more"]:
            break

    assert after_seq == 60 and pages > 1
    await socket.close()
    assert "Traceback" not in log.text()
