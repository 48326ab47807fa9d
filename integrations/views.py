"""REST API v1 (docs/api.md; the OpenAPI schema is integrations/openapi.py).

Plain Django views: `api_view` checks the method and the bearer token and
turns `ApiError` into the JSON error shape; each view then parses its
parameters, looks the object up within the token's site, calls at most one
service and renders. A token only ever sees its own site: another site's
conversation answers 404, exactly like one that does not exist.

Every answer is JSON, errors included: a parameter Django itself refuses
(too many of them) is a 400 like any other, and anything unforeseen a 500
`server_error` (logged with its traceback, which is a bug to fix).
"""

import base64
import binascii
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from chatplatform.lib import jsonframe
from conversations import selectors as conversation_selectors
from conversations.models import Conversation
from conversations.services import ChatError, conversation_close_for_site
from integrations import schema, selectors
from integrations.models import ApiToken
from integrations.openapi import openapi_schema
from integrations.services import api_token_touch

logger = logging.getLogger(__name__)

CONVERSATIONS_PAGE_SIZE = 50
CONVERSATIONS_PAGE_SIZE_MAX = 200
MESSAGES_PAGE_SIZE = 100
MESSAGES_PAGE_SIZE_MAX = 500
# Message.seq is a 32-bit column.
MAX_SEQ = 2**31 - 1
# Shown to agents and the visitor in the system message of an API close.
API_CLOSED_BY = "An integration"
CHAT_ERROR_STATUS = {"not_found": 404, "conversation_closed": 409}


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(schema.error(code, detail), status=status)


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "No such conversation.")


def _unauthorized(code: str, detail: str) -> JsonResponse:
    response = _error(401, code, detail)
    response["WWW-Authenticate"] = 'Bearer realm="chatplatform"'
    return response


def _authenticate(request: HttpRequest) -> ApiToken | JsonResponse:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return _unauthorized("missing_token", "Send an API token: `Authorization: Bearer <token>`.")
    token = selectors.api_token_get_by_secret(token=value.strip())
    if token is None:
        return _unauthorized("invalid_token", "This API token is unknown or revoked.")
    api_token_touch(token=token)
    return token


