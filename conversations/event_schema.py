"""Every JSON object the server sends, built in one module (docs/protocol.md)."""

from typing import Any

from django.conf import settings


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def agent(user) -> dict[str, Any]:
    return {"id": user.pk, "name": user.public_name, "photo_url": user.photo_url}


def message(msg) -> dict[str, Any]:
    return {
        "id": msg.pk,
        "conversation": msg.conversation_id,
        "seq": msg.seq,
        "author": msg.author_type,
        "agent": agent(msg.author_agent) if msg.author_agent_id else None,
        "body": msg.body,
        "client_id": msg.client_id,
        "created_at": _iso(msg.created_at),
    }


def note(n) -> dict[str, Any]:
    """An internal note: agents only (docs/protocol.md)."""
    return {
        "id": n.pk,
        "conversation": n.conversation_id,
        "author": agent(n.author) if n.author_id else None,
        "body": n.body,
        "client_id": n.client_id,
        "created_at": _iso(n.created_at),
    }


def visitor_for_agent(visitor) -> dict[str, Any]:
    """What agents of the visitor's site see: contact data given and the visit context."""
    return {
        "id": str(visitor.public_id),
        "label": visitor.label,
        "name": visitor.name,
        "email": visitor.email,
        "phone": visitor.phone,
        "context": visitor.context or {},
    }


def conversation_for_visitor(conv) -> dict[str, Any] | None:
    if conv is None:
        return None
    return {"id": conv.pk, "status": conv.status, "last_seq": conv.last_seq}


def conversation_for_agent(conv, last_message=None) -> dict[str, Any]:
    return {
        "id": conv.pk,
        "site": {"key": conv.site.key, "name": conv.site.name},
        "status": conv.status,
        "visitor": {"id": str(conv.visitor.public_id), "label": conv.visitor.label},
        "assigned_agent": agent(conv.assigned_agent) if conv.assigned_agent_id else None,
        "last_seq": conv.last_seq,
        "last_message": (
            {
                "author": last_message.author_type,
                "body": last_message.body,
                "created_at": _iso(last_message.created_at),
            }
            if last_message
            else None
        ),
        "created_at": _iso(conv.created_at),
        "last_message_at": _iso(conv.last_message_at),
        "closed_at": _iso(conv.closed_at),
    }


def presence(*, site, agents: list) -> dict[str, Any]:
    return {"type": "presence", "online": bool(agents), "agents": [agent(a) for a in agents]}


def chat_notice(notice) -> dict[str, Any] | None:
    if notice is None:
        return None
    return {"version": notice.version, "texts": notice.texts, "link": notice.link}


def auto_message(site) -> dict[str, Any] | None:
    if not site.auto_message.strip():
        return None
    return {"text": site.auto_message.strip(), "delay_seconds": site.auto_message_delay_seconds}


def welcome_visitor(*, site, agents: list, notice=None) -> dict[str, Any]:
    return {
        "type": "welcome",
        "site": {"name": site.name},
        "max_body_chars": settings.CHAT_MAX_BODY_CHARS,
        "presence": {k: v for k, v in presence(site=site, agents=agents).items() if k != "type"},
        "notice": chat_notice(notice),
        # Marketing: the widget offers it only with the visitor's marketing consent.
        "auto_message": auto_message(site),
        "prechat": site.prechat_fields,
        # With a notification address, a visitor who finds nobody online gets the offline form.
        "offline_form": bool(site.notification_email),
        "theme": {
            "color": site.theme_color,
            "position": site.widget_position,
            "greeting": site.greeting,
            "logo_url": site.logo_url,
        },
    }


def consent_ack(record) -> dict[str, Any]:
    return {
        "type": "consent.ack",
        "analytics": record.analytics,
        "marketing": record.marketing,
        "notice_version": record.notice_version.version if record.notice_version_id else None,
        "recorded_at": record.created_at.isoformat(),
    }


def welcome_agent(*, user, memberships: list) -> dict[str, Any]:
    return {
        "type": "welcome",
        "agent": {**agent(user), "availability": user.availability},
        "sites": [{"key": m.site.key, "name": m.site.name, "role": m.role} for m in memberships],
        "max_body_chars": settings.CHAT_MAX_BODY_CHARS,
    }


def error(code: str, detail: str, client_id: str | None = None) -> dict[str, Any]:
    frame = {"type": "error", "code": code, "detail": detail}
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def rate_limited(retry_after: int, client_id: str | None = None) -> dict[str, Any]:
    """`error` `rate_limited`: the frame was not applied; send it again after `retry_after` s."""
    frame = error("rate_limited", f"Too many frames; send again in {retry_after} s.", client_id)
    frame["retry_after"] = retry_after
    return frame


def agent_session_ended(*, reason: str, session: str | None) -> dict[str, Any]:
    """To an agent's group: close sockets (`session`: only those of that login; AgentConsumer strips it)."""
    return {"type": "session.ended", "reason": reason, "session": session}
