"""JSON shapes of the REST API and the webhook payloads (docs/api.md).

They are the dashboard's shapes from conversations.event_schema, so an
integration sees what an agent sees: the visitor by public id and label only,
never contact data or IP addresses.
"""

from typing import Any

from conversations import event_schema


def conversation(conv) -> dict[str, Any]:
    # The agents' shape without `last_message`, which would cost a query per row in lists.
    data = event_schema.conversation_for_agent(conv)
    del data["last_message"]
    return data


def message(msg) -> dict[str, Any]:
    return event_schema.message(msg)


def error(code: str, detail: str) -> dict[str, Any]:
    return {"error": {"code": code, "detail": detail}}
