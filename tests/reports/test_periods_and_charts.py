"""The report's time buckets and chart geometry, asked directly."""

from datetime import date

from reports import charts
from reports.periods import PERIODS, months_covering

ADMINS, MEMBERS = charts.Series("Admins", "a"), charts.Series("Members", "m")


def test_weeks_start_on_mondays_and_end_with_this_one():
    starts = PERIODS["12w"].bucket_starts(date(2026, 1, 7))  # a Wednesday
    assert len(starts) == 12
    assert starts[-1] == date(2026, 1, 5)
    assert starts[0] == date(2025, 10, 20)
    assert all(start.weekday() == 0 for start in starts)


def test_months_go_back_across_the_new_year():
    assert PERIODS["6m"].bucket_starts(date(2026, 2, 28)) == [
        date(2025, 9, 1),
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_job_history_covers_every_month_the_period_touches():
    assert months_covering(PERIODS["12w"], date(2026, 1, 7)) == [
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]


def test_bucket_labels_name_the_week_or_the_month():
    assert PERIODS["12w"].bucket_label(date(2026, 1, 5)) == "5 Jan 2026"
    assert PERIODS["12m"].bucket_label(date(2026, 1, 1)) == "Jan 2026"


def test_axes_end_on_round_numbers():
    assert [charts.nice_ceiling(n) for n in (0, 1, 3, 7, 10, 11, 26, 499, 501)] == [1, 1, 5, 10, 10, 20, 50, 500, 1000]


def test_stacked_bars_are_scaled_to_the_longest_row():
    chart = charts.horizontal_bars(
        description="People",
        series=[ADMINS, MEMBERS],
        rows=[("North", [1, 3]), ("A very long group name indeed, longer", [0, 2])],
    )
    north, other = chart.rows
    span = charts.BAR_END - charts.BAR_START
    assert [segment.width for segment in north.segments] == [round(span / 4, 2), round(span * 3 / 4, 2)]
    assert north.segments[1].x == round(charts.BAR_START + span / 4, 2)
    assert other.segments[1].width == round(span / 2, 2)
    assert north.value_text == "4"
    assert other.label.endswith("…") and len(other.label) == charts.LABEL_MAX_CHARACTERS
    assert other.full_label == "A very long group name indeed, longer"


def test_columns_stand_on_the_axis_and_reach_the_top_at_the_scale():
    chart = charts.grouped_columns(
        description="Joins", series=[ADMINS, MEMBERS], slots=[(f"{n}", f"Week {n}", [n, 0]) for n in range(1, 27)]
    )
    assert chart.scale_max == 50
    tallest = chart.slots[-1].columns[0]
    assert tallest.y + tallest.height == charts.PLOT_BOTTOM
    assert tallest.height == round((charts.PLOT_BOTTOM - charts.PLOT_TOP) * 26 / 50, 2)
    # 26 weeks: every other one is labelled, ending with this week's.
    assert [slot.label for slot in chart.slots[-3:]] == ["24", "", "26"]
