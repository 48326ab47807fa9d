"""The embedded mode's channel layer: channels' in-memory layer, made to scale with open sockets.

channels' `InMemoryChannelLayer` runs `_clean_expired()` on every `receive()`
and `group_send()`, and it walks every channel and every group membership of
the process. Each event and each new socket then costs O(open sockets), and
opening N sockets O(N²): at a few thousand idle widgets, handshakes took
longer than daphne's 5 s connect timeout and failed (docs/benchmarks.md).
Here the walk runs at most once a second; an expired message is dropped up to
a second later, which nothing relies on.
"""

import time

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
