"""Reads across conversation relations. Access checks live here: one per object."""

from django.db.models import OuterRef, Subquery

from accounts.models import Site, User
from chatplatform.lib.tokens import hash_token
from conversations.models import Conversation, Message, Visitor


def visitor_get_by_token(*, site: Site, token: str) -> Visitor | None:
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    return Visitor.objects.filter(site=site, token_hash=hash_token(token)).select_related("site").first()


def conversation_open_for_visitor(*, visitor: Visitor) -> Conversation | None:
    return (
        Conversation.objects.filter(visitor=visitor, status=Conversation.Status.OPEN)
        .select_related("site", "assigned_agent")
        .first()
    )


def conversation_get_for_visitor(*, visitor: Visitor, conversation_id: int) -> Conversation | None:
    return Conversation.objects.filter(pk=conversation_id, visitor=visitor).first()


def conversation_get_for_agent(*, agent: User, conversation_id: int) -> Conversation | None:
    """The conversation if `agent` is a member of its site, else None (never tell which)."""
    return (
        Conversation.objects.filter(pk=conversation_id, site__memberships__user=agent)
        .select_related("site", "visitor", "assigned_agent")
        .first()
    )


def conversation_list_for_agent(*, agent: User, limit: int = 200) -> list[Conversation]:
    """Open conversations of the agent's sites, latest activity first, with `.last_message` set."""
    last_id = Message.objects.filter(conversation=OuterRef("pk")).order_by("-seq").values("pk")[:1]
    conversations = list(
        Conversation.objects.filter(site__memberships__user=agent, status=Conversation.Status.OPEN)
        .select_related("site", "visitor", "assigned_agent")
        .annotate(last_message_id=Subquery(last_id))
        .order_by("-last_message_at", "-pk")[:limit]
    )
    last_messages = Message.objects.in_bulk([c.last_message_id for c in conversations if c.last_message_id])
    for conv in conversations:
        conv.last_message = last_messages.get(conv.last_message_id)
    return conversations


def message_list_after(*, conversation: Conversation, after_seq: int, limit: int) -> list[Message]:
    return list(
        Message.objects.filter(conversation=conversation, seq__gt=after_seq)
        .select_related("author_agent")
        .order_by("seq")[:limit]
    )


def message_page_after(
    *, conversation: Conversation, after_seq: int, page_size: int
) -> tuple[list[Message], bool]:
    """One page of messages after `after_seq`, and whether more follow."""
    messages = message_list_after(conversation=conversation, after_seq=after_seq, limit=page_size + 1)
    return messages[:page_size], len(messages) > page_size
