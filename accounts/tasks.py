from celery import shared_task

from accounts.services import agent_connections_prune


@shared_task
def agent_connections_prune_task() -> int:
    return agent_connections_prune()
