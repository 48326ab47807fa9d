"""Every write to visitors, conversations and messages.

A message is committed before anyone hears of it: the consumer acks only
after the service returns, and events leave through `send_event_on_commit`.
Callers (consumers, admin, API, tasks) catch `ChatError` and show its code.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Site, User
from accounts.selectors import site_member_list
from accounts.services import membership_claim_for_routing, membership_mark_assigned
from chatplatform.lib.jsonframe import is_unicode_text
from chatplatform.lib.tokens import hash_token, new_token
from chatplatform.limits import LimitExceeded, limit_take, setting_limit
from chatplatform.mail import mail_send, mail_tag
from conversations import event_schema, selectors
from conversations.events import send_event_on_commit, site_agents_group, visitor_group
from conversations.models import Conversation, ConversationNote, Message, Visitor
from conversations.offline import conversation_offline_mark
from conversations.transcripts import transcript_confirmation_create, transcript_confirmation_take
from integrations.services import webhook_event_queue, webhook_events_queue
from privacy.services.ip import ip_for_storage
from privacy.services.notice import chat_notice_get
from privacy.services.texts import LANGUAGES, language_pick

logger = logging.getLogger(__name__)

MAX_CLIENT_ID_CHARS = 64
# Art. 18 GDPR: a restricted visitor's data is kept but not processed further.
RESTRICTED_DETAIL = "Processing of this chat is restricted at the visitor's request; nothing new is stored."


class ChatError(Exception):
    """A refusal the client can act on; `code` is listed in docs/protocol.md.

    `retry_after` (seconds) comes with `rate_limited`: the same frame may succeed then.
    """

    def __init__(self, code: str, detail: str, *, retry_after: int | None = None):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


def _take(name: str, subject: object) -> None:
    """Count one event under the abuse limit `name` (chatplatform.limits), as a ChatError when over."""
    try:
        limit_take(setting_limit(name), subject)
    except LimitExceeded as exc:
        detail = f"Too many requests; try again in {exc.retry_after} s."
        raise ChatError("rate_limited", detail, retry_after=exc.retry_after) from None


def _limit_refusal(*limits: tuple[str, object]) -> ChatError | None:
    """`_take` for each (name, subject) in turn; the first refusal, or None."""
    try:
        for name, subject in limits:
            _take(name, subject)
    except ChatError as exc:
        return exc
    return None


def _clean_body(body: object) -> str:
    if not isinstance(body, str):
        raise ChatError("invalid_field", "`body` must be a string.")
    if not body.strip():
        raise ChatError("empty_body", "A message needs some text.")
    if len(body) > settings.CHAT_MAX_BODY_CHARS:
        raise ChatError("body_too_large", f"A message has at most {settings.CHAT_MAX_BODY_CHARS} characters.")
    # NUL cannot be stored by PostgreSQL; refuse it rather than alter the text.
    if "\x00" in body:
        raise ChatError("invalid_field", "`body` must not contain NUL characters.")
    if not is_utf8_text(body):
        raise ChatError("invalid_field", "`body` must be Unicode text (no lone surrogates).")
    return body


# False for lone surrogates: JSON lets a client send them, no database can store them.
is_utf8_text = is_unicode_text


def _clean_client_id(client_id: object) -> str:
    if (
        not isinstance(client_id, str)
        or not 1 <= len(client_id) <= MAX_CLIENT_ID_CHARS
        or not is_utf8_text(client_id)
    ):
        raise ChatError(
            "invalid_field", f"`client_id` must be a string of 1 to {MAX_CLIENT_ID_CHARS} characters."
        )
    return client_id


def _retry_once_on_conflict(post):
    """Run `post` again if a concurrent twin won a unique-constraint race.

    Two sockets may send the same client_id at once (a retry after a
    reconnect racing the original), or two tabs may open a conversation at
    once. The loser's second run finds the winner's row and returns it.
    """
    try:
        return post()
    except IntegrityError:
        return post()


def _append_message(
    conversation: Conversation,
    *,
    author_type: str,
    body: str,
    client_id: str | None,
    agent: User | None = None,
) -> Message:
    """Store one message with the conversation's next seq and announce it. Inside a transaction."""
    [message] = _append_messages([(conversation, body, client_id)], author_type=author_type, agent=agent)
    return message


