import pytest

from accounts.models import Site
from privacy.models import SubProcessor
from privacy.services.dpa import dpa_accept
from privacy.services.texts import site_gdpr_checklist


def checklist(site) -> dict[str, tuple[bool, str]]:
    site.refresh_from_db()
    return {item: (ok, detail) for item, ok, detail in site_gdpr_checklist(site=site)}


@pytest.fixture(autouse=True)
def no_dpo(settings):
    settings.PRIVACY_DPO_CONTACT = ""


def test_a_fresh_site_shows_what_is_missing(site_a):
    rows = checklist(site_a)

    assert rows["DPA accepted"] == (False, "no DPA version published yet")
    assert rows["Privacy policy URL"] == (False, "not set")
    assert rows["Controller named"] == (False, "not set")
    assert rows["Retention"] == (True, "365 days")
    assert rows["IP handling"] == (True, "Off: never stored")
    assert rows["Sub-processors listed"] == (False, "0 active")
    assert rows["DPO contact"] == (False, "PRIVACY_DPO_CONTACT not set")


def test_a_configured_site_passes_every_item(site_a, alice, dpa_version, settings):
    settings.PRIVACY_DPO_CONTACT = "dpo@example.com"
    Site.objects.filter(pk=site_a.pk).update(
        privacy_policy_url="https://a.example/privacy", controller_name="A GmbH", retention_days=90
    )
    SubProcessor.objects.create(name="Hetzner", purpose="Hosting", data_categories="all", location="DE")
    dpa_accept(site=site_a, version=dpa_version, user=alice)

    rows = checklist(site_a)

    assert all(ok for ok, _ in rows.values())
    assert rows["DPA accepted"][1].startswith("version 2026-01, accepted ")
    assert rows["Retention"] == (True, "90 days") and rows["Sub-processors listed"] == (True, "1 active")
    assert rows["DPO contact"] == (True, "dpo@example.com")


def test_it_flags_an_unaccepted_version_and_full_ip_addresses(site_a, dpa_version):
    Site.objects.filter(pk=site_a.pk).update(ip_handling="full")

    rows = checklist(site_a)

    assert rows["DPA accepted"][0] is False and "2026-01 not accepted" in rows["DPA accepted"][1]
    assert rows["IP handling"] == (False, "Full address")


def test_anonymised_ip_addresses_pass(site_a):
    Site.objects.filter(pk=site_a.pk).update(ip_handling="anonymised")
    assert checklist(site_a)["IP handling"][0] is True
