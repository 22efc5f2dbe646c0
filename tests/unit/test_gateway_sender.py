"""The HTTP gateway sender against a real receiver on loopback: what it POSTs, with what."""

import base64
import uuid

import pytest

from app.outbound.repository import ClaimedMessage
from app.outbound.senders import HttpGatewaySender, SendFailed
from app.settings import Settings
from tests.support.receiver import receiving


def message() -> ClaimedMessage:
    return ClaimedMessage(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "+31611111111", "You are out.", "CONFIRMATION", 1)


async def test_a_user_and_password_in_the_gateway_url_are_sent_as_basic_auth() -> None:
    async with receiving() as gateway:
        url = Settings(
            STOPLIST_SMS_GATEWAY_URL=f"http://gw:s%40cret@127.0.0.1:{gateway.port}/sms"
        ).STOPLIST_SMS_GATEWAY_URL
        assert url is not None
        sender = HttpGatewaySender(url)
        sent = message()
        try:
            await sender.send(sent)
        finally:
            await sender.close()

    (request,) = gateway.received
    assert request.path == "/sms"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"gw:s@cret").decode()
    assert request.json()["messageId"] == str(sent.id)
    assert request.json()["to"] == "+31611111111"


async def test_a_gateway_that_answers_no_2xx_fails_the_send_with_its_status() -> None:
    async with receiving() as gateway:
        gateway.fail(lambda request: True, times=1, status=503)
        sender = HttpGatewaySender(f"http://127.0.0.1:{gateway.port}/sms")
        try:
            with pytest.raises(SendFailed, match="^the gateway answered 503$"):
                await sender.send(message())
        finally:
            await sender.close()
