import pytest

from conversations.context import country_of, describe_user_agent, visitor_context_update
from conversations.models import Visitor
from conversations.services import ChatError
from privacy.services.consent import consent_record

pytestmark = pytest.mark.django_db

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
FRAME = {
    "page": {"path": "/shoes?email=jo@example.org#top", "title": "  Shoes \n sale "},
    "pages": [{"p": "/", "t": 1764200000000, "d": 12}, {"p": "/shoes", "t": 1764200012000, "d": 0}],
    "referrer": "https://www.google.com/search?q=jo+private",
    "screen": "1920x1080",
}


def test_without_analytics_consent_only_the_functional_part_is_kept(
    visitor, capture_send_event_calls, django_capture_on_commit_callbacks
):
    calls = capture_send_event_calls
    with django_capture_on_commit_callbacks(execute=True):
        context = visitor_context_update(visitor=visitor, frame=FRAME, user_agent=CHROME, ip="8.8.8.8")

    assert context["page"] == {"path": "/shoes", "title": "Shoes sale"}  # no query string, one line
    assert (context["browser"], context["os"], context["device"]) == ("Chrome 131", "Windows 10", "desktop")
    assert not {"pages", "referrer", "screen", "country"} & set(context)
    assert Visitor.objects.get(pk=visitor.pk).context == context
    assert calls[0][0] == f"site-{visitor.site_id}-agents" and calls[0][1]["type"] == "visitor.updated"


def test_with_analytics_consent_pages_referrer_host_screen_and_country_are_kept(visitor):
    consent_record(visitor=visitor, analytics=True, marketing=False)

    context = visitor_context_update(visitor=visitor, frame=FRAME, user_agent=IPHONE, ip="8.8.8.8")

    assert [p["path"] for p in context["pages"]] == ["/", "/shoes"]
    assert context["referrer"] == "www.google.com"  # the host only, never the search terms
    assert (context["screen"], context["country"], context["device"]) == ("1920x1080", "US", "mobile")
    assert "8.8.8.8" not in str(Visitor.objects.get(pk=visitor.pk).context)


def test_withdrawn_consent_drops_the_analytics_part_at_the_next_page(visitor):
    consent_record(visitor=visitor, analytics=True, marketing=False)
    visitor_context_update(visitor=visitor, frame=FRAME, user_agent=CHROME, ip=None)
    consent_record(visitor=visitor, analytics=False, marketing=False)

    context = visitor_context_update(visitor=visitor, frame=FRAME, user_agent=CHROME, ip=None)

    assert "pages" not in context and "pages" not in Visitor.objects.get(pk=visitor.pk).context


@pytest.mark.parametrize(
    "frame",
    [{}, {"page": "/x"}, {"page": {"path": "https://evil.example/"}}, {"page": {"path": 5}}],
)
def test_a_malformed_context_is_refused(visitor, frame):
    with pytest.raises(ChatError) as exc:
        visitor_context_update(visitor=visitor, frame=frame, user_agent="", ip=None)
    assert exc.value.code == "invalid_field"


def test_country_lookup_never_fails_and_ignores_private_addresses():
    assert country_of("127.0.0.1") == "" and country_of("10.1.2.3") == "" and country_of("nonsense") == ""
    assert country_of(None) == ""


def test_an_empty_user_agent_is_described_without_error():
    assert describe_user_agent("")["device"] == "desktop"
