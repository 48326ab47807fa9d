import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError

from accounts.models import Membership
from accounts.services import agent_create
from conftest import PASSWORD
from privacy.models import AuditLogEntry, DPAAcceptance, DPAVersion
from privacy.selectors import dpa_version_current
from privacy.services.dpa import dpa_accept


def test_the_owner_accepts_and_it_is_audited(site_a, alice, dpa_version):
    acceptance = dpa_accept(site=site_a, version=dpa_version, user=alice)

    assert (acceptance.site, acceptance.version, acceptance.accepted_by) == (site_a, dpa_version, alice)
    assert acceptance.accepted_by_label == "alice@a.example"
    entry = AuditLogEntry.objects.get(action=AuditLogEntry.Action.DPA_ACCEPT)
    assert (entry.actor, entry.site, entry.details) == (alice, site_a, {"version": "2026-01"})


def test_accepting_twice_writes_nothing_new(site_a, alice, dpa_version):
    first = dpa_accept(site=site_a, version=dpa_version, user=alice)
    assert dpa_accept(site=site_a, version=dpa_version, user=alice) == first
    assert DPAAcceptance.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="dpa_accept").count() == 1


def test_a_superuser_may_accept(site_a, django_user_model, dpa_version):
    root = django_user_model.objects.create_superuser(email="root@example.com", password=PASSWORD)
    assert dpa_accept(site=site_a, version=dpa_version, user=root).accepted_by == root


def test_it_refuses_agents_admins_and_other_sites_owners(site_a, site_b, bob, charlie, dpa_version):
    site_b_owner = agent_create(
        site=site_b, email="owner@b.example", name="B", role=Membership.Role.OWNER, password=PASSWORD
    )
    site_a_admin = agent_create(
        site=site_a, email="admin@a.example", name="A", role=Membership.Role.ADMIN, password=PASSWORD
    )
    for user in (bob, charlie, site_b_owner, site_a_admin):
        with pytest.raises(PermissionDenied):
            dpa_accept(site=site_a, version=dpa_version, user=user)
    assert not DPAAcceptance.objects.exists() and not AuditLogEntry.objects.exists()


def test_an_acceptance_cannot_be_changed_or_deleted(site_a, alice, dpa_version):
    acceptance = dpa_accept(site=site_a, version=dpa_version, user=alice)

    acceptance.accepted_by_label = "someone else"
    with pytest.raises(ValueError):
        acceptance.save()
    with pytest.raises(ValueError):
        acceptance.delete()
    assert DPAAcceptance.objects.get().accepted_by_label == "alice@a.example"


def test_an_accepted_version_cannot_be_changed_or_deleted(site_a, alice, dpa_version):
    dpa_accept(site=site_a, version=dpa_version, user=alice)

    dpa_version.text = "Something else"
    with pytest.raises(ValueError):
        dpa_version.save()
    with pytest.raises(ValueError):
        dpa_version.delete()
    with pytest.raises(ProtectedError):
        DPAVersion.objects.all().delete()
    assert DPAVersion.objects.get().text.startswith("The processor")


def test_a_version_nobody_accepted_can_still_be_edited_and_deleted(dpa_version):
    dpa_version.text = "Fixed a typo"
    dpa_version.save()
    dpa_version.delete()
    assert not DPAVersion.objects.exists()


def test_the_current_version_is_the_latest_in_force(dpa_version):
    later = DPAVersion.objects.create(version="2027-01", text="v2", effective_date=datetime.date(2027, 1, 1))

    assert dpa_version_current(today=datetime.date(2026, 12, 31)) == dpa_version
    assert dpa_version_current(today=datetime.date(2027, 1, 1)) == later
    assert dpa_version_current(today=datetime.date(2019, 1, 1)) is None
