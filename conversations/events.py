"""The one place that sends events to WebSocket groups.

Services call `send_event_on_commit`; the event leaves only after the
transaction that stored its data commits, so no client ever hears of a
message that a rollback then removed. Group names are built here too, so a
test can check each service's audience.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The consumer method that relays an event (see consumers.ChatConsumerBase.chat_event).
HANDLER = "chat.event"


def site_agents_group(site_id: int) -> str:
    return f"site-{site_id}-agents"


def site_widgets_group(site_id: int) -> str:
    return f"site-{site_id}-widgets"


def visitor_group(visitor_id: int) -> str:
    return f"visitor-{visitor_id}"


def agent_group(user_id: int) -> str:
    return f"agent-{user_id}"


def send_event_on_commit(group: str, payload: dict[str, Any]) -> None:
    """Send after the current transaction commits; at once outside one (typing)."""
    transaction.on_commit(lambda: _send(group, payload))


def _send(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    try:
        async_to_sync(layer.group_send)(group, {"type": HANDLER, "payload": payload})
    except Exception:
        # The data is committed and clients catch up with `sync`; a lost
        # notification must not turn a stored message into an error.
        logger.exception("event fan-out failed group=%s type=%s", group, payload.get("type"))
