"""Which keyword, if any, an inbound message is. Matching ignores case, accents, surrounding
whitespace and punctuation ("  Stop! ", "arrêt", "ARRET." are all one word); the whole message
must be the keyword, since a word inside a sentence is the phrase matcher's to judge
(app/keywords/phrases.py)."""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from app.keywords import defaults

# Messages are short; a long one is no keyword, and its length must not cost us.
_LONGEST_KEYWORD = 40
_NOT_LETTERS = re.compile(r"[\W_]+")


def without_accents(text: str) -> str:
    """Accents dropped, case kept: "ARRÊT" reads as "ARRET"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalised(text: str) -> str:
    """The comparable form of a keyword or a message: no accents, no case, and punctuation and
    whitespace alike one space between words ("Opt-out!" is "opt out")."""
    plain = without_accents(text[: _LONGEST_KEYWORD * 4]).casefold()
    return _NOT_LETTERS.sub(" ", plain).strip()


class KeywordKind(StrEnum):
    OPT_OUT = "OPT_OUT"
    OPT_IN = "OPT_IN"
    HELP = "HELP"


@dataclass(frozen=True)
class KeywordMatch:
    kind: KeywordKind
    keyword: str  # as the account set it
    every_channel: bool  # STOPALL: every phone channel, not only SMS


@dataclass(frozen=True)
class KeywordSets:
    opt_out: tuple[str, ...] = defaults.OPT_OUT
    opt_in: tuple[str, ...] = defaults.OPT_IN
    help: tuple[str, ...] = defaults.HELP

    @cached_property
    def _by_word(self) -> dict[str, KeywordMatch]:
        by_word: dict[str, KeywordMatch] = {}
        stop_all = normalised(defaults.STOP_ALL)
        for kind, keywords in (
            (KeywordKind.HELP, self.help),
            (KeywordKind.OPT_IN, self.opt_in),
            (KeywordKind.OPT_OUT, self.opt_out),  # last: a word in two sets opts out
        ):
            for keyword in keywords:
                word = normalised(keyword)
                by_word[word] = KeywordMatch(kind, keyword, kind is KeywordKind.OPT_OUT and word == stop_all)
        return by_word

    def match(self, message: str) -> KeywordMatch | None:
        if len(message) > _LONGEST_KEYWORD * 4:
            return None
        return self._by_word.get(normalised(message))
