"""A promotional SMS made ready to send: the opt-out instruction appended unless the body already
tells its reader how to opt out, and what that costs in parts (segments.py)."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.keywords.matching import without_accents
from app.messages.segments import Encoding, measure


@dataclass(frozen=True, slots=True)
class Prepared:
    body: str  # the body to send
    appended: bool  # False when the body already had a STOP clause
    encoding: Encoding  # of the body to send
    segments_before: int
    segments_after: int
    encoding_switched: bool  # appending made a GSM-7 body UCS-2


@lru_cache(maxsize=256)
def _stop_clause(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    # A keyword counts as written in capitals, as a word of its own: "Reply STOP to 3010" has a
    # STOP clause, "Don't stop the deals!" has none. The words of "OPT OUT" may be joined by
    # spaces or a hyphen.
    alternatives = []
    for keyword in keywords:
        words = without_accents(keyword).upper().split()
        if words:
            alternatives.append(r"[\s-]+".join(re.escape(word) for word in words))
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + r")(?!\w)")


def has_stop_clause(body: str, opt_out_keywords: Sequence[str]) -> bool:
    pattern = _stop_clause(tuple(opt_out_keywords))
    return pattern is not None and pattern.search(without_accents(body)) is not None


def prepare(body: str, instruction: str, opt_out_keywords: Sequence[str]) -> Prepared:
    before = measure(body)
    if has_stop_clause(body, opt_out_keywords):
        return Prepared(body, False, before.encoding, before.segments, before.segments, False)
    separator = "" if not body or body[-1].isspace() else " "
    sent = f"{body}{separator}{instruction}"
    after = measure(sent)
    switched = before.encoding is Encoding.GSM_7 and after.encoding is Encoding.UCS_2
    return Prepared(sent, True, after.encoding, before.segments, after.segments, switched)
