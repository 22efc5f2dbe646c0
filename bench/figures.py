"""A measured figure, its raw-SQL baseline and its target."""

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
            parts.append(f">= {_number(self.minimum)} {self.unit}")
        if self.maximum is not None:
            parts.append(f"<= {_number(self.maximum)} {self.unit}")
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

    def cells(self) -> list[str]:
        return [
            self.name,
            f"{_number(self.api)} {self.unit}",
            "-" if self.baseline is None else f"{_number(self.baseline)} {self.unit}",
            "-" if self.ratio is None else f"{self.ratio:.2f}x",
            self.target,
            self.verdict,
        ]


HEADERS = ["figure", "API", "raw SQL", "ratio", "target", "result"]


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown_table(figures: list[Figure]) -> str:
    rows = [HEADERS, ["---"] * len(HEADERS), *(figure.cells() for figure in figures)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def text_table(figures: list[Figure]) -> str:
    rows = [HEADERS, *(figure.cells() for figure in figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)
