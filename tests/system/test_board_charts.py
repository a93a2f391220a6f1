"""The board's SVG bar charts: bars are proportional, negative values (a handover accepted
before the fit-for-work date) go left of the zero line, and numbers use a decimal comma."""

from __future__ import annotations

import pytest

from board.charts import LABEL_WIDTH, WIDTH, bar_chart


def test_bars_are_proportional_and_negatives_go_left_of_zero() -> None:
    chart = bar_chart("lead", "Lead time", "days", [("a", -5.0), ("b", 10.0), ("c", 2.5)])
    a, b, c = chart.bars
    assert LABEL_WIDTH < chart.zero_x < WIDTH
    assert a.x + a.width == pytest.approx(chart.zero_x) and b.x == pytest.approx(chart.zero_x)
    assert b.width == pytest.approx(2 * a.width) and b.width == pytest.approx(4 * c.width)
    assert [bar.text for bar in chart.bars] == ["-5", "10", "2,5"]
    assert a.y < b.y < c.y and chart.height == 3 * (b.y - a.y)


def test_an_empty_or_all_zero_chart_still_draws() -> None:
    assert bar_chart("x", "X", "n", []).bars == ()
    [bar] = bar_chart("x", "X", "n", [("zero", 0.0)]).bars
    assert bar.width >= 1.0
