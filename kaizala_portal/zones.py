"""Time zones: each organization's, in which its pages and files show every timestamp.

Timestamps are stored in UTC. A page of an organization is rendered with the
organization's zone active (``users.access.organization_view``); a file written
outside a request (a worker's export, a streamed download) is given the zone.
Attribute values of the date/time type are wall-clock values as typed, not moments:
they are never shifted.
"""

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError

UTC_NAME = "UTC"
# Files of the zone database that are no place's zone.
NOT_ZONES = {"Factory", "localtime", "posixrules"}


@lru_cache(maxsize=1)
def available() -> frozenset[str]:
    """Every zone the time zone database on this machine knows (IANA names)."""
    names = {name for name in zoneinfo.available_timezones() if not name.startswith(("posix/", "right/"))}
    return frozenset(names - NOT_ZONES) | {UTC_NAME}


def default_name() -> str:
    """A new organization's zone: the portal's TIME_ZONE setting, or UTC when that is no known zone."""
    name = settings.TIME_ZONE or UTC_NAME
    return name if name in available() else UTC_NAME


def validate_name(name: str) -> None:
    """Refuse a name that is no zone (where a zone is typed rather than picked: the Django admin)."""
    if name not in available():
        raise ValidationError("“%(name)s” is not a time zone name such as Asia/Kolkata.", params={"name": name})


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone called ``name``; UTC for a name this machine does not know (a database older than the row)."""
    if name in available():
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(UTC_NAME)


def abbreviation(moment: datetime) -> str:
    """ "IST", "BST", "GMT": how people write the zone of ``moment`` (aware, in that zone).

    Many zones have no letters of their own ("+04" for Asia/Dubai): those are named in full.
    """
    short = moment.tzname() or ""
    if short.isalpha():
        return short
    key = getattr(moment.tzinfo, "key", "")
    return key or short


def utc_offset(zone: zoneinfo.ZoneInfo, at: datetime | None = None) -> str:
    """ "UTC+05:30": the zone's offset now (or at ``at``)."""
    offset = (at or datetime.now(UTC)).astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def choices(at: datetime | None = None) -> list[tuple[str, object]]:
    """The select's options: UTC first, then a group per region (Africa, America, Asia, ...).

    Each option reads "Asia/Kolkata (UTC+05:30)": the offset today, to help pick one's city.
    Names with no region (legacy aliases such as "GMT" or "Singapore") come last, under Other.
    """
    at = at or datetime.now(UTC)
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(available() - {UTC_NAME}):
        region = name.split("/", 1)[0] if "/" in name else "Other"
        groups.setdefault(region, []).append((name, f"{name} ({utc_offset(zoneinfo.ZoneInfo(name), at)})"))
    other = groups.pop("Other", [])
    grouped: list[tuple[str, object]] = [(UTC_NAME, f"{UTC_NAME} ({utc_offset(zoneinfo.ZoneInfo(UTC_NAME), at)})")]
    grouped += [(region, options) for region, options in sorted(groups.items())]
    if other:
        grouped.append(("Other", other))
    return grouped
