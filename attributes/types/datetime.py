"""Dates, with an optional time of day.

Accepts ISO 8601 ("2024-03-01", "2024-03-01T09:30", "2024-03-01 09:30:15") and the
common day/month/year spellings ("01/03/2024", "1-3-24", "01.03.2024 9:30",
"1 Mar 2024", "March 1, 2024") in the organization's order of day and month.
Stored as ISO text, which sorts in time order.

Midnight is no time of day: a spreadsheet's date cell reaches us as a datetime at
00:00, where the same date typed in a CSV file has no time at all. Both are stored
(and shown, and exported) as the date alone, so one date never reads two ways.
"""

import datetime as dt
import re

from .base import InvalidValue

LABEL = "Date/time"
_TIME = r"(?:[T\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _TIME + r"(?:Z|[+-]00:?00)?")
_NUMERIC = re.compile(r"(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})" + _TIME)
_NAMED_FORMATS = ["%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y"]
ORDERS = {"DMY": "day/month/year", "MDY": "month/day/year", "YMD": "year/month/day"}


def parse(text: str, *, context) -> str:
    text = " ".join(text.split())
    if match := _ISO.fullmatch(text):
        return _canonical(int(match["year"]), int(match["month"]), int(match["day"]), match)
    if match := _NUMERIC.fullmatch(text):
        year, month, day = _in_order(match["a"], match["b"], match["c"], context.date_order)
        return _canonical(year, month, day, match)
    for pattern in _NAMED_FORMATS:
        try:
            date = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return date.isoformat()
    raise InvalidValue(f"is not a date (write it as {ORDERS[context.date_order]}, or as 2024-03-31)")


def _in_order(a: str, b: str, c: str, order: str) -> tuple[int, int, int]:
    if len(a) == 4:  # a year first is unambiguous: year/month/day
        return int(a), int(b), int(c)
    if len(c) not in (2, 4):
        raise InvalidValue("is not a date")
    year = int(c) if len(c) == 4 else 2000 + int(c) if int(c) < 70 else 1900 + int(c)
    first, second = int(a), int(b)
    return (year, second, first) if order != "MDY" else (year, first, second)


def _canonical(year: int, month: int, day: int, match: re.Match) -> str:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise InvalidValue("is not a real date") from None
    if match["hour"] is None:
        return date.isoformat()
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise InvalidValue("has a time that does not exist")
    if hour == minute == second == 0:
        return date.isoformat()
    moment = dt.datetime.combine(date, dt.time(hour, minute, second))
    return moment.isoformat(timespec="seconds" if second else "minutes")


def format_value(value: str, *, for_csv: bool = False) -> str:
    if "T" in value:
        moment = dt.datetime.fromisoformat(value)
        if moment.time() == dt.time(0):
            # Stored before midnight counted as no time: shown as the date it is.
            value = moment.date().isoformat()
        elif not for_csv:
            return f"{moment.day} {moment:%b %Y %H:%M}"
    if for_csv:
        return value
    date = dt.date.fromisoformat(value)
    return f"{date.day} {date:%b %Y}"


def day_after(value: str) -> str:
    """The start of the next day, for an inclusive "until" filter on a date."""
    return (dt.date.fromisoformat(value[:10]) + dt.timedelta(days=1)).isoformat()


def matches(stored: str, condition: str, value: str) -> bool:
    """Whether a stored date (or moment) is from ``value`` on ("min"), or until the end of its day ("max")."""
    if condition == "min":
        return stored >= value
    if value[:10] == dt.date.max.isoformat():
        return True
    return stored < day_after(value)
