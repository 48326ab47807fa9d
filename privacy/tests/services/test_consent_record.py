import pytest

from conversations.models import Visitor
from privacy.models import ConsentRecord
from privacy.services.consent import consent_record
from privacy.services.notice import chat_notice_current
from privacy.services.subjects import data_subject_erase, data_subject_export

pytestmark = pytest.mark.django_db


def test_it_records_categories_notice_and_time_and_only_changes(visitor):
    notice = chat_notice_current(site=visitor.site)

    first, created = consent_record(visitor=visitor, analytics=True, marketing=False, notice_version=1)
    same, created_again = consent_record(visitor=visitor, analytics=True, marketing=False, notice_version=1)
    withdrawn, _ = consent_record(visitor=visitor, analytics=False, marketing=False)

    assert created and not created_again and same.pk == first.pk
    assert (first.analytics, first.marketing, first.notice_version_id) == (True, False, notice.pk)
    assert first.created_at is not None
    assert (withdrawn.analytics, withdrawn.notice_version) == (False, None)
    assert ConsentRecord.objects.filter(visitor=visitor).count() == 2


def test_a_notice_version_of_another_site_is_not_recorded(visitor, site_b):
    chat_notice_current(site=site_b)

    record, _ = consent_record(visitor=visitor, analytics=True, marketing=True, notice_version=1)

    assert record.notice_version is None


def test_records_are_written_once(visitor):
    record, _ = consent_record(visitor=visitor, analytics=True, marketing=False)
    record.marketing = True

    with pytest.raises(ValueError):
        record.save()


def test_the_export_lists_them_and_an_erasure_removes_them(visitor, alice):
    consent_record(visitor=visitor, analytics=True, marketing=True)

    exported = data_subject_export(visitor=visitor)["consent"]
    data_subject_erase(visitor=visitor, requested_by=alice)

    assert [(c["analytics"], c["marketing"]) for c in exported] == [(True, True)]
    assert not ConsentRecord.objects.exists()
    assert not Visitor.objects.exists()


def test_the_export_holds_the_visit_context(visitor):
    from conversations.context import visitor_context_update

    visitor_context_update(
        visitor=visitor, frame={"page": {"path": "/cart", "title": "Cart"}}, user_agent="", ip=None
    )

    assert data_subject_export(visitor=visitor)["visitor"]["visit_context"]["page"]["path"] == "/cart"
