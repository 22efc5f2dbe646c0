"""Standard Webhooks signatures (https://www.standardwebhooks.com/, symmetric scheme `v1`).

A delivery carries `webhook-id`, `webhook-timestamp` and `webhook-signature`; the signature is
`v1,` and the base64 HMAC-SHA256, keyed by the decoded secret, of `{id}.{timestamp}.{body}`.
During a secret rotation every secret still valid signs, space-separated in one header, so a
receiver that knows either secret accepts the delivery (the spec's zero-downtime rotation).
A retry keeps its `webhook-id` but signs a new timestamp: receivers refuse stale timestamps
(the reference libraries allow five minutes) to stop replays.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from secrets import token_bytes

SECRET_PREFIX = "whsec_"
# The spec: random, at least 24 bytes, at most 64 (512 bits).
SECRET_BYTES = 32
_SECRET_SIZES = range(24, 65)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode("ascii")


def signature_headers(message_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
    # The id and the timestamp are joined to the body with full stops: neither may hold one,
    # or two different deliveries could sign the same bytes (the spec says as much).
    if not message_id or not message_id.isascii() or not message_id.isprintable() or "." in message_id:
        raise ValueError(f"webhook id {message_id!r} must be printable ASCII without full stops")
    if timestamp < 0:
        raise ValueError(f"webhook timestamp {timestamp} is before 1970")
    if not secrets:
        raise ValueError("a delivery needs at least one secret to sign with")
    signed = b"%s.%d.%s" % (message_id.encode("ascii"), timestamp, body)
    signatures = " ".join(f"v1,{_sign(_key(secret), signed)}" for secret in secrets)
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signatures}


def _sign(key: bytes, signed: bytes) -> str:
    return base64.b64encode(hmac.digest(key, signed, hashlib.sha256)).decode("ascii")


def _key(secret: str) -> bytes:
    # Stricter than the reference verifier, which drops characters that are not base64: a secret
    # we sign with must mean the same key to every receiver's library.
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as error:
        raise ValueError("a webhook secret is whsec_ and base64") from error
    if len(key) not in _SECRET_SIZES:
        raise ValueError(f"a webhook secret holds 24 to 64 bytes, not {len(key)}")
    return key
