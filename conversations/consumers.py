"""WebSocket consumers: authenticate, join groups, validate frames, call services.

Frames and error codes are documented in docs/protocol.md. A bad frame gets
an `error` frame and the socket stays open; nothing here touches the ORM
except through selectors and services run in `database_sync_to_async`.
What daphne refuses before a frame gets here (over its message size limit,
invalid UTF-8) ends with a close frame: see chatplatform/lib/websocket_close.py (installed
by chatplatform/asgi.py).
"""

import asyncio
import json
import logging
import traceback
from collections.abc import Coroutine
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts import selectors as account_selectors
from accounts import services as account_services
from chatplatform import limits
from chatplatform.client import scope_client_address
from chatplatform.lib import jsonframe
from chatplatform.lib.channel_layers import REDIS_UNAVAILABLE, redis_outage_log
from chatplatform.lib.ratelimit import TokenBucket
from conversations import contact, context, event_schema, post_queue, selectors, services
from conversations.events import agent_group, site_agents_group, site_widgets_group, visitor_group
from conversations.services import ChatError
from privacy.services import consent, notice

logger = logging.getLogger(__name__)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _client_host(scope: dict[str, Any]) -> str | None:
    """The client's address (chatplatform.client: X-Forwarded-For from trusted proxies only). Never log it."""
    return scope_client_address(scope)


SOCKETS_GAUGE = "visitor_sockets"
# Close code for a widget socket over CHAT_LIMIT_SOCKETS_PER_ADDRESS (docs/protocol.md): retry later.
CLOSE_TOO_MANY_SOCKETS = 4008


def _socket_slot_take(address: str | None) -> bool:
    """One more open widget socket for `address`, unless CHAT_LIMIT_SOCKETS_PER_ADDRESS are open."""
    return limits.gauge_enter(
        SOCKETS_GAUGE, address, maximum=settings.CHAT_LIMIT_SOCKETS_PER_ADDRESS, ttl=SOCKETS_GAUGE_TTL
    )


# Counts of a process that died without `disconnect` fade after this long with no new socket.
SOCKETS_GAUGE_TTL = 3600
SOCKETS_RETRY_AFTER = 30


def _client_id_of(text_data: str) -> str | None:
    """The `client_id` of a frame refused before it was parsed, so the client can retry it."""
    try:
        frame = jsonframe.loads(text_data)
    except jsonframe.FrameError:
        return None
    client_id = frame.get("client_id") if isinstance(frame, dict) else None
    return client_id if isinstance(client_id, str) else None


def _int_field(frame: dict[str, Any], name: str) -> int:
    value = frame.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ChatError("invalid_field", f"`{name}` must be a non-negative integer.")
    return value


def _lone_surrogate_error(text_data: str, frame: dict[str, Any]) -> ChatError | None:
    """`invalid_field` for a frame with a lone surrogate in any string: no service could store or hash it."""
    if not jsonframe.might_hold_surrogates(text_data):  # the usual frame: one C-speed search
        return None
    field = jsonframe.lone_surrogate_field(frame)
    if field is None:
        return None
    return ChatError("invalid_field", f"`{field[:80]}` must be Unicode text (no lone surrogates).")


def _bool_field(frame: dict[str, Any], name: str) -> bool:
    value = frame.get(name)
    if not isinstance(value, bool):
        raise ChatError("invalid_field", f"`{name}` must be true or false.")
    return value


def _sync_frame(conversation, after_seq: int) -> dict[str, Any]:
    messages, has_more = selectors.message_page_after(
        conversation=conversation, after_seq=after_seq, page_size=settings.CHAT_SYNC_PAGE_SIZE
    )
    # Also bounded in bytes: daphne refuses to send a frame over 1 MiB, and 200 long
    # messages in Czech would pass that; the client asks for the rest (`has_more`).
    # Counted as sent: JSON makes a control character 6 bytes (`\u0001`).
    size = 0
    for count, message in enumerate(messages):
        size += len(json.dumps(message.body, ensure_ascii=False).encode()) + 300  # and the fields around it
        if size > settings.CHAT_SYNC_PAGE_BYTES and count:
            messages, has_more = messages[:count], True
            break
    return {
        "type": "sync",
        "conversation": conversation.pk,
        "messages": [event_schema.message(m) for m in messages],
        "has_more": has_more,
    }


