"""A cap on what daphne holds for a WebSocket client that does not read, and no send to a closed one.

daphne writes every frame to the client's Twisted transport, whose buffer
grows without limit while the client does not read: a dashboard tab left
open on a stalled laptop keeps its socket alive (it still answers pings)
while the server queues every message of the site for it. `install()` makes
daphne's WebSocket protocol look at the transport's unsent bytes before each
frame; with more than CHAT_MAX_UNSENT_BYTES still waiting the connection is
aborted instead (so a socket holds at most the cap plus one frame). The
client reconnects and resumes with `sync` (docs/protocol.md): nothing
acknowledged is lost, and the server's memory per socket stays bounded.

A frame for a socket that is closing or closed is dropped. daphne stops
sending only once the TCP connection is gone; in between, a group event
handled by the consumer made autobahn raise "Attempt to send on a closed
protocol", which killed the consumer before its `disconnect()` ran.

The transport's own back-pressure signal (a streaming producer) is taken by
twisted.web's HTTPChannel, which daphne's WebSocket upgrade starts from, so
the buffer is read from the FileDescriptor attributes Twisted has used for
that since its early versions (`dataBuffer`, `offset`, `_tempDataLen`).
"""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def unsent_bytes(transport) -> int:
    """Bytes a Twisted transport holds that the kernel has not taken yet (0 if it cannot tell)."""
    buffered = getattr(transport, "dataBuffer", b"")
    return len(buffered) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


def install() -> None:
    """Patch daphne's WebSocket protocol, once per process; a no-op where daphne is not installed."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    if getattr(WebSocketProtocol, "send_buffer_capped", False):
        return
    server_send = WebSocketProtocol.serverSend

    def serverSend(self, content, binary=False) -> None:
        if self.state in (self.STATE_CLOSING, self.STATE_CLOSED):
            # The client has gone; autobahn would raise, and the consumer would die
            # before its `disconnect()` ran (presence stuck online, groups not left).
            return
        transport = self.transport
        # The backlog, not the new frame: one large `sync` page to a reading client must go out.
        if transport is not None and unsent_bytes(transport) > settings.CHAT_MAX_UNSENT_BYTES:
            if not getattr(self, "send_buffer_aborted", False):
                self.send_buffer_aborted = True
                logger.warning("websocket client does not read: connection aborted at the unsent-bytes cap")
                transport.abortConnection()
            return
        server_send(self, content, binary)

    WebSocketProtocol.serverSend = serverSend
    WebSocketProtocol.send_buffer_capped = True
