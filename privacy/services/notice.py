"""The privacy notice the widget shows before the first message, versioned per site.

A version is written the first time a text or link is served that differs
from the site's latest version, so whatever a visitor saw stays on record
exactly as it was: conversations and consent records point at it.
"""

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Site
from privacy.models import ChatNoticeVersion
from privacy.services.texts import LANGUAGES, privacy_facts


def chat_notice_link(*, site: Site) -> str:
    """The site's own privacy policy; without one, this installation's public page about the chat."""
    if site.privacy_policy_url:
        return site.privacy_policy_url
    return settings.PUBLIC_URL + reverse("privacy:public-notice", kwargs={"site_key": site.key})


def chat_notice_texts(*, site: Site) -> dict[str, str]:
    """The notice in every language: the owner's own wording where set, else the generated one."""
    facts = privacy_facts(site=site, with_sub_processors=False)  # the short notice names none
    return {
        code: (getattr(site, f"chat_notice_{code}") or "").strip() or module.chat_notice(facts)
        for code, module in LANGUAGES.items()
    }


def _content_hash(texts: dict[str, str], link: str) -> str:
    return hashlib.sha256(json.dumps([texts, link], sort_keys=True).encode()).hexdigest()


def chat_notice_current(*, site: Site) -> ChatNoticeVersion | None:
    """The version to show now (written if the text changed), or None when the site switched it off."""
    if not site.chat_notice_enabled:
        return None
    texts = chat_notice_texts(site=site)
    link = chat_notice_link(site=site)
    content_hash = _content_hash(texts, link)
    for _ in range(3):  # two processes may write the same next number; the loser reads the winner's row
        latest = ChatNoticeVersion.objects.filter(site=site).order_by("-version").first()
        if latest is not None and latest.content_hash == content_hash:
            return latest
        try:
            with transaction.atomic():
                return ChatNoticeVersion.objects.create(
                    site=site,
                    version=(latest.version + 1) if latest else 1,
                    texts=texts,
                    link=link,
                    content_hash=content_hash,
                )
        except IntegrityError:
            continue
    raise RuntimeError("Could not record the chat notice version.")


def chat_notice_get(*, site: Site, version: object) -> ChatNoticeVersion | None:
    """The site's notice with that version number; None for anything else, including other sites'."""
    if isinstance(version, bool) or not isinstance(version, int):
        return None
    return ChatNoticeVersion.objects.filter(site=site, version=version).first()
