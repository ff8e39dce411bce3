"""The stretch of time a report covers, cut into weeks or months."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    unit: str  # "week" or "month", as Django's ``Trunc`` names them
    count: int

    def bucket_starts(self, today: date) -> list[date]:
        """First day of each week (Monday) or month of the period, oldest first, ending with today's."""
        if self.unit == "week":
            this_week = today - timedelta(days=today.weekday())
            return [this_week - timedelta(weeks=back) for back in range(self.count - 1, -1, -1)]
        starts = []
        year, month = today.year, today.month
        for _ in range(self.count):
            starts.append(date(year, month, 1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return starts[::-1]

    def starts_at(self, today: date) -> datetime:
        """The first moment of the period, in the portal's time zone."""
        return timezone.make_aware(datetime.combine(self.bucket_starts(today)[0], time.min))

    def bucket_label(self, start: date) -> str:
        """How a table names the bucket starting on ``start``: "2 Nov 2026" (week), "Nov 2026" (month)."""
        return f"{start.day} {start:%b %Y}" if self.unit == "week" else f"{start:%b %Y}"

    def short_label(self, start: date) -> str:
        """The same, under a chart's column."""
        return f"{start.day} {start:%b}" if self.unit == "week" else f"{start:%b}"

    @property
    def bucket_heading(self) -> str:
        return "Week starting" if self.unit == "week" else "Month"


PERIODS = {
    period.key: period
    for period in (
        Period("12w", "Last 12 weeks", "week", 12),
        Period("26w", "Last 26 weeks", "week", 26),
        Period("6m", "Last 6 months", "month", 6),
        Period("12m", "Last 12 months", "month", 12),
    )
}
DEFAULT_PERIOD = PERIODS["12w"]


def months_covering(period: Period, today: date) -> list[date]:
    """First days of the months that ``period`` touches, oldest first: how job history is bucketed."""
    first = period.bucket_starts(today)[0]
    months = [date(first.year, first.month, 1)]
    while (months[-1].year, months[-1].month) < (today.year, today.month):
        year, month = months[-1].year, months[-1].month
        months.append(date(year + month // 12, month % 12 + 1, 1))
    return months