def _visitor_welcome(site) -> dict[str, Any]:
    return event_schema.welcome_visitor(
        site=site,
        agents=account_selectors.site_online_agents(site=site),
        notice=notice.chat_notice_current(site=site),
    )


def _ack_frame(message, conversation_payload) -> dict[str, Any]:
    return {
        "type": "message.ack",
        "client_id": message.client_id,
        "message": event_schema.message(message),
        "conversation": conversation_payload,
    }


# Close code: the server can no longer deliver events to this socket; reconnect and sync.
CLOSE_RECONNECT = 4012
# Close code: Redis is unavailable, so the socket cannot join its groups; connect again in a moment.
CLOSE_UNAVAILABLE = 4013
UNAVAILABLE_RETRY_AFTER = 1


class ChatConsumerBase(AsyncWebsocketConsumer):
    """Parses frames and dispatches them by `type` through `handlers`.

    Redis unavailable (REDIS_UNAVAILABLE from the channel layer or the cache
    behind the limits) never ends a socket with 1011 and a traceback
    (`dispatch`): a socket that is connecting is refused with 4013 after an
    `unavailable` error, an open one is closed with 4012 (it may no longer be
    in its groups), and a disconnect ends without the rest of its clean-up,
    which Redis lost or expires.
    """

    accepted = False
    closing = False  # once the server closed the socket, frames that still arrive are not applied

    handlers: dict[str, str] = {}
    # Rate limits per socket (docs/protocol.md, `rate_limited`): every frame takes a token
    # of the frame bucket, these types also one of the message bucket. CHAT_RATE_<role>_*.
    message_types: frozenset[str] = frozenset({"message.send"})
    rate_role = "VISITOR"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        window = settings.CHAT_RATE_WINDOW_SECONDS
        self.frame_bucket = TokenBucket(getattr(settings, f"CHAT_RATE_{self.rate_role}_FRAMES"), window)
        self.message_bucket = TokenBucket(getattr(settings, f"CHAT_RATE_{self.rate_role}_MESSAGES"), window)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler at once, without channels' `aclose_old_connections()` hop.

        That hop is a thread-sensitive `sync_to_async` call: it queues every
        frame and every group event behind all pending database calls of the
        process, so under load deliveries stall and the socket's channel
        overflows (events dropped). Every database call here goes through
        `database_sync_to_async`, which closes old connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
        except REDIS_UNAVAILABLE as exc:
            await self._redis_unavailable(message["type"], exc)

    async def _redis_unavailable(self, message_type: str, exc: BaseException) -> None:
        if message_type == "websocket.connect":
            redis_outage_log.note("sockets refused", exc)
            if not self.accepted:
                # Accepted only to say why: a refused handshake looks like a network failure.
                await self.accept()
            detail = "The chat server is briefly unavailable; connect again in a moment."
            await self.send_error("unavailable", detail, retry_after=UNAVAILABLE_RETRY_AFTER)
            await self.close(code=CLOSE_UNAVAILABLE)
        elif message_type == "websocket.disconnect":
            redis_outage_log.note("disconnects cut short", exc)
            raise StopConsumer()
        else:
            redis_outage_log.note("sockets closed", exc)
            await self.close(code=CLOSE_RECONNECT)

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        self.closing = True
        await super().close(code, reason)

    async def _groups_leave(self, groups: list[str]) -> None:
        """Leave `groups`; with Redis away, what is left expires there (`group_expiry`) or is lost."""
        try:
            for group in groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        except REDIS_UNAVAILABLE as exc:
            redis_outage_log.note("disconnects cut short", exc)

    async def _closing_if_redis_fails(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run `coroutine` (a task of the socket); Redis unavailable in it closes the socket with 4012."""
        try:
            await coroutine
        except REDIS_UNAVAILABLE as exc:
            redis_outage_log.note("sockets closed", exc)
            await self.close(code=CLOSE_RECONNECT)

    async def layer_reset(self, event: dict[str, Any]) -> None:
        """Redis lost this socket's group memberships (a restart): no event reaches it any more.

        Closing makes the client reconnect, join its groups again and sync what
        it missed, as after any drop (docs/protocol.md, code 4012).
        """
        await self.close(code=CLOSE_RECONNECT)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            # Sent before the client saw the close (a refused socket's first frames, say): nobody
            # would read the answer, and the client sends what was not acked again on its next socket.
            return
        if text_data is None:
            return await self.send_error("invalid_frame", "Send JSON in text frames.")
        oversized = (
            len(text_data) * 4 > settings.CHAT_MAX_FRAME_BYTES
            and len(text_data.encode()) > settings.CHAT_MAX_FRAME_BYTES
        )
        # Counted before anything else, so that floods of bad frames are limited too.
        retry_after = self.frame_bucket.take()
        if retry_after:
            client_id = None if oversized else _client_id_of(text_data)
            return await self.send_json(event_schema.rate_limited(retry_after, client_id))
        if oversized:
            return await self.send_error(
                "frame_too_large", f"A frame has at most {settings.CHAT_MAX_FRAME_BYTES} bytes."
            )
        try:
            frame = jsonframe.loads(text_data)
        except jsonframe.FrameError as exc:  # malformed_json, frame_too_deep
            return await self.send_error(exc.code, exc.detail)
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.send_error("invalid_frame", "A frame is a JSON object with a string `type`.")
        handler = self.handlers.get(frame["type"])
        client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        if handler is None:
            return await self.send_error("unknown_type", "Unknown frame type for this endpoint.", client_id)
        if frame["type"] in self.message_types:
            retry_after = self.message_bucket.take()
            if retry_after:
                return await self.send_json(event_schema.rate_limited(retry_after, client_id))
        refusal = _lone_surrogate_error(text_data, frame)
        if refusal is not None:
            return await self.send_error(refusal.code, refusal.detail, client_id)
        try:
            await getattr(self, handler)(frame)
        except ChatError as exc:
            await self.send_error(exc.code, exc.detail, client_id, retry_after=exc.retry_after)
        except REDIS_UNAVAILABLE:
            raise  # not this frame's fault: `dispatch` closes the socket (4012); the client sends it again
        except Exception as exc:
            # Exception texts can quote stored values; log the type and where only.
            logger.error(
                "frame failed type=%s error=%s\n%s",
                frame["type"],
                exc.__class__.__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            await self.send_error(
                "server_error", "The server could not apply this frame; send it again.", client_id
            )

    async def send_json(self, payload: dict[str, Any]) -> None:
        # UTF-8 as it is: escaping would make each Czech or German accented letter 6 bytes.
        text = json.dumps(payload, ensure_ascii=False)
        if not services.is_utf8_text(text):  # a lone surrogate a client sent (valid JSON, not UTF-8)
            text = json.dumps(payload)
        await self.send(text_data=text)

    async def send_error(
        self, code: str, detail: str, client_id: str | None = None, *, retry_after: int | None = None
    ) -> None:
        frame = event_schema.error(code, detail, client_id)
        if retry_after is not None:
            frame["retry_after"] = retry_after
        await self.send_json(frame)

    async def chat_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])


class VisitorConsumer(ChatConsumerBase):
    """`/ws/visitor/<site_key>/`: the widget on a customer's page."""

    handlers = {
        "session.start": "on_session_start",
        "message.send": "on_message_send",
        "sync": "on_sync",
        "typing": "on_typing",
        "consent": "on_consent",
        "contact": "on_contact",
        "context": "on_context",
        "transcript.request": "on_transcript_request",
    }

    async def connect(self) -> None:
        self.site = None
        self.visitor = None
        self.session_starts = 0
        self.address_counted = None
        site = await database_sync_to_async(account_selectors.site_get_by_key)(
            key=self.scope["url_route"]["kwargs"]["site_key"]
        )
        if site is None or not site.allows_origin(_header(self.scope, b"origin")):
            await self.close()  # before accept: the handshake fails with 403
            return
        address = _client_host(self.scope)
        if not await database_sync_to_async(_socket_slot_take)(address):
            # Accepted only to say why (daphne sends no close reason): a refused handshake would
            # look like a network failure to the widget.
            await self.accept()
            detail = "Too many chat connections from your network; try again later."
            await self.send_error("too_many_connections", detail, retry_after=SOCKETS_RETRY_AFTER)
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        self.address_counted = address
        self.site = site
        # Accept before building the welcome: daphne fails a handshake not accepted
        # within 5 s, and in a burst of new widgets every database call queues.
        await self.accept()
        await self.channel_layer.group_add(site_widgets_group(site.pk), self.channel_name)
        await self.send_json(await database_sync_to_async(_visitor_welcome)(site))

    async def disconnect(self, code: int) -> None:
        if self.address_counted is not None:
            try:
                await database_sync_to_async(limits.gauge_leave)(SOCKETS_GAUGE, self.address_counted)
            except REDIS_UNAVAILABLE:
                pass  # the count fades with its TTL (SOCKETS_GAUGE_TTL); the groups still go below
        groups = [site_widgets_group(self.site.pk)] if self.site is not None else []
        groups += [visitor_group(self.visitor.pk)] if self.visitor is not None else []
        await self._groups_leave(groups)

    async def chat_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
        if event["payload"].get("type") == "session.ended":
            # The visitor was erased: its token is gone, so end the socket too.
            await self.close(code=4001)

    def _require_session(self):
        if self.visitor is None:
            raise ChatError("no_session", "Send `session.start` first.")
        return self.visitor

    async def on_session_start(self, frame: dict[str, Any]) -> None:
        token = frame.get("token")
        if token is not None and not isinstance(token, str):
            raise ChatError("invalid_field", "`token` must be a string or absent.")
        # A widget starts one session, or a few after an erasure or an unknown token; more on one
        # socket would only make visitor rows (issue 12).
        self.session_starts += 1
        if self.session_starts > settings.CHAT_LIMIT_SESSION_STARTS_PER_SOCKET > 0:
            raise ChatError("rate_limited", "Too many session.start on this connection; reconnect.")
        visitor, new_token, conversation = await database_sync_to_async(services.visitor_session_start)(
            site=self.site, token=token, ip=_client_host(self.scope)
        )
        if self.visitor is not None and self.visitor.pk != visitor.pk:
            await self.channel_layer.group_discard(visitor_group(self.visitor.pk), self.channel_name)
        self.visitor = visitor
        await self.channel_layer.group_add(visitor_group(visitor.pk), self.channel_name)
        await self.send_json(
            {
                "type": "session",
                "token": new_token,
                "visitor": {
                    "id": str(visitor.public_id),
                    "contact_missing": contact.contact_missing(site=self.site, visitor=visitor),
                },
                "conversation": event_schema.conversation_for_visitor(conversation),
            }
        )

    async def on_message_send(self, frame: dict[str, Any]) -> None:
        visitor = self._require_session()
        message, _created = await post_queue.message_post_by_visitor(
            services.VisitorPost(
                visitor=visitor,
                client_id=frame.get("client_id"),
                body=frame.get("body"),
                notice_version=frame.get("notice_version"),
                notice_language=frame.get("lang"),
                address=_client_host(self.scope),
            )
        )
        await self.send_json(_ack_frame(message, event_schema.conversation_for_visitor(message.conversation)))

    async def on_sync(self, frame: dict[str, Any]) -> None:
        visitor = self._require_session()
        conversation_id, after_seq = _int_field(frame, "conversation"), _int_field(frame, "after_seq")

        def load() -> dict[str, Any]:
            conversation = selectors.conversation_get_for_visitor(
                visitor=visitor, conversation_id=conversation_id
            )
            if conversation is None:
                raise ChatError("not_found", "No such conversation.")
            return _sync_frame(conversation, after_seq)

        await self.send_json(await database_sync_to_async(load)())

    async def on_typing(self, frame: dict[str, Any]) -> None:
        visitor = self._require_session()
        await database_sync_to_async(services.typing_by_visitor)(
            visitor=visitor, is_typing=_bool_field(frame, "is_typing")
        )

    async def on_contact(self, frame: dict[str, Any]) -> None:
        visitor = self._require_session()
        offline = frame.get("offline", False)
        if not isinstance(offline, bool):
            raise ChatError("invalid_field", "`offline` must be true or false.")
        updated = await database_sync_to_async(contact.visitor_contact_give)(
            visitor=visitor, values=frame, offline=offline
        )
        self.visitor = updated
        await self.send_json(
            {
                "type": "contact.ack",
                "contact_missing": contact.contact_missing(site=self.site, visitor=updated),
            }
        )

    async def on_context(self, frame: dict[str, Any]) -> None:
        visitor = self._require_session()
        await database_sync_to_async(context.visitor_context_update)(
            visitor=visitor,
            frame=frame,
            user_agent=_header(self.scope, b"user-agent") or "",
            ip=_client_host(self.scope),
        )

    async def on_transcript_request(self, frame: dict[str, Any]) -> None:
        visitor = self._require_session()
        conversation_id = _int_field(frame, "conversation")
        outcome = await database_sync_to_async(services.conversation_transcript_request_by_visitor)(
            visitor=visitor, conversation_id=conversation_id, to=frame.get("email"), lang=frame.get("lang")
        )
        # confirm: not the contact form's address; a confirmation link went there (conversations.transcripts).
        ack = {"type": "transcript.ack", "conversation": conversation_id, "confirm": outcome == "confirm"}
        await self.send_json(ack)

    async def on_consent(self, frame: dict[str, Any]) -> None:
        visitor = self._require_session()
        analytics, marketing = _bool_field(frame, "analytics"), _bool_field(frame, "marketing")
        record, _created = await database_sync_to_async(consent.consent_record)(
            visitor=visitor,
            analytics=analytics,
            marketing=marketing,
            notice_version=frame.get("notice_version"),
        )
        await self.send_json(event_schema.consent_ack(record))


class AgentConsumer(ChatConsumerBase):
    """`/ws/agent/`: the dashboard of a logged-in agent."""

    message_types = frozenset({"message.send", "note.add"})
    rate_role = "AGENT"

    handlers = {
        "message.send": "on_message_send",
        "sync": "on_sync",
        "typing": "on_typing",
        "conversation.close": "on_conversation_close",
        "presence": "on_presence",
        "conversation.assign": "on_conversation_assign",
        "note.add": "on_note_add",
    }

    async def connect(self) -> None:
        self.user = None
        self.groups_joined: list[str] = []
        self.heartbeat: asyncio.Task | None = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or not self._same_origin():
            await self.close()
            return
        self.user = user
        session = self.scope.get("session")
        self.session_ref = account_services.session_ref(session.session_key if session else None)
        memberships = await database_sync_to_async(account_selectors.membership_list_for_agent)(agent=user)
        self.groups_joined = [site_agents_group(m.site_id) for m in memberships] + [agent_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json(event_schema.welcome_agent(user=user, memberships=memberships))
        await database_sync_to_async(account_services.agent_connection_open)(
            agent=user, channel_name=self.channel_name
        )
        self.heartbeat = asyncio.create_task(self._closing_if_redis_fails(self._beat()))

    async def chat_event(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        if payload.get("type") != "session.ended":
            return await self.send_json(payload)
        # Logout, removal from a site or deactivation (accounts.services.agent_sockets_close).
        if payload.get("session") not in (None, self.session_ref):
            return  # another login of this agent logged out
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []
        await self.send_json({"type": "session.ended", "reason": payload.get("reason")})
        await self.close(code=4003)

    def _same_origin(self) -> bool:
        """The session cookie rides along from any page, so only our own pages may open this socket."""
        origin, host = _header(self.scope, b"origin"), _header(self.scope, b"host")
        if not origin or not host:
            return False
        return origin.split("://", 1)[-1] == host or origin == settings.PUBLIC_URL

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(settings.CHAT_HEARTBEAT_SECONDS)
            await database_sync_to_async(account_services.agent_connection_beat)(
                channel_name=self.channel_name
            )
            # Join again: channel layers drop a membership after `group_expiry` (a day),
            # and a dashboard may stay open for longer.
            for group in self.groups_joined:
                await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        # Without Redis the groups cannot be left, but the connection row (presence) must still go.
        await self._groups_leave(self.groups_joined)
        if self.user is not None:
            await database_sync_to_async(account_services.agent_connection_close)(
                agent=self.user, channel_name=self.channel_name
            )

    async def on_message_send(self, frame: dict[str, Any]) -> None:
        conversation_id = _int_field(frame, "conversation")

        def post() -> dict[str, Any]:
            message, _created = services.message_post_by_agent(
                agent=self.user,
                conversation_id=conversation_id,
                client_id=frame.get("client_id"),
                body=frame.get("body"),
            )
            return _ack_frame(
                message, event_schema.conversation_for_agent(message.conversation, last_message=message)
            )

        await self.send_json(await database_sync_to_async(post)())

    async def on_sync(self, frame: dict[str, Any]) -> None:
        conversation_id, after_seq = _int_field(frame, "conversation"), _int_field(frame, "after_seq")

        def load() -> dict[str, Any]:
            conversation = selectors.conversation_get_for_agent(
                agent=self.user, conversation_id=conversation_id
            )
            if conversation is None:
                raise ChatError("not_found", "No such conversation.")
            # Agents also get every internal note (few, and not numbered): a reconnect shows missed ones.
            notes = [event_schema.note(n) for n in selectors.note_list(conversation=conversation)]
            return {**_sync_frame(conversation, after_seq), "notes": notes}

        await self.send_json(await database_sync_to_async(load)())

    async def on_typing(self, frame: dict[str, Any]) -> None:
        await database_sync_to_async(services.typing_by_agent)(
            agent=self.user,
            conversation_id=_int_field(frame, "conversation"),
            is_typing=_bool_field(frame, "is_typing"),
        )

    async def on_conversation_close(self, frame: dict[str, Any]) -> None:
        await database_sync_to_async(services.conversation_close)(
            agent=self.user, conversation_id=_int_field(frame, "conversation")
        )

    async def on_presence(self, frame: dict[str, Any]) -> None:
        availability = frame.get("availability")
        if availability not in ("online", "away"):
            raise ChatError("invalid_field", "`availability` must be 'online' or 'away'.")
        await database_sync_to_async(account_services.agent_set_availability)(
            agent=self.user, availability=availability
        )

    async def on_conversation_assign(self, frame: dict[str, Any]) -> None:
        if "agent" not in frame:
            raise ChatError("invalid_field", "`agent` must be a user id or null.")
        await database_sync_to_async(services.conversation_assign)(
            agent=self.user, conversation_id=_int_field(frame, "conversation"), assignee_id=frame["agent"]
        )

    async def on_note_add(self, frame: dict[str, Any]) -> None:
        conversation_id = _int_field(frame, "conversation")
        note, _created = await database_sync_to_async(services.conversation_note_add)(
            agent=self.user,
            conversation_id=conversation_id,
            client_id=frame.get("client_id"),
            body=frame.get("body"),
        )
        await self.send_json(
            {"type": "note.ack", "client_id": note.client_id, "note": event_schema.note(note)}
        )
