"""What the feed benchmark writes and what its subscribers receive, and the fresh tokens it writes."""

import random
from dataclasses import dataclass

# (monotonic time received, token, cursor). A plain tuple: the subscriber processes record one
# per message, and on two cores every microsecond they spend is taken from the server.
Delivery = tuple[float, str, str]


@dataclass(frozen=True, slots=True)
class Write:
    org: int  # index of the organization written to
    token: str
    at: float  # scheduled send time, in seconds after the writer's start (0 for a burst)


@dataclass(frozen=True, slots=True)
class Written:
    write: Write
    due: float  # scheduled send time (time.monotonic)
    sent: float
    returned: float  # the response was read (optOut), or the COMMIT returned (baseline)
    cursor: str  # the event's cursor as optOut returned it; "" for the baseline or on error
    error: str | None = None


class Tokens:
    """Distinct Dutch mobile numbers (+316 and eight digits), never handed out twice in a run,
    so every event can be matched to the write that made it."""

    def __init__(self, seed: int) -> None:
        self._next = random.Random(seed).randrange(10**7)  # room for 90M tokens after it

    def take(self, count: int) -> list[str]:
        start, self._next = self._next, self._next + count
        if self._next >= 10**8:
            raise RuntimeError("out of fresh tokens")
        return [f"+316{n:08d}" for n in range(start, self._next)]


def schedule(tokens: list[str], orgs: list[int], rate: float | None) -> list[Write]:
    """Write i of org orgs[i] at i / rate seconds (open loop), or all at once for rate None."""
    return [
        Write(org, token, 0.0 if rate is None else i / rate)
        for i, (org, token) in enumerate(zip(orgs, tokens, strict=True))
    ]
