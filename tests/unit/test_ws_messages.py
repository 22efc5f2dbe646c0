import pytest

from graphql_schema.ws_messages import LEGACY_WS, TRANSPORT_WS, close_reason, problem

QUERY = {"query": "subscription { optOutEvents { cursor } }"}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([], "A message must be a JSON object, not an array"),
        (42, "A message must be a JSON object, not a number"),
        (None, "A message must be a JSON object, not null"),
        ("x", "A message must be a JSON object, not a string"),
        ({"type": 1}, "Unknown message type: 1"),
        ({"type": "nope"}, "Unknown message type: nope"),
        ({"type": "connection_init", "payload": 42}, '"payload" must be an object, not a number'),
        ({"type": "ping", "payload": []}, '"payload" must be an object, not an array'),
        ({"id": "1", "type": "subscribe", "payload": 42}, '"payload" must be an object, not a number'),
        ({"id": {"a": 1}, "type": "subscribe", "payload": QUERY}, '"id" must be a non-empty string, not an object'),
        ({"type": "subscribe", "payload": QUERY}, '"id" must be a non-empty string, not null'),
        ({"id": "", "type": "subscribe", "payload": QUERY}, '"id" must be a non-empty string, not a string'),
        ({"id": "x" * 129, "type": "subscribe", "payload": QUERY}, '"id" is longer than 128 characters'),
        ({"id": "1", "type": "subscribe"}, '"payload" must be an object, not null'),
        ({"id": "1", "type": "subscribe", "payload": {}}, '"payload.query" must be a string, not null'),
        (
            {"id": "1", "type": "subscribe", "payload": {**QUERY, "variables": [1]}},
            '"payload.variables" must be an object, not an array',
        ),
        (
            {"id": "1", "type": "subscribe", "payload": {**QUERY, "operationName": 7}},
            '"payload.operationName" must be a string, not a number',
        ),
        ({"type": "complete"}, '"id" must be a non-empty string, not null'),
        (
            {"id": "1", "type": "subscribe", "payload": {"query": "#" * 100_001}},
            '"payload.query" is longer than 100,000 characters',
        ),
    ],
)
def test_malformed_graphql_transport_ws_messages(message: object, reason: str) -> None:
    assert problem(message, TRANSPORT_WS) == reason


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"type": "start", "payload": QUERY}, '"id" must be a non-empty string, not null'),
        ({"id": "1", "type": "start"}, '"payload" must be an object, not null'),
        ({"id": 1, "type": "stop"}, '"id" must be a non-empty string, not a number'),
        ({"type": "subscribe", "id": "1", "payload": QUERY}, "Unknown message type: subscribe"),
    ],
)
def test_malformed_legacy_graphql_ws_messages(message: object, reason: str) -> None:
    assert problem(message, LEGACY_WS) == reason


@pytest.mark.parametrize(
    ("message", "protocol"),
    [
        ({"type": "connection_init"}, TRANSPORT_WS),
        ({"type": "connection_init", "payload": {"authorization": "Bearer x"}}, TRANSPORT_WS),
        ({"type": "ping"}, TRANSPORT_WS),
        (
            {"id": "1", "type": "subscribe", "payload": {**QUERY, "variables": None, "operationName": None}},
            TRANSPORT_WS,
        ),
        ({"id": "1", "type": "complete"}, TRANSPORT_WS),
        ({"type": "connection_init", "payload": None}, LEGACY_WS),
        ({"id": "1", "type": "start", "payload": QUERY}, LEGACY_WS),
        ({"id": "1", "type": "stop"}, LEGACY_WS),
        ({"type": "connection_terminate"}, LEGACY_WS),
    ],
)
def test_well_formed_messages_pass(message: object, protocol: str) -> None:
    assert problem(message, protocol) is None


def test_a_close_reason_fits_a_close_frame() -> None:
    reason = close_reason("é" * 100)
    assert len(reason.encode()) <= 123
    assert reason.endswith("...")
