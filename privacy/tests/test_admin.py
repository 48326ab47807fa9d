import pytest

from privacy.services.audit import audit_record


@pytest.fixture
def operator(django_user_model, db):
    return django_user_model.objects.create_superuser(email="ops@example.com", password="x-very-long-pass")


def test_the_audit_log_is_listed_and_read_only(client, operator, site_a):
    entry = audit_record(action="purge", site=site_a, details={"messages": 12})
    client.force_login(operator)

    listing = client.get("/admin/privacy/auditlogentry/?action=purge")
    assert listing.status_code == 200
    assert b"Retention purge" in listing.content and b"system" in listing.content
    page = client.get(f"/admin/privacy/auditlogentry/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="action"' not in page.content
    assert client.get("/admin/privacy/auditlogentry/add/").status_code == 403
    assert client.get(f"/admin/privacy/auditlogentry/{entry.pk}/delete/").status_code == 403
    assert client.post(f"/admin/privacy/auditlogentry/{entry.pk}/change/", {}).status_code == 403
