"""Exporting an organization's users to a CSV file: the request, the job.

The file has the import template's columns, so that an export, edited or not, imports
back; read-only columns follow. Text a spreadsheet would run as a formula is guarded
(see ``imports.formulas``, whose ``restore`` the import applies).

A job streams users in id order, a chunk per round trip to the database, into a file of
its own run outside storage. Only when the last row is written is that file moved into
private storage and the job marked Completed, in one step: a run that stops anywhere
leaves no half file behind a Completed job, and the run that retries it writes the file
again from the start (an export changes nothing, so starting over is always safe).
"""

import functools
import itertools
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from attributes import types
from attributes.models import AttributeDefinition
from attributes.selectors import definitions_of
from audit import services as audit
from audit.models import AuditEvent
from groups.models import Group, GroupMembership
from imports.formulas import GuardedWriter, csv_lines, neutralise
from imports.services import EXPORTED_READ_ONLY, template_header
from kaizala_portal import files, jobs, policy
from kaizala_portal.jobs import LostClaim
from kaizala_portal.policy import Action, Viewer
from users.models import Organization, OrganizationUser, User
from users.selectors import describe_source, org_group_memberships

from . import selectors
from .models import EXPORT_JOBS, ExportJob

logger = logging.getLogger(__name__)

# After the import template's columns: what the portal knows of each user that an import does not set.
# The last, "Date added", names the organization's time zone: "Date added (Asia/Kolkata)".
READ_ONLY_HEADER = EXPORTED_READ_ONLY
DATE_ADDED_FORMAT = "%Y-%m-%d %H:%M"
# What each row is read as: values, not model instances, which would cost more than writing the row.
# The date added comes as the database's UTC text rather than a datetime (see _date_added).
ROW_FIELDS = ("user_id", "name", "user__phone_number", "attribute_values", "role", "added_directly", "added_utc")


class NotAllowed(Exception):
    """Raised with the reason the job's requester may not have the export (any more)."""


# The request --------------------------------------------------------------------------


def create_export_job(*, organization: Organization, requested_by: User, scope: str) -> ExportJob:
    """Queue an export of the users ``scope`` chooses (see ``selectors.scope_query``); it starts on commit."""
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.create(
            organization=organization,
            requested_by=requested_by,
            file_name=f"{organization.slug}-users-{timezone.localtime(now, organization.zone):%Y-%m-%d-%H%M%S}.csv",
            scope=scope,
            scope_description=selectors.describe_scope(organization, scope)[:500],
            token=secrets.token_hex(16),
            created_at=now,
        )
        audit.record(
            organization=organization,
            verb=AuditEvent.Verb.EXPORT_REQUESTED,
            actor=requested_by,
            details={"job_id": job.pk, "file_name": job.file_name, "scope": job.scope_description},
        )
        jobs.enqueue_on_commit(job)
    return job


# The columns --------------------------------------------------------------------------


class RowLayout:
    """The file's columns, and one user's cells in them."""

    def __init__(self, definitions: list[AttributeDefinition], *, zone: ZoneInfo):
        *read_only, date_added = READ_ONLY_HEADER
        self.header = template_header(definitions) + read_only + [f"{date_added} ({zone.key})"]
        self.zone_name = zone.key
        self.attributes = [(d.key, _attribute_formatter(d.value_type)) for d in definitions]
        self.roles = dict(OrganizationUser.Role.choices)
        # Most people are in no group: their last columns depend on nothing else.
        self.sources_without_groups = {
            direct: describe_source(added_directly=direct, group_names=[]) for direct in (True, False)
        }

    def cells(self, row: tuple, groups: list[tuple[str, str, bool]]) -> list[str]:
        """``row`` is a tuple of ``ROW_FIELDS``; ``groups`` the user's (group name, role, dynamic?) here."""
        _user_id, name, phone_number, values, role, added_directly, added_utc = row
        # Guarded here, per column, so that the writer need not look at every cell of a million rows
        # (see GuardedWriter.writerows_guarded). Phone numbers are E.164 ("+91…"): guarded like any text.
        cells = [neutralise(name), neutralise(phone_number)]
        for key, formatted in self.attributes:
            value = values.get(key)
            cells.append("" if value is None else formatted(value))
        cells.append(self.roles.get(role, role))
        if groups:
            # A dynamic group picks its members among the organization's users: it is no way in (as on the Users pages).
            group_names = [
                group for group, role, dynamic in groups if not dynamic or role == GroupMembership.Role.ADMIN
            ]
            cells.append(_groups_cell(groups))
            cells.append(neutralise(describe_source(added_directly=added_directly, group_names=group_names)))
        else:
            cells.append("")
            cells.append(self.sources_without_groups[added_directly])
        cells.append(_date_added(added_utc[:16], self.zone_name))
        return cells


