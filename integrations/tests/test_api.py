import base64
import json
import logging
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.models import Conversation, Message
from conversations.services import conversation_close, message_post_by_agent, message_post_by_visitor
from conversations.services import visitor_create as make_visitor
from integrations.models import ApiToken
from integrations.services import api_token_revoke


def conversations_of(site, count):
    convs = []
    for i in range(count):
        visitor, _ = make_visitor(site=site)
        convs.append(
            message_post_by_visitor(visitor=visitor, client_id=f"c{i}", body=f"hi {i}")[0].conversation
        )
    return convs


# --- Authentication ---------------------------------------------------------------


def test_it_answers_401_without_a_token(client, first_message):
    response = client.get("/api/v1/conversations")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_token"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer cpat_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "cpat_no_scheme", "Bearer site_abc"],
)
def test_it_answers_401_for_a_wrong_token(client, token_a, first_message, header):
    response = client.get("/api/v1/conversations", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"missing_token", "invalid_token"}


def test_it_answers_401_for_a_revoked_token(api, token_a, first_message):
    assert api.get("/api/v1/conversations").status_code == 200
    api_token_revoke(token=ApiToken.objects.get())

    response = api.get(f"/api/v1/conversations/{first_message.conversation_id}")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_it_never_takes_the_token_from_the_url(client, token_a, first_message):
    response = client.get(f"/api/v1/conversations?token={token_a}&access_token={token_a}")

    assert response.status_code == 401


def test_it_records_when_a_token_was_last_used_at_most_once_a_minute(api, token_a):
    api.get("/api/v1/conversations")
    first = ApiToken.objects.get().last_used_at
    api.get("/api/v1/conversations")

    assert first is not None and ApiToken.objects.get().last_used_at == first


def test_it_stores_only_a_hash_and_a_short_prefix_of_the_token(token_a):
    stored = ApiToken.objects.get()

    assert token_a not in (stored.token_hash, stored.prefix) and token_a.startswith(stored.prefix)
    assert len(stored.prefix) == 12 and len(token_a) > 40


def test_it_logs_no_token(api, token_a, caplog, first_message):
    with caplog.at_level(logging.DEBUG):
        api.get("/api/v1/conversations")
        api.get("/api/v1/conversations/999999")

    assert token_a not in caplog.text


# --- Tenancy ---------------------------------------------------------------------


