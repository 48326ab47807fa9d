from celery import shared_task

from privacy.services.retention import retention_purge


@shared_task
def retention_purge_task() -> dict[int, dict[str, int]]:
    return retention_purge()
