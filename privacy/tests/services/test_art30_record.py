import json

import pytest

from accounts.models import Site
from privacy.models import SubProcessor
from privacy.services.dpa import dpa_accept
from privacy.services.texts import art30_record


@pytest.fixture(autouse=True)
def operator_settings(settings):
    settings.PRIVACY_OPERATOR_NAME = "Example Hosting GmbH"
    settings.PRIVACY_OPERATOR_ADDRESS = "Musterstrasse 1, 20095 Hamburg"
    settings.PRIVACY_DPO_CONTACT = "dpo@hosting.example"
    settings.PRIVACY_DATA_LOCATION = "Germany (EU)"


def test_the_art30_record_follows_the_settings(site_a):
    record = art30_record(site=site_a)
    assert record["retention"]["days"] == 365 and record["controller"]["name"] is None
    assert not any("IP address" in c for c in record["data_categories"]) and record["recipients"] == []

    Site.objects.filter(pk=site_a.pk).update(retention_days=30, ip_handling="full", controller_name="Shop AG")
    SubProcessor.objects.create(
        name="Hetzner", purpose="Hosting", data_categories="all", location="Germany", transfer_mechanism="eu"
    )
    SubProcessor.objects.create(
        name="Mailgun", purpose="E-mail", data_categories="e-mail", location="USA", transfer_mechanism="scc"
    )
    site_a.refresh_from_db()
    record = art30_record(site=site_a)

    assert record["retention"]["days"] == 30 and "30 days" in record["retention"]["rule"]
    assert record["controller"]["name"] == "Shop AG"
    assert "IP address (full)" in record["data_categories"]
    assert [r["name"] for r in record["recipients"]] == ["Hetzner", "Mailgun"]
    assert [r["name"] for r in record["third_country_transfers"]] == ["Mailgun"]
    assert record["processor"] == {
        "name": "Example Hosting GmbH",
        "address": "Musterstrasse 1, 20095 Hamburg",
        "dpo_contact": "dpo@hosting.example",
        "data_location": "Germany (EU)",
    }


def test_the_art30_record_is_json_serialisable(site_a):
    assert json.loads(json.dumps(art30_record(site=site_a)))["site"]["key"] == site_a.key


def test_it_lists_the_measures_for_the_ip_handling(site_a):
    assert "IP addresses: not stored" in art30_record(site=site_a)["technical_and_organisational_measures"]
    Site.objects.filter(pk=site_a.pk).update(ip_handling="anonymised")
    site_a.refresh_from_db()
    assert (
        "IP addresses: stored anonymised only"
        in art30_record(site=site_a)["technical_and_organisational_measures"]
    )


def test_it_shows_whether_the_current_dpa_is_accepted(site_a, alice, dpa_version):
    assert art30_record(site=site_a)["dpa"] == {
        "current_version": "2026-01",
        "accepted": False,
        "accepted_at": None,
    }

    dpa_accept(site=site_a, version=dpa_version, user=alice)

    assert art30_record(site=site_a)["dpa"]["accepted"] is True


def test_the_art30_record_names_the_contact_fields_the_forms_ask_for(site_a):
    def contact_rows():
        site_a.refresh_from_db()
        return [c for c in art30_record(site=site_a)["data_categories"] if c.startswith("Contact data")]

    assert contact_rows() == []
    Site.objects.filter(pk=site_a.pk).update(prechat_phone="required")
    assert contact_rows() == ["Contact data the visitor gives in the chat's form: phone number"]
