"""Chart geometry for server-drawn SVG: the templates only place what is worked out here.

Charts sit beside the table they draw, which is their full text alternative; each chart
also carries a one-sentence description for screen readers.
"""

import math
from dataclasses import dataclass

LABEL_MAX_CHARACTERS = 28


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str


@dataclass(frozen=True)
class Segment:
    series: Series
    value: int
    x: float  # percent of the chart's width
    width: float


@dataclass(frozen=True)
class BarRow:
    label: str
    full_label: str
    y: int
    segments: list[Segment]
    value_text: str
    value_x: float


@dataclass(frozen=True)
class HorizontalBarChart:
    description: str
    series: list[Series]
    rows: list[BarRow]
    height: int
    bar_height: int


# Horizontal bars: labels on the left, bars from BAR_START to BAR_END percent of the width.
BAR_START, BAR_END, ROW_HEIGHT, BAR_HEIGHT = 30.0, 88.0, 26, 16


def horizontal_bars(
    *,
    description: str,
    series: list[Series],
    rows: list[tuple[str, list[int]]],
    scale_max: int | None = None,
    value_text=str,
) -> HorizontalBarChart:
    """One row per ``(label, values)``, its values (one per series) stacked along the bar.

    ``scale_max`` is what a full-width bar stands for (by default the largest total);
    ``value_text`` turns a row's total into the text written after its bar.
    """
    largest = scale_max or max((sum(values) for _, values in rows), default=0) or 1
    span = BAR_END - BAR_START
    bar_rows = []
    for index, (label, values) in enumerate(rows):
        x, segments = BAR_START, []
        for one_series, value in zip(series, values, strict=True):
            width = span * value / largest
            segments.append(Segment(series=one_series, value=value, x=round(x, 2), width=round(width, 2)))
            x += width
        bar_rows.append(
            BarRow(
                label=_shortened(label),
                full_label=label,
                y=index * ROW_HEIGHT,
                segments=segments,
                value_text=value_text(sum(values)),
                value_x=round(x + 1, 2),
            )
        )
    return HorizontalBarChart(
        description=description,
        series=series,
        rows=bar_rows,
        height=max(len(rows), 1) * ROW_HEIGHT,
        bar_height=BAR_HEIGHT,
    )


@dataclass(frozen=True)
class Column:
    series: Series
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ColumnSlot:
    label: str  # empty when there is no room to write it
    full_label: str
    label_x: float
    columns: list[Column]


@dataclass(frozen=True)
class ColumnChart:
    description: str
    series: list[Series]
    slots: list[ColumnSlot]
    scale_max: int
    width: int
    height: int
    plot_left: int
    plot_top: int
    plot_bottom: int
    plot_right: int


# Columns: drawn in a fixed coordinate system that the SVG's viewBox scales to the page.
CHART_WIDTH, CHART_HEIGHT = 720, 230
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44, 712, 12, 190
MOST_COLUMN_LABELS = 13
MAX_COLUMN_GROUP_WIDTH = 80


def grouped_columns(*, description: str, series: list[Series], slots: list[tuple[str, str, list[int]]]) -> ColumnChart:
    """One slot per ``(short label, full label, values)``, a column per series side by side."""
    scale_max = nice_ceiling(max((max(values, default=0) for _, _, values in slots), default=0))
    slot_width = (PLOT_RIGHT - PLOT_LEFT) / max(len(slots), 1)
    # Few slots (three months) would otherwise make columns as wide as bars.
    group_width = min(slot_width * 0.8, MAX_COLUMN_GROUP_WIDTH)
    column_width = group_width / max(len(series), 1)
    label_every = math.ceil(len(slots) / MOST_COLUMN_LABELS) or 1
    plot_height = PLOT_BOTTOM - PLOT_TOP
    chart_slots = []
    for index, (short_label, full_label, values) in enumerate(slots):
        left = PLOT_LEFT + (index + 0.5) * slot_width - group_width / 2
        columns = []
        for position, (one_series, value) in enumerate(zip(series, values, strict=True)):
            height = plot_height * value / scale_max
            columns.append(
                Column(
                    series=one_series,
                    value=value,
                    x=round(left + position * column_width, 2),
                    y=round(PLOT_BOTTOM - height, 2),
                    width=round(column_width, 2),
                    height=round(height, 2),
                )
            )
        chart_slots.append(
            ColumnSlot(
                # The newest slot is always labelled: that is where a reader starts.
                label=short_label if (len(slots) - 1 - index) % label_every == 0 else "",
                full_label=full_label,
                label_x=round(PLOT_LEFT + (index + 0.5) * slot_width, 2),
                columns=columns,
            )
        )
    return ColumnChart(
        description=description,
        series=series,
        slots=chart_slots,
        scale_max=scale_max,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        plot_left=PLOT_LEFT,
        plot_top=PLOT_TOP,
        plot_bottom=PLOT_BOTTOM,
        plot_right=PLOT_RIGHT,
    )


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least ``value``: a round top for an axis."""
    nice = 1
    while nice < value:
        nice = _next_nice(nice)
    return nice


def _next_nice(nice: int) -> int:
    leading = int(str(nice)[0])
    magnitude = 10 ** (len(str(nice)) - 1)
    return {1: 2, 2: 5, 5: 10}[leading] * magnitude


def _shortened(label: str) -> str:
    if len(label) <= LABEL_MAX_CHARACTERS:
        return label
    return label[: LABEL_MAX_CHARACTERS - 1].rstrip() + "…"
