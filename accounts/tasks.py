from celery import shared_task

from accounts.services import agent_connections_prune, membership_invitation_send


@shared_task
def agent_connections_prune_task() -> int:
    return agent_connections_prune()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def membership_invitation_send_task(*, membership_id: int, invited_by_id: int | None) -> bool:
    """Send an invitation; SMTP failures (OSError) are retried with backoff."""
    return membership_invitation_send(membership_id=membership_id, invited_by_id=invited_by_id)