def _groups_cell(groups: list[tuple[str, str, bool]]) -> str:
    """ "Sales North (admin), Field Team", as the Users list's Groups column shows them."""
    names = (f"{group} (admin)" if role == GroupMembership.Role.ADMIN else group for group, role, _ in groups)
    return neutralise(", ".join(names))


# Types whose CSV text never starts like a formula: Yes/No, ISO dates, and numbers ("-5"),
# which a spreadsheet reads as numbers. Only free text needs the guard.
UNGUARDED_TYPES = {"number", "boolean", "datetime"}


def _attribute_formatter(value_type: str) -> Callable[[object], str]:
    """A value's CSV text, as ``types.format_value`` writes it for re-import, guarded where it is text."""
    format_value = types.TYPES[value_type].format_value
    if value_type in UNGUARDED_TYPES:
        return functools.partial(format_value, for_csv=True)
    return lambda value: neutralise(format_value(value, for_csv=True))


@functools.lru_cache(maxsize=4096)
def _date_added(utc_minute: str, zone_name: str) -> str:
    """ "2024-03-01 09:30" (UTC, as both databases write it as text) in the organization's time zone.

    People added together share their minute: parsing and converting each row's datetime
    would cost more than writing the row.
    """
    moment = datetime.fromisoformat(utc_minute).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone_name)).strftime(DATE_ADDED_FORMAT)


