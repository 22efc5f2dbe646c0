"""The baseline of prepareMessages: the same work written straightforwardly in plain Python and
SQL, as a sender's own script would do it. Each number is read with `phonenumbers` (parse, check
it is possible, format as E.164, its region); the body with the country's instruction, or with a
link, is measured by a small segment counter of its own; the numbers that need a link get a code
from `secrets`, all INSERTed at once into the same table as the API's, in one statement."""

import secrets
from uuid import UUID

import asyncpg
import phonenumbers

from app.links.codes import ALPHABET, LENGTH

# GSM 03.38's basic table, and its extension table, whose characters take two septets each.
GSM_7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_7_EXTENSION = frozenset("^{}\\[~]|€\f")
INSTRUCTIONS = "SELECT country, text FROM opt_out_instructions WHERE account_id = $1"
MINT = """
INSERT INTO opt_out_links (code, organization_id, account_id, channel, token)
SELECT code, $1, $2, 'SMS', token FROM unnest($3::text[], $4::text[]) AS minted(code, token)
ON CONFLICT DO NOTHING
RETURNING token, code
"""
# (to, body, encoding, parts before, parts after), as prepareMessages answers each recipient.
Message = tuple[str, str, str, int, int]


def segments(text: str) -> tuple[str, int]:
    """(encoding, SMS parts): GSM-7 in 160 septets or 153 a part, else UCS-2 in 70 UTF-16 units or 67 a part."""
    if all(character in GSM_7 or character in GSM_7_EXTENSION for character in text):
        units = len(text) + sum(character in GSM_7_EXTENSION for character in text)
        encoding, single, part = "GSM-7", 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        encoding, single, part = "UCS-2", 70, 67
    return encoding, 1 if units <= single else -(-units // part)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


async def instructions(connection: asyncpg.Connection, account_id: UUID) -> dict[str, str]:
    return {country: text for country, text in await connection.fetch(INSTRUCTIONS, account_id)}


async def prepare(
    connection: asyncpg.Connection,
    organization_id: UUID,
    account_id: UUID,
    instructions: dict[str, str],
    links_base: str,
    body: str,
    recipients: list[str],
) -> list[Message]:
    _, before = segments(body)
    texts: list[str | None] = []
    linked: list[str] = []
    for raw in recipients:
        number = phonenumbers.parse(raw, "NL")
        if not phonenumbers.is_possible_number(number):
            raise ValueError(f"{raw!r} is not a possible number")
        instruction = instructions.get(phonenumbers.region_code_for_number(number) or "")
        if instruction is None:
            linked.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        texts.append(f"{body} {instruction}" if instruction is not None else None)
    minted = dict(await connection.fetch(MINT, organization_id, account_id, [new_code() for _ in linked], linked))
    if len(minted) != len(linked):
        raise RuntimeError(f"{len(linked) - len(minted)} of {len(linked)} links were not minted")
    links = iter(linked)
    messages = []
    for raw, text in zip(recipients, texts, strict=True):
        sent = text if text is not None else f"{body} {links_base}/o/{minted[next(links)]}"
        encoding, after = segments(sent)
        messages.append((raw, sent, encoding, before, after))
    return messages
