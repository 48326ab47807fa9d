import pytest

from accounts.models import Site
from privacy.models import ChatNoticeVersion
from privacy.services.notice import chat_notice_current, chat_notice_get, chat_notice_texts

pytestmark = pytest.mark.django_db


def reload(site) -> Site:
    return Site.objects.get(pk=site.pk)


def test_it_writes_version_1_once_and_serves_it_again(site_a):
    first = chat_notice_current(site=site_a)
    again = chat_notice_current(site=reload(site_a))

    assert first.version == 1 and again.pk == first.pk
    assert ChatNoticeVersion.objects.filter(site=site_a).count() == 1
    assert set(first.texts) == {"en", "de", "cs"}


def test_the_generated_text_follows_the_settings_and_each_change_is_a_new_version(site_a):
    v1 = chat_notice_current(site=site_a)
    Site.objects.filter(pk=site_a.pk).update(retention_days=30, controller_name="Shop GmbH")

    v2 = chat_notice_current(site=reload(site_a))

    assert v2.version == 2
    assert "365 days" in v1.texts["en"] and "Site A processes" in v1.texts["en"]
    assert "Shop GmbH processes" in v2.texts["en"] and "30 days after the last message" in v2.texts["en"]
    assert "30 Tage nach der letzten Nachricht" in v2.texts["de"]
    assert "po 30 dnech od poslední zprávy" in v2.texts["cs"]
    # What visitors saw before stays as it was.
    v1.refresh_from_db()
    assert "365 days" in v1.texts["en"]


def test_it_links_the_policy_url_and_without_one_the_public_page(site_a, settings):
    settings.PUBLIC_URL = "https://chat.example"
    assert chat_notice_current(site=site_a).link == f"https://chat.example/privacy/{site_a.key}/"

    Site.objects.filter(pk=site_a.pk).update(privacy_policy_url="https://a.example/privacy")
    notice = chat_notice_current(site=reload(site_a))

    assert notice.link == "https://a.example/privacy" and notice.version == 2


def test_the_owners_own_wording_replaces_one_language_only(site_a):
    Site.objects.filter(pk=site_a.pk).update(chat_notice_de="  Eigener Hinweis.  ")

    texts = chat_notice_texts(site=reload(site_a))

    assert texts["de"] == "Eigener Hinweis."
    assert "processes your messages" in texts["en"]


def test_a_site_that_switched_it_off_gets_none(site_a):
    Site.objects.filter(pk=site_a.pk).update(chat_notice_enabled=False)

    assert chat_notice_current(site=reload(site_a)) is None


def test_a_version_can_be_neither_changed_nor_deleted(site_a):
    notice = chat_notice_current(site=site_a)
    notice.texts = {"en": "rewritten"}

    with pytest.raises(ValueError):
        notice.save()
    with pytest.raises(ValueError):
        notice.delete()


def test_get_finds_only_the_sites_own_versions(site_a, site_b):
    chat_notice_current(site=site_a)
    chat_notice_current(site=site_b)

    assert chat_notice_get(site=site_a, version=1).site_id == site_a.pk
    assert chat_notice_get(site=site_a, version=2) is None
    assert chat_notice_get(site=site_a, version="1") is None
    assert chat_notice_get(site=site_a, version=True) is None
