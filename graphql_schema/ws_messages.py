"""The shape of GraphQL-over-WebSocket messages, checked before a handler reads them.

Strawberry's handlers index into messages as they come (`message["payload"]["query"]`), so a
message of the wrong shape (`[]`, `42`, a payload that is not an object, an object as id) ended
in an ASGI exception and a dropped connection. Both protocols now close such a connection with
4400 and a reason naming what is wrong, as graphql-transport-ws prescribes for an invalid
message (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md)."""

from typing import Any

from graphql_schema.bounds import MAX_DOCUMENT_LENGTH

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"

# An operation id is echoed in every message of its operation: keep it short.
MAX_ID_LENGTH = 128
# A close frame's reason holds at most 123 bytes (RFC 6455, 5.5.1).
MAX_REASON_BYTES = 123

_KINDS = {
    TRANSPORT_WS: {
        "connection_init": "init",
        "ping": "ping",
        "pong": "ping",
        "subscribe": "start",
        "complete": "stop",
    },
    LEGACY_WS: {
        "connection_init": "init",
        "connection_terminate": "bare",
        "start": "start",
        "stop": "stop",
    },
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _optional_object(message: dict[str, Any], key: str) -> str | None:
    value = message.get(key)
    return None if value is None or isinstance(value, dict) else f'"{key}" must be an object, not {_kind(value)}'


def _id(message: dict[str, Any]) -> str | None:
    value = message.get("id")
    if not isinstance(value, str) or not value:
        return f'"id" must be a non-empty string, not {_kind(value)}'
    if len(value) > MAX_ID_LENGTH:
        return f'"id" is longer than {MAX_ID_LENGTH} characters'
    return None


def _operation(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return f'"payload" must be an object, not {_kind(payload)}'
    if not isinstance(payload.get("query"), str):
        return f'"payload.query" must be a string, not {_kind(payload.get("query"))}'
    if len(payload["query"]) > MAX_DOCUMENT_LENGTH:
        return f'"payload.query" is longer than {MAX_DOCUMENT_LENGTH:,} characters'
    for key in ("variables", "extensions"):
        value = payload.get(key)
        if value is not None and not isinstance(value, dict):
            return f'"payload.{key}" must be an object, not {_kind(value)}'
    name = payload.get("operationName")
    if name is not None and not isinstance(name, str):
        return f'"payload.operationName" must be a string, not {_kind(name)}'
    return None


def problem(message: Any, protocol: str) -> str | None:
    """What is wrong with a decoded message, as a close reason; None when a handler can read it."""
    if not isinstance(message, dict):
        return f"A message must be a JSON object, not {_kind(message)}"
    message_type = message.get("type")
    kind = _KINDS[protocol].get(message_type) if isinstance(message_type, str) else None
    if kind is None:
        return f"Unknown message type: {str(message.get('type'))[:40]}"
    if kind in ("init", "ping"):
        return _optional_object(message, "payload")
    if kind == "start":
        return _id(message) or _operation(message.get("payload"))
    if kind == "stop":
        return _id(message)
    return None


def close_reason(text: str) -> str:
    """`text` cut to what a close frame can carry."""
    encoded = text.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return text
    return encoded[: MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."
