"""The row files, generated from the seed: one file per run, read by the API's request and by the
baseline of that run alike.

Numbers are Dutch mobiles written as senders' files write them: E.164, or national, with or
without spaces. Row j of run r takes style (j + r) mod 4, so every run has the same mix, yet no
cell of a run recurs in the next three: the server remembers the last 200,000 numbers it parsed
(app/tokens), and the same cells again would measure that memory, not the parsing. Every
`INVALID_EVERY`th row holds no number (too short, text, an unknown country code)."""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

INVALID_EVERY = 2_000
INVALID = ("0612", "not a number", "+999 123")
STYLES = 4
FIRST_NAMES = ("Anna", "Bram", "Chloé", "Daan", "Emma", "Finn", "Gül", "Hugo", "Iris", "Jesse")
LAST_NAMES = ("de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "El Amrani")
CITIES = ("Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere")
SEGMENTS = ("new", "regular", "lapsed", "vip")


def phone(digits: str, style: int) -> str:
    """+316 and `digits` (eight), in one of the `STYLES` senders write."""
    if style == 0:
        return f"+316{digits}"
    if style == 1:
        return f"06{digits}"
    if style == 2:
        return f"06 {digits[:4]} {digits[4:]}"
    return f"+31 6 {digits}"


def numbers(count: int, seed: int) -> list[str]:
    """`count` distinct eight-digit tails of Dutch mobile numbers."""
    return [f"{n:08d}" for n in random.Random(seed).sample(range(10**8), count)]


@dataclass
class RowFile:
    path: Path
    rows: int  # data rows, the header not counted
    invalid: int = 0  # rows with no number
    suppressed: set[str] = field(default_factory=set)  # scrub files: the phone cells that are opted out

    @property
    def valid(self) -> int:
        return self.rows - self.invalid


def _write(path: Path, header: str, lines: Iterator[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(header + "\n")
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= 10_000:
                out.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")


def _cells(tails: list[str], run: int, row: Callable[[int, str, bool], str]) -> tuple[Iterator[str], list[int]]:
    """Each row's line made by `row(index, phone cell, valid)`, and a one-item list counting the
    invalid rows once the lines have been written."""
    invalid = [0]

    def lines() -> Iterator[str]:
        for index, tail in enumerate(tails):
            if index % INVALID_EVERY == INVALID_EVERY - 1:
                invalid[0] += 1
                yield row(index, INVALID[(index // INVALID_EVERY) % len(INVALID)], False)
            else:
                yield row(index, phone(tail, (index + run) % STYLES), True)

    return lines(), invalid


def opt_outs(path: Path, tails: list[str], run: int) -> RowFile:
    """A CSV of one column, `phone`: the upload's file."""
    lines, invalid = _cells(tails, run, lambda index, cell, valid: cell)
    _write(path, "phone", lines)
    return RowFile(path, len(tails), invalid[0])


def contacts(path: Path, tails: list[str], run: int) -> RowFile:
    """phone,email,first_name,last_name,city: every other contact has an e-mail address (in mixed
    case, which the import lower-cases); `city` is a custom column. A row without a number has no
    e-mail address either, so it holds no token: invalid whatever the import makes of the rest."""

    def row(index: int, cell: str, valid: bool) -> str:
        email = f"Contact.{index}@Example.com" if valid and index % 2 == 0 else ""
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        return f"{cell},{email},{first},{last},{CITIES[index % len(CITIES)]}"

    lines, invalid = _cells(tails, run, row)
    _write(path, "phone,email,first_name,last_name,city", lines)
    return RowFile(path, len(tails), invalid[0])


def recipients(path: Path, msisdns: list[str], opted_out: set[str], run: int) -> RowFile:
    """A campaign file for the scrub: customer_id,first_name,last_name,phone,city,segment, one row
    per number of `msisdns` (E.164, +316...), those in `opted_out` to be scrubbed."""
    suppressed: set[str] = set()

    def row(index: int, cell: str, valid: bool) -> str:
        if valid and msisdns[index] in opted_out:
            suppressed.add(cell)
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        city, segment = CITIES[index % len(CITIES)], SEGMENTS[index % len(SEGMENTS)]
        return f"C{index:07d},{first},{last},{cell},{city},{segment}"

    lines, invalid = _cells([msisdn[4:] for msisdn in msisdns], run, row)
    _write(path, "customer_id,first_name,last_name,phone,city,segment", lines)
    return RowFile(path, len(msisdns), invalid[0], suppressed)
