"""The results-by-year bar chart: geometry for an inline SVG drawn by searchsvc/templates/_year_chart.html.

No chart library: one bar per year from the first year with a match to the last
(years without one get an empty slot, so gaps show), each bar a link that filters
the search to its year. Sizes are CSS pixels; the SVG is not scaled, so its text
stays legible and every bar is at least ``SLOT`` pixels wide to tap (the chart
scrolls sideways when there are more years than fit).
"""

from __future__ import annotations

from dataclasses import dataclass

SLOT = 44          # width of one year's column: the tap target
BAR = 28           # width of the drawn bar
BARS_HEIGHT = 72   # the tallest bar
TOP = 22           # room for the count above a bar
BOTTOM = 26        # room for the year below the bars
MAX_YEARS = 200    # a guard: dates are validated, but a chart should never be unbounded


@dataclass(frozen=True)
class Bar:
    year: int
    count: int
    x: float           # left edge of the slot
    bar_x: float       # left edge of the drawn bar
    bar_y: float
    bar_height: float
    selected: bool     # inside the current year filter (every bar when there is none)
    only: bool         # the filter is exactly this year: clicking the bar clears it


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    filtered: bool     # a year filter is set: the bars outside it are drawn pale
    total: int

    @property
    def baseline(self) -> int:
        return TOP + BARS_HEIGHT

    @property
    def slot(self) -> int:
        return SLOT


def chosen_range(year: int | None, year_from: int | None, year_to: int | None) -> tuple[int | None, int | None]:
    """The years the filters allow, as one inclusive range (None: open on that side)."""
    low, high = year_from, year_to
    if year is not None:
        low = year if low is None else max(low, year)
        high = year if high is None else min(high, year)
    return low, high


def build(years: list[dict], year: int | None = None, year_from: int | None = None,
          year_to: int | None = None) -> Chart | None:
    """The chart for ``facets.years`` ({value, count} dicts); None when nothing matched."""
    counts = {int(f["value"]): int(f["count"]) for f in years if int(f["count"]) > 0}
    if not counts:
        return None
    first, last = min(counts), max(counts)
    if last - first + 1 > MAX_YEARS:
        first = last - MAX_YEARS + 1
    low, high = chosen_range(year, year_from, year_to)
    filtered = low is not None or high is not None
    peak = max(counts.values())
    bars = []
    for i, y in enumerate(range(first, last + 1)):
        count = counts.get(y, 0)
        height = round(BARS_HEIGHT * count / peak, 1) if count else 0.0
        if count and height < 3:
            height = 3.0  # a year with one interview among hundreds still shows
        selected = (low is None or y >= low) and (high is None or y <= high)
        bars.append(Bar(year=y, count=count, x=i * SLOT, bar_x=i * SLOT + (SLOT - BAR) / 2,
                        bar_y=TOP + BARS_HEIGHT - height, bar_height=height, selected=selected,
                        only=filtered and low == high == y))
    return Chart(bars=bars, width=len(bars) * SLOT, height=TOP + BARS_HEIGHT + BOTTOM, filtered=filtered,
                 total=sum(counts.values()))
