"""The agent's account page, password reset, and every password change ending the other logins."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.tests.test_agent_photo import png
from conftest import PASSWORD
from conversations.events import agent_group

NEW_PASSWORD = "a brand new passphrase 42"
ENDED = {"type": "session.ended", "reason": "password_changed", "session": None}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_logins(bob):
    return logged_in(bob), logged_in(bob)


def test_the_account_page_saves_name_photo_and_language(bob, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = logged_in(bob)
    assert client.get("/dashboard/account/").status_code == 200
    photo = SimpleUploadedFile("me.png", png(), content_type="image/png")

    response = client.post(
        "/dashboard/account/", {"form": "profile", "display_name": "Bobby", "language": "de", "photo": photo}
    )

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    bob.refresh_from_db()
    assert bob.display_name == "Bobby" and bob.language == "de" and bob.photo.name.startswith("agents/")
    page = client.get("/dashboard/account/").content.decode()
    assert 'lang="de"' in page and "Ihr Konto" in page


def test_the_language_of_the_account_follows_it_to_a_new_login(bob, settings):
    bob.language = "cs"
    bob.save(update_fields=["language"])

    response = Client().post("/accounts/login/", {"username": bob.email, "password": PASSWORD})

    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cs"


def test_a_password_change_on_the_account_page_keeps_this_login_and_ends_the_others(
    bob, two_logins, capture_send_event_calls, django_capture_on_commit_callbacks
):
    mine, stolen = two_logins
    fields = {"form": "password", "old_password": PASSWORD, "new_password1": NEW_PASSWORD}

    with django_capture_on_commit_callbacks(execute=True):
        response = mine.post("/dashboard/account/", {**fields, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert mine.get("/dashboard/").status_code == 200
    assert stolen.get("/dashboard/").status_code == 302
    assert (agent_group(bob.pk), ENDED) in capture_send_event_calls


def test_a_wrong_old_password_changes_nothing(bob, two_logins):
    mine, stolen = two_logins
    fields = {"form": "password", "old_password": "nope", "new_password1": NEW_PASSWORD}
    response = mine.post("/dashboard/account/", {**fields, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200 and stolen.get("/dashboard/").status_code == 200


def test_the_admins_own_password_page_ends_the_other_logins(
    alice, capture_send_event_calls, django_capture_on_commit_callbacks
):
    mine, other = logged_in(alice), logged_in(alice)
    fields = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    with django_capture_on_commit_callbacks(execute=True):
        response = mine.post("/admin/password_change/", fields)

    assert response.status_code == 302
    assert mine.get("/admin/").status_code == 200 and other.get("/admin/").status_code == 302
    assert (agent_group(alice.pk), ENDED) in capture_send_event_calls


def test_the_operator_setting_a_users_password_ends_its_logins(
    bob, django_user_model, capture_send_event_calls, django_capture_on_commit_callbacks
):
    operator = logged_in(django_user_model.objects.create_superuser(email="ops@example.com", password="x"))
    bobs = logged_in(bob)
    fields = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(f"/admin/accounts/user/{bob.pk}/password/", fields)

    assert response.status_code == 302
    assert bobs.get("/dashboard/").status_code == 302
    assert (agent_group(bob.pk), ENDED) in capture_send_event_calls


def test_a_password_reset_by_e_mail_ends_every_other_login_and_works_once(
    bob, settings, capture_send_event_calls, django_capture_on_commit_callbacks
):
    settings.PUBLIC_URL = "https://chat.example.com"
    stolen = logged_in(bob)
    assert Client().post("/accounts/password-reset/", {"email": bob.email}).status_code == 302
    (message,) = mail.outbox
    link = re.search(r"https://chat\.example\.com(/accounts/reset/\S+/)", message.body).group(1)
    client = Client()
    form = client.get(link, follow=True)
    assert b'name="new_password1"' in form.content

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )

    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200  # signed in
    assert stolen.get("/dashboard/").status_code == 302
    assert (agent_group(bob.pk), ENDED) in capture_send_event_calls
    assert b'name="new_password1"' not in Client().get(link, follow=True).content


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(db):
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_the_login_page_links_the_password_reset(client, db):
    assert b'href="/accounts/password-reset/"' in client.get("/accounts/login/").content
