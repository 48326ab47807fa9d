"""Hypothesis fuzzing of the login form and the DPO forms through the test client: never a 500."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a browser can send: any text except lone surrogates, which cannot be encoded.
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["", " ", "\x00", "a" * 5000, "<script>alert(1)</script>", "{{7*7}}", "\u202eexe.txt", "-1", "1e309"]
)
value = text | st.lists(text, min_size=2, max_size=3)


def fields(*names: str) -> st.SearchStrategy:
    known = {name: value for name in names}
    extra = st.dictionaries(st.text(min_size=1, max_size=10, alphabet="abcdefgh_-"), value, max_size=2)
    return st.builds(lambda k, e: {**e, **k}, st.fixed_dictionaries({}, optional=known), extra)


@pytest.fixture
def dpo(alice, visitor):
    client = Client()
    client.force_login(alice)
    return client, f"/privacy/dpo/subject/{visitor.public_id}"


def test_the_login_form_never_fails(bob):
    @FUZZ
    @given(data=fields("username", "password", "next"))
    def run(data):
        for path in ("/accounts/login/", "/admin/login/"):
            assert Client().post(path, data).status_code in (200, 302)

    run()


def test_the_dpo_search_never_fails(dpo):
    client, _ = dpo

    @FUZZ
    @given(params=fields("q", "site"))
    def run(params):
        assert client.get("/privacy/dpo/", params).status_code in (200, 403, 404)

    run()


@pytest.mark.parametrize(
    "action, names",
    [
        ("request", ("kind", "note", "request")),
        ("rectify", ("name", "email", "phone", "request")),
        ("restrict", ("restricted", "request")),
        ("erase", ("confirm", "request")),
    ],
)
def test_the_dpo_subject_forms_never_fail(dpo, action, names):
    client, base = dpo

    @FUZZ
    @given(data=fields(*names).filter(lambda d: d.get("confirm") != "ERASE"))
    def run(data):
        response = client.post(f"{base}/{action}/", data)
        assert response.status_code in (200, 302, 400), response.status_code

    run()