def _append_messages(
    items: list[tuple[Conversation, str, str | None]], *, author_type: str, agent: User | None = None
) -> list[Message]:
    """Store [(conversation, body, client_id)] in that order with consecutive seqs; announce each.

    Must run inside a transaction. The UPDATE takes the conversations' row
    locks (the write lock on SQLite), so concurrent posts get consecutive
    seqs with no gaps; one UPDATE and one SELECT serve every conversation.
    """
    if not items:
        return []
    now = timezone.now()
    counts = Counter(conversation.pk for conversation, _body, _client_id in items)
    added = (
        Value(1)
        if set(counts.values()) == {1}
        else Case(*(When(pk=pk, then=Value(n)) for pk, n in counts.items()), output_field=IntegerField())
    )
    Conversation.objects.filter(pk__in=counts).update(last_seq=F("last_seq") + added, last_message_at=now)
    last_seqs = dict(Conversation.objects.filter(pk__in=counts).values_list("pk", "last_seq"))
    next_seq = {pk: last_seqs[pk] - n + 1 for pk, n in counts.items()}
    messages = []
    for conversation, body, client_id in items:
        seq = next_seq[conversation.pk]
        next_seq[conversation.pk] += 1
        messages.append(
            Message(
                conversation=conversation,
                seq=seq,
                author_type=author_type,
                author_agent=agent,
                body=body,
                client_id=client_id,
            )
        )
    if connection.features.can_return_rows_from_bulk_insert:
        Message.objects.bulk_create(messages)
    else:  # ids are needed for the events and webhooks
        for message in messages:
            message.save(force_insert=True)
    webhook_events_queue(event="message.created", objects=[(m.conversation.site_id, m.pk) for m in messages])
    for message in messages:
        # Each event carries the conversation as it was right after its own message.
        message.conversation.last_seq = message.seq
        message.conversation.last_message_at = now
        _announce_message(message)
    return messages


def _announce_message(message: Message) -> None:
    conversation = message.conversation
    payload = event_schema.message(message)
    send_event_on_commit(visitor_group(conversation.visitor_id), {"type": "message.new", "message": payload})
    send_event_on_commit(
        site_agents_group(conversation.site_id),
        {
            "type": "message.new",
            "message": payload,
            "conversation": event_schema.conversation_for_agent(conversation, last_message=message),
        },
    )


def _announce_conversation(conversation: Conversation) -> None:
    send_event_on_commit(
        visitor_group(conversation.visitor_id),
        {"type": "conversation.updated", "conversation": event_schema.conversation_for_visitor(conversation)},
    )
    send_event_on_commit(
        site_agents_group(conversation.site_id),
        {"type": "conversation.updated", "conversation": event_schema.conversation_for_agent(conversation)},
    )


def _route_new_conversation(conversation: Conversation) -> None:
    """Assign a conversation just opened by round robin (accounts.services), or leave it queued."""
    agent = membership_claim_for_routing(site=conversation.site)
    if agent is not None:
        Conversation.objects.filter(pk=conversation.pk).update(assigned_agent=agent)
        conversation.assigned_agent = agent


# --- Visitors -------------------------------------------------------------


def visitor_create(*, site: Site, ip: str | None = None) -> tuple[Visitor, str]:
    """Create a visitor and return it with its token, which is never stored in clear.

    `ip` is the client's address; only what the site's `ip_handling` allows is stored.
    """
    token = new_token()
    visitor = Visitor.objects.create(
        site=site, token_hash=hash_token(token), ip_address=ip_for_storage(site=site, ip=ip)
    )
    return visitor, token


