import pytest

from accounts.models import Site
from conversations.contact import contact_missing, visitor_contact_give
from conversations.models import Visitor
from conversations.services import ChatError, message_post_by_visitor

pytestmark = pytest.mark.django_db


def ask(site, **fields) -> Site:
    Site.objects.filter(pk=site.pk).update(**{f"prechat_{k}": v for k, v in fields.items()})
    site.refresh_from_db()
    return site


def test_it_stores_only_the_fields_the_site_asks_for(
    visitor, capture_send_event_calls, django_capture_on_commit_callbacks
):
    ask(visitor.site, name="optional", email="required")

    calls = capture_send_event_calls
    with django_capture_on_commit_callbacks(execute=True):
        visitor_contact_give(
            visitor=visitor, values={"name": " Jo ", "email": "Jo@Example.org", "phone": "+1 555"}
        )

    stored = Visitor.objects.get(pk=visitor.pk)
    assert (stored.name, stored.email, stored.phone) == ("Jo", "jo@example.org", "")
    assert [group for group, _ in calls] == [f"site-{visitor.site_id}-agents"]
    assert calls[0][1]["visitor"]["email"] == "jo@example.org"


def test_a_missing_required_field_is_refused(visitor):
    ask(visitor.site, email="required")

    with pytest.raises(ChatError) as exc:
        visitor_contact_give(visitor=visitor, values={"email": "  "})

    assert exc.value.code == "contact_required"
    assert contact_missing(site=visitor.site, visitor=visitor) == ["email"]


@pytest.mark.parametrize(
    "values",
    [
        {"email": "not-an-address"},
        {"email": "jo@example.org\r\nBcc: all@example.org"},
        {"name": "Jo\nBcc: x@example.org", "email": "jo@example.org"},
        {"phone": "call me maybe", "email": "jo@example.org"},
        {"name": "x" * 201, "email": "jo@example.org"},
        {"name": 42, "email": "jo@example.org"},
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(visitor, values):
    ask(visitor.site, name="optional", email="required", phone="optional")

    with pytest.raises(ChatError) as exc:
        visitor_contact_give(visitor=visitor, values=values)

    assert exc.value.code == "invalid_field"
    assert Visitor.objects.filter(pk=visitor.pk, name="", email="", phone="").exists()


def test_the_offline_form_always_takes_an_email(visitor):
    with pytest.raises(ChatError):
        visitor_contact_give(visitor=visitor, values={}, offline=True)

    visitor_contact_give(visitor=visitor, values={"email": "jo@example.org"}, offline=True)

    assert Visitor.objects.get(pk=visitor.pk).email == "jo@example.org"


def test_a_restricted_visitor_gives_nothing(visitor):
    ask(visitor.site, email="optional")
    Visitor.objects.filter(pk=visitor.pk).update(processing_restricted=True)

    with pytest.raises(ChatError) as exc:
        visitor_contact_give(visitor=visitor, values={"email": "jo@example.org"})

    assert exc.value.code == "processing_restricted"


def test_messages_wait_for_the_required_contact_data(visitor):
    ask(visitor.site, email="required")

    with pytest.raises(ChatError) as exc:
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    visitor_contact_give(visitor=visitor, values={"email": "jo@example.org"})
    message, created = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    assert exc.value.code == "contact_required" and created
