"""WebSocket failures end with a close frame and its code, never with a dropped TCP connection.

autobahn, daphne's WebSocket layer, checks two things before a message reaches
the application: its size (daphne's `--websocket-max-message-size` and
`--websocket-max-frame-size`, 1 MiB by default; a compressed message is
checked inflated) and, for text, that it is UTF-8. Its option `failByDrop`,
on by default and not exposed by daphne, makes it answer either failure by
aborting the TCP connection: the client sees 1006 and cannot tell a bad
frame from a network fault. With it off, autobahn sends the close frame
RFC 6455 asks for, with a reason, and waits for the client's close (at most
its closeHandshakeTimeout, 1 s, then it drops):

- 1009 (message too big): "received WebSocket message size … exceeds payload limit of … octets";
- 1007 (invalid payload data): "encountered invalid UTF-8 while processing text message at …";
- 1002 (protocol error) for frames that break RFC 6455 itself.

autobahn copies each option from the factory to a new connection only when the
protocol does not already have it, so a class attribute on daphne's protocol
sets it for every connection, whatever command line started daphne.
"""


def install() -> None:
    """Close failed WebSocket connections with a close frame; a no-op where daphne is not installed."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    WebSocketProtocol.failByDrop = False
