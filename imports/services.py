"""Importing users from CSV and Excel files: the template, the upload, the job.

A job is processed in batches, one transaction each: the batch's users, its rejected
rows and the job's progress are committed together. A run that stops anywhere resumes
after the last committed batch, so no row is imported twice or skipped.
"""

import difflib
import io
import itertools
import logging
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from attributes import types
from attributes.models import AttributeDefinition
from attributes.selectors import definitions_of, parse_context
from audit import services as audit
from audit.models import AuditEvent
from groups import dynamic
from kaizala_portal import files, jobs
from kaizala_portal.jobs import LostClaim
from users.models import Organization, OrganizationUser, User

from . import bulk, preparing, workbooks
from .formulas import GuardedWriter, csv_lines
from .limits import RowLimits
from .models import IMPORT_JOBS, ImportJob, ImportRowError
from .parsing import AttributeColumn, ParsedRow, PreparedBatch, RowError, RowParser, duplicate_error
from .reader import (
    UnreadableFile,
    encoding_label,
    normalise_header,
    open_sheet,
    sniff_encoding,
    sniff_header,
)
from .uploads import too_big_message

logger = logging.getLogger(__name__)

NAME, PHONE = "name", "phone number"
# A read-only column of exported files (see exports.services): people's Source in the organization.
SOURCE = "source"
# The columns exported files add after the template's: read-only, an import passes over them.
EXPORTED_READ_ONLY = ["Role", "Groups", "Source", "Date added"]
# An export's "Date added" names the time zone it was written in: "Date added (Asia/Kolkata)".
ZONED_DATE_ADDED = re.compile(r"date added \(.+\)")
EXAMPLE_NAME, EXAMPLE_PHONE = "Priya Sharma (example)", "+91 98123 45678"
EXAMPLE_VALUES = {"string": "Example", "number": "42", "boolean": "Yes", "datetime": "2024-03-31"}
FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
# After the example row's cells, under no column: read by people, passed over by the import with the rest of the row.
EXAMPLE_NOTE = (
    f"← An example row, ignored on import. An empty cell leaves a value as it is; {types.CLEAR} in a cell "
    "clears it (or the name), except for mandatory attributes."
)


# The template ---------------------------------------------------------------------------


def template_header(definitions: list[AttributeDefinition]) -> list[str]:
    return ["Name", "Phone Number"] + [f"{d.name}{' (mandatory)' if d.mandatory else ''}" for d in definitions]


def template_example(definitions: list[AttributeDefinition]) -> list[str]:
    return [EXAMPLE_NAME, EXAMPLE_PHONE] + [EXAMPLE_VALUES[d.value_type] for d in definitions]


def template_csv(organization: Organization) -> str:
    """The import template: UTF-8 with a BOM, so that Excel opens it with the right characters."""
    definitions = definitions_of(organization)
    out = io.StringIO()
    out.write("\ufeff")
    writer = GuardedWriter(out)
    writer.writerow(template_header(definitions))
    writer.writerow([*template_example(definitions), EXAMPLE_NOTE])
    return out.getvalue()


# The upload -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnknownColumn:
    header: str  # as the file's first row has it, normalised
    suggestion: str  # the attribute or column it may have meant, or ""


@dataclass(frozen=True)
class CheckedUpload:
    file_format: str
    unknown_columns: list[UnknownColumn]  # which an import would leave out


def check_upload(*, organization: Organization, upload: UploadedFile, encoding: str = "") -> CheckedUpload:
    """What can be checked at once: extension, size, a readable header with the required columns.

    Raises ``UnreadableFile`` with the message for the page.
    """
    file_format = FORMATS.get(Path(upload.name or "").suffix.lower())
    if file_format is None:
        raise UnreadableFile("Upload a .csv file (or an Excel .xlsx workbook).")
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise UnreadableFile(too_big_message(upload.size, limit))
    if upload.size == 0:
        raise UnreadableFile("The file is empty.")
    if file_format == "xlsx":
        _check_workbook(upload)
    upload.seek(0)
    start = upload.read() if file_format == "xlsx" else upload.read(64 * 1024)
    upload.seek(0)
    header, definitions = sniff_header(start, file_format, encoding), definitions_of(organization)
    missing_columns(header, definitions)
    return CheckedUpload(file_format, _unknown_columns(header, definitions))


