"""The admin's tenancy matrix: every registered ModelAdmin and every admin URL, as every role.

Roles: the operator (superuser), owner, admin and agent of site A, owner of site B, anonymous.
Every registered model gets one object of site A and one of site B (`WORLD`); B's objects carry
the marker `ZZBQX` wherever they have text. For each model and role the test requests the
changelist, add, change, delete and history pages (GET, and POST against B's object), every
action and every autocomplete field, and checks that the role gets exactly what `EXPECTED`
(the table of docs/security.md) allows and never a byte of B: no marker in any page, a 404 for
any of B's ids, and no row of B changed, however the request is made.

A new ModelAdmin that is not a TenantModelAdmin or OperatorOnlyAdmin fails
`test_every_registered_admin_is_scoped_and_in_the_table`; one without an entry in `EXPECTED`
and `WORLD` fails too, and a new admin URL pattern fails `test_every_admin_url_pattern_is_covered`.
"""

import uuid
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.admin_tenancy import OperatorOnlyAdmin, TenantModelAdmin, TenantReadOnlyInline
from accounts.models import Membership, Site, User
from accounts.services import agent_create, site_create
from conversations.models import CannedResponse, Conversation, Visitor
from conversations.services import message_post_by_visitor, visitor_create
from integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint
from integrations.services import api_token_create, webhook_endpoint_create
from privacy.models import (
    AuditLogEntry,
    DataSubjectRequest,
    DPAAcceptance,
    DPAVersion,
    SubjectExport,
    SubProcessor,
)
from privacy.services.audit import audit_record
from privacy.services.dpa import dpa_accept
from privacy.services.subjects import subject_request_create

PASSWORD = "correct horse battery staple"
MARK = "ZZBQX"  # five letters: no random token in a page holds them by chance

ROLES = ["operator", "owner_a", "admin_a", "agent_a", "owner_b", "anonymous"]
ALL = {"view", "add", "change", "delete"}
VIEW = {"view"}

# What owners and admins of site A may do with site A's objects (docs/security.md, "Roles").
# The operator may do whatever the admin itself allows anyone; agents and anonymous nothing.
EXPECTED = {
    Site: {"owner": {"view", "change", "delete"}, "admin": {"view", "change"}},
    User: {"owner": VIEW, "admin": VIEW},
    Membership: {"owner": ALL, "admin": {"view", "add", "delete"}},  # admins remove agents only
    Conversation: {"owner": VIEW, "admin": VIEW},
    Visitor: {"owner": VIEW, "admin": VIEW},
    CannedResponse: {"owner": ALL, "admin": ALL},
    ApiToken: {"owner": {"view", "add"}, "admin": {"view", "add"}},
    WebhookEndpoint: {"owner": ALL, "admin": ALL},
    WebhookDelivery: {"owner": VIEW, "admin": VIEW},
    AuditLogEntry: {"owner": VIEW, "admin": VIEW},
    DataSubjectRequest: {"owner": VIEW, "admin": VIEW},
    SubjectExport: {"owner": VIEW, "admin": VIEW},
    DPAAcceptance: {"owner": VIEW, "admin": VIEW},
    DPAVersion: {},
    SubProcessor: {},
    Group: {},
}
GLOBAL_MODELS = {DPAVersion, SubProcessor, Group}

# Every URL a ModelAdmin may have; a pattern not listed here must be added to the matrix first.
KNOWN_MODEL_URLS = {"changelist", "add", "history", "delete", "change", "password_change", "autocomplete"}


