"""Group commit of visitor messages: one transaction for what a process's sockets sent meanwhile.

Every `message.send` of a visitor used to be its own transaction in the
process's one database thread: at a few hundred messages a second the thread
spent its time compiling the same nine statements again. Here each post waits
in a per-event-loop queue; while one batch is being stored the next ones
gather, and the next batch is stored by `services.messages_post_by_visitors`
in one transaction. With one post in flight there is no wait at all: the
batch is that post alone. The ack still goes out only after the commit.
"""

import asyncio
import weakref

from channels.db import database_sync_to_async

from conversations import services
from conversations.models import Message

# Posts stored in one transaction at most: bounds the transaction's time and locks.
MAX_BATCH = 100

_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _PostQueue]" = weakref.WeakKeyDictionary()


async def message_post_by_visitor(post: services.VisitorPost) -> tuple[Message, bool]:
    """`services.message_post_by_visitor`, stored together with the process's other pending posts."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = _PostQueue()
    return await queue.post(post)


class _PostQueue:
    def __init__(self) -> None:
        self.pending: list[tuple[services.VisitorPost, asyncio.Future]] = []
        self.draining: asyncio.Task | None = None

    async def post(self, post: services.VisitorPost) -> tuple[Message, bool]:
        future = asyncio.get_running_loop().create_future()
        self.pending.append((post, future))
        if self.draining is None:
            self.draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    results = await database_sync_to_async(services.messages_post_by_visitors)(
                        [post for post, _future in batch]
                    )
                except Exception as exc:  # the consumer turns it into `server_error`
                    results = [exc] * len(batch)
                for (_post, future), result in zip(batch, results, strict=True):
                    if future.done():  # its socket closed; the message is stored all the same
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self.draining = None
