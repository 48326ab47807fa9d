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
}
