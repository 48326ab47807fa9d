"""Channel layers: channels' in-memory layer (embedded mode) and channels_redis' (production), tuned.

channels' `InMemoryChannelLayer` runs `_clean_expired()` on every `receive()`
and `group_send()`, and it walks every channel and every group membership of
the process. Each event and each new socket then costs O(open sockets), and
opening N sockets O(N²): at a few thousand idle widgets, handshakes took
longer than daphne's 5 s connect timeout and failed (docs/benchmarks.md).
Here the walk runs at most once a second; an expired message is dropped up to
a second later, which nothing relies on.
"""

import time

import channels_redis.core
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

CLEAN_INTERVAL_SECONDS = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._cleaned_at = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_INTERVAL_SECONDS:
            return
        self._cleaned_at = now
        super()._clean_expired()


class RedisChannelLayer(channels_redis.core.RedisChannelLayer):
    """channels_redis' layer with one Redis round trip per received event instead of four.

    Before each BZPOPMIN, channels_redis runs a Lua script that moves a
    "backup" queue back, then copies the popped event into that backup, then
    removes it again from a task that the next receive of the process waits
    for: four round trips per event, one event after another for the whole
    process. They guard against losing an event when the receiving task is
    cancelled between the pop and its delivery. Events here are notifications
    of data already committed; a client that misses one sees a seq gap or
    reconnects and fetches it with `sync` (docs/protocol.md). So the backup is
    left out: one BZPOPMIN per event. With one daphne at 100 msg/s offered the
    visitor -> agent p50 fell from 1.1 s (saturated) to 0.17 s (docs/benchmarks.md).
    """

    async def _brpop_with_clean(self, index, channel, timeout):
        result = await self.connection(index).bzpopmin(channel, timeout=timeout)
        return None if result is None else result[1]

    async def _clean_receive_backup(self, index, channel):
        return None