def _unknown_columns(header: list[str], definitions: list[AttributeDefinition]) -> list[UnknownColumn]:
    """The columns that match no column of the template (nor an export's): an import would ignore them."""
    known = {normalise_header(label): label for label in ["Name", "Phone Number", *EXPORTED_READ_ONLY]}
    known |= {normalise_header(d.name): d.name for d in definitions}
    unknown = []
    for column in header:
        if column and column not in known and not ZONED_DATE_ADDED.fullmatch(column):
            close = difflib.get_close_matches(column, known, n=1, cutoff=0.6)
            unknown.append(UnknownColumn(column, known[close[0]] if close else ""))
    return unknown


@dataclass(frozen=True)
class EncodingGuess:
    encoding: str
    label: str
    preview: list[str]  # the file's first lines, as read in that encoding


def guess_encoding(upload: UploadedFile, encoding: str = "") -> EncodingGuess:
    """How a CSV upload reads: in ``encoding``, or the one its first bytes suggest."""
    upload.seek(0)
    start = upload.read(64 * 1024)
    upload.seek(0)
    encoding = encoding or sniff_encoding(start)
    text = start.decode(encoding, errors="replace").lstrip("\ufeff")
    return EncodingGuess(encoding, encoding_label(encoding), text.splitlines()[:3])


def _check_workbook(source) -> None:
    limits = workbooks.WorkbookLimits(
        max_uncompressed_bytes=settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES,
        max_shared_strings=settings.IMPORT_XLSX_MAX_SHARED_STRINGS,
    )
    try:
        workbooks.check(source, limits)
    except workbooks.WorkbookTooLarge as problem:
        raise UnreadableFile(str(problem)) from None
    finally:
        if hasattr(source, "seek"):
            source.seek(0)


def missing_columns(header: list[str], definitions: list[AttributeDefinition]) -> None:
    missing = [label for label, key in [("Name", NAME), ("Phone Number", PHONE)] if key not in header]
    if missing:
        raise UnreadableFile(
            f"The file has no {' and no '.join(missing)} column. "
            "Its first row must name the columns, as in the template."
        )


def create_import_job(
    *,
    organization: Organization,
    uploaded_by: User,
    upload: UploadedFile,
    file_format: str,
    ignored_columns: list[str] = (),
    encoding: str = "",
) -> ImportJob:
    """Keep the upload and queue it; the job starts when the transaction commits."""
    with transaction.atomic():
        job = ImportJob(
            organization=organization,
            uploaded_by=uploaded_by,
            file_name=Path(upload.name).name[: ImportJob._meta.get_field("file_name").max_length],
            file_format=file_format,
            token=secrets.token_hex(16),
            ignored_columns=list(ignored_columns),
            encoding=encoding,
        )
        job.file.save(job.file_name, upload, save=False)
        job.save()
        audit.record(
            organization=organization,
            verb=AuditEvent.Verb.IMPORT_STARTED,
            actor=uploaded_by,
            details={"job_id": job.pk, "file_name": job.file_name},
        )
        jobs.enqueue_on_commit(job)
    return job


# The job --------------------------------------------------------------------------------