def api_view(*methods: str) -> Callable:
    """Allow `methods`, require a token, and answer ApiError as JSON; the view gets the token."""

    def decorator(view: Callable) -> Callable:
        # Bearer tokens only, never cookies, so a cross-site form cannot use anyone's credentials.
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
            if request.method not in methods:
                response = _error(405, "method_not_allowed", f"Use {' or '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                token = _authenticate(request)
                if isinstance(token, JsonResponse):
                    return token
                return view(request, token, *args, **kwargs)
            except ApiError as exc:
                return _error(exc.status, exc.code, exc.detail)
            except SuspiciousOperation:  # e.g. over DATA_UPLOAD_MAX_NUMBER_FIELDS query parameters
                return _error(400, "invalid_parameter", "The request's parameters are not valid.")
            except Exception:
                logger.exception("API request failed: %s %s", request.method, view.__name__)
                return _error(500, "server_error", "The server could not answer; try again later.")

        return wrapper

    return decorator


def _int_param(request: HttpRequest, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApiError(400, "invalid_parameter", f"`{name}` must be an integer from {low} to {high}.")
    return value


def _utc_datetime(raw: object) -> datetime | None:
    """An ISO 8601 date and time as an aware UTC datetime; None if it is not one or UTC cannot hold it.

    Trap: 0001-01-01T00:00+14:00 parses, but is before year 1 in UTC (and 9999-12-31T23:59-01:00
    after 9999): the conversion, or the database adapter doing it, raises OverflowError.
    """
    if not isinstance(raw, str):
        return None
    try:
        value = parse_datetime(raw)
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _datetime_param(request: HttpRequest, name: str) -> datetime | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    # Trap: an unencoded "+01:00" arrives as " 01:00"; that is refused, not guessed.
    value = _utc_datetime(raw)
    if value is None:
        detail = f"`{name}` must be an ISO 8601 date and time, from year 1 to 9999 in UTC."
        raise ApiError(400, "invalid_parameter", detail)
    return value


def _encode_cursor(conversation: Conversation) -> str:
    raw = json.dumps([conversation.activity.isoformat(), conversation.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(request: HttpRequest) -> tuple[datetime, int] | None:
    """The (activity, id) a `next_cursor` holds. Anything else, however it was built, is a 400."""
    raw = request.GET.get("cursor")
    if not raw:
        return None
    try:
        decoded = jsonframe.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)), max_depth=1)
        activity, pk = decoded if isinstance(decoded, list) else (None, None)
    except (ValueError, binascii.Error):  # FrameError is a ValueError; so is a list of another length
        activity, pk = None, None
    value = _utc_datetime(activity)
    if value is None or isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= selectors.MAX_ID:
        raise ApiError(400, "invalid_parameter", "`cursor` is not a cursor this API returned.")
    return value, pk


def _conversation(token: ApiToken, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_get_for_site(site=token.site, conversation_id=conversation_id)
    if conversation is None:
        raise _not_found()
    return conversation


@api_view("GET")
def conversation_list(request: HttpRequest, token: ApiToken) -> JsonResponse:
    status = request.GET.get("status") or None
    if status is not None and status not in Conversation.Status.values:
        raise ApiError(400, "invalid_parameter", "`status` must be `open` or `closed`.")
    conversations, more = selectors.conversation_page_for_site(
        site=token.site,
        status=status,
        updated_since=_datetime_param(request, "updated_since"),
        after=_decode_cursor(request),
        page_size=_int_param(
            request, "limit", default=CONVERSATIONS_PAGE_SIZE, low=1, high=CONVERSATIONS_PAGE_SIZE_MAX
        ),
    )
    return JsonResponse(
        {
            "data": [schema.conversation(c) for c in conversations],
            "next_cursor": _encode_cursor(conversations[-1]) if more else None,
        }
    )


@api_view("GET")
def conversation_detail(request: HttpRequest, token: ApiToken, conversation_id: int) -> JsonResponse:
    return JsonResponse(schema.conversation(_conversation(token, conversation_id)))


@api_view("GET")
def message_list(request: HttpRequest, token: ApiToken, conversation_id: int) -> JsonResponse:
    conversation = _conversation(token, conversation_id)
    after_seq = _int_param(request, "after_seq", default=0, low=0, high=MAX_SEQ)
    page_size = _int_param(request, "limit", default=MESSAGES_PAGE_SIZE, low=1, high=MESSAGES_PAGE_SIZE_MAX)
    messages, more = conversation_selectors.message_page_after(
        conversation=conversation, after_seq=after_seq, page_size=page_size
    )
    return JsonResponse(
        {
            "data": [schema.message(m) for m in messages],
            "next_after_seq": messages[-1].seq if more else None,
        }
    )


@api_view("POST")
def conversation_close(request: HttpRequest, token: ApiToken, conversation_id: int) -> JsonResponse:
    if not 0 < conversation_id <= selectors.MAX_ID:
        raise _not_found()
    try:
        conversation = conversation_close_for_site(
            site=token.site, conversation_id=conversation_id, closed_by=API_CLOSED_BY
        )
    except ChatError as exc:
        raise ApiError(CHAT_ERROR_STATUS.get(exc.code, 400), exc.code, exc.detail) from None
    return JsonResponse(schema.conversation(conversation))


def openapi_json(request: HttpRequest) -> JsonResponse:
    """The schema is public: it describes the API, not any site's data."""
    if request.method not in ("GET", "HEAD"):
        response = _error(405, "method_not_allowed", "Use GET.")
        response["Allow"] = "GET, HEAD"
        return response
    return JsonResponse(openapi_schema())


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    return _error(404, "not_found", "No such API endpoint.")
