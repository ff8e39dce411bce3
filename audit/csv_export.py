"""The audit log as a CSV file: the filtered events, streamed, with formula-looking cells guarded."""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from imports.formulas import GuardedWriter

from .models import AuditEvent
from .sentences import detail_lines, sentence

HEADER = ["Date", "What happened", "Who did it", "About whom", "Group", "Description", "Details"]
CHUNK_SIZE = 2000


class _Line:
    """What csv.writer writes to: hands each written line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def cells(event: AuditEvent) -> list[str]:
    return [
        timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        event.get_verb_display(),
        event.actor_label,
        event.target_label,
        event.group_label,
        sentence(event),
        " · ".join(detail_lines(event)),
    ]


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The file, a line at a time; a BOM first, so that Excel reads it as UTF-8."""
    writer = GuardedWriter(_Line())
    yield "\ufeff" + writer.writerow(HEADER)
    for event in events.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(cells(event))
