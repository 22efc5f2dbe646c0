"""The requests the benchmark sends: an inbound STOP as a gateway posts it, and the bare optOut
of the baseline, each serialised once with the sender (the token) spliced in per request."""

import json

from bench.http import VALUE, RequestTemplate, _head
from bench.scenarios import OPT_OUT_MUTATION

INBOUND_PATH = "/inbound/sms"
SHORT_CODE = "3010"  # the number the STOPs are sent to
# In both answers: the STOP's {"action":"OPT_OUT","reply":null,"needsReview":false} and optOut's event.
EXPECT = b'"action":"OPT_OUT"'


def inbound_stop(host: str, port: int, writer_key: str, account_id: str) -> RequestTemplate:
    """A STOP from the token, the gateway's message id being the token too (distinct per sender)."""
    fields = {"accountId": account_id, "from": VALUE, "to": SHORT_CODE, "body": "STOP", "messageId": VALUE}
    body = json.dumps(fields, separators=(",", ":")).encode()
    return RequestTemplate(_head(host, port, INBOUND_PATH, {"Authorization": f"Bearer {writer_key}"}), body)


def opt_out(host: str, port: int, key: str, account_id: str) -> RequestTemplate:
    """The `writes` scenario's optOut (bench/scenarios.py) of the token on SMS."""
    variables = {"input": {"accountId": account_id, "token": VALUE, "channels": ["SMS"]}}
    return RequestTemplate.graphql(host, port, key, OPT_OUT_MUTATION, variables)


def values(tokens: list[str]) -> list[str]:
    """The tokens as the JSON texts a template splices in."""
    return [json.dumps(token) for token in tokens]