def row_parser(organization: Organization, header: list[str]) -> RowParser:
    """How to read this file's rows for this organization (raises UnreadableFile on missing columns)."""
    definitions = definitions_of(organization)
    missing_columns(header, definitions)
    by_name = {normalise_header(d.name): d for d in definitions}
    return RowParser(
        name_index=header.index(NAME),
        phone_index=header.index(PHONE),
        region=organization.default_region,
        date_order=parse_context(organization).date_order,
        columns=tuple(
            AttributeColumn(index=i, key=by_name[h].key, name=by_name[h].name, value_type=by_name[h].value_type)
            for i, h in enumerate(header)
            if h in by_name
        ),
        mandatory=tuple((d.key, d.name) for d in definitions if d.mandatory),
        example=tuple(template_example(definitions)),
        keeps_sources=SOURCE in header,
        limits=RowLimits(
            max_columns=settings.IMPORT_MAX_COLUMNS,
            max_characters=settings.IMPORT_MAX_CELL_CHARACTERS,
            name_max_length=OrganizationUser._meta.get_field("name").max_length,
        ),
    )


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def run_import(*, job_id: int, run_id: str) -> None:
    """Process (or resume) an import job; the Celery task calls this with its own id."""
    job = jobs.claim_job(IMPORT_JOBS, job_id, run_id, select_related=("organization",))
    if job is None:
        return
    try:
        _process(job, run_id)
    except LostClaim:
        logger.warning("Import job %s was taken over by another run; %s stops.", job_id, run_id)
    except UnreadableFile as problem:
        _finish(job, run_id, failure=str(problem))
    except DatabaseError as error:
        # The batch's transaction was rolled back whole; the batches before it are committed.
        logger.exception("Import job %s stopped on a database error", job_id)
        job.refresh_from_db()
        first = job.rows_done + 2  # a row's number in the file, whose first row is the header
        _finish(
            job,
            run_id,
            failure=f"The database refused the batch of rows from row {first} ({_first_line(error)}). "
            f"No row from row {first} on was imported; the rows before it were. "
            "Upload the file again to finish, or contact support.",
        )
    except Exception:
        logger.exception("Import job %s failed", job_id)
        job.refresh_from_db()
        _finish(
            job,
            run_id,
            failure=f"The import stopped on an unexpected error after row {job.rows_done + 1}. "
            "Rows before it were imported; upload the file again to finish, or contact support.",
        )


def _first_line(error: Exception) -> str:
    """What the database said, without the SQL context PostgreSQL adds on further lines."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


def _process(job: ImportJob, run_id: str) -> None:
    # On this worker's disk: the stored file itself, or a copy of it from the object store.
    with files.local_copy(job.file) as path:
        _process_file(job, run_id, path)


def _process_file(job: ImportJob, run_id: str, path: Path) -> None:
    if job.file_format == "xlsx":
        _check_workbook(path)  # again: the limits may have changed since the upload, or it came another way
    with open_sheet(path, job.file_format, job.encoding) as sheet:
        parser = row_parser(job.organization, sheet.header)
        if job.total_rows is None:
            jobs.save_progress(job, run_id, header=sheet.raw_header)
            job.total_rows = sum(1 for _ in sheet.rows)
            jobs.save_progress(job, run_id, total_rows=job.total_rows)
    source = preparing.Source(
        str(path), job.file_format, skip=job.rows_done, batch_size=settings.IMPORT_BATCH_SIZE, encoding=job.encoding
    )
    in_parallel = job.total_rows - job.rows_done >= settings.IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS
    for prepared in preparing.prepared_batches(parser, source, in_parallel=in_parallel):
        _import_batch(job, run_id, parser, prepared)
    imported = job.created_count + job.updated_count + job.unchanged_count
    if imported == 0 and job.rejected_count:
        _finish(job, run_id, failure=f"All {job.rejected_count} rows were rejected: see the error log.")
    elif imported == 0:
        _finish(job, run_id, failure="The file has no rows of users under its header.")
    else:
        _finish(job, run_id)


def _import_batch(job: ImportJob, run_id: str, parser: RowParser, prepared: PreparedBatch) -> None:
    """Write a prepared batch and the job's progress in one transaction."""
    outcome = BatchOutcome(errors=list(prepared.errors))
    with transaction.atomic():
        jobs.hold_claim(job, run_id)
        # Serialised with the organization's other changes to its people (adding users, groups,
        # attribute definitions), which take the same lock; single edits lock their row (below).
        Organization.objects.select_for_update().filter(pk=job.organization_id).values_list("pk").get()
        _upsert(job, parser, prepared.parsed, outcome)
        ImportRowError.objects.bulk_create(
            ImportRowError(job=job, row_number=e.number, column=e.column, reason=e.reason, values=e.values)
            for e in outcome.errors
        )
        job.rows_done += prepared.size
        job.created_count += outcome.created
        job.updated_count += outcome.updated
        job.unchanged_count += outcome.unchanged
        job.rejected_count += len(outcome.errors)
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                "rows_done",
                "created_count",
                "updated_count",
                "unchanged_count",
                "rejected_count",
                "heartbeat_at",
            ]
        )


