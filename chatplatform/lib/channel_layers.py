"""Channel layers: channels' in-memory layer (embedded mode) and channels_redis' (production), tuned.

channels' `InMemoryChannelLayer` runs `_clean_expired()` on every `receive()`
and `group_send()`, and it walks every channel and every group membership of
the process. Each event and each new socket then costs O(open sockets), and
opening N sockets O(N²): at a few thousand idle widgets, handshakes took
longer than daphne's 5 s connect timeout and failed (docs/benchmarks.md).
Here the walk runs at most once a second; an expired message is dropped up to
a second later, which nothing relies on.

The Redis layer saves round trips and survives Redis going away: see
`RedisChannelLayer`, and REDIS_UNAVAILABLE for what the consumers make of it.
"""

import asyncio
import collections
import logging
import time
from collections import Counter

import channels_redis.core
import channels_redis.utils
import redis.exceptions
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger(__name__)

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


# Redis did not answer: down, restarting, unreachable or still loading its data (a ConnectionError
# too). Consumers refuse or close sockets on these (docs/protocol.md, 4013 and 4012), and every
# log line about them is one line: an outage is not a bug.
REDIS_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class RedisOutageLog:
    """What Redis being away did to sockets and events, in one log line a second at most.

    An outage touches every socket of the process, their clients retry every
    few seconds, and every event sent meanwhile fails: one line each would
    flood the log. Each line gives the counts since the previous one and the
    exception class, never its text or anything of a client.
    """

    INTERVAL_SECONDS = 1.0

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.error = ""
        self.logged_at = float("-inf")
        self.flush_due: asyncio.TimerHandle | None = None

    def note(self, what: str, exc: BaseException) -> None:
        self.counts[what] += 1
        self.error = exc.__class__.__name__
        wait = self.logged_at + self.INTERVAL_SECONDS - time.monotonic()
        if wait <= 0:
            return self.flush()
        if self.flush_due is None:  # what is counted now gets its line once the second is over
            try:
                self.flush_due = asyncio.get_running_loop().call_later(wait, self.flush)
            except RuntimeError:  # no event loop in this thread (a Celery worker): the next line has it
                pass

    def flush(self) -> None:
        self.flush_due = None
        if not self.counts:
            return
        self.logged_at = time.monotonic()
        counts = ", ".join(f"{what} {n}" for what, n in sorted(self.counts.items()))
        self.counts.clear()
        logger.warning("Redis unavailable (%s): %s", self.error, counts)


redis_outage_log = RedisOutageLog()


# Events a process takes from Redis in one round trip when more are waiting.
RECEIVE_BATCH = 100
# How often a receiving process checks that Redis still holds its group memberships.
CHECK_INTERVAL_SECONDS = 1.0
# While Redis is unreachable, how often the receiving process tries it again.
UNAVAILABLE_RETRY_SECONDS = 0.5


