"""What a test's page loaded, recorded by the `page` fixture (conftest.py)."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"


def on_loopback(url: str) -> bool:
    return urlsplit(url).hostname == LOOPBACK


@dataclass
class Traffic:
    requests: list[str] = field(default_factory=list)  # every HTTP(S) request, in order
    websockets: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)  # aborted: not to 127.0.0.1
    csp_violations: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [f"request off {LOOPBACK} (aborted): {url}" for url in self.offsite] + [
            f"Content-Security-Policy violation: {text}" for text in self.csp_violations
        ]