def visitor_session_start(
    *, site: Site, token: str | None, ip: str | None = None
) -> tuple[Visitor, str | None, Conversation | None]:
    """Resume the visitor holding `token`, or create one when no token is given.

    Returns (visitor, new token or None when resumed, open conversation or None).
    """
    if token is None:
        # A new visitor is a row kept until the purge: limited per client address and per site.
        _take("new_visitors_per_address", ip)
        _take("new_visitors_per_site", site.pk)
        visitor, new = visitor_create(site=site, ip=ip)
        return visitor, new, None
    visitor = selectors.visitor_get_by_token(site=site, token=token)
    if visitor is None:
        raise ChatError("invalid_token", "This chat session is unknown; start a new one.")
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=timezone.now())
    return visitor, None, selectors.conversation_open_for_visitor(visitor=visitor)


# --- Messages -------------------------------------------------------------


@dataclass(frozen=True)
class VisitorPost:
    """One `message.send` of a visitor, as the widget sent it (validated by the service)."""

    visitor: Visitor
    client_id: object
    body: object
    notice_version: object = None
    notice_language: object = None
    # The client's address (chatplatform.client), for the new-conversation limit; never stored here.
    address: str | None = None


def message_post_by_visitor(
    *,
    visitor: Visitor,
    client_id: str,
    body: str,
    notice_version: object = None,
    notice_language: object = None,
) -> tuple[Message, bool]:
    """Store a visitor's message in their open conversation, opening one if needed.

    Returns (message, created). A client_id the visitor used before returns
    the stored message with created=False, in whichever conversation it is.
    A new conversation records the privacy notice the widget says it showed
    (`notice_version`, `notice_language`) if that is one of the site's versions.
    """
    post = VisitorPost(visitor, client_id, body, notice_version, notice_language)
    [result] = messages_post_by_visitors([post])
    if isinstance(result, ChatError):
        raise result
    return result


def messages_post_by_visitors(posts: list[VisitorPost]) -> list[tuple[Message, bool] | Exception]:
    """`message_post_by_visitor` for many posts at once, in one transaction (group commit).

    The result for each post is (message, created) or the ChatError that
    refused it; a refusal does not affect the other posts. The statements are
    the same for one post or a hundred, so a daphne process under load stores
    what its sockets sent meanwhile in one commit (conversations.post_queue).
    If the batch fails (a unique-constraint race, a deadlock, anything), each
    post is done again on its own, so one bad post cannot fail the others;
    its result is then the exception that failed it.
    """
    results: list[tuple[Message, bool] | Exception | None] = [None] * len(posts)
    cleaned = []
    for index, post in enumerate(posts):
        try:
            cleaned.append((index, post, _clean_body(post.body), _clean_client_id(post.client_id)))
        except ChatError as exc:
            results[index] = exc
    if len(cleaned) == 1:
        index = cleaned[0][0]
        results[index] = _retry_once_on_conflict(lambda: _visitor_batch_store(cleaned)[index])
    elif cleaned:
        try:
            stored = _visitor_batch_store(cleaned)
        except Exception:
            stored = {item[0]: _visitor_store_alone(item) for item in cleaned}
        for index, result in stored.items():
            results[index] = result
    return results  # type: ignore[return-value]


def _visitor_store_alone(item) -> tuple[Message, bool] | Exception:
    try:
        return _retry_once_on_conflict(lambda: _visitor_batch_store([item])[item[0]])
    except Exception as exc:
        logger.error("visitor message failed alone after its batch failed error=%s", exc.__class__.__name__)
        return exc


