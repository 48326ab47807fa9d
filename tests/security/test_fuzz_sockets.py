"""Hypothesis fuzzing of the visitor and agent sockets (docs/protocol.md).

Each example sends a few generated frames on one socket: arbitrary JSON, text
that is not JSON, and near-valid frames of every client frame type (wrong
types, huge and odd unicode strings, lone surrogates, nested objects, negative
numbers, extra fields), frames nested far too deep and numbers JSON cannot
carry. Every reply must be a documented frame, every error a documented code
other than `server_error`, the socket must stay open, and a valid
`message.send` afterwards must still be acknowledged.

The depth check the consumers run before parsing (chatplatform/lib/jsonframe.py)
is also compared with a plain character-by-character count.
"""

import json
import os
import re
import uuid
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatplatform.asgi import application
from chatplatform.lib.jsonframe import MAX_DEPTH, FrameError, loads, nesting_exceeds
from conversations.tests.test_consumers import ORIGIN_A, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

PROTOCOL = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
DOCUMENTED_TYPES = set(re.findall(r'"type": "([a-z._]+)"', PROTOCOL))
DOCUMENTED_ERRORS = set(re.findall(r"^\| `([a-z_]+)` \|", PROTOCOL, re.MULTILINE)) - {"server_error"}

# FUZZ_EXAMPLES=1500 (with pytest's --timeout=0) for a deeper run than the suite's.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
huge_text = st.builds(
    lambda char, n: char * n,
    st.sampled_from(["x", "é", "€", "😀", "\u202e", "\x00", " ", "\n"]),
    st.sampled_from([0, 1, 63, 64, 65, 4999, 5000, 5001, 9000]),
)
# Valid JSON ("\ud800"), but not Unicode text: no database, hash or mail can take it.
lone_surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
with_surrogate = st.builds(
    lambda a, s, b: a + s + b, st.text(max_size=10), lone_surrogate, st.text(max_size=10)
)
odd_text = (
    st.text(max_size=80)
    | huge_text
    | with_surrogate
    | st.sampled_from(["", " ", "\u202egnp.exe", "{{7*7}}", "<script>", "[[[[", '{"'])
)
junk = (
    odd_text
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.just(-1)
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.lists(json_scalars, max_size=3)
    | st.dictionaries(st.text(max_size=8), json_values, max_size=3)
)
# Placeholder for the conversation the test opened, swapped in at run time.
CONVERSATION = "<conversation>"
conversation_ref = st.just(CONVERSATION) | junk
extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(lambda k: k != "type"), junk, max_size=3
)

VISITOR_FIELDS = {
    "session.start": {"token": odd_text | junk},
    "message.send": {
        "client_id": odd_text | junk,
        "body": odd_text | junk,
        "notice_version": junk,
        "lang": junk,
    },
    "sync": {"conversation": conversation_ref, "after_seq": junk},
    "typing": {"is_typing": junk},
    "consent": {"analytics": junk, "marketing": junk, "notice_version": junk},
    "contact": {"name": junk, "email": junk, "phone": junk, "message": junk, "offline": junk},
    "context": {"page": junk | st.fixed_dictionaries({"path": junk, "title": junk}), "pages": junk},
}
AGENT_FIELDS = {
    "message.send": {"conversation": conversation_ref, "client_id": junk, "body": junk},
    "sync": {"conversation": conversation_ref, "after_seq": junk},
    "typing": {"conversation": conversation_ref, "is_typing": junk},
    "conversation.close": {"conversation": conversation_ref},
    "presence": {"availability": junk | st.sampled_from(["online", "away"])},
    "conversation.assign": {"conversation": conversation_ref, "agent": junk},
    "note.add": {"conversation": conversation_ref, "client_id": junk, "body": junk},
}


def near_valid(fields_by_type: dict) -> st.SearchStrategy:
    def frame(frame_type: str) -> st.SearchStrategy:
        fields = fields_by_type[frame_type]
        return st.builds(
            lambda present, extra, type_value: {**extra, **present, "type": type_value},
            st.fixed_dictionaries({}, optional=fields),
            extra_fields,
            st.just(frame_type) | st.sampled_from([frame_type.upper(), frame_type + " ", ""]),
        )

    return st.sampled_from(sorted(fields_by_type)).flatmap(frame)


def too_deep(fields_by_type: dict) -> st.SearchStrategy:
    """A near-valid frame with one field nested past MAX_DEPTH (arrays, objects or both)."""
    wrapper = st.sampled_from([("[", "]"), ('{"a": ', "}"), ("[{}, ", "]")])
    return st.builds(
        lambda frame, depth, wrap: (
            json.dumps(frame)[:-1] + ', "deep": ' + wrap[0] * depth + "1" + wrap[1] * depth + "}"
        ),
        near_valid(fields_by_type),
        st.integers(min_value=MAX_DEPTH, max_value=3000),
        wrapper,
    )


def not_finite(fields_by_type: dict) -> st.SearchStrategy:
    """A near-valid frame with a number JSON cannot carry (Python's json would parse it)."""
    return st.builds(
        lambda frame, number: json.dumps(frame)[:-1] + f', "n": {number}}}',
        near_valid(fields_by_type),
        st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e400"]),
    )


