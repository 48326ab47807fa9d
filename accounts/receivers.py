"""Django auth signals that end in a service call; the rules live in accounts.services."""

from accounts.services import agent_sockets_close


def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    # Sent before the session is flushed, so its key still names this login's sockets.
    if user is None:
        return
    session = getattr(request, "session", None)
    agent_sockets_close(
        agent_id=user.pk, reason="logout", session_key=session.session_key if session is not None else None
    )