@transaction.atomic
def _visitor_batch_store(cleaned: list) -> dict[int, tuple[Message, bool] | ChatError]:
    """Store the validated posts [(index, post, body, client_id)]; returns the result by index."""
    visitor_ids = {item[1].visitor.pk for item in cleaned}
    existing = {
        (m.conversation.visitor_id, m.client_id): m
        for m in Message.objects.filter(
            conversation__visitor_id__in=visitor_ids, client_id__in={item[3] for item in cleaned}
        ).select_related("conversation")
    }
    # Read fresh: the DPO may have restricted a visitor, or another tab given contact data.
    fresh = {
        row["pk"]: row
        for row in Visitor.objects.filter(pk__in=visitor_ids).values(
            "pk", "processing_restricted", "name", "email", "phone"
        )
    }
    open_conversations = {
        c.visitor_id: c
        for c in Conversation.objects.filter(
            visitor_id__in=visitor_ids, status=Conversation.Status.OPEN
        ).select_related("site", "assigned_agent")
    }
    results: dict[int, tuple[Message, bool] | ChatError] = {}
    accepted_at, accepted = [], []  # post indexes; (conversation, body, client_id)
    first_of: dict[tuple[int, str], int] = {}  # a client_id twice in one batch: the second is a retry
    retries: list[tuple[int, int]] = []  # (index, index of the post it repeats)
    for index, post, body, client_id in cleaned:
        visitor, key = post.visitor, (post.visitor.pk, client_id)
        if key in existing:
            if existing[key].author_type != Message.Author.VISITOR:
                results[index] = ChatError("client_id_conflict", "This client_id was used by someone else.")
            else:
                results[index] = (existing[key], False)
            continue
        if key in first_of:
            retries.append((index, first_of[key]))
            continue
        refusal = _visitor_post_refusal(visitor, fresh.get(visitor.pk))
        if refusal is not None:
            results[index] = refusal
            continue
        conversation = open_conversations.get(visitor.pk)
        if conversation is None:
            # A first message opens a conversation (routing, a notification e-mail, a webhook).
            limited = _limit_refusal(
                ("new_conversations_per_address", post.address),
                ("new_conversations_per_site", visitor.site_id),
            )
            if limited is not None:
                results[index] = limited
                continue
            conversation = open_conversations[visitor.pk] = _conversation_open(
                visitor, post.notice_version, post.notice_language
            )
        conversation.visitor = visitor
        first_of[key] = index
        accepted_at.append(index)
        accepted.append((conversation, body, client_id))
    messages = _append_messages(accepted, author_type=Message.Author.VISITOR)
    for index, message in zip(accepted_at, messages, strict=True):
        results[index] = (message, True)
    for index, first in retries:
        results[index] = (messages[accepted_at.index(first)], False)
    return results


def _visitor_post_refusal(visitor: Visitor, fresh: dict | None) -> ChatError | None:
    if fresh is None:  # erased since the socket started its session
        return ChatError("invalid_token", "This chat session is unknown; start a new one.")
    if fresh["processing_restricted"]:
        return ChatError("processing_restricted", RESTRICTED_DETAIL)
    missing = [f for f, ask in visitor.site.prechat_fields.items() if ask == "required" and not fresh[f]]
    if missing:
        return ChatError("contact_required", f"This site asks for `{missing[0]}` before the first message.")
    return None


def _conversation_open(visitor: Visitor, notice_version: object, notice_language: object) -> Conversation:
    """Open the visitor's conversation for its first message: notice, routing, offline flag, webhook."""
    # The site object, not its id: the agents' payload reads its key and name.
    notice = chat_notice_get(site=visitor.site, version=notice_version)
    conversation = Conversation.objects.create(
        site=visitor.site,
        visitor=visitor,
        notice_version=notice,
        notice_language=notice_language if notice and notice_language in LANGUAGES else "",
    )
    _route_new_conversation(conversation)
    # Round robin assigns whenever a member is online: unassigned then means nobody is.
    round_robin = visitor.site.routing == Site.Routing.ROUND_ROBIN
    conversation_offline_mark(conversation=conversation, nobody_online=True if round_robin else None)
    webhook_event_queue(site_id=conversation.site_id, event="conversation.created", object_id=conversation.pk)
    return conversation


