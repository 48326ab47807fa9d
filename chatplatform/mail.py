"""Outgoing mail that never lands in a log: one sending function and the embedded mode's backend.

Mails about a visitor (transcripts, offline notifications) carry a tag, a keyed hash of the
visitor's public id, so that an erasure can find and delete copies this server keeps: the
embedded mode's `PrivateFileEmailBackend` writes each mail as a file readable by its owner
only (0600, in a 0700 folder), named by that tag, and logs a count, never a body, address or
subject. Production sends through EMAIL_URL (SMTP) and keeps no copy.
"""

import hashlib
import hmac
import logging
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("chatplatform.mail")

NO_TAG = "none"


def visitor_mail_tag(public_id) -> str:
    """The tag of a visitor's mails: a keyed hash of its public id, not reversible without SECRET_KEY."""
    key = f"chatplatform.mail:{settings.SECRET_KEY}".encode()
    return hmac.new(key, str(public_id).encode(), hashlib.sha256).hexdigest()[:32]


def mail_tag(public_id, conversation_id: int) -> str:
    """The tag of a mail about one conversation of a visitor (erasure and retention find it by either)."""
    return f"{visitor_mail_tag(public_id)}-c{conversation_id}"


def mail_send(
    *, subject: str, body: str, to: list[str], reply_to: list[str] | None = None, tag: str = ""
) -> None:
    """Send one plain-text mail; `tag` (mail_tag) marks a mail about a visitor."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, reply_to=reply_to)  # text only
    message.chat_tag = tag  # an attribute, not a header: nothing of it leaves this server
    message.send()


def _folder() -> Path:
    return Path(settings.EMBEDDED_MAIL_DIR)


def _delete_matching(patterns: set[str]) -> int:
    folder, deleted = _folder(), 0
    if not folder.is_dir():
        return 0
    for pattern in patterns:
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def stored_mail_delete(*, public_ids=(), conversation_ids=()) -> int:
    """Delete the copies this server keeps (embedded mode) of mails about these visitors or
    conversations; the count. Call it after the rows are gone (on_commit)."""
    patterns = {f"{visitor_mail_tag(public_id)}-*.eml" for public_id in public_ids}
    patterns |= {f"*-c{conversation_id}-*.eml" for conversation_id in conversation_ids}
    return _delete_matching(patterns)


def stored_mail_prune(*, max_age_seconds: float) -> int:
    """Delete kept copies older than `max_age_seconds` (the retention purge calls this)."""
    folder, deleted = _folder(), 0
    if not folder.is_dir():
        return 0
    cutoff = time.time() - max_age_seconds
    for path in folder.glob("*.eml"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


class PrivateFileEmailBackend(BaseEmailBackend):
    """Each mail as `<tag>-<time>-<uuid>.eml` under EMBEDDED_MAIL_DIR, owner-only; logs counts only."""

    def send_messages(self, email_messages) -> int:
        folder = _folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)
        sent = 0
        for message in email_messages:
            tag = getattr(message, "chat_tag", "") or NO_TAG
            path = folder / f"{tag}-{int(time.time())}-{uuid.uuid4().hex}.eml"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(message.message().as_bytes())
            sent += 1
        logger.info("mail kept in %s count=%d", folder, sent)
        return sent
