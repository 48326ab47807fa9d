"""chatplatform/lib/send_buffer.py: daphne's WebSocket protocol, patched."""

from daphne.ws_protocol import WebSocketProtocol

from chatplatform.lib import send_buffer


def test_a_frame_for_a_closing_or_closed_socket_is_dropped_without_an_error():
    send_buffer.install()
    protocol = WebSocketProtocol.__new__(WebSocketProtocol)
    protocol.transport = None
    for state in (WebSocketProtocol.STATE_CLOSING, WebSocketProtocol.STATE_CLOSED):
        protocol.state = state
        protocol.serverSend('{"type": "presence"}')  # autobahn raises Disconnected here unpatched
