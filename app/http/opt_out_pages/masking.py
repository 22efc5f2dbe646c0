"""What a link's page shows of the number or address it opts out: enough for its owner to know
it, too little for anyone else who sees the page to learn it."""

from app.enums import TokenType

HIDDEN = "•"


def masked(token: str, token_type: TokenType) -> str:
    if token_type is TokenType.EMAIL:
        local, _, domain = token.rpartition("@")
        return f"{local[:1]}{HIDDEN * 3}@{domain}"
    # +31612345678 -> +316•••••678: the country and the last three digits.
    keep_start, keep_end = 4, 3
    if len(token) <= keep_start + keep_end:
        return token[:keep_start] + HIDDEN * (len(token) - keep_start)
    return token[:keep_start] + HIDDEN * (len(token) - keep_start - keep_end) + token[-keep_end:]
