import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatplatform.settings")

app = Celery("chatplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The only beat schedule. crontab.guru reads these as written.
app.conf.beat_schedule = {
    # "*/5 * * * *": forget agent sockets of daphne processes that died.
    "agent-connections-prune": {
        "task": "accounts.tasks.agent_connections_prune_task",
        "schedule": crontab(minute="*/5"),
    },
    # "17 * * * *": hourly at :17, delete what is older than each site's retention, and visitors
    # who never wrote after CHAT_SILENT_VISITOR_HOURS, so within a day (docs/privacy.md).
    "retention-purge": {
        "task": "privacy.tasks.retention_purge_task",
        "schedule": crontab(minute=17),
    },
    # "41 * * * *": hourly, delete subject exports whose one-time link expired unused.
    "subject-exports-prune": {
        "task": "privacy.tasks.subject_exports_prune_task",
        "schedule": crontab(minute=41),
    },
    # "*/5 * * * *": re-enqueue webhook deliveries that are overdue because their task was lost.
    "webhook-deliveries-requeue": {
        "task": "integrations.tasks.webhook_deliveries_requeue_task",
        "schedule": crontab(minute="*/5"),
    },
}
