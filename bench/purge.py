"""Retention purge figure: how long `retention_purge` takes to delete N expired messages.

Run by `make bench` (`--purge-messages`, 0 skips it), or alone:
`python -m bench.purge --messages 100000`. Alone, it builds a scratch SQLite
database (or uses DATABASE_URL). The expired data, in one site of its own,
is 20 messages per closed conversation, one conversation per visitor, all
400 days old with the default 365-day retention; it is inserted with raw
`executemany` so that building it takes a fraction of the purge time.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MESSAGES_PER_CONVERSATION = 20
CHUNK = 10_000


def setup_scratch_django() -> None:
    """Point Django at a migrated scratch database, unless the caller set Django up already."""
    if "DJANGO_SETTINGS_MODULE" in os.environ and "django.apps" in sys.modules:
        from django.apps import apps

        if apps.ready:
            return
    scratch = tempfile.mkdtemp(prefix="chatbench-purge-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatplatform.settings",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "EMAIL_URL": "dummymail://",
        "CHAT_ENV_FILE": os.devnull,
        "DEBUG": "0",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3",
        "VAR_DIR": scratch,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _insert(cursor, table: str, columns: list[str], rows) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def build_expired(messages: int):
    """One site with `messages` expired messages; returns the site."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.services import site_create
    from conversations.models import Conversation, Message, Visitor

    site = site_create(name=f"Purge bench {uuid.uuid4().hex[:6]}", origins=["http://purge.localhost"])
    old = timezone.now() - timedelta(days=site.retention_days + 35)
    old_raw = connection.ops.adapt_datetimefield_value(old)
    conversations = -(-messages // MESSAGES_PER_CONVERSATION)
    with transaction.atomic():
        Visitor.objects.bulk_create(
            (
                Visitor(site=site, token_hash=uuid.uuid4().hex + uuid.uuid4().hex)
                for _ in range(conversations)
            ),
            batch_size=2000,
        )
        Visitor.objects.filter(site=site).update(created_at=old, last_seen_at=old)
        visitor_ids = list(Visitor.objects.filter(site=site).values_list("pk", flat=True))
        Conversation.objects.bulk_create(
            (
                Conversation(site=site, visitor_id=v, status="closed", last_seq=MESSAGES_PER_CONVERSATION)
                for v in visitor_ids
            ),
            batch_size=2000,
        )
        Conversation.objects.filter(site=site).update(created_at=old, last_message_at=old, closed_at=old)
        conversation_ids = list(Conversation.objects.filter(site=site).values_list("pk", flat=True))

    def rows():
        left = messages
        for conversation_id in conversation_ids:
            for seq in range(1, min(MESSAGES_PER_CONVERSATION, left) + 1):
                yield (conversation_id, seq, "visitor", f"expired message {seq}", old_raw)
            left -= MESSAGES_PER_CONVERSATION

    columns = ["conversation_id", "seq", "author_type", "body", "created_at"]
    batch: list[tuple] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows():
            batch.append(row)
            if len(batch) == CHUNK:
                _insert(cursor, Message._meta.db_table, columns, batch)
                batch = []
        if batch:
            _insert(cursor, Message._meta.db_table, columns, batch)
    return site


def run(messages: int = 1_000_000) -> None:
    """Build `messages` expired messages, purge them, print the time the purge took."""
    setup_scratch_django()
    from django.conf import settings

    from privacy.services.retention import retention_purge

    started = time.perf_counter()
    site = build_expired(messages)
    built = time.perf_counter() - started
    started = time.perf_counter()
    counts = retention_purge()[site.pk]
    elapsed = time.perf_counter() - started
    assert counts["messages"] == messages, counts
    print(
        f"retention purge: {counts['messages']} messages in {elapsed:.1f} s "
        f"({counts['conversations']} conversations, {counts['visitors']} visitors, "
        f"batches of {settings.PRIVACY_PURGE_BATCH_SIZE}; building them took {built:.1f} s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    run(parser.parse_args().messages)