def _site_objects(site: Site, tag: str, member: User, version: DPAVersion) -> dict:
    """One object of every site-scoped model, for `site`; text fields carry `tag`."""
    visitor, _token = visitor_create(site=site)
    Visitor.objects.filter(pk=visitor.pk).update(name=f"{tag} Visitor", email=f"{tag.lower()}-v@example.org")
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body=f"{tag} secret message")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    canned = CannedResponse.objects.create(site=site, shortcut=f"{tag.lower()}hi", text=f"{tag} canned text")
    token, _clear = api_token_create(site=site, name=f"{tag} token", created_by=None)
    endpoint, _secret = webhook_endpoint_create(
        site=site, url=f"https://{tag.lower()}.example/hook", events=["message.created"], active=True
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="message.created", object_id=message.pk
    )
    audit = audit_record(action=AuditLogEntry.Action.SETTINGS, site=site, details={"tag": tag})
    request = subject_request_create(site=site, visitor=visitor, kind="access", handled_by=None)
    DataSubjectRequest.objects.filter(pk=request.pk).update(note=f"{tag} request note")
    export = SubjectExport.objects.create(
        site=site,
        subject_ref=f"{tag}ref",
        requested_by=member,
        file_name=f"{tag}-{uuid.uuid4().hex}.zip",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    owner = Membership.objects.filter(site=site, role=Membership.Role.OWNER).first().user
    acceptance = dpa_accept(site=site, version=version, user=owner)
    return {
        Site: site,
        User: member,
        Membership: Membership.objects.get(user=member, site=site),
        Conversation: conversation,
        Visitor: visitor,
        CannedResponse: canned,
        ApiToken: token,
        WebhookEndpoint: endpoint,
        WebhookDelivery: delivery,
        AuditLogEntry: audit,
        DataSubjectRequest: request,
        SubjectExport: export,
        DPAAcceptance: acceptance,
    }


@pytest.fixture
def world(db, settings, tmp_path):
    """Sites A and B with every kind of object, the actors, and logged-in clients per role."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # no DNS here; the URL check is not under test
    settings.PRIVACY_EXPORT_ROOT = tmp_path
    site_a = site_create(name="Alpha shop", origins=["https://a.example"])
    site_b = site_create(name=f"{MARK} Bravo shop", origins=["https://zzbqx.example"])
    users = {
        "operator": User.objects.create_superuser(email="ops@example.com", password=PASSWORD),
        "owner_a": agent_create(
            site=site_a, email="owner@a.example", name="Ada", role="owner", password=PASSWORD
        ),
        "admin_a": agent_create(
            site=site_a, email="admin@a.example", name="Abe", role="admin", password=PASSWORD
        ),
        "agent_a": agent_create(
            site=site_a, email="agent@a.example", name="Ann", role="agent", password=PASSWORD
        ),
        "owner_b": agent_create(
            site=site_b, email="zzbqx-owner@b.example", name=f"{MARK} Owner", role="owner", password=PASSWORD
        ),
    }
    member_b = agent_create(
        site=site_b, email="zzbqx-agent@b.example", name=f"{MARK} Agent", role="agent", password=PASSWORD
    )
    # What an operator might tick by hand must not widen anyone's reach.
    for role in ("owner_a", "admin_a", "agent_a", "owner_b"):
        user = users[role]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.set(Permission.objects.all())
    version = DPAVersion.objects.create(version="2026-01", effective_date=timezone.now().date(), text="DPA")
    objects = {
        "A": _site_objects(site_a, "Alpha", users["agent_a"], version),
        "B": _site_objects(site_b, MARK, member_b, version),
    }
    globals_ = {
        DPAVersion: version,
        SubProcessor: SubProcessor.objects.create(
            name="Hosting GmbH", purpose="Hosting", data_categories="all", location="Germany"
        ),
        Group: Group.objects.create(name="Operators"),
    }
    for tag in "AB":
        objects[tag].update(globals_)
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return {"sites": {"A": site_a, "B": site_b}, "users": users, "objects": objects, "clients": clients}


def _kind(role: str) -> str:
    return role.removesuffix("_a")


def allowed(model, role: str, op: str, obj=None) -> bool:
    """May `role` do `op` on site A's object `obj` of `model` (B's for owner_b is never asked)."""
    if role == "operator":
        model_admin = admin.site._registry[model]
        request = _operator_request()
        checks = {
            "view": lambda: model_admin.has_view_permission(request, obj),
            "add": lambda: model_admin.has_add_permission(request),
            "change": lambda: model_admin.has_change_permission(request, obj),
            "delete": lambda: model_admin.has_delete_permission(request, obj),
        }
        return checks[op]()
    if role not in ("owner_a", "admin_a"):
        return False
    return op in EXPECTED[model].get(_kind(role), set())


def _operator_request():
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(email="ops@example.com")
    return request


def admin_name(model, page: str) -> str:
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"


def admin_urls(model, obj) -> dict[str, str]:
    return {
        "changelist": reverse(admin_name(model, "changelist")),
        "add": reverse(admin_name(model, "add")),
        "change": reverse(admin_name(model, "change"), args=[obj.pk]),
        "delete": reverse(admin_name(model, "delete"), args=[obj.pk]),
        "history": reverse(admin_name(model, "history"), args=[obj.pk]),
    }


def snapshot(world) -> dict:
    """Every row of site B, field by field, to prove that nothing of B changed."""
    rows = {}
    for model, obj in world["objects"]["B"].items():
        if model in GLOBAL_MODELS:
            continue
        fresh = model._default_manager.filter(pk=obj.pk).first()
        rows[model.__name__] = model_to_dict(fresh) if fresh is not None else None
    rows["memberships"] = sorted(
        Membership.objects.filter(site=world["sites"]["B"]).values_list("user__email", "role")
    )
    rows["superusers"] = sorted(User.objects.filter(is_superuser=True).values_list("email", flat=True))
    return rows


def assert_no_marker(response, where: str) -> None:
    body = response.content.decode(errors="replace")
    assert MARK not in body and MARK.lower() not in body, f"{where}: site B's data leaked"


def assert_refused(response, where: str) -> None:
    """A refusal that tells nothing: login redirect (no admin access), 403 or 404."""
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/"), where
        return
    assert response.status_code in (403, 404), f"{where}: {response.status_code}"


def test_every_registered_admin_is_scoped_and_in_the_table(db):
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, TenantModelAdmin | OperatorOnlyAdmin), (
            f"{model.__name__}'s admin is not site-aware: derive it from accounts.admin_tenancy"
        )
        assert model in EXPECTED, f"add {model.__name__} to EXPECTED (and docs/security.md)"
        if isinstance(model_admin, OperatorOnlyAdmin):
            assert model in GLOBAL_MODELS and not EXPECTED[model], model
        for inline in model_admin.inlines:
            assert issubclass(inline, TenantReadOnlyInline), f"{inline.__name__} is not scoped"


def test_every_admin_url_pattern_is_covered(db):
    """Each pattern is requested by a test here: the standard five per model, plus the ones named."""
    standard = {"changelist", "add", "history", "delete", "change"}
    extra = {"auth_user_password_change"}  # test_a_member_cannot_set_another_accounts_password
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            if pattern.name is None and str(pattern.pattern) == "<path:object_id>/":
                continue  # Django's redirect of a bare id to its change page
            known = pattern.name in extra or pattern.name.removeprefix(prefix) in standard
            assert known, f"{pattern.name} ({pattern.pattern}) is not in the tenancy matrix"
    site_level = {p.name for p in admin.site.get_urls() if getattr(p, "name", None)}
    assert site_level <= {
        "index", "login", "logout", "password_change", "password_change_done", "autocomplete", "jsi18n",
        "view_on_site", "app_list",
    }, site_level  # fmt: skip


def test_a_member_cannot_set_another_accounts_password(world):
    for role in ("owner_a", "admin_a"):
        client = world["clients"][role]
        for target in (world["users"]["agent_a"], world["users"]["owner_b"]):
            url = f"/admin/accounts/user/{target.pk}/password/"
            before = User.objects.get(pk=target.pk).password
            assert client.get(url).status_code in (403, 404)
            client.post(url, {"password1": "a-new-long-password-9", "password2": "a-new-long-password-9"})
            assert User.objects.get(pk=target.pk).password == before
        assert client.get(f"/admin/accounts/user/{world['users']['owner_b'].pk}/password/").status_code == 404


def test_view_on_site_and_the_operator_pages_tell_site_a_nothing_of_b(world):
    from django.contrib.contenttypes.models import ContentType

    for model, obj in world["objects"]["B"].items():
        content_type = ContentType.objects.get_for_model(model)
        response = world["clients"]["owner_a"].get(f"/admin/r/{content_type.pk}/{obj.pk}/")
        assert response.status_code == 404, (model.__name__, response.status_code)


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
def test_each_role_gets_exactly_its_pages_of_each_model(world, model):
    a_obj, b_obj = world["objects"]["A"][model], world["objects"]["B"][model]
    a_urls, b_urls = admin_urls(model, a_obj), admin_urls(model, b_obj)
    for role in ROLES:
        client = world["clients"][role]
        checks = {
            "changelist": allowed(model, role, "view") or allowed(model, role, "change"),
            "add": allowed(model, role, "add"),
            "change": allowed(model, role, "view", a_obj) or allowed(model, role, "change", a_obj),
            "history": allowed(model, role, "view", a_obj) or allowed(model, role, "change", a_obj),
            "delete": allowed(model, role, "delete", a_obj),
        }
        if role == "owner_b":  # the other tenant: nothing of A, whatever B's role allows on B
            checks = {page: page in ("changelist", "add") and ok for page, ok in checks.items()}
            allowed_b = {op for op in EXPECTED[model].get("owner", set())}
            checks["changelist"] = "view" in allowed_b
            checks["add"] = "add" in allowed_b
        for page, ok in checks.items():
            where = f"{role} {page} {model.__name__}"
            response = client.get(a_urls[page])
            if ok:
                assert response.status_code == 200, f"{where}: {response.status_code}"
            elif role == "owner_b" and page in ("change", "history", "delete") and model not in GLOBAL_MODELS:
                assert response.status_code == 404, f"{where}: A's object must not exist for B"
            else:
                assert_refused(response, where)
            if role not in ("operator", "owner_b"):
                assert_no_marker(response, where)
        if role in ("owner_a", "admin_a") and model not in GLOBAL_MODELS:
            listing = client.get(a_urls["changelist"])
            if checks["changelist"]:
                assert a_urls["change"] in listing.content.decode(), f"{role} does not see A's own row"
            for page in ("change", "history", "delete"):
                response = client.get(b_urls[page])
                assert response.status_code == 404, (
                    f"{role} {page} of B's {model.__name__}: {response.status_code}"
                )


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
def test_no_post_by_site_a_changes_a_row_of_site_b(world, model):
    """Change, delete and every action, posted by A's owner and admin against B's object."""
    before = snapshot(world)
    b_obj = world["objects"]["B"][model]
    b_urls = admin_urls(model, b_obj)
    model_admin = admin.site._registry[model]
    actions = list(model_admin.get_actions(_operator_request()))
    form = {f.name: "ZZBQX-changed" for f in model._meta.concrete_fields if f.editable}
    form.update({"site": world["sites"]["A"].pk, "role": "owner", "is_superuser": "on", "is_staff": "on"})
    for role in ("owner_a", "admin_a"):
        client = world["clients"][role]
        assert client.post(b_urls["change"], form).status_code in (403, 404)
        assert client.post(b_urls["delete"], {"post": "yes"}).status_code in (403, 404)
        for action in actions:
            client.post(
                b_urls["changelist"],
                {"action": action, ACTION_CHECKBOX_NAME: [b_obj.pk], "post": "yes", "confirm": "ERASE"},
            )
    assert snapshot(world) == before


def test_autocomplete_offers_site_a_only_what_site_a_has(world):
    fields = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.autocomplete_fields:
            fields.append((model, name))
        for inline in model_admin.inlines:
            fields += [(inline.model, name) for name in inline.autocomplete_fields]
    for role in ("owner_a", "admin_a"):
        for model, name in fields:
            response = world["clients"][role].get(
                "/admin/autocomplete/",
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": name,
                },
            )
            assert response.status_code in (200, 403), response.status_code
            assert_no_marker(response, f"{role} autocomplete {model.__name__}.{name}")
    for model, name in fields:
        response = world["clients"]["operator"].get(
            "/admin/autocomplete/",
            {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": name},
        )
        assert response.status_code == 200 and MARK.lower() in response.content.decode().lower()


def test_index_app_pages_and_every_form_show_nothing_of_site_b(world):
    pages = ["/admin/", "/admin/password_change/"]
    pages += sorted({f"/admin/{model._meta.app_label}/" for model in admin.site._registry})
    for model in admin.site._registry:
        pages += [reverse(admin_name(model, "changelist")), reverse(admin_name(model, "add"))]
        a_obj = world["objects"]["A"][model]
        pages += [reverse(admin_name(model, "change"), args=[a_obj.pk])]
        # Filters and searches that would list B's values if they were not scoped.
        pages += [reverse(admin_name(model, "changelist")) + "?q=Bravo"]
    for role in ("owner_a", "admin_a", "agent_a"):
        for page in pages:
            response = world["clients"][role].get(page)
            assert response.status_code in (200, 302, 403, 404), (role, page, response.status_code)
            assert_no_marker(response, f"{role} {page}")
    assert MARK in world["clients"]["operator"].get("/admin/accounts/site/").content.decode()


def test_nobody_but_the_operator_sees_or_sets_superuser_staff_groups_or_permissions(world):
    admin_a = world["users"]["admin_a"]
    client = world["clients"]["admin_a"]
    page = client.get(f"/admin/accounts/user/{admin_a.pk}/change/").content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page and field not in page, field
    form = {"email": admin_a.email, "is_superuser": "on", "is_staff": "on", "is_active": "on"}
    client.post(f"/admin/accounts/user/{admin_a.pk}/change/", form)
    admin_a.refresh_from_db()
    assert not admin_a.is_superuser
    operator_page = world["clients"]["operator"].get(f"/admin/accounts/user/{admin_a.pk}/change/")
    assert 'name="is_superuser"' in operator_page.content.decode()


def test_the_user_list_shows_only_members_of_ones_own_sites(world):
    listing = world["clients"]["owner_a"].get("/admin/accounts/user/").content.decode()
    assert "agent@a.example" in listing and "admin@a.example" in listing
    assert "zzbqx-" not in listing and "ops@example.com" not in listing


def test_an_owner_cannot_make_itself_a_member_of_another_site(world):
    site_b = world["sites"]["B"]
    client = world["clients"]["owner_a"]
    response = client.post(
        "/admin/accounts/membership/add/", {"site": site_b.pk, "email": "owner@a.example", "role": "owner"}
    )
    assert response.status_code == 200  # the form again: B is not a choice
    assert not Membership.objects.filter(site=site_b, user=world["users"]["owner_a"]).exists()
    assert MARK not in client.get("/dashboard/").content.decode()


def test_an_admin_cannot_create_or_promote_owners_or_admins(world):
    site_a = world["sites"]["A"]
    client = world["clients"]["admin_a"]
    for role in ("owner", "admin"):
        response = client.post(
            "/admin/accounts/membership/add/",
            {"site": site_a.pk, "email": f"new-{role}@a.example", "role": role},
        )
        assert response.status_code == 200 and not User.objects.filter(email=f"new-{role}@a.example").exists()
    agent_membership = Membership.objects.get(user=world["users"]["agent_a"], site=site_a)
    response = client.post(f"/admin/accounts/membership/{agent_membership.pk}/change/", {"role": "owner"})
    agent_membership.refresh_from_db()
    assert agent_membership.role == "agent"
    owner_membership = Membership.objects.get(user=world["users"]["owner_a"], site=site_a)
    client.post(f"/admin/accounts/membership/{owner_membership.pk}/delete/", {"post": "yes"})
    assert Membership.objects.filter(pk=owner_membership.pk).exists()  # admins remove agents only
