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


def logins(output: str) -> dict[str, tuple[str, str]]:
    """{"agent": (email, password), "owner": ..., "operator": ...} from demo_setup's output."""
    found = {}
    for line in output.splitlines():
        words = line.split()
        if words and words[0].rstrip(":") in ("agent", "owner", "operator"):
            found[words[0].rstrip(":")] = (words[1], words[2])
    return found


def test_demo_setup_prints_an_agent_an_owner_and_an_operator_login_and_is_repeatable(db, client):
    first = logins("\n".join(run("demo_setup")))
    second_output = "\n".join(run("demo_setup"))
    second = logins(second_output)

    site = Site.objects.get(name="Demo shop")
    assert Site.objects.count() == 1 and User.objects.count() == 3
    assert site.key in second_output and "http://localhost:8000/dashboard/" in second_output
    assert site.origin_list == ["http://localhost:8001", "http://127.0.0.1:8001"]
    assert set(second) == {"agent", "owner", "operator"}
    assert all(first[role][1] != second[role][1] for role in second)  # new passwords each run
    for role, (email, password) in second.items():
        assert client.login(username=email, password=password), role
        client.logout()
    owner = User.objects.get(email=second["owner"][0])
    assert not owner.is_superuser and not owner.is_staff
    assert Membership.objects.get(user=owner, site=site).role == "owner"
    agent = User.objects.get(email=second["agent"][0])
    assert not agent.is_superuser and Membership.objects.get(user=agent, site=site).role == "agent"
    assert User.objects.get(email=second["operator"][0]).is_superuser


def test_the_demo_owner_reaches_the_admin_and_the_demo_agent_does_not(db, client):
    demo = logins("\n".join(run("demo_setup")))

    client.login(username=demo["owner"][0], password=demo["owner"][1])
    assert client.get("/admin/accounts/site/").status_code == 200
    client.logout()
    client.login(username=demo["agent"][0], password=demo["agent"][1])
    assert client.get("/admin/accounts/site/").status_code == 302  # to the admin login


def test_create_agent_refuses_a_password_the_validators_refuse_and_says_why(site_a):
    with pytest.raises(CommandError, match="too short"):
        run("create_agent", "--site", site_a.key, "--email", "eve@a.example", "--name", "Eve",
            "--password", "pw")  # fmt: skip
    with pytest.raises(CommandError, match="too common"):
        run("create_agent", "--site", site_a.key, "--email", "eve@a.example", "--name", "Eve",
            "--password", "password123")  # fmt: skip
    assert not User.objects.filter(email="eve@a.example").exists()


def test_create_site_prints_the_snippet_with_the_public_url(db, settings):
    settings.PUBLIC_URL = "https://chat.example.com"

    lines = run("create_site", "My shop", "--origin", "https://shop.example")

    site = Site.objects.get(name="My shop")
    assert (
        f'<script src="https://chat.example.com/widget.js" data-site-key="{site.key}" async></script>'
        in lines
    )
    assert not any("..." in line for line in lines)