def test_it_answers_404_for_every_object_of_another_site(client, token_b, first_message):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_b}"
    conv = first_message.conversation_id

    responses = [
        client.get(f"/api/v1/conversations/{conv}"),
        client.get(f"/api/v1/conversations/{conv}/messages"),
        client.post(f"/api/v1/conversations/{conv}/close"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert all(r.json()["error"]["code"] == "not_found" for r in responses)
    assert client.get("/api/v1/conversations").json()["data"] == []
    assert Conversation.objects.get(pk=conv).status == "open"


def test_it_lists_only_the_sites_own_conversations(api, site_b, first_message):
    conversations_of(site_b, 2)

    data = api.get("/api/v1/conversations").json()["data"]

    assert [c["id"] for c in data] == [first_message.conversation_id]


# --- Conversations -----------------------------------------------------------------


def test_it_shows_a_conversation_without_contact_data(api, visitor, first_message):
    type(visitor).objects.filter(pk=visitor.pk).update(email="jo@example.org", name="Jo Doe")

    response = api.get(f"/api/v1/conversations/{first_message.conversation_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == first_message.conversation_id and body["status"] == "open"
    assert body["visitor"] == {"id": str(visitor.public_id), "label": visitor.label}
    assert "jo@example.org" not in response.content.decode() and "Jo Doe" not in response.content.decode()


def test_it_pages_conversations_with_a_cursor(api, site_a):
    convs = conversations_of(site_a, 5)

    first = api.get("/api/v1/conversations?limit=2").json()
    second = api.get(f"/api/v1/conversations?limit=2&cursor={first['next_cursor']}").json()
    third = api.get(f"/api/v1/conversations?limit=2&cursor={second['next_cursor']}").json()

    seen = [c["id"] for page in (first, second, third) for c in page["data"]]
    assert seen == [c.pk for c in convs]
    assert third["next_cursor"] is None


def test_it_filters_conversations_by_status_and_activity(api, site_a, bob):
    old, recent, closed = conversations_of(site_a, 3)
    Conversation.objects.filter(pk=old.pk).update(last_message_at=timezone.now() - timedelta(days=3))
    conversation_close(agent=bob, conversation_id=closed.pk)
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")

    open_ids = [c["id"] for c in api.get("/api/v1/conversations?status=open").json()["data"]]
    closed_ids = [c["id"] for c in api.get("/api/v1/conversations?status=closed").json()["data"]]
    recent_ids = [c["id"] for c in api.get(f"/api/v1/conversations?updated_since={since}").json()["data"]]

    assert open_ids == [old.pk, recent.pk]
    assert closed_ids == [closed.pk]
    assert recent_ids == [recent.pk, closed.pk]


@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "limit=0",
        "limit=201",
        "limit=ten",
        "updated_since=yesterday",
        "cursor=not-a-cursor",
        "cursor=WyJ4IiwgMV0",
    ],
)
def test_it_answers_400_for_bad_parameters(api, first_message, query):
    response = api.get(f"/api/v1/conversations?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


def cursor(value) -> str:
    """A `cursor` parameter holding `value` (JSON, or raw bytes) the way the API encodes its own."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return "cursor=" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


NOW = "2026-11-27T10:00:00+00:00"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("updated_since=0001-01-01T00:00:00%2B14:00", id="since_before_year_1_in_utc"),
        pytest.param("updated_since=9999-12-31T23:59:59-14:00", id="since_after_9999_in_utc"),
        pytest.param("updated_since=9999-12-31T23:59:59.999999-00:01", id="since_a_minute_after_9999"),
        pytest.param(cursor(["0001-01-01T00:00:00+14:00", 1]), id="cursor_before_year_1"),
        pytest.param(cursor(["9999-12-31T23:59:59-14:00", 1]), id="cursor_after_9999"),
        pytest.param(cursor([NOW, 2**70]), id="cursor_id_past_any_integer_column"),
        pytest.param(cursor([NOW, 2**63]), id="cursor_id_past_bigint"),
        pytest.param(cursor([NOW, -1]), id="cursor_id_negative"),
        pytest.param(cursor([NOW, True]), id="cursor_id_boolean"),
        pytest.param(cursor(b"[" * 5000), id="cursor_nested_open"),
        pytest.param(cursor(b"[" * 3000 + b"]" * 3000), id="cursor_nested_closed"),
    ],
)
def test_it_answers_400_json_for_dates_and_cursors_out_of_range(api, first_message, query):
    response = api.get(f"/api/v1/conversations?{query}")

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "invalid_parameter"


def test_it_answers_400_json_for_too_many_query_parameters(api, first_message):
    query = "&".join(f"p{i}=1" for i in range(1001))  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1000

    response = api.get(f"/api/v1/conversations?{query}")

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_parameter"


def test_it_answers_json_500_with_a_code_when_something_fails(api, first_message, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("integrations.selectors.conversation_page_for_site", broken)
    with caplog.at_level(logging.ERROR, logger="integrations.views"):
        response = api.get("/api/v1/conversations")

    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "server_error"
    assert "RuntimeError" in caplog.text  # a bug, logged with its traceback


datetimes_near_the_edges = st.builds(
    lambda moment, offset: moment.isoformat() + offset,
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999))
    | st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)]),
    st.sampled_from(["", "Z", "+14:00", "-14:00", "+00:01", "-23:59", "+24:00"]),
)
query_values = st.text(max_size=30) | datetimes_near_the_edges | st.integers(-(2**70), 2**70).map(str)
cursor_values = st.builds(
    lambda activity, pk: json.dumps([activity, pk]),
    datetimes_near_the_edges | st.text(max_size=10) | st.none(),
    st.integers(-(2**70), 2**70) | st.booleans() | st.floats() | st.text(max_size=5),
) | st.binary(max_size=40).map(lambda raw: raw.decode("latin-1"))


@settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["updated_since", "limit", "status", "cursor"]),
    value=query_values,
    raw_cursor=cursor_values,
)
def test_any_query_parameter_gets_a_page_or_a_json_400(api, first_message, name, value, raw_cursor):
    if name == "cursor":
        value = base64.urlsafe_b64encode(raw_cursor.encode("utf-8", "surrogatepass")).decode()
    response = api.get(f"/api/v1/conversations?{name}={quote(value, safe='')}")

    assert response["Content-Type"] == "application/json"
    assert response.status_code == 200 or (
        response.status_code == 400 and response.json()["error"]["code"] == "invalid_parameter"
    ), (name, value, response.content[:200])


def test_it_answers_405_with_the_allowed_methods(api, first_message):
    conv = first_message.conversation_id

    listing = api.post("/api/v1/conversations")
    close = api.get(f"/api/v1/conversations/{conv}/close")
    detail = api.delete(f"/api/v1/conversations/{conv}")

    assert (listing.status_code, close.status_code, detail.status_code) == (405, 405, 405)
    assert close["Allow"] == "POST" and listing["Allow"] == "GET"
    assert listing.json()["error"]["code"] == "method_not_allowed"


def test_it_answers_json_404_for_unknown_paths_and_ids(api):
    unknown = api.get("/api/v1/visitors")
    huge = api.get(f"/api/v1/conversations/{2**70}")
    missing = api.post("/api/v1/conversations/424242/close")

    assert [r.status_code for r in (unknown, huge, missing)] == [404, 404, 404]
    assert all(r.json()["error"]["code"] == "not_found" for r in (unknown, huge, missing))


# --- Messages --------------------------------------------------------------------


def test_it_pages_messages_after_a_seq(api, bob, visitor, first_message):
    conv = first_message.conversation_id
    for i in range(4):
        message_post_by_agent(agent=bob, conversation_id=conv, client_id=f"a{i}", body=f"reply {i}")

    first = api.get(f"/api/v1/conversations/{conv}/messages?limit=3").json()
    rest = api.get(
        f"/api/v1/conversations/{conv}/messages?limit=3&after_seq={first['next_after_seq']}"
    ).json()

    assert [m["seq"] for m in first["data"]] == [1, 2, 3] and first["next_after_seq"] == 3
    assert [m["seq"] for m in rest["data"]] == [4, 5] and rest["next_after_seq"] is None
    assert first["data"][0]["body"] == "Hello, I need help" and first["data"][1]["agent"]["name"] == "Bob"


def test_it_refuses_a_negative_after_seq(api, first_message):
    response = api.get(f"/api/v1/conversations/{first_message.conversation_id}/messages?after_seq=-1")

    assert response.status_code == 400


# --- Close -----------------------------------------------------------------------


def test_it_closes_a_conversation_with_a_system_message_and_events(
    api, first_message, capture_send_event_calls, django_capture_on_commit_callbacks
):
    conv = first_message.conversation_id

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/conversations/{conv}/close")

    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert Conversation.objects.get(pk=conv).status == "closed"
    system = Message.objects.filter(conversation_id=conv).last()
    assert system.author_type == "system" and system.body == "An integration closed the conversation."
    assert {p["type"] for _, p in capture_send_event_calls} == {"message.new", "conversation.updated"}


def test_it_answers_409_when_the_conversation_is_already_closed(api, first_message):
    conv = first_message.conversation_id
    api.post(f"/api/v1/conversations/{conv}/close")

    response = api.post(f"/api/v1/conversations/{conv}/close")

    assert response.status_code == 409 and response.json()["error"]["code"] == "conversation_closed"


def test_it_needs_no_csrf_token_to_close(client, token_a, first_message):
    client.handler.enforce_csrf_checks = True
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_a}"

    response = client.post(f"/api/v1/conversations/{first_message.conversation_id}/close")

    assert response.status_code == 200
