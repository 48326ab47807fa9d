import pytest
from django.core.exceptions import ValidationError

from accounts.models import Site
from privacy.models import AuditLogEntry
from privacy.services.site_settings import site_privacy_settings_update


def test_it_stores_the_settings_and_audits_each_changed_field(site_a, alice):
    site = site_privacy_settings_update(site=site_a, actor=alice, retention_days=90, ip_handling="anonymised")

    assert (site.retention_days, site.ip_handling) == (90, "anonymised")
    stored = Site.objects.get(pk=site_a.pk)
    assert (stored.retention_days, stored.ip_handling) == (90, "anonymised")
    entry = AuditLogEntry.objects.get()
    assert entry.action == "settings" and entry.actor_label == "alice@a.example" and entry.site == site_a
    assert entry.details == {"retention_days": [365, 90], "ip_handling": ["off", "anonymised"]}


def test_it_audits_only_the_fields_that_changed(site_a, alice):
    site_privacy_settings_update(site=site_a, actor=alice, retention_days=365, ip_handling="full")

    assert AuditLogEntry.objects.get().details == {"ip_handling": ["off", "full"]}


def test_it_compares_with_the_stored_values_not_the_instance(site_a, alice):
    site_a.retention_days = 14  # as a form leaves it before saving

    site_privacy_settings_update(site=site_a, actor=alice, retention_days=14, ip_handling="off")

    assert AuditLogEntry.objects.get().details == {"retention_days": [365, 14]}


def test_no_change_writes_no_entry(site_a, alice):
    site_privacy_settings_update(site=site_a, actor=alice, retention_days=365, ip_handling="off")

    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize(
    "retention_days, ip_handling",
    [(0, "off"), (3651, "off"), (True, "off"), ("90", "off"), (90, "partial"), (90, "")],
)
def test_it_refuses_values_out_of_range(site_a, alice, retention_days, ip_handling):
    with pytest.raises(ValidationError):
        site_privacy_settings_update(
            site=site_a, actor=alice, retention_days=retention_days, ip_handling=ip_handling
        )

    stored = Site.objects.get(pk=site_a.pk)
    assert (stored.retention_days, stored.ip_handling) == (365, "off")
    assert not AuditLogEntry.objects.exists()