def message_post_by_agent(
    *, agent: User, conversation_id: int, client_id: str, body: str
) -> tuple[Message, bool]:
    """Store an agent's reply; an unassigned conversation is assigned to the agent.

    Refuses conversations of sites the agent is not a member of (`not_found`)
    and closed conversations (`conversation_closed`).
    """
    body = _clean_body(body)
    client_id = _clean_client_id(client_id)

    @transaction.atomic
    def post() -> tuple[Message, bool]:
        conversation = selectors.conversation_get_for_agent(agent=agent, conversation_id=conversation_id)
        if conversation is None:
            raise ChatError("not_found", "No such conversation.")
        existing = Message.objects.filter(conversation=conversation, client_id=client_id).first()
        if existing is not None:
            if existing.author_agent_id != agent.pk:
                raise ChatError("client_id_conflict", "This client_id was used by someone else.")
            existing.conversation = conversation
            return existing, False
        if conversation.status != Conversation.Status.OPEN:
            raise ChatError("conversation_closed", "This conversation is closed.")
        if conversation.visitor.processing_restricted:
            raise ChatError("processing_restricted", RESTRICTED_DETAIL)
        if conversation.assigned_agent_id is None:
            Conversation.objects.filter(pk=conversation.pk).update(assigned_agent=agent)
            conversation.assigned_agent = agent
        message = _append_message(
            conversation, author_type=Message.Author.AGENT, body=body, client_id=client_id, agent=agent
        )
        return message, True

    return _retry_once_on_conflict(post)


@transaction.atomic
def conversation_close(*, agent: User, conversation_id: int) -> Conversation:
    """Close the conversation and record who closed it as a system message."""
    conversation = selectors.conversation_get_for_agent(agent=agent, conversation_id=conversation_id)
    return _close(conversation, closed_by=agent.public_name)


@transaction.atomic
def conversation_close_for_site(*, site: Site, conversation_id: int, closed_by: str) -> Conversation:
    """Close a conversation of `site` for an API client (integrations); `closed_by` names it."""
    conversation = (
        Conversation.objects.filter(pk=conversation_id, site=site)
        .select_related("site", "visitor", "assigned_agent")
        .first()
    )
    return _close(conversation, closed_by=closed_by)


def _close(conversation: Conversation | None, *, closed_by: str) -> Conversation:
    if conversation is None:
        raise ChatError("not_found", "No such conversation.")
    if conversation.status != Conversation.Status.OPEN:
        raise ChatError("conversation_closed", "This conversation is already closed.")
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.CLOSED, closed_at=now)
    conversation.status, conversation.closed_at = Conversation.Status.CLOSED, now
    webhook_event_queue(site_id=conversation.site_id, event="conversation.closed", object_id=conversation.pk)
    _append_message(
        conversation,
        author_type=Message.Author.SYSTEM,
        body=f"{closed_by} closed the conversation.",
        client_id=None,
    )
    _announce_conversation(conversation)
    return conversation


# --- Typing (never stored) -------------------------------------------------


def typing_by_visitor(*, visitor: Visitor, is_typing: bool) -> None:
    conversation = selectors.conversation_open_for_visitor(visitor=visitor)
    if conversation is None:
        return
    send_event_on_commit(
        site_agents_group(visitor.site_id),
        {
            "type": "typing",
            "conversation": conversation.pk,
            "author": "visitor",
            "is_typing": bool(is_typing),
        },
    )


def typing_by_agent(*, agent: User, conversation_id: int, is_typing: bool) -> None:
    conversation = selectors.conversation_get_for_agent(agent=agent, conversation_id=conversation_id)
    if conversation is None:
        raise ChatError("not_found", "No such conversation.")
    send_event_on_commit(
        visitor_group(conversation.visitor_id),
        {
            "type": "typing",
            "conversation": conversation.pk,
            "author": "agent",
            "agent": event_schema.agent(agent),
            "is_typing": bool(is_typing),
        },
    )


# --- Assignment and notes (agents only) -----------------------------------


