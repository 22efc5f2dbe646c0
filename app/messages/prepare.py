"""A promotional SMS made ready to send: the opt-out instruction appended unless the body already
tells its reader how to opt out, and what that costs in parts (segments.py)."""

import dataclasses
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


class BodyPreparation:
    """One body made ready for many recipients: measured, and searched for a STOP clause, once."""

    def __init__(self, body: str, opt_out_keywords: Sequence[str]) -> None:
        self.body = body
        self.before = measure(body)
        self.has_stop_clause = has_stop_clause(body, opt_out_keywords)
        self._separator = "" if not body or body[-1].isspace() else " "
        self._counted: dict[str, Prepared] = {}

    def unchanged(self) -> Prepared:
        return Prepared(self.body, False, self.before.encoding, self.before.segments, self.before.segments, False)

    def with_instruction(self, instruction: str, *, alike: str | None = None) -> Prepared:
        """`alike` names instructions that count alike: the same text with a different link code
        (codes are of one length, in characters GSM-7 counts one each). Each is counted once."""
        if self.has_stop_clause:
            return self.unchanged()
        sent = f"{self.body}{self._separator}{instruction}"
        counted = self._counted.get(alike) if alike is not None else None
        if counted is not None:
            return dataclasses.replace(counted, body=sent)
        after = measure(sent)
        switched = self.before.encoding is Encoding.GSM_7 and after.encoding is Encoding.UCS_2
        prepared = Prepared(sent, True, after.encoding, self.before.segments, after.segments, switched)
        if alike is not None:
            self._counted[alike] = prepared
        return prepared


def prepare(body: str, instruction: str, opt_out_keywords: Sequence[str]) -> Prepared:
    return BodyPreparation(body, opt_out_keywords).with_instruction(instruction)
