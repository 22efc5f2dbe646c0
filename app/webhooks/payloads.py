"""What a webhook delivers (http-contract.md): `{"type", "timestamp", "data"}`, the data being
the event's fields as the API shows an OptOutEvent, cursor included, so that a receiver can
order what it gets and drop what it got twice."""

from typing import Any
from uuid import UUID

from app import ids
from app.opt_outs.records import EventRecord, Evidence

TYPES = {"OPT_OUT": "optout.created", "OPT_IN": "optin.created"}
TEST = "webhook.test"


def webhook_id(delivery_id: UUID) -> str:
    """The `webhook-id` of a delivery: the same on every attempt, so a receiver drops a repeat."""
    return f"msg_{delivery_id.hex}"


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def event_payload(event: EventRecord) -> dict[str, Any]:
    evidence = Evidence.from_json(event.evidence)
    return {
        "type": TYPES[event.action],
        "timestamp": event.occurred_at.isoformat(),
        "data": {
            "id": ids.encode_event(event.id),
            "cursor": event.position.encode(),
            "accountId": ids.encode("Account", event.account_id),
            "scope": event.scope,
            "token": event.token,
            "tokenType": event.token_type,
            "channel": event.channel,
            "action": event.action,
            "source": event.source,
            "reason": event.reason,
            "occurredAt": event.occurred_at.isoformat(),
            "evidence": {_camel(k): v for k, v in (evidence.to_json() or {}).items()} if evidence else None,
        },
    }


def test_payload(endpoint_id: str, at: str) -> dict[str, Any]:
    return {"type": TEST, "timestamp": at, "data": {"endpointId": endpoint_id, "message": "A test delivery."}}