def _assignment_text(*, agent: User, previous: User | None, assignee: User | None) -> str | None:
    """The system message of an assignment: agents' public names only, never visitor data."""
    if assignee is None:
        return f"{previous.public_name} left the chat." if previous is not None else None
    if assignee.pk == agent.pk:
        if previous is not None:
            return f"{agent.public_name} took over the chat from {previous.public_name}."
        return f"{agent.public_name} joined the chat."
    return f"{agent.public_name} transferred the chat to {assignee.public_name}."


@transaction.atomic
def conversation_assign(*, agent: User, conversation_id: int, assignee_id: int | None) -> Conversation:
    """Assign an open conversation to a member of its site (`assignee_id`), or unassign it (None).

    Any member of the site may take a conversation, hand it to another member,
    or put it back in the queue. A member of another site is refused with
    `invalid_field`, a conversation of another site with `not_found`. The
    change is recorded as a system message the visitor sees too ("Alice
    transferred the chat to Bob"; left out while the visitor's processing is
    restricted), and `conversation.updated` goes to the site's agents.
    Assigning to the current assignee changes nothing and sends nothing.
    """
    if assignee_id is not None and (isinstance(assignee_id, bool) or not isinstance(assignee_id, int)):
        raise ChatError("invalid_field", "`agent` must be a user id or null.")
    conversation = selectors.conversation_get_for_agent(agent=agent, conversation_id=conversation_id)
    if conversation is None:
        raise ChatError("not_found", "No such conversation.")
    # Lock the row: two agents taking the same chat at once are applied one after the other.
    Conversation.objects.select_for_update().filter(pk=conversation.pk).values_list("pk").first()
    conversation.refresh_from_db(fields=["status", "assigned_agent"])
    if conversation.status != Conversation.Status.OPEN:
        raise ChatError("conversation_closed", "This conversation is closed.")
    assignee = None
    if assignee_id is not None:
        assignee = next((u for u in site_member_list(site=conversation.site) if u.pk == assignee_id), None)
        if assignee is None:
            raise ChatError("invalid_field", "`agent` is not a member of this conversation's site.")
    previous = conversation.assigned_agent
    if (previous.pk if previous else None) == assignee_id:
        return conversation
    Conversation.objects.filter(pk=conversation.pk).update(assigned_agent=assignee)
    conversation.assigned_agent = assignee
    if assignee is not None:
        membership_mark_assigned(user=assignee, site_id=conversation.site_id)
    text = _assignment_text(agent=agent, previous=previous, assignee=assignee)
    if text and not conversation.visitor.processing_restricted:
        _append_message(conversation, author_type=Message.Author.SYSTEM, body=text, client_id=None)
    send_event_on_commit(
        site_agents_group(conversation.site_id),
        {"type": "conversation.updated", "conversation": event_schema.conversation_for_agent(conversation)},
    )
    return conversation


def conversation_note_add(
    *, agent: User, conversation_id: int, client_id: str, body: str
) -> tuple[ConversationNote, bool]:
    """Store an internal note on a conversation and tell the site's agents, never the visitor.

    Returns (note, created); a client_id used before on this conversation
    returns the stored note. Notes are allowed on closed conversations, not
    on a visitor whose processing is restricted (Art. 18).
    """
    body = _clean_body(body)
    client_id = _clean_client_id(client_id)

    @transaction.atomic
    def post() -> tuple[ConversationNote, bool]:
        conversation = selectors.conversation_get_for_agent(agent=agent, conversation_id=conversation_id)
        if conversation is None:
            raise ChatError("not_found", "No such conversation.")
        existing = ConversationNote.objects.filter(conversation=conversation, client_id=client_id).first()
        if existing is not None:
            if existing.author_id != agent.pk:
                raise ChatError("client_id_conflict", "This client_id was used by someone else.")
            return existing, False
        if conversation.visitor.processing_restricted:
            raise ChatError("processing_restricted", RESTRICTED_DETAIL)
        note = ConversationNote.objects.create(
            conversation=conversation, author=agent, body=body, client_id=client_id
        )
        # Only the agents' group: the visitor and widget groups must never carry a note.
        send_event_on_commit(
            site_agents_group(conversation.site_id), {"type": "note.new", "note": event_schema.note(note)}
        )
        return note, True

    return _retry_once_on_conflict(post)


