"""What the benchmark sends, each request serialised once with its varying part spliced in: a
prepareMessages of 1,000 numbers, the one-click POST of a link as a mail provider sends it, and
the baseline's optOut; and the fresh numbers they are about."""

from dataclasses import dataclass

from bench.feed.records import Tokens
from bench.http import VALUE, RequestTemplate

INSTRUCTION = "STOP naar 3010"  # the account's instruction for NL, its only one: German numbers get a link
# 127 characters: with the instruction one part, with a link (36 characters here) two.
BODY = (
    "Zomersale bij Schoenenwinkel: 20% korting op alle sandalen en slippers tot en met zondag, "
    "in al onze winkels en op schoenen.nl!"
)
RECIPIENTS = 1_000  # a call's numbers: as many Dutch as German ones, alternating
PREPARE = """
query($a: ID!, $body: String!, $to: [String!]!) {
  prepareMessages(accountId: $a, body: $body, to: $to) {
    to message { body appended encoding segmentsBefore segmentsAfter } error { code }
  }
}"""
OPT_OUT = "mutation($input: OptOutInput!) { optOut(input: $input) { events { id } errors { code } } }"
OPTED_OUT = b'"events":[{"id"'  # an optOut that made its event
ONE_CLICK = b"List-Unsubscribe=One-Click"  # RFC 8058's body
UNSUBSCRIBED = b"You are unsubscribed"  # the page after an opt-out (English: no Accept-Language)


def recipients(tokens: Tokens, calls: int) -> list[list[str]]:
    """Each call's numbers: fresh Dutch mobiles (+316 and eight digits), every other one made
    German (+49151 and the same eight digits), none used before in the run."""
    drawn = tokens.take(calls * RECIPIENTS)
    numbers = [number if n % 2 == 0 else "+49151" + number[4:] for n, number in enumerate(drawn)]
    return [numbers[start : start + RECIPIENTS] for start in range(0, len(numbers), RECIPIENTS)]


def prepare(host: str, port: int, key: str, account_id: str) -> RequestTemplate:
    return RequestTemplate.graphql(host, port, key, PREPARE, {"a": account_id, "body": BODY, "to": VALUE})


def opt_out(host: str, port: int, key: str, account_id: str) -> RequestTemplate:
    variables = {"input": {"accountId": account_id, "token": VALUE, "channels": ["SMS"]}}
    return RequestTemplate.graphql(host, port, key, OPT_OUT, variables)


@dataclass(frozen=True)
class OneClick(RequestTemplate):
    """`POST /o/{code}` with RFC 8058's form body: `fill` puts the code in the path."""

    @classmethod
    def post(cls, host: str, port: int) -> "OneClick":
        head = (
            f"POST /o/{VALUE} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nUser-Agent: bench-sender (one-click)\r\n"
            f"Content-Length: {len(ONE_CLICK)}\r\n\r\n"
        )
        return cls(head.encode(), ONE_CLICK)

    def fill(self, code: str) -> bytes:
        return self.head.replace(VALUE.encode(), code.encode()) + self.body
