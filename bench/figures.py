"""A measured figure, its baseline (raw SQL, or whatever floor its benchmark measures) and its target."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str  # "tokens/s", "/s" or "ms"
    api: float
    baseline: float | None
    higher_is_better: bool
    minimum: float | None = None  # the API value must reach it
    maximum: float | None = None  # the API value must not exceed it
    max_ratio: float | None = None  # the ratio must not exceed it
    count: bool = False  # a count of things (lost events, ...): shown as a whole number

    @property
    def ratio(self) -> float | None:
        """How many times the raw SQL's cost the API's is: above 1 the API is slower."""
        if self.baseline is None:
            return None
        if self.higher_is_better:
            return self.baseline / self.api if self.api else float("inf")
        return self.api / self.baseline if self.baseline else float("inf")

    @property
    def target(self) -> str:
        parts = []
        if self.minimum is not None:
            parts.append(f">= {self._format(self.minimum)}")
        if self.maximum is not None:
            parts.append(f"<= {self._format(self.maximum)}")
        if self.max_ratio is not None:
            parts.append(f"ratio <= {self.max_ratio:g}x")
        return ", ".join(parts) or "-"

    @property
    def verdict(self) -> str:
        if self.target == "-":
            return "-"
        met = (
            (self.minimum is None or self.api >= self.minimum)
            and (self.maximum is None or self.api <= self.maximum)
            and (self.max_ratio is None or (self.ratio is not None and self.ratio <= self.max_ratio))
        )
        return "PASS" if met else "MISS"

    def _format(self, value: float) -> str:
        number = f"{value:,.0f}" if self.count else _number(value)
        return f"{number} {self.unit}".rstrip()

    def cells(self) -> list[str]:
        return [
            self.name,
            self._format(self.api),
            "-" if self.baseline is None else self._format(self.baseline),
            "-" if self.ratio is None else f"{self.ratio:.2f}x",
            self.target,
            self.verdict,
        ]


HEADERS = ["figure", "API", "raw SQL", "ratio", "target", "result"]


def _headers(baseline: str) -> list[str]:
    return [baseline if header == "raw SQL" else header for header in HEADERS]


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown_table(figures: list[Figure], baseline: str = "raw SQL") -> str:
    rows = [_headers(baseline), ["---"] * len(HEADERS), *(figure.cells() for figure in figures)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def text_table(figures: list[Figure], baseline: str = "raw SQL") -> str:
    rows = [_headers(baseline), *(figure.cells() for figure in figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def targets_met(figures: list[Figure]) -> str:
    """ "N targets met, M missed." """
    met, missed = (sum(f.verdict == verdict for f in figures) for verdict in ("PASS", "MISS"))
    return f"{met} targets met, {missed} missed."


def verdicts(figures: list[Figure]) -> str:
    """`targets_met`, then a line for each miss with its figure and target."""
    misses = [f"  MISS: {f.name}: {f.cells()[1]} (target {f.target})" for f in figures if f.verdict == "MISS"]
    return "\n".join([targets_met(figures), *misses])