# --- Transcripts by e-mail -----------------------------------------------------


def _clean_email_address(to: object) -> str:
    if not isinstance(to, str) or not to.strip():
        raise ChatError("invalid_field", _("Give an e-mail address."))
    to = to.strip()
    # validate_email refuses CR/LF too; Django's mail would also refuse them as header injection.
    try:
        validate_email(to)
    except ValidationError as exc:
        raise ChatError("invalid_field", _("That is not a valid e-mail address.")) from exc
    return to


def _mail_language(lang: object) -> str:
    """A language code for an e-mail: "de", "de-AT" -> "de"; anything else -> LANGUAGE_CODE."""
    if isinstance(lang, str) and lang.strip():
        code = language_pick(lang)
        if code == lang.strip().lower().split("-")[0]:
            return code
    return settings.LANGUAGE_CODE


def conversation_transcript_email_request(
    *, agent: User, conversation_id: int, to: str, lang: str | None = None
) -> None:
    """Check the request now and send the transcript from a Celery task after commit.

    The e-mail is written in `lang`, the sending agent's dashboard language (the
    view passes the active one); without it, in LANGUAGE_CODE.
    """
    from conversations.tasks import conversation_transcript_email_send_task

    to = _clean_email_address(to)
    if selectors.conversation_get_for_agent(agent=agent, conversation_id=conversation_id) is None:
        raise ChatError("not_found", "No such conversation.")
    lang = _mail_language(lang)
    transaction.on_commit(
        lambda: conversation_transcript_email_send_task.delay(
            agent_id=agent.pk, conversation_id=conversation_id, to=to, lang=lang
        )
    )


def _transcript_text(transcript: dict) -> str:
    """The plain-text transcript, in the active language (callers wrap it in translation.override)."""
    conv = transcript["conversation"]
    if conv["closed_at"]:
        started = _("Started %(started)s, closed %(closed)s") % {
            "started": conv["created_at"],
            "closed": conv["closed_at"],
        }
    else:
        started = _("Started %(started)s") % {"started": conv["created_at"]}
    lines = [
        _("Transcript of a chat on %(site)s with %(visitor)s")
        % {"site": conv["site"], "visitor": conv["visitor"]},
        started,
        "",
    ]
    names = {"visitor": conv["visitor"], "system": _("System")}
    for m in transcript["messages"]:
        author = m["agent"] or names.get(m["author"], _("Agent"))
        lines.append(f"[{m['created_at']}] {author}:")
        lines.extend(f"  {line}" for line in m["body"].splitlines() or [""])
    return "\n".join(lines) + "\n"


def conversation_transcript_email_send(
    *, agent: User, conversation_id: int, to: str, lang: str | None = None
) -> None:
    """E-mail the messages of a conversation (never its internal notes) as plain text to `to`.

    Checks again that `agent` is still a member of the conversation's site. Written
    in `lang` (the agent's dashboard language when asked for), else LANGUAGE_CODE.
    """
    to = _clean_email_address(to)
    conversation = selectors.conversation_get_for_agent(agent=agent, conversation_id=conversation_id)
    if conversation is None:
        raise ChatError("not_found", "No such conversation.")
    transcript = selectors.conversation_transcript(conversation=conversation)
    transcript["notes"] = []  # internal: not for whoever reads this mailbox
    with translation.override(_mail_language(lang)):
        subject = _("Chat transcript: %(site)s") % {"site": conversation.site.name}
        text = _transcript_text(transcript)
    tag = mail_tag(conversation.visitor.public_id, conversation.pk)
    mail_send(subject=subject, body=text, to=[to], tag=tag)


