"""Our signatures, checked by the reference `standardwebhooks` verifier (what receivers run)."""

import base64
import time

import orjson
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.webhooks.signing import new_secret, signature_headers

BODY = orjson.dumps({"type": "optout.created", "timestamp": "2026-12-01T10:00:00Z", "data": {"token": "+31612345678"}})
MESSAGE_ID = "msg_2f1c9a7e4b3d4e0f8a6b5c4d3e2f1a0b"
TOLERANCE = 5 * 60  # seconds either way the reference library accepts a timestamp

# The reference library's own test vector: its secret, id, timestamp, payload and signature.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_new_secret_is_whsec_and_the_base64_of_32_random_bytes() -> None:
    secret = new_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert new_secret() != secret


def test_the_reference_library_accepts_our_secret_format() -> None:
    secret = new_secret()
    headers = signature_headers(MESSAGE_ID, int(time.time()), BODY, [secret])

    # With its prefix, as we show it, and without, as some receivers store it.
    assert Webhook(secret).verify(BODY, headers) == orjson.loads(BODY)
    assert Webhook(secret.removeprefix("whsec_")).verify(BODY, headers) == orjson.loads(BODY)


def test_signature_equals_the_reference_test_vector() -> None:
    headers = signature_headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}', [VECTOR_SECRET])

    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_delivery_signed_with_one_secret_verifies() -> None:
    secret = new_secret()
    headers = signature_headers(MESSAGE_ID, int(time.time()), BODY, [secret])

    assert headers["webhook-id"] == MESSAGE_ID
    assert headers["webhook-signature"].startswith("v1,")
    assert " " not in headers["webhook-signature"]
    assert Webhook(secret).verify(BODY, headers) == orjson.loads(BODY)


def test_during_rotation_each_secret_alone_verifies_the_same_delivery() -> None:
    new, old = new_secret(), new_secret()
    headers = signature_headers(MESSAGE_ID, int(time.time()), BODY, [new, old])

    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(BODY, headers) == orjson.loads(BODY)
    assert Webhook(old).verify(BODY, headers) == orjson.loads(BODY)


def test_tampered_body_fails() -> None:
    secret = new_secret()
    headers = signature_headers(MESSAGE_ID, int(time.time()), BODY, [secret])

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(BODY.replace(b"+31612345678", b"+31612345679"), headers)


def test_tampered_id_fails() -> None:
    secret = new_secret()
    headers = signature_headers(MESSAGE_ID, int(time.time()), BODY, [secret])

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(BODY, {**headers, "webhook-id": "msg_another"})


def test_wrong_secret_fails() -> None:
    headers = signature_headers(MESSAGE_ID, int(time.time()), BODY, [new_secret()])

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(new_secret()).verify(BODY, headers)


@pytest.mark.parametrize("offset", [-(TOLERANCE + 60), TOLERANCE + 60])
def test_timestamp_outside_the_library_tolerance_fails(offset: int) -> None:
    secret = new_secret()
    headers = signature_headers(MESSAGE_ID, int(time.time()) + offset, BODY, [secret])

    with pytest.raises(WebhookVerificationError, match="timestamp too (old|new)"):
        Webhook(secret).verify(BODY, headers)


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # no prefix
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"x" * 16).decode(),  # shorter than the spec's 24 bytes
        "whsec_" + base64.b64encode(b"x" * 65).decode(),  # longer than its 64
    ],
)
def test_malformed_secret_is_refused_without_showing_it(secret: str) -> None:
    with pytest.raises(ValueError) as refused:
        signature_headers(MESSAGE_ID, int(time.time()), BODY, [secret])

    assert secret.removeprefix("whsec_") not in str(refused.value)


@pytest.mark.parametrize("message_id", ["", "msg.1", "msg\n1", "msg_é"])
def test_message_id_that_could_make_signatures_ambiguous_is_refused(message_id: str) -> None:
    with pytest.raises(ValueError, match="webhook id"):
        signature_headers(message_id, int(time.time()), BODY, [new_secret()])


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        signature_headers(MESSAGE_ID, int(time.time()), BODY, [])
