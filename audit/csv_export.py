"""The audit log as a CSV file: the filtered events, streamed, with formula-looking cells guarded."""

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from imports.formulas import GuardedWriter

from .models import AuditEvent
from .sentences import detail_lines, sentence

# The first column names the organization's time zone: "Date (Asia/Kolkata)".
HEADER = ["Date", "What happened", "Who did it", "About whom", "Group", "Description", "Details"]
CHUNK_SIZE = 2000


class _Line:
    """What csv.writer writes to: hands each written line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def header(zone: ZoneInfo) -> list[str]:
    return [f"{HEADER[0]} ({zone.key})", *HEADER[1:]]


def cells(event: AuditEvent, zone: ZoneInfo) -> list[str]:
    return [
        timezone.localtime(event.created_at, zone).strftime("%Y-%m-%d %H:%M:%S"),
        event.get_verb_display(),
        event.actor_label,
        event.target_label,
        event.group_label,
        sentence(event),
        " · ".join(detail_lines(event)),
    ]


def csv_lines(events: QuerySet[AuditEvent], *, zone: ZoneInfo) -> Iterator[str]:
    """The file, a line at a time; a BOM first, so that Excel reads it as UTF-8.

    Streamed after the view has returned, when no zone is active any more: times are written in ``zone``.
    """
    writer = GuardedWriter(_Line())
    yield "\ufeff" + writer.writerow(header(zone))
    for event in events.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(cells(event, zone))