# --- Transcripts the visitor asks for ------------------------------------------

VISITOR_TRANSCRIPT_INTERVAL = timedelta(minutes=10)


def conversation_transcript_request_by_visitor(
    *, visitor: Visitor, conversation_id: int, to: str, lang: str | None = None
) -> str:
    """The visitor wants their conversation e-mailed to `to`: checked now, sent by a task after commit.

    Returns "sent" when `to` is the address the visitor gave in the contact or offline form, and
    "confirm" otherwise: then only a confirmation link goes to `to` (conversations.transcripts),
    and the transcript follows when it is used. Limits: one request a conversation every
    VISITOR_TRANSCRIPT_INTERVAL, and per address a day and per site an hour (CHAT_LIMITS), so
    the widget cannot be used to send mail in bulk. Refuses a restricted visitor. `lang` is the
    widget's language (en, de, cs); anything else gets LANGUAGE_CODE.
    """
    from conversations.tasks import (
        conversation_transcript_confirm_send_task,
        conversation_transcript_visitor_send_task,
    )

    to = _clean_email_address(to)
    lang = _mail_language(lang)
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update()
            .filter(pk=conversation_id, visitor=visitor)
            .select_related("visitor")
            .first()
        )
        if conversation is None:
            raise ChatError("not_found", "No such conversation.")
        if conversation.visitor.processing_restricted:
            raise ChatError("processing_restricted", RESTRICTED_DETAIL)
        now = timezone.now()
        if (
            conversation.transcript_sent_at
            and now - conversation.transcript_sent_at < VISITOR_TRANSCRIPT_INTERVAL
        ):
            raise ChatError(
                "rate_limited", "A transcript of this chat was sent a moment ago; try again later."
            )
        _take("transcripts_per_address", to.lower())
        _take("transcripts_per_site", conversation.site_id)
        Conversation.objects.filter(pk=conversation.pk).update(transcript_sent_at=now)
        given = conversation.visitor.email.strip().lower()
        if given and given == to.lower():
            transaction.on_commit(
                lambda: conversation_transcript_visitor_send_task.delay(
                    conversation_id=conversation_id, to=to, lang=lang
                )
            )
            return "sent"
        token = transcript_confirmation_create(conversation=conversation, to=to)
        transaction.on_commit(
            lambda: conversation_transcript_confirm_send_task.delay(
                conversation_id=conversation_id, token=token, lang=lang
            )
        )
        return "confirm"


def conversation_transcript_confirm(*, token: str, lang: str | None = None) -> bool:
    """Someone with access to the mailbox confirmed: send the transcript there (once). False if the
    link is unknown, used or expired."""
    from conversations.tasks import conversation_transcript_visitor_send_task

    taken = transcript_confirmation_take(token=token)
    if taken is None:
        return False
    conversation, to = taken
    lang = _mail_language(lang)
    transaction.on_commit(
        lambda: conversation_transcript_visitor_send_task.delay(
            conversation_id=conversation.pk, to=to, lang=lang
        )
    )
    return True


def conversation_transcript_send_to_visitor(
    *, conversation_id: int, to: str, lang: str | None = None
) -> bool:
    """E-mail the messages (never the notes) as plain text. False if the conversation is gone meanwhile.

    Subject and labels are in `lang`, the widget's language; LANGUAGE_CODE without one.
    """
    to = _clean_email_address(to)
    conversation = (
        Conversation.objects.select_related("site", "visitor", "assigned_agent")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        return False
    transcript = selectors.conversation_transcript(conversation=conversation)
    transcript["notes"] = []
    with translation.override(_mail_language(lang)):
        subject = _("Your chat with %(site)s") % {"site": conversation.site.name}
        text = _transcript_text(transcript)
    tag = mail_tag(conversation.visitor.public_id, conversation.pk)
    mail_send(subject=subject, body=text, to=[to], tag=tag)
    return True
