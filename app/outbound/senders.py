"""Where outbound messages go: a pluggable sender. By default a logging sender (nothing leaves
the machine; the log shows that a message would have gone, without its number or text); with
STOPLIST_SMS_GATEWAY_URL, an HTTP gateway that takes a JSON POST."""

import logging
from typing import Protocol

import orjson

from app import ids
from app.outbound.repository import ClaimedMessage
from app.settings import Settings
from app.webhooks.destinations import DeliveryClient, DeliveryFailed

logger = logging.getLogger(__name__)


class SendFailed(Exception):
    """The message did not go out this time; it is tried again later."""


class Sender(Protocol):
    async def send(self, message: ClaimedMessage) -> None: ...

    async def close(self) -> None: ...


class LoggingSender:
    async def send(self, message: ClaimedMessage) -> None:
        # The log carries no personal data: the message's id and size, not its number or text.
        logger.info(
            "outbound %s %s (%d characters) not sent: no SMS gateway is configured",
            message.kind,
            message.id,
            len(message.body),
        )

    async def close(self) -> None:
        pass


class HttpGatewaySender:
    """POSTs `{"to", "body", "accountId", "messageId"}`; any 2xx is sent, anything else is retried.
    The messageId stays the same across retries, so a gateway can drop a duplicate. The gateway
    is the operator's own, so any address is allowed; otherwise it is sent as a webhook is: no
    redirect followed, one deadline, at most 64 KiB of the answer read."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self._client = DeliveryClient(allow_private=True, timeout=timeout, user_agent="Stoplist-Outbound")

    async def send(self, message: ClaimedMessage) -> None:
        payload = {
            "to": message.recipient,
            "body": message.body,
            "accountId": ids.encode("Account", message.account_id),
            "messageId": str(message.id),
        }
        try:
            reply = await self._client.post(self.url, body=orjson.dumps(payload), headers={})
        except DeliveryFailed as error:
            raise SendFailed(f"the gateway could not be reached: {error}") from None
        if not 200 <= reply.status_code < 300:
            raise SendFailed(f"the gateway answered {reply.status_code}")

    async def close(self) -> None:
        await self._client.aclose()


def sender_for(settings: Settings) -> Sender:
    if settings.STOPLIST_SMS_GATEWAY_URL:
        return HttpGatewaySender(settings.STOPLIST_SMS_GATEWAY_URL)
    return LoggingSender()