def _upsert(job: ImportJob, parser: RowParser, parsed: dict[str, ParsedRow], outcome: BatchOutcome) -> None:
    """Create or update the batch's people by phone number, as members added directly."""
    known = bulk.users_by_phone(list(parsed))
    memberships = bulk.memberships_of(job.organization_id, list(known.values()))

    joiners, seen_memberships = [], []
    for e164, row in parsed.items():
        user_id = known.get(e164)
        membership = memberships.get(user_id)
        if membership is None:
            if row.joining_error:
                outcome.errors.append(row.joining_error)
            else:
                joiners.append(bulk.Joiner(user_id, e164, row.name, row.values_json, row.number))
            continue
        if membership.last_import_job_id == job.pk:
            outcome.errors.append(duplicate_error(row, membership.last_import_row))
            continue
        # The organization's own name for them: other organizations' names are not touched.
        name = "" if row.clears_name else row.name or membership.name
        changed = name != membership.name
        membership.name = name
        merged = _merged_values(parser, membership.attribute_values, row)
        made_direct = not membership.added_directly and not parser.keeps_sources
        if merged != membership.attribute_values or made_direct:
            membership.attribute_values = merged
            membership.added_directly = membership.added_directly or made_direct
            changed = True
        membership.last_import_job_id, membership.last_import_row = job.pk, row.number
        seen_memberships.append(membership)
        if changed:
            outcome.updated += 1
        else:
            outcome.unchanged += 1

    bulk.update_memberships(seen_memberships)
    outcome.created += bulk.add_members(
        joiners,
        organization_id=job.organization_id,
        added_by_id=job.uploaded_by_id,
        added_at=timezone.now(),
        job_id=job.pk,
    )


def _merged_values(parser: RowParser, values: dict, row: ParsedRow) -> dict:
    """A member's values after the row: its filled cells set, its cleared ones removed, empty ones left.

    A cell that means the value already held (a date stored at midnight, written as the
    date) leaves it as it is stored, so that re-importing an export changes nothing.
    """
    merged = dict(values)
    for key, value in row.values.items():
        if key not in values or not types.same_value(parser.value_types[key], values[key], value):
            merged[key] = value
    for key in row.cleared:
        merged.pop(key, None)
    return merged


def _finish(job: ImportJob, run_id: str, *, failure: str = "") -> None:
    jobs.finish(job, run_id, failure=failure, on_finished=refresh_groups_and_record)


def refresh_groups_and_record(job: ImportJob) -> None:
    """In the job's last transaction, or the sweeper's that gives it up: the dynamic groups follow
    the rows it committed by the time the history says it ended; then its audit event."""
    dynamic.refresh_dynamic_groups(organization=job.organization_id, actor=job.uploaded_by, cause=dynamic.Cause.IMPORT)
    record_finished(job)


def record_finished(job: ImportJob) -> None:
    """One event per job, whatever its size: the counts say what it did."""
    audit.record(
        organization=job.organization_id,
        verb=AuditEvent.Verb.IMPORT_FINISHED,
        actor=job.uploaded_by,
        details={
            "job_id": job.pk,
            "file_name": job.file_name,
            "status": job.status,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "rejected": job.rejected_count,
            "failure": job.failure_reason,
        },
    )


# The error log --------------------------------------------------------------------------


def error_log_lines(job: ImportJob) -> Iterator[str]:
    """The error log as CSV lines: row, column, reason, and the row as it was in the file."""
    head = [["Row", "Column", "Reason", *job.header]] + ([["", "", job.failure_reason]] if job.failure_reason else [])
    errors = job.row_errors.order_by("row_number").iterator(chunk_size=2000)
    return csv_lines(itertools.chain(head, ([e.row_number, e.column, e.reason, *e.values] for e in errors)))
