"""API key format and hashing. Keys carry 256 bits of randomness, so one keyed SHA-256 is
enough (a slow password hash buys nothing against a key that cannot be guessed)."""

import hashlib
import hmac
import secrets

PREFIX = "sl_"


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str, pepper: str) -> bytes:
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).digest()


def display_prefix(key: str) -> str:
    return key[:10]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
