"""Token buckets for per-socket rate limits (conversations/consumers.py)."""

import math
import time
from collections.abc import Callable


class TokenBucket:
    """`capacity` tokens, refilled evenly over `window` seconds; one frame takes one.

    A burst of `capacity` frames passes at once, then one frame every
    `window / capacity` seconds. Held in the consumer, so it lives exactly as
    long as the socket and needs no shared store.
    """

    def __init__(self, capacity: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = max(1, capacity)
        self.rate = self.capacity / max(window, 0.001)
        self.tokens = float(self.capacity)
        self.clock = clock
        self.updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self) -> int:
        """Take a token: 0 when allowed, else the whole seconds until the next token."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return max(1, math.ceil((1 - self.tokens) / self.rate))
