"""Timestamps on pages, in the organization's time zone and saying which.

``{{ job.created_at|moment }}`` reads "2 Jan 2026, 14:05 IST" inside
``<time datetime="2026-01-02T08:35:00+00:00" title="Asia/Kolkata">``: the moment in UTC
for machines, the local text and the zone for people. The zone is the active one, which
``organization_view`` sets to the organization's for the whole request.
"""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from kaizala_portal import zones

register = template.Library()

FORMATS = {"datetime": "j M Y, H:i", "date": "j M Y"}


@register.filter
def moment(value: datetime | None, style: str = "datetime") -> str:
    """A timestamp as a ``<time>`` element; ``"date"`` shows the day alone (the zone stays in its title)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    zone = timezone.get_current_timezone()
    text = date_format(local, FORMATS.get(style, FORMATS["datetime"]))
    if style != "date":
        text = f"{text} {zones.abbreviation(local)}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.astimezone(UTC).isoformat(timespec="seconds"),
        getattr(zone, "key", str(zone)),
        text,
    )


@register.simple_tag
def zone_now() -> str:
    """ "IST, UTC+05:30": the active zone's abbreviation and offset at this moment."""
    zone = timezone.get_current_timezone()
    now = timezone.localtime(timezone.now(), zone)
    return f"{zones.abbreviation(now)}, {zones.utc_offset(zone)}"
