"""The OpenAPI 3.1 description of /api/v1/, written by hand next to the views it describes.

A test validates it (openapi-spec-validator) and checks that every path in it
resolves to a view and every API route is in it, so the two cannot drift apart.
"""

from typing import Any

from django.conf import settings

API_VERSION = "1.0.0"

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATETIME = {"type": "string", "format": "date-time"}
_NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error_response(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_ERRORS = {
    "400": _error_response(
        "A parameter is not valid (`invalid_parameter`): malformed, out of range (a time before year 1 "
        "or after 9999 in UTC, a cursor this API did not return), or too many parameters."
    ),
    "401": _error_response("No token, or an unknown or revoked one (`missing_token`, `invalid_token`)."),
    "405": _error_response("Wrong method (`method_not_allowed`); `Allow` names the right one."),
    "500": _error_response("The server failed (`server_error`); try again later."),
}
_NOT_FOUND = {"404": _error_response("No such conversation for this token's site (`not_found`).")}
_CONVERSATION_ID = {
    "name": "conversation_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}


def _limit(default: int, maximum: int) -> dict[str, Any]:
    return {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "detail"],
                "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
            }
        },
    },
    "Agent": {
        "type": "object",
        "required": ["id", "name", "photo_url"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string", "description": "The agent's public display name."},
            "photo_url": _NULLABLE_STRING,
        },
    },
    "Conversation": {
        "type": "object",
        "required": [
            "id",
            "site",
            "status",
            "visitor",
            "assigned_agent",
            "last_seq",
            "created_at",
            "last_message_at",
            "closed_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "site": {
                "type": "object",
                "required": ["key", "name"],
                "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
            },
            "status": {"type": "string", "enum": ["open", "closed"]},
            "visitor": {
                "type": "object",
                "description": "Pseudonymous: never the visitor's contact data or IP address.",
                "required": ["id", "label"],
                "properties": {"id": {"type": "string", "format": "uuid"}, "label": {"type": "string"}},
            },
            "assigned_agent": {"oneOf": [_ref("Agent"), {"type": "null"}]},
            "last_seq": {"type": "integer", "description": "The `seq` of the latest message."},
            "created_at": _DATETIME,
            "last_message_at": _NULLABLE_DATETIME,
            "closed_at": _NULLABLE_DATETIME,
        },
    },
    "Message": {
        "type": "object",
        "required": ["id", "conversation", "seq", "author", "agent", "body", "client_id", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "conversation": {"type": "integer"},
            "seq": {"type": "integer", "description": "1, 2, 3 … within the conversation, without gaps."},
            "author": {"type": "string", "enum": ["visitor", "agent", "system"]},
            "agent": {"oneOf": [_ref("Agent"), {"type": "null"}]},
            "body": {"type": "string"},
            "client_id": _NULLABLE_STRING,
            "created_at": _DATETIME,
        },
    },
    "ConversationPage": {
        "type": "object",
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": _ref("Conversation")},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next page; null on the last page.",
            },
        },
    },
    "MessagePage": {
        "type": "object",
        "required": ["data", "next_after_seq"],
        "properties": {
            "data": {"type": "array", "items": _ref("Message")},
            "next_after_seq": {
                "type": ["integer", "null"],
                "description": "Pass as `after_seq` for the next page; null on the last page.",
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/conversations": {
        "get": {
            "operationId": "listConversations",
            "summary": "The site's conversations, least recently active first",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["open", "closed"]},
                },
                {
                    "name": "updated_since",
                    "in": "query",
                    "required": False,
                    "description": "Only conversations active (message or creation) at or after this time.",
                    "schema": {"type": "string", "format": "date-time"},
                },
                {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
                _limit(50, 200),
            ],
            "responses": {"200": _json(_ref("ConversationPage"), "One page of conversations."), **_ERRORS},
        }
    },
    "/api/v1/conversations/{conversation_id}": {
        "get": {
            "operationId": "getConversation",
            "summary": "One conversation",
            "parameters": [_CONVERSATION_ID],
            "responses": {"200": _json(_ref("Conversation"), "The conversation."), **_ERRORS, **_NOT_FOUND},
        }
    },
    "/api/v1/conversations/{conversation_id}/messages": {
        "get": {
            "operationId": "listMessages",
            "summary": "The conversation's messages in order",
            "parameters": [
                _CONVERSATION_ID,
                {
                    "name": "after_seq",
                    "in": "query",
                    "required": False,
                    "description": "Only messages with a higher `seq`.",
                    "schema": {"type": "integer", "minimum": 0, "default": 0},
                },
                _limit(100, 500),
            ],
            "responses": {
                "200": _json(_ref("MessagePage"), "One page of messages."),
                **_ERRORS,
                **_NOT_FOUND,
            },
        }
    },
    "/api/v1/conversations/{conversation_id}/close": {
        "post": {
            "operationId": "closeConversation",
            "summary": "Close an open conversation",
            "description": "Adds a system message, as when an agent closes it, and sends the events "
            "(`conversation.closed` and `message.created` webhooks).",
            "parameters": [_CONVERSATION_ID],
            "responses": {
                "200": _json(_ref("Conversation"), "The closed conversation."),
                **_ERRORS,
                **_NOT_FOUND,
                "409": _error_response("The conversation is already closed (`conversation_closed`)."),
            },
        }
    },
}


def openapi_schema() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "chatplatform API",
            "version": API_VERSION,
            "description": "Read a site's conversations and close them. Every request needs a site's "
            "API token: `Authorization: Bearer <token>`. See docs/api.md.",
        },
        "servers": [{"url": settings.PUBLIC_URL}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
