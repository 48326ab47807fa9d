import re

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from openapi_spec_validator import validate

from integrations import urls as api_urls
from integrations.openapi import openapi_schema


def test_it_serves_a_valid_openapi_schema_without_a_token(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    validate(response.json())


def test_it_describes_every_route_and_every_described_route_exists():
    schema = openapi_schema()
    for path, operations in schema["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "7", path)
        match = resolve(concrete)
        assert match.func.__name__ != "not_found", path
        for method in operations:
            assert method.upper() in _allowed_methods(match.func), (path, method)

    routed = {
        "/api/v1/" + re.sub(r"<int:(\w+)>", r"{\1}", str(p.pattern))
        for p in api_urls.urlpatterns
        if isinstance(p, URLPattern) and p.name and p.name != "openapi"
    }
    assert routed == set(schema["paths"])


def test_it_mounts_the_api_under_api_v1():
    assert any(
        isinstance(p, URLResolver) and str(p.pattern) == "api/v1/" for p in get_resolver().url_patterns
    )


def _allowed_methods(view) -> set[str]:
    # api_view keeps the methods in its closure; ask it like a client would instead.
    from django.test import RequestFactory

    allowed = set()
    for method in ("get", "post", "put", "patch", "delete"):
        response = view(getattr(RequestFactory(), method)("/"), conversation_id=7)
        if response.status_code != 405:
            allowed.add(method.upper())
    return allowed
