import pytest

from privacy.models import AuditLogEntry
from privacy.services.audit import audit_record, subject_ref_for


def test_an_entry_names_the_actor_and_a_keyed_hash_of_the_subject(visitor, alice):
    entry = audit_record(
        action="export",
        actor=alice,
        site=visitor.site,
        subject_ref=subject_ref_for(visitor),
        details={"messages": 3},
    )

    assert entry.actor_label == "alice@a.example"
    assert len(entry.subject_ref) == 64 and str(visitor.public_id) not in entry.subject_ref
    assert subject_ref_for(visitor) == entry.subject_ref


def test_entries_cannot_be_changed_or_deleted(site_a):
    entry = audit_record(action="purge", site=site_a, details={"messages": 1})
    assert entry.actor_label == "system"
    entry.details = {"messages": 0}
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert AuditLogEntry.objects.get().details == {"messages": 1}
