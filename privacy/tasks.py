from celery import shared_task

from privacy.services.retention import retention_purge
from privacy.services.subjects import subject_export_prune_expired


@shared_task
def retention_purge_task() -> dict[int, dict[str, int]]:
    return retention_purge()


@shared_task
def subject_exports_prune_task() -> int:
    return subject_export_prune_expired()