def raw_frames(fields_by_type: dict) -> st.SearchStrategy:
    as_text = (near_valid(fields_by_type) | json_values).map(json.dumps)
    hostile = too_deep(fields_by_type) | not_finite(fields_by_type)
    return st.lists(as_text | hostile | st.text(max_size=30), min_size=1, max_size=6)


def swap_conversation(text: str, conversation_id: int) -> str:
    return text.replace(json.dumps(CONVERSATION), str(conversation_id))


async def exchange(comm: WebsocketCommunicator, frames: list[str], final: dict) -> list[dict]:
    """Send the frames, then `final`; return every reply up to and including `final`'s ack or error."""
    for text in frames:
        await comm.send_input({"type": "websocket.receive", "text": text})  # "" too
    await comm.send_json_to(final)
    replies = []
    while True:
        output = await comm.receive_output(timeout=5)
        assert output["type"] == "websocket.send", f"the socket closed: {output}"
        reply = json.loads(output["text"])
        replies.append(reply)
        if reply.get("client_id") == final["client_id"] and reply["type"] in ("message.ack", "error"):
            return replies


def check_replies(replies: list[dict]) -> None:
    for reply in replies:
        assert reply["type"] in DOCUMENTED_TYPES, reply
        if reply["type"] == "error":
            assert reply["code"] in DOCUMENTED_ERRORS, reply
    assert replies[-1]["type"] == "message.ack", replies[-1]


@pytest.fixture
def high_limits(settings):
    # Rate limits have their own tests; here every frame must reach its handler.
    settings.CHAT_RATE_VISITOR_FRAMES = settings.CHAT_RATE_AGENT_FRAMES = 10**6
    settings.CHAT_RATE_VISITOR_MESSAGES = settings.CHAT_RATE_AGENT_MESSAGES = 10**6


async def open_visitor_session(site) -> tuple[WebsocketCommunicator, int]:
    comm = WebsocketCommunicator(
        application, f"/ws/visitor/{site.key}/", headers=[(b"origin", ORIGIN_A.encode())]
    )
    assert (await comm.connect())[0]
    await comm.receive_json_from()  # welcome
    await comm.send_json_to({"type": "session.start"})
    await comm.receive_json_from()  # session
    replies = await exchange(comm, [], {"type": "message.send", "client_id": "first", "body": "Hi"})
    return comm, replies[-1]["message"]["conversation"]


def test_the_visitor_socket_survives_fuzzed_frames(site_a, high_limits):
    @FUZZ
    @given(frames=raw_frames(VISITOR_FIELDS))
    def run(frames: list[str]) -> None:
        async def example() -> None:
            comm, conversation_id = await open_visitor_session(site_a)
            try:
                sent = [swap_conversation(f, conversation_id) for f in frames]
                final = {"type": "message.send", "client_id": uuid.uuid4().hex, "body": "still here"}
                check_replies(await exchange(comm, sent, final))
            finally:
                await comm.disconnect()

        async_to_sync(example)()

    run()


def test_the_agent_socket_survives_fuzzed_frames(site_a, alice, bob, high_limits):
    @FUZZ
    @given(frames=raw_frames(AGENT_FIELDS))
    def run(frames: list[str]) -> None:
        async def example() -> None:
            visitor, conversation_id = await open_visitor_session(site_a)
            cookie = await sync_to_async(session_cookie)(bob)
            headers = [
                (b"origin", b"http://testserver"),
                (b"host", b"testserver"),
                (b"cookie", cookie.encode()),
            ]
            agent = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
            try:
                assert (await agent.connect())[0]
                sent = [swap_conversation(f, conversation_id) for f in frames]
                # A reply in a second conversation, which no fuzzed frame can have closed.
                other_visitor, reply_to = await open_visitor_session(site_a)
                await other_visitor.disconnect()
                final = {
                    "type": "message.send",
                    "conversation": reply_to,
                    "client_id": uuid.uuid4().hex,
                    "body": "still here",
                }
                check_replies(await exchange(agent, sent, final))
            finally:
                await agent.disconnect()
                await visitor.disconnect()

        async_to_sync(example)()

    run()


# --- The depth check, against a plain count ---------------------------------------


def parser_depth(text: str) -> int:
    """The deepest nesting a JSON parser reaches in `text`: brackets outside strings, counted one by one."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


deep_values = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\:, ab', max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet="[]{}ab", max_size=4), inner, max_size=3)
    ),
    max_leaves=60,
)
bracket_soup = st.text(alphabet='[[[{{]]}}"\\:,1 ', max_size=3000)


@settings(max_examples=300, deadline=None, database=None)
@given(value=deep_values, limit=st.integers(min_value=0, max_value=40))
def test_the_depth_check_is_exact_for_json(value, limit):
    text = json.dumps(value)

    assert nesting_exceeds(text, limit) == (parser_depth(text) > limit)


@settings(max_examples=300, deadline=None, database=None)
@given(text=bracket_soup, limit=st.integers(min_value=1, max_value=40))
def test_text_the_depth_check_lets_through_nests_at_most_twice_the_limit(text, limit):
    if not nesting_exceeds(text, limit):
        assert parser_depth(text) <= 2 * limit


@settings(max_examples=200, deadline=None, database=None)
@given(text=bracket_soup | st.builds(lambda n: "[" * n, st.integers(min_value=0, max_value=20_000)))
def test_parsing_any_text_raises_only_frame_errors(text):
    try:
        loads(text)
    except FrameError as exc:
        assert exc.code in DOCUMENTED_ERRORS
