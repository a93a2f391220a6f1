"""Server-drawn SVG bar charts: geometry here, drawing in templates/chart.html. Each chart
also goes out as a table (its text alternative), so no number is only in a picture."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 70
ROW = 28
BAR = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    x: float
    y: float
    width: float


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    unit: str
    bars: tuple[Bar, ...]
    zero_x: float
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH


def bar_chart(slug: str, title: str, unit: str, rows: list[tuple[str, float]]) -> Chart:
    """Horizontal bars; negative values (a handover before fit-for-work) go left of zero."""
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    low = min([0.0, *(v for _, v in rows)])
    high = max([0.0, *(v for _, v in rows)])
    span = (high - low) or 1.0

    def x_of(value: float) -> float:
        return LABEL_WIDTH + (value - low) / span * area

    zero = x_of(0.0)
    bars = tuple(
        Bar(
            label=label,
            value=value,
            text=_number(value),
            x=min(zero, x_of(value)),
            y=i * ROW + (ROW - BAR) / 2,
            width=max(abs(x_of(value) - zero), 1.0),
        )
        for i, (label, value) in enumerate(rows)
    )
    return Chart(slug=slug, title=title, unit=unit, bars=bars, zero_x=zero,
                 height=max(len(rows), 1) * ROW)  # fmt: skip


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")  # Danish decimal comma; English readers know it too