class RedisChannelLayer(channels_redis.core.RedisChannelLayer):
    """channels_redis' layer with fewer Redis round trips per event (docs/benchmarks.md).

    Receiving: before each BZPOPMIN, channels_redis runs a Lua script that moves
    a "backup" queue back, then copies the popped event into that backup, then
    removes it again from a task that the next receive of the process waits
    for: four round trips per event, one event after another for the whole
    process. They guard against losing an event when the receiving task is
    cancelled between the pop and its delivery. Events here are notifications
    of data already committed; a client that misses one sees a seq gap or
    reconnects and fetches it with `sync` (docs/protocol.md). So the backup is
    left out, and BZMPOP takes every waiting event up to RECEIVE_BATCH at once.

    Sending: `group_send` in two round trips instead of four (see there).

    A Redis restart loses every group membership, yet redis-py reconnects
    quietly, so a socket could stay open and deaf. The layer notices and sends
    each socket of the process a `layer.reset` event (see `_check_groups_kept`).
    When Redis stops answering while the process receives, the receive does
    not raise (channels would close every socket with 1011 and a traceback):
    it hands out the same `layer.reset` and then waits for Redis to come back
    (see `_redis_unavailable`).
    """

    # Seconds a receive blocks in Redis before it looks again; also the longest
    # it takes to notice a restart while idle.
    brpop_timeout = 1

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Popped from Redis, not yet handed out, per channel key (the process's one).
        self._popped: dict[str, collections.deque] = {}
        self._bzmpop = True
        # The groups each channel of this process has joined.
        self._joined: dict[str, set[str]] = {}
        self._marked = False
        self._checked_at = float("-inf")
        self._unavailable = False  # since the receive loop last failed to reach Redis

    def create_pool(self, index):
        """channels_redis' pool, with one immediate retry of a command whose connection broke.

        After a Redis restart every pooled connection is dead, and redis-py
        finds out only by using it. Without the retry the first command on each
        one fails at once ("Connection closed by server"): the first sockets
        opened after Redis came back were refused. Only ConnectionError is
        retried, on a new connection; a timeout is not.
        """
        host = dict(self.hosts[index])
        host.setdefault("retry", Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)))
        return channels_redis.utils.create_pool(host)

    def _marker_key(self) -> str:
        return f"{self.prefix}:groups-kept:{self.client_prefix}"

    async def _mark(self) -> None:
        """Store the process's marker in every shard; it lives as long as a group membership."""
        for index in range(self.ring_size):
            await self.connection(index).set(self._marker_key(), b"1", ex=self.group_expiry)
        self._marked = True

    async def group_add(self, group, channel):
        if not self._marked:  # before the first membership, so a loss of either is a loss of both
            await self._mark()
        await super().group_add(group, channel)
        if "!" in channel:  # a channel of this process
            self._joined.setdefault(channel, set()).add(group)

    async def group_discard(self, group, channel):
        # Forgotten first: when Redis is away the discard fails, and a reset must not name the channel.
        groups = self._joined.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self._joined[channel]
        await super().group_discard(group, channel)

    async def _check_groups_kept(self) -> bytes | None:
        """After Redis lost the process's groups: a `layer.reset` event for each channel in one.

        The marker is stored before the first membership and refreshed with
        every check (at most once a second), so it is missing only when Redis
        lost its data: restarted without persistence, flushed, or evicted keys.
        The event is addressed, as channels_redis does for a group with several
        local members, to a list of channels. Consumers close the socket; the
        client reconnects, joins again and syncs what it missed
        (docs/protocol.md).
        """
        now = time.monotonic()
        if not self._marked or now - self._checked_at < CHECK_INTERVAL_SECONDS:
            return None
        self._checked_at = now
        lost = False
        for index in range(self.ring_size):
            kept = await self.connection(index).set(self._marker_key(), b"1", ex=self.group_expiry, xx=True)
            lost = lost or not kept
        if not lost:
            return None
        await self._mark()
        channels, self._joined = list(self._joined), {}
        logger.warning("Redis lost this process's group memberships; resetting %s sockets", len(channels))
        if not channels:
            return None
        return self.serialize({"type": "layer.reset", "__asgi_channel__": channels})

    # Per channel key: drop expired events, add this one unless the channel is full.
    GROUP_SEND_LUA = """
        local over_capacity = 0
        local now = tonumber(ARGV[#ARGV - 1])
        local expiry = tonumber(ARGV[#ARGV])
        for i = 1, #KEYS do
            redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, now - expiry)
            if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
                redis.call('ZADD', KEYS[i], now, ARGV[i])
                redis.call('EXPIRE', KEYS[i], math.ceil(expiry))
            else
                over_capacity = over_capacity + 1
            end
        end
        return over_capacity
    """

    async def group_send(self, group, message):
        """channels_redis' group_send in two round trips instead of four.

        One pipeline drops the group's expired members and reads the rest; one
        script per Redis shard drops each channel's expired events and adds
        this one. channels_redis does the same in four calls, one after another.
        """
        assert self.require_valid_group_name(group), "Group name not valid"
        key = self._group_key(group)
        async with self.connection(self.consistent_hash(group)).pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
            pipe.zrange(key, 0, -1)
            _removed, members = await pipe.execute()
        if not members:
            return
        keys_by_connection, message_by_key, capacity_by_key = self._map_channel_keys_to_connection(
            [member.decode("utf8") for member in members], message
        )
        for index, keys in keys_by_connection.items():
            args = [message_by_key[k] for k in keys] + [capacity_by_key[k] for k in keys]
            over_capacity = await self.connection(index).eval(
                self.GROUP_SEND_LUA, len(keys), *keys, *args, time.time(), self.expiry
            )
            if over_capacity:
                # Like channels_redis: the event is dropped for a full channel.
                logger.info("%s channels over capacity in group %s", over_capacity, group)

    async def _brpop_with_clean(self, index, channel, timeout):
        """The next event of the process's channel; BZMPOP takes up to RECEIVE_BATCH in one round trip.

        None after `timeout` without one; channels_redis then calls again.
        """
        popped = self._popped.setdefault(channel, collections.deque())
        if popped:
            return popped.popleft()
        try:
            event = await self._receive_from_redis(index, channel, timeout, popped)
        except REDIS_UNAVAILABLE as exc:
            return await self._redis_unavailable(exc)
        if self._unavailable:
            self._unavailable = False
            logger.info("Redis answers again")
        return event

    async def _redis_unavailable(self, exc: Exception) -> bytes | None:
        """Redis did not answer the receive: a `layer.reset` for every channel in a group, or a pause.

        Whether Redis kept the memberships is unknown (a restart without
        persistence loses them, a network blip does not), and events sent
        meanwhile are lost either way, so every socket that joined a group is
        reset as after a loss: its consumer closes it with 4012, the client
        reconnects and syncs. The first failure of an outage logs one line;
        then the receive tries Redis again every UNAVAILABLE_RETRY_SECONDS,
        without a line each time, until it answers. Sockets that connect
        meanwhile are refused by their consumer (group_add raises: 4013).
        """
        self._marked = False  # stored again before the next membership
        channels, self._joined = list(self._joined), {}
        if not self._unavailable:
            self._unavailable = True
            logger.warning(
                "Redis unavailable (%s); resetting %s sockets", exc.__class__.__name__, len(channels)
            )
        if channels:
            return self.serialize({"type": "layer.reset", "__asgi_channel__": channels})
        await asyncio.sleep(UNAVAILABLE_RETRY_SECONDS)
        return None

    async def _receive_from_redis(self, index, channel, timeout, popped: collections.deque):
        reset = await self._check_groups_kept()
        if reset is not None:
            return reset
        connection = self.connection(index)
        if self._bzmpop:
            try:
                result = await connection.bzmpop(timeout, 1, [channel], min=True, count=RECEIVE_BATCH)
            except redis.exceptions.ResponseError:  # Redis before 7.0: one event per call
                self._bzmpop = False
            else:
                if result is None:
                    return None
                popped.extend(member for member, _score in result[1][1:])
                return result[1][0][0]
        result = await connection.bzpopmin(channel, timeout=timeout)
        return None if result is None else result[1]

    async def _clean_receive_backup(self, index, channel):
        return None
