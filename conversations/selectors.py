"""Reads across conversation relations. Access checks live here: one per object."""

from typing import Any

from django.db.models import OuterRef, Subquery

from accounts.models import Site, User
from chatplatform.lib.tokens import hash_token
from conversations.models import CannedResponse, Conversation, ConversationNote, Message, Visitor


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


# The dashboard's inbox views: which conversations each lists.
INBOX_VIEWS = ("open", "mine", "unassigned", "closed")


def conversation_list_for_agent(*, agent: User, view: str = "open", limit: int = 200) -> list[Conversation]:
    """Conversations of the agent's sites in one inbox view, latest activity first, with `.last_message`.

    Views: "open" (all open), "mine" (open, assigned to `agent`),
    "unassigned" (open, nobody assigned) and "closed".
    """
    if view not in INBOX_VIEWS:
        raise ValueError(f"Unknown inbox view; use one of {', '.join(INBOX_VIEWS)}.")
    last_id = Message.objects.filter(conversation=OuterRef("pk")).order_by("-seq").values("pk")[:1]
    conversations = Conversation.objects.filter(site__memberships__user=agent)
    if view == "closed":
        conversations = conversations.filter(status=Conversation.Status.CLOSED)
    else:
        conversations = conversations.filter(status=Conversation.Status.OPEN)
    if view == "mine":
        conversations = conversations.filter(assigned_agent=agent)
    elif view == "unassigned":
        conversations = conversations.filter(assigned_agent__isnull=True)
    conversations = list(
        conversations.select_related("site", "visitor", "assigned_agent")
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


def note_list(*, conversation: Conversation) -> list[ConversationNote]:
    return list(
        ConversationNote.objects.filter(conversation=conversation)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def canned_response_list_for_agent(*, agent: User, site: Site | None = None) -> list[CannedResponse]:
    """Canned responses of the agent's sites (of `site` only when given and the agent is a member)."""
    responses = CannedResponse.objects.filter(site__memberships__user=agent)
    if site is not None:
        responses = responses.filter(site=site)
    return list(responses.select_related("site").order_by("shortcut", "site__name"))


def conversation_transcript(*, conversation: Conversation) -> dict[str, Any]:
    """A conversation with its messages and, apart, its internal notes: the agents' export.

    Agents appear by their public name; the visitor by its label only (its
    contact data stay on the DPO pages).
    """
    messages = message_list_after(conversation=conversation, after_seq=0, limit=1_000_000)
    return {
        "conversation": {
            "id": conversation.pk,
            "site": conversation.site.name,
            "visitor": conversation.visitor.label,
            "status": conversation.status,
            "assigned_agent": conversation.assigned_agent.public_name
            if conversation.assigned_agent_id
            else None,
            "created_at": _iso(conversation.created_at),
            "closed_at": _iso(conversation.closed_at),
        },
        "messages": [
            {
                "seq": m.seq,
                "author": m.author_type,
                "agent": m.author_agent.public_name if m.author_agent_id else None,
                "body": m.body,
                "created_at": _iso(m.created_at),
            }
            for m in messages
        ],
        "notes": [
            {
                "author": n.author.public_name if n.author_id else None,
                "body": n.body,
                "created_at": _iso(n.created_at),
            }
            for n in note_list(conversation=conversation)
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None
