import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from privacy.services.texts import LANGUAGES, site_gdpr_checklist, storage_table
from privacy.storage_inventory import CATEGORIES, STORAGE_ITEMS, widget_inventory

WIDGET_SOURCE = (Path(settings.BASE_DIR) / "static" / "widget" / "widget.js").read_text()


def test_every_item_names_purpose_and_lifetime_in_every_language():
    for item in STORAGE_ITEMS:
        assert item.category in CATEGORIES and item.kind == "localStorage"
        assert set(item.purpose) == set(LANGUAGES) == set(item.lifetime)
        assert all(text.strip() for text in [*item.purpose.values(), *item.lifetime.values()])


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_cookie_table_lists_every_item_in_its_language(language):
    table = storage_table(language=language, site_key="site_abc")

    assert [row[0] for row in table["rows"]] == [f"chatplatform.site_abc.{i.id}" for i in STORAGE_ITEMS]
    assert all(
        row[3] == item.purpose[language] for row, item in zip(table["rows"], STORAGE_ITEMS, strict=True)
    )
    assert len(table["headers"]) == 5 and table["note"]


def test_the_widget_stores_only_through_the_inventory_guard():
    # One setItem in the whole widget: inside store.set, behind allowed(). No cookies, no sessionStorage.
    assert WIDGET_SOURCE.count("localStorage.setItem(") == 1
    assert "document.cookie" not in WIDGET_SOURCE and "sessionStorage." not in WIDGET_SOURCE
    used = set(re.findall(r'store\.(?:set|get|del|getJSON)\("([a-z]+)"', WIDGET_SOURCE))
    assert used and used <= set(widget_inventory())


@pytest.mark.django_db
def test_the_served_widget_carries_the_inventory(client):
    source = client.get("/widget.js").content.decode()

    assert "/*STORAGE_INVENTORY*/" not in source
    injected = re.search(r"var INVENTORY = (\{.*?\});", source).group(1)
    assert json.loads(injected) == widget_inventory()


@pytest.mark.django_db
@pytest.mark.parametrize("language,caption", [("en", "What the live chat"), ("de", "Was der Live-Chat")])
def test_the_public_page_shows_the_cookie_table(client, site_a, language, caption):
    html = client.get(f"/privacy/{site_a.key}/?lang={language}").content.decode()

    assert caption in html
    assert f"chatplatform.{site_a.key}.token" in html and f"chatplatform.{site_a.key}.visits" in html


@pytest.mark.django_db
def test_the_checklist_says_whether_the_chat_notice_links_the_policy(site_a):
    def row():
        site_a.refresh_from_db()
        return {item: ok for item, ok, _ in site_gdpr_checklist(site=site_a)}["Chat notice linked"]

    assert row() is False
    type(site_a).objects.filter(pk=site_a.pk).update(privacy_policy_url="https://a.example/privacy")
    assert row() is True
    type(site_a).objects.filter(pk=site_a.pk).update(chat_notice_enabled=False)
    assert row() is False
