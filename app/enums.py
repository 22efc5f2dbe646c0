"""Domain vocabulary shared by every layer (stored as text in the database)."""

from enum import StrEnum


class Channel(StrEnum):
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"
    VOICE = "VOICE"
    RCS = "RCS"
    EMAIL = "EMAIL"

    @property
    def token_type(self) -> "TokenType":
        return TokenType.EMAIL if self is Channel.EMAIL else TokenType.MSISDN


class TokenType(StrEnum):
    MSISDN = "MSISDN"
    EMAIL = "EMAIL"


class OptOutScope(StrEnum):
    ORGANIZATION = "ORGANIZATION"
    ACCOUNT = "ACCOUNT"


class OptOutAction(StrEnum):
    OPT_OUT = "OPT_OUT"
    OPT_IN = "OPT_IN"


class OptOutSource(StrEnum):
    API = "API"
    DASHBOARD = "DASHBOARD"
    KEYWORD = "KEYWORD"
    LINK = "LINK"
    IMPORT = "IMPORT"
    UPLOAD = "UPLOAD"


class Purpose(StrEnum):
    PROMOTIONAL = "PROMOTIONAL"
    TRANSACTIONAL = "TRANSACTIONAL"


class ContactOptOutEffect(StrEnum):
    KEEP = "KEEP"
    REMOVE_FROM_GROUPS = "REMOVE_FROM_GROUPS"
    DELETE_CONTACT = "DELETE_CONTACT"


class Role(StrEnum):
    ADMIN = "admin"
    WRITER = "writer"
    READER = "reader"

    @property
    def rank(self) -> int:
        return {Role.READER: 0, Role.WRITER: 1, Role.ADMIN: 2}[self]