def export_rows(
    organization: Organization, queryset: QuerySet[OrganizationUser], layout: RowLayout, *, chunk_size: int
) -> Iterator[list[list[str]]]:
    """The rows of ``queryset``'s users, a chunk at a time; never more than a chunk in memory."""
    rows = (
        queryset.annotate(added_utc=Cast("added_at", CharField()))
        .values_list(*ROW_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    # Most organizations map no groups: then there is nothing to look up per chunk.
    has_groups = Group.objects.filter(organization=organization).exists()
    while chunk := list(itertools.islice(rows, chunk_size)):
        groups = _groups_of(organization, [row[0] for row in chunk]) if has_groups else {}
        yield [layout.cells(row, groups.get(row[0], [])) for row in chunk]


def _groups_of(organization: Organization, user_ids: Iterable[int]) -> dict[int, list[tuple[str, str, bool]]]:
    memberships = (
        org_group_memberships(organization)
        .filter(user_id__in=user_ids)
        .order_by("group__name", "group_id")
        .values_list("user_id", "group__name", "role", "group__rule")
    )
    groups = defaultdict(list)
    for user_id, name, role, rule in memberships:
        groups[user_id].append((name, role, rule is not None))
    return groups


# The job --------------------------------------------------------------------------------


class _WrittenFile(File):
    """A finished file on the local disk, which file system storage moves rather than copies."""

    def __init__(self, path: Path):
        super().__init__(open(path, "rb"), name=path.name)
        self.path = path

    def temporary_file_path(self) -> str:
        return str(self.path)


def work_dir() -> Path:
    """Where runs write their files: this worker's own disk (beside local storage, so that finishing is a rename)."""
    return files.work_dir("exports-in-progress")


def run_export(*, job_id: int, run_id: str) -> None:
    """Write (or write again) an export job's file; the Celery task calls this with its own id."""
    job = _claim(job_id, run_id)
    if job is None:
        return
    try:
        _write(job, run_id)
    except LostClaim:
        logger.warning("Export job %s was taken over by another run; %s stops.", job_id, run_id)
    except NotAllowed as problem:
        _finish(job, run_id, failure=str(problem))
    except Exception as error:
        logger.exception("Export job %s failed", job_id)
        _finish(
            job,
            run_id,
            failure="The export stopped on an unexpected error. Request it again, or contact support.",
            # The kind of error only (its text may hold the database's or the disk's details), for support.
            detail=f"Error: {type(error).__name__}",
        )


def _claim(job_id: int, run_id: str) -> ExportJob | None:
    # Whatever an earlier run wrote is thrown away: this run starts the file again. The requester
    # may be gone: a nullable join PostgreSQL cannot lock, so only the job's row is (see ``claim``).
    job = jobs.claim_job(
        EXPORT_JOBS, job_id, run_id, select_related=("organization", "requested_by"), rows_done=0, total_rows=None
    )
    if job is not None:
        _discard_partial_files(job)
    return job


def _discard_partial_files(job: ExportJob) -> None:
    for partial in work_dir().glob(f"{job.token}-*.csv"):
        partial.unlink(missing_ok=True)


def _requester(job: ExportJob) -> Viewer:
    """The policy's view of whoever asked for the export, as they are now."""
    if job.requested_by is None:
        raise NotAllowed("The account that requested this export no longer exists.")
    viewer = policy.viewer_for(job.requested_by, job.organization)
    if not policy.can(viewer, Action.EXPORT_USERS):
        raise NotAllowed(f"{job.requested_by} may no longer export the users of {job.organization}.")
    return viewer


def _write(job: ExportJob, run_id: str) -> None:
    viewer = _requester(job)
    # A worker has no request, and so no active zone: the organization's is given.
    layout = RowLayout(definitions_of(job.organization), zone=job.organization.zone)
    users = selectors.users_in_scope(viewer, job.scope)
    jobs.save_progress(job, run_id, total_rows=users.count())
    work_dir().mkdir(parents=True, exist_ok=True)
    partial = work_dir() / f"{job.token}-{job.attempts}.csv"
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            out.write("\ufeff")  # a BOM, so that Excel reads the file as UTF-8
            writer = GuardedWriter(out)
            writer.writerow(layout.header)
            saved_at = time.monotonic()
            for rows in export_rows(job.organization, users, layout, chunk_size=settings.EXPORT_CHUNK_SIZE):
                writer.writerows_guarded(rows)
                job.rows_done += len(rows)
                if time.monotonic() - saved_at >= settings.EXPORT_PROGRESS_SECONDS:
                    jobs.save_progress(job, run_id, rows_done=job.rows_done)
                    saved_at = time.monotonic()
        _complete(job, run_id, partial)
    finally:
        partial.unlink(missing_ok=True)


def _complete(job: ExportJob, run_id: str, partial: Path) -> None:
    """Move the whole file into storage and mark the job Completed, together or not at all."""

    def keep_file(job: ExportJob) -> list[str]:
        job.file.save(job.file_name, written, save=False)
        record_finished(job)
        return ["file"]

    written = _WrittenFile(partial)
    try:
        jobs.finish(job, run_id, on_finished=keep_file, rows_done=job.rows_done, total_rows=job.rows_done)
    except Exception:
        if job.file:
            job.file.storage.delete(job.file.name)
        raise
    finally:
        written.close()


def _finish(job: ExportJob, run_id: str, *, failure: str, detail: str = "") -> None:
    def keep_error_log(job: ExportJob) -> list[str]:
        _save_error_log(job, detail)
        record_finished(job)
        return ["error_log"]

    try:
        jobs.finish(job, run_id, failure=failure, on_finished=keep_error_log)
    except Exception:
        _delete_error_log(job)
        raise


# The error log --------------------------------------------------------------------------

ERROR_LOG_HEADER = ["Export", "Users", "Requested", "Failed", "Users written before it stopped", "Reason", "Detail"]


def error_log_csv(job: ExportJob, detail: str = "") -> str:
    """Why a Failed job failed, as CSV: one row, in the words the history shows, and when."""
    row = [
        job.file_name,
        job.scope_description or "All users",
        timezone.localtime(job.created_at).strftime(DATE_ADDED_FORMAT),
        timezone.localtime(job.finished_at).strftime(DATE_ADDED_FORMAT) if job.finished_at else "",
        job.rows_done,
        job.failure_reason,
        detail,
    ]
    return "".join(csv_lines([ERROR_LOG_HEADER, row]))


def _save_error_log(job: ExportJob, detail: str = "") -> None:
    """Keep the job's error log in private storage (the job is saved by the caller, in its transaction)."""
    job.error_log.save(f"{job.token}-errors.csv", ContentFile(error_log_csv(job, detail).encode()), save=False)


def _delete_error_log(job: ExportJob) -> None:
    if job.error_log:
        job.error_log.storage.delete(job.error_log.name)
        job.error_log = ""


def record_finished(job: ExportJob) -> None:
    """One event per job, whatever its size: the row count says what it held."""
    audit.record(
        organization=job.organization_id,
        verb=AuditEvent.Verb.EXPORT_FINISHED,
        actor=job.requested_by,
        details={
            "job_id": job.pk,
            "file_name": job.file_name,
            "status": job.status,
            "rows": job.rows_done,
            "failure": job.failure_reason,
        },
    )


# Jobs the sweeper gave up -----------------------------------------------------------------


def after_giving_up(job: ExportJob) -> None:
    """The error log and the audit event of a job tried too often (see ``EXPORT_JOBS``)."""
    _save_error_log(job)
    job.save(update_fields=["error_log"])
    record_finished(job)
    # A half file is of no use either way: a run that takes the job over starts its file again.
    _discard_partial_files(job)
