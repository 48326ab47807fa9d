"""Data-subject figures: search, export and erase one visitor among N messages.

Run by `make bench` after the purge figure (`--subject-messages`, 0 skips), or
alone: `python -m bench.subject --messages 100000`. The haystack is built with
bench/purge.py's fast inserts (20 messages a visitor); the subject is one more
visitor of the same site with contact data and 50 messages.
"""

import argparse
import time
import uuid

from bench.purge import build_expired, setup_scratch_django

SUBJECT_MESSAGES = 50


def run(messages: int = 1_000_000) -> None:
    setup_scratch_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from conversations.services import message_post_by_visitor, visitor_create
    from privacy.services.subjects import (
        data_subject_erase,
        data_subject_search,
        subject_export_create,
    )

    site = build_expired(messages)
    email = f"subject-{uuid.uuid4().hex[:8]}@bench.example"
    with transaction.atomic():
        visitor, _ = visitor_create(site=site)
        visitor.email, visitor.name = email, "Bench Subject"
        visitor.save(update_fields=["email", "name"])
        for i in range(SUBJECT_MESSAGES):
            message_post_by_visitor(visitor=visitor, client_id=f"s{i}", body=f"subject message {i}")
    dpo = get_user_model().objects.create_superuser(email=f"dpo-{uuid.uuid4().hex[:8]}@bench.example")

    timings = {}
    started = time.perf_counter()
    found = data_subject_search(site=site, query=email)
    timings["search"] = time.perf_counter() - started
    assert [v.pk for v in found] == [visitor.pk]
    started = time.perf_counter()
    subject_export_create(visitor=visitor, requested_by=dpo)
    timings["export"] = time.perf_counter() - started
    started = time.perf_counter()
    counts = data_subject_erase(visitor=visitor, requested_by=dpo)
    timings["erase"] = time.perf_counter() - started
    assert counts["messages"] == SUBJECT_MESSAGES, counts
    print(
        f"data subject among {messages} messages: search {timings['search'] * 1000:.1f} ms, "
        f"export (ZIP) {timings['export'] * 1000:.1f} ms, erase {timings['erase'] * 1000:.1f} ms "
        f"({SUBJECT_MESSAGES} messages of the subject)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    run(parser.parse_args().messages)
