from conversations.models import Visitor
from conversations.services import visitor_create, visitor_session_start


def test_it_stores_the_address_as_the_site_allows(site_a):
    site_a.ip_handling = "anonymised"

    visitor, _ = visitor_create(site=site_a, ip="198.51.100.23")

    assert Visitor.objects.get(pk=visitor.pk).ip_address == "198.51.100.0"


def test_it_stores_no_address_by_default(site_a):
    visitor, _ = visitor_create(site=site_a, ip="198.51.100.23")

    assert Visitor.objects.get(pk=visitor.pk).ip_address is None


def test_a_new_session_passes_the_address_on(site_a):
    site_a.ip_handling = "full"

    visitor, token, conversation = visitor_session_start(site=site_a, token=None, ip="2001:db8::7")

    assert token and conversation is None
    assert Visitor.objects.get(pk=visitor.pk).ip_address == "2001:db8::7"
