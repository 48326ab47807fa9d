"""Token buckets for per-socket rate limits (conversations/consumers.py)."""

import math
import time
from collections.abc import Callable


class TokenBucket:
    """`capacity` tokens, refilled evenly over `window` seconds; one frame takes one.

    A burst of `capacity` frames passes at once, then one frame every
    `window / capacity` seconds. Held in the consumer, so it lives exactly as
    long as the socket and needs no shared store.

    Once it refuses, it refuses everything until the `retry_after` it gave
    has passed, even if a token came back meanwhile. Otherwise a frame sent
    after a refused one could be applied before the refused one is sent
    again, and a visitor's messages would be stored out of order.
    """

    def __init__(self, capacity: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = max(1, capacity)
        self.rate = self.capacity / max(window, 0.001)
        self.tokens = float(self.capacity)
        self.clock = clock
        self.updated = clock()
        self.refused_until = float("-inf")

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self) -> int:
        """Take a token: 0 when allowed, else the whole seconds until the next token."""
        now = self.clock()
        if now < self.refused_until:
            return max(1, math.ceil(self.refused_until - now))
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        retry_after = max(1, math.ceil((1 - self.tokens) / self.rate))
        self.refused_until = now + retry_after
        return retry_after
