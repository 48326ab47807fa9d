"""The one place that sends events to WebSocket groups.

Services call `send_event_on_commit`; the event leaves only after the
transaction that stored its data commits, so no client ever hears of a
message that a rollback then removed. Group names are built here too, so a
test can check each service's audience.

Inside daphne, services run in the database thread (`database_sync_to_async`).
There the event is handed to an outbox task on the event loop and the thread
goes on at once: waiting for the loop and for Redis would hold up every other
database call of the process. The outbox sends in commit order. Elsewhere
(Celery, management commands, plain views) the event is sent before returning.
"""

import asyncio
import logging
import weakref
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from chatplatform.lib.channel_layers import REDIS_UNAVAILABLE, redis_outage_log

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


# Events waiting for the outbox task, per event loop. Past this many (Redis down
# or far behind) new ones are dropped and logged: clients catch up with `sync`.
OUTBOX_LIMIT = 10_000
# Events taken from the outbox at once, to be sent group by group side by side,
# at most this many groups at a time: each send holds one of the 100 pooled
# Redis connections that the process's sockets need too.
OUTBOX_BATCH = 500
OUTBOX_CONCURRENCY = 16
_outboxes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Queue]" = weakref.WeakKeyDictionary()


def _send(group: str, payload: dict[str, Any]) -> None:
    message = {"type": HANDLER, "payload": payload}
    loop = _event_loop_of_calling_thread()
    if loop is not None:
        try:
            loop.call_soon_threadsafe(_outbox_put, loop, group, message)
            return
        except RuntimeError:  # the loop closed after the check
            pass
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except REDIS_UNAVAILABLE as exc:
        _log_redis_unavailable(message, exc)
    except Exception:
        # The data is committed and clients catch up with `sync`; a lost
        # notification must not turn a stored message into an error.
        logger.exception("event fan-out failed group=%s type=%s", group, payload.get("type"))


def _log_redis_unavailable(message: dict[str, Any], exc: BaseException) -> None:
    """An outage, not a bug: counted in a line a second, no traceback. Clients heal it with `sync`."""
    redis_outage_log.note(f"{message['payload'].get('type')} events not sent", exc)


def _event_loop_of_calling_thread() -> asyncio.AbstractEventLoop | None:
    """The running loop that called this worker thread through sync_to_async, if any."""
    try:
        asyncio.get_running_loop()
        return None  # called on a loop itself: no thread to spare (async_to_sync refuses anyway)
    except RuntimeError:
        pass
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


def _outbox_put(loop: asyncio.AbstractEventLoop, group: str, message: dict[str, Any]) -> None:
    queue = _outboxes.get(loop)
    if queue is None:
        queue = _outboxes[loop] = asyncio.Queue()
    if getattr(queue, "task", None) is None or queue.task.done():  # type: ignore[attr-defined]
        # Started again if it was cancelled (a test's teardown); kept on the queue
        # because the loop holds tasks only weakly.
        queue.task = loop.create_task(_outbox_drain(queue))  # type: ignore[attr-defined]
    if queue.qsize() >= OUTBOX_LIMIT:
        logger.error("event outbox full, dropped group=%s type=%s", group, message["payload"].get("type"))
        return
    queue.put_nowait((group, message))


async def _outbox_drain(queue: asyncio.Queue) -> None:
    """Send what is queued: each group's events in order, different groups side by side.

    One group_send costs Redis round trips; sending the groups of a batch
    concurrently keeps the outbox from falling behind under load, and no
    group's events overtake each other (the next batch waits for this one).
    """
    layer = get_channel_layer()
    limit = asyncio.Semaphore(OUTBOX_CONCURRENCY)
    while True:
        batch = [await queue.get()]
        while not queue.empty() and len(batch) < OUTBOX_BATCH:
            batch.append(queue.get_nowait())
        by_group: dict[str, list[dict[str, Any]]] = {}
        for group, message in batch:
            by_group.setdefault(group, []).append(message)
        await asyncio.gather(
            *(_send_in_order(layer, group, messages, limit) for group, messages in by_group.items())
        )


async def _send_in_order(layer, group: str, messages: list[dict[str, Any]], limit: asyncio.Semaphore) -> None:
    async with limit:
        for message in messages:
            try:
                await layer.group_send(group, message)
            except REDIS_UNAVAILABLE as exc:
                _log_redis_unavailable(message, exc)
            except Exception:
                logger.exception(
                    "event fan-out failed group=%s type=%s", group, message["payload"].get("type")
                )
