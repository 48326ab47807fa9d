from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Site, User


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_site_prints_the_site_key_as_its_last_line(db):
    lines = run(
        "create_site", "My shop", "--origin", "https://shop.example", "--origin", "https://www.shop.example"
    )

    site = Site.objects.get(name="My shop")
    assert lines[-1] == site.key
    assert site.origin_list == ["https://shop.example", "https://www.shop.example"]


def test_create_site_refuses_a_bad_origin(db):
    with pytest.raises(CommandError):
        run("create_site", "My shop", "--origin", "shop.example/path")
    assert not Site.objects.exists()


def test_create_agent_makes_a_member_with_the_role(site_a, client):
    run("create_agent", "--site", site_a.key, "--email", "eve@a.example", "--name", "Eve", "--role", "admin",
        "--password", "a-long-password-1")  # fmt: skip

    user = User.objects.get(email="eve@a.example")
    assert user.display_name == "Eve"
    assert Membership.objects.get(user=user, site=site_a).role == "admin"
    assert client.login(username="eve@a.example", password="a-long-password-1")


def test_create_agent_refuses_an_unknown_site(db):
    with pytest.raises(CommandError):
        run(
            "create_agent", "--site", "site_nope", "--email", "x@y.example", "--name", "X", "--password", "pw"
        )


def test_demo_setup_prints_a_working_login_and_is_repeatable(db, client):
    first = "\n".join(run("demo_setup"))
    second = "\n".join(run("demo_setup"))

    password = next(line.split()[-1] for line in second.splitlines() if "password:" in line)
    site = Site.objects.get(name="Demo shop")
    assert Site.objects.count() == 1 and User.objects.count() == 1
    assert site.key in second and "http://localhost:8000/dashboard/" in second
    assert site.origin_list == ["http://localhost:8001", "http://127.0.0.1:8001"]
    assert client.login(username="demo@example.com", password=password)
    assert first != second  # a new password each run
