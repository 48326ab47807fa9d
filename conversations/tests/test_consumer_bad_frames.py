"""Hostile frames through the ASGI app: each gets a documented error frame, the socket stays usable.

Deep nesting, numbers JSON cannot carry and lone surrogates in any string
field (docs/protocol.md, "Errors"). None may reach a service as
`server_error`, and none may put a traceback in the log. What daphne refuses
before the app sees a frame is tested in tests/test_bad_frames_live.py.
"""

import logging

import pytest

from accounts.models import Site
from chatplatform.lib.jsonframe import MAX_DEPTH
from conversations.models import Visitor
from conversations.tests.test_consumers import next_of_type, open_agent, open_session
from privacy.models import ConsentRecord

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def no_rate_limits(settings):
    settings.CHAT_RATE_VISITOR_FRAMES = settings.CHAT_RATE_AGENT_FRAMES = 10**6
    settings.CHAT_RATE_VISITOR_MESSAGES = settings.CHAT_RATE_AGENT_MESSAGES = 10**6


@pytest.fixture
def no_tracebacks(caplog):
    """Fails the test if anything logged an error (a `server_error` logs `frame failed` and a traceback)."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage()[:200] for r in errors]


async def error_for(comm, raw: str) -> dict:
    await comm.send_to(text_data=raw)
    return await next_of_type(comm, "error")


async def assert_usable(comm, client_id="after") -> None:
    await comm.send_json_to({"type": "message.send", "client_id": client_id, "body": "still works"})
    assert (await next_of_type(comm, "message.ack"))["client_id"] == client_id


def nested(depth: int, opener="[", closer="]") -> str:
    return opener * depth + closer * depth


# --- Nesting -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 3000,
        nested(3000),
        '{"a": ' * 3000 + "1" + "}" * 3000,
        '{"type": "message.send", "client_id": "c", "body": "hi", "x": ' + nested(MAX_DEPTH) + "}",
        '{"type": "message.send", "client_id": "c", "body": "hi", "x": ' + "[{}," * 40 + "]" * 40 + "}",
    ],
    ids=["open_arrays", "closed_arrays", "objects", "one_past_the_limit", "mixed"],
)
async def test_deeply_nested_json_gets_frame_too_deep_and_the_socket_stays_usable(
    site_a, no_rate_limits, no_tracebacks, raw
):
    comm, _ = await open_session(site_a)

    error = await error_for(comm, raw)

    assert error["code"] == "frame_too_deep" and str(MAX_DEPTH) in error["detail"]
    await assert_usable(comm)
    await comm.disconnect()


async def test_nesting_up_to_the_limit_is_parsed_and_brackets_in_strings_do_not_count(
    site_a, no_rate_limits, no_tracebacks
):
    comm, _ = await open_session(site_a)
    # The frame object is one level, so its field may nest MAX_DEPTH - 1 more.
    at_limit = (
        '{"type": "message.send", "client_id": "deep", "body": "hi", "x": ' + nested(MAX_DEPTH - 1) + "}"
    )
    await comm.send_to(text_data=at_limit)
    assert (await next_of_type(comm, "message.ack"))["client_id"] == "deep"

    await comm.send_json_to({"type": "message.send", "client_id": "text", "body": "[" * 3000 + '{"'})
    assert (await next_of_type(comm, "message.ack"))["message"]["body"] == "[" * 3000 + '{"'
    # And a deep frame still gets its error, not the frame before it.
    assert (await error_for(comm, nested(3000)))["code"] == "frame_too_deep"
    await comm.disconnect()


async def test_a_deep_frame_over_the_rate_limit_gets_rate_limited(site_a, settings, no_tracebacks):
    settings.CHAT_RATE_VISITOR_FRAMES = 2  # session.start and one more
    comm, _ = await open_session(site_a)
    await comm.send_to(text_data=nested(3000))
    assert (await comm.receive_json_from())["code"] == "frame_too_deep"

    await comm.send_to(text_data=nested(3000))
    limited = await comm.receive_json_from()

    assert limited["code"] == "rate_limited" and limited["retry_after"] >= 1
    await comm.disconnect()


async def test_an_agent_gets_frame_too_deep_too(bob, no_tracebacks):
    comm, connected = await open_agent(bob)
    assert connected
    await next_of_type(comm, "welcome")

    error = await error_for(comm, '{"type": "sync", "conversation": ' + "[" * 5000)
    assert error["code"] == "frame_too_deep"
    # Still usable: the next frame gets its own answer.
    assert (await error_for(comm, '{"type": "sync", "conversation": 424242, "after_seq": 0}'))["code"] == (
        "not_found"
    )
    await comm.disconnect()


# --- Numbers ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
async def test_numbers_json_cannot_carry_are_malformed_json(site_a, no_rate_limits, no_tracebacks, number):
    comm, _ = await open_session(site_a)
    await comm.send_json_to({"type": "consent", "analytics": True, "marketing": False})
    await next_of_type(comm, "consent.ack")

    context = '{"type": "context", "page": {"path": "/"}, "pages": [{"p": "/", "t": %s, "d": 1}]}'
    send = '{"type": "message.send", "client_id": "n", "body": "hi", "notice_version": %s}'
    for raw in (context % number, send % number):
        assert (await error_for(comm, raw))["code"] == "malformed_json", raw
    await assert_usable(comm)
    await comm.disconnect()


# --- Lone surrogates -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"type": "contact", "name": "Jo \\ud800"}', "name"),
        ('{"type": "contact", "email": "jo\\udfff@example.org"}', "email"),
        ('{"type": "contact", "phone": "+43 \\udbff"}', "phone"),
        ('{"type": "context", "page": {"path": "/", "title": "Shoes \\ud800"}}', "page.title"),
        ('{"type": "context", "page": {"path": "/\\ud800"}}', "page.path"),
        ('{"type": "context", "page": {"path": "/"}, "pages": [{"p": "/\\ud800", "t": 1}]}', "pages[0].p"),
        ('{"type": "message.send", "client_id": "c", "body": "hi", "lang": "\\ud800"}', "lang"),
        ('{"type": "message.send", "client_id": "c", "body": "hi", "notice_version": "\\ud800"}', None),
        ('{"type": "consent", "analytics": true, "marketing": true, "notice_version": "\\udc00"}', None),
        (
            '{"type": "transcript.request", "conversation": 1, "email": "jo@example.org", "lang": "\\ud800"}',
            "lang",
        ),
        ('{"type": "message.send", "client_id": "c", "body": "hi", "\\ud800": 1}', "a field name"),
    ],
    ids=[
        "contact_name",
        "contact_email",
        "contact_phone",
        "context_title",
        "context_path",
        "context_pages",
        "message_lang",
        "message_notice_version",
        "consent_notice_version",
        "transcript_lang",
        "field_name",
    ],
)
async def test_a_lone_surrogate_in_any_string_field_gets_invalid_field(site_a, no_tracebacks, raw, field):
    await Site.objects.filter(pk=site_a.pk).aupdate(
        prechat_name="optional", prechat_email="optional", prechat_phone="optional"
    )
    comm, _ = await open_session(site_a)

    error = await error_for(comm, raw)

    assert error["code"] == "invalid_field"
    assert "surrogate" in error["detail"] and (field is None or f"`{field}`" in error["detail"])
    await assert_usable(comm)
    visitor = await Visitor.objects.aget()
    assert (visitor.name, visitor.email, visitor.phone) == ("", "", "")
    assert not visitor.context
    assert not await ConsentRecord.objects.aexists()
    await comm.disconnect()


async def test_a_lone_surrogate_in_a_session_token_gets_invalid_field(site_a, no_tracebacks):
    comm, _ = await open_session(site_a)

    error = await error_for(comm, '{"type": "session.start", "token": "\\udfff"}')

    assert error["code"] == "invalid_field" and "`token`" in error["detail"]
    await comm.send_json_to({"type": "session.start"})
    assert (await next_of_type(comm, "session"))["token"]
    await comm.disconnect()


async def test_a_lone_surrogate_error_echoes_the_client_id_and_surrogate_pairs_are_text(
    site_a, no_tracebacks
):
    comm, _ = await open_session(site_a)

    error = await error_for(
        comm, '{"type": "message.send", "client_id": "c7", "body": "hi", "lang": "\\ud800"}'
    )

    assert error == {
        "type": "error",
        "code": "invalid_field",
        "detail": "`lang` must be Unicode text (no lone surrogates).",
        "client_id": "c7",
    }
    # A pair is one character (an emoji): stored as it is.
    await comm.send_to(text_data='{"type": "message.send", "client_id": "c7", "body": "\\ud83d\\ude00 ok"}')
    assert (await next_of_type(comm, "message.ack"))["message"]["body"] == "\U0001f600 ok"
    await comm.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        '{"type": "presence", "availability": "\\ud800"}',
        '{"type": "note.add", "conversation": 1, "client_id": "n", "body": "ok", "x": ["\\udfff"]}',
        '{"type": "conversation.assign", "conversation": 1, "agent": "\\ud800"}',
    ],
)
async def test_an_agent_frame_with_a_lone_surrogate_gets_invalid_field(bob, no_tracebacks, frame):
    comm, connected = await open_agent(bob)
    assert connected
    await next_of_type(comm, "welcome")

    error = await error_for(comm, frame)

    assert error["code"] == "invalid_field" and "surrogate" in error["detail"]
    await comm.disconnect()
