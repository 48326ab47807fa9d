"""Login throttling of /accounts/login/ and /admin/login/ (accounts/login_throttle.py)."""

import pytest
from django.core.cache import cache
from django.test import Client

from accounts import login_throttle
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    settings.LOGIN_LOCKOUT_SECONDS = 900


def log_in(
    client: Client, email: str, password: str, path: str = "/accounts/login/", ip: str = "198.51.100.7"
):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_it_refuses_even_the_right_password_after_too_many_failures(client, bob):
    for _ in range(2):
        response = log_in(client, bob.email, "wrong")
        assert b"Too many failed sign-ins" not in response.content
    response = log_in(client, bob.email, "wrong")
    assert response.status_code == 200
    assert b"Too many failed sign-ins for this account from your network. Wait 15 minutes" in response.content
    response = log_in(client, bob.email, PASSWORD)
    assert response.status_code == 200  # still locked: no redirect, no session
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_it_counts_per_account_and_address(client, alice, bob):
    for _ in range(3):
        log_in(client, bob.email, "wrong")
    # The same account from another address, and another account from this one, still log in.
    assert log_in(Client(), bob.email, PASSWORD, ip="203.0.113.9").status_code == 302
    assert log_in(Client(), alice.email, PASSWORD).status_code == 302


def test_it_treats_the_e_mail_case_insensitively(client, bob):
    for email in ("bob@a.example", "BOB@a.example", "Bob@A.Example"):
        log_in(client, email, "wrong")
    assert b"Too many failed sign-ins" in log_in(client, bob.email, PASSWORD).content


def test_a_successful_login_starts_the_count_again(client, bob):
    for _ in range(2):
        log_in(client, bob.email, "wrong")
    assert log_in(Client(), bob.email, PASSWORD).status_code == 302
    for _ in range(2):
        log_in(client, bob.email, "wrong")
    assert log_in(Client(), bob.email, PASSWORD).status_code == 302


def test_it_lets_the_account_in_again_after_the_lockout(client, bob, monkeypatch):
    for _ in range(3):
        log_in(client, bob.email, "wrong")
    later = login_throttle.time.time() + 901
    monkeypatch.setattr(login_throttle.time, "time", lambda: later)
    assert login_throttle.login_lockout_remaining(username=bob.email, ip="198.51.100.7") == 0


def test_it_throttles_the_admin_login_too(client, alice):
    alice.is_staff = True
    alice.save()
    for _ in range(3):
        log_in(client, alice.email, "wrong", path="/admin/login/")
    response = log_in(client, alice.email, PASSWORD, path="/admin/login/")
    assert response.status_code == 200
    assert b"Too many failed sign-ins" in response.content
    # The lockout is per account and address, whichever login page counted it.
    assert b"Too many failed sign-ins" in log_in(client, alice.email, PASSWORD).content


def test_it_stores_no_address_or_e_mail_in_the_cache(client, bob):
    log_in(client, bob.email, "wrong")
    keys = list(cache._cache.keys())  # LocMemCache in the tests
    assert keys
    assert not any("198.51.100.7" in key or "bob" in key for key in keys)
    assert all(cache._expire_info[key] is not None for key in keys)  # entries expire


def test_a_valid_non_staff_login_to_the_admin_is_no_failure(client, bob):
    for _ in range(5):
        response = log_in(client, bob.email, PASSWORD, path="/admin/login/")
        assert b"Too many failed sign-ins" not in response.content
