"""Test data for the data-subject tests: a visitor whose every field carries a marker string."""

from conversations.models import Visitor
from conversations.services import conversation_close, message_post_by_agent, message_post_by_visitor

MARKERS = {
    "name": "Zorblat Quixwell",
    "email": "zorblat.quixwell@marker.example",
    "phone": "+49 151 9988 7766",
    "body": "my zorblat secret is 7bq3",
    "reply": "hello quixwell-reply",
}
# Substrings that must be found nowhere after an erasure.
MARKER_NEEDLES = ["zorblat", "quixwell", "99887766", "9988 7766", "7bq3"]


def give_contact_data(visitor: Visitor) -> Visitor:
    Visitor.objects.filter(pk=visitor.pk).update(
        name=MARKERS["name"], email=MARKERS["email"], phone=MARKERS["phone"], ip_address="203.0.113.7"
    )
    visitor.refresh_from_db()
    return visitor


def chat(visitor: Visitor, agent, *, closed_first: bool = True) -> None:
    """Two conversations: a closed one and an open one, with visitor and agent messages."""
    first, _ = message_post_by_visitor(visitor=visitor, client_id="v1", body=MARKERS["body"])
    message_post_by_agent(
        agent=agent, conversation_id=first.conversation_id, client_id="a1", body=MARKERS["reply"]
    )
    if closed_first:
        conversation_close(agent=agent, conversation_id=first.conversation_id)
        message_post_by_visitor(visitor=visitor, client_id="v2", body="second <script>alert(1)</script>")
