from conversations.models import Visitor
from conversations.services import visitor_create
from privacy.services.subjects import SEARCH_LIMIT, data_subject_search
from privacy.tests.subjects_helpers import MARKERS, give_contact_data


def test_it_finds_a_visitor_by_public_id_email_phone_digits_or_part_of_the_name(visitor):
    give_contact_data(visitor)
    visitor_create(site=visitor.site)  # someone else, with no contact data

    for query in [
        str(visitor.public_id),
        MARKERS["email"].upper(),
        "+49 (151) 9988-7766",
        "49151 99887766",
        "zorblat",
    ]:
        assert data_subject_search(site=visitor.site, query=query) == [visitor], query


def test_it_does_not_match_partial_email_or_phone(visitor):
    give_contact_data(visitor)
    assert data_subject_search(site=visitor.site, query="marker.example") == []
    assert data_subject_search(site=visitor.site, query="7766") == []
    assert data_subject_search(site=visitor.site, query="   ") == []


def test_it_rejects_visitor_of_other_site(visitor, site_b):
    give_contact_data(visitor)
    assert data_subject_search(site=site_b, query=str(visitor.public_id)) == []
    assert data_subject_search(site=site_b, query=MARKERS["email"]) == []
    assert data_subject_search(site=site_b, query="Zorblat") == []


def test_it_returns_at_most_the_limit(site_a):
    for _ in range(SEARCH_LIMIT + 3):
        visitor, _token = visitor_create(site=site_a)
        Visitor.objects.filter(pk=visitor.pk).update(name="Same Name")
    assert len(data_subject_search(site=site_a, query="same name")) == SEARCH_LIMIT


def test_a_nul_character_in_the_query_is_ignored(site_a):
    from privacy.services.subjects import data_subject_search

    assert data_subject_search(site=site_a, query="\x00") == []
