"""Bulk actions on the Users list: the request, the run, the report.

Each person is handed to the service that already does that to one person
(``users.services.delete_org_user``, ``groups.services.add_members`` and
``remove_member``), so a bulk action follows exactly their rules, audit entries included.
Whatever one of them refuses is written down per person, with its reason.

A run takes people in user id order, a chunk per transaction; the chunk's changes, its
refusals, the counts and the last user id done commit together, so a run that stops
anywhere is resumed by the next without doing anyone twice. Small jobs run in the
request that confirmed them; larger ones in a worker, queued once the job row commits.
"""

import io
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exports import services as export_services
from exports.models import ExportJob
from groups import services as group_services
from groups.models import Group, GroupMembership
from imports.formulas import GuardedWriter
from kaizala_portal import jobs, policy
from kaizala_portal.jobs import LostClaim
from kaizala_portal.policy import Action, Viewer
from users import services as user_services
from users.models import OrganizationUser

from . import selectors
from .models import BULK_JOBS, BulkJob, BulkOutcome
from .selectors import Selection

logger = logging.getLogger(__name__)

UNEXPECTED = "The bulk action stopped on an unexpected error. Run it again for those left, or contact support."


class NotAllowed(Exception):
    """Raised with the reason the job's requester may not do it (any more)."""


# The request --------------------------------------------------------------------------


def start_bulk_job(
    *,
    viewer: Viewer,
    kind: BulkJob.Kind,
    selection: Selection,
    group: Group | None = None,
) -> BulkJob:
    """Keep a job for the people ``selection`` chooses; run it now when small, else queue it on commit."""
    _check_allowed(viewer, kind, group)
    people = selectors.people_in(viewer, selection.scope)
    count = people.count()
    in_request = count <= settings.BULK_ACTIONS_IN_REQUEST_UP_TO
    with transaction.atomic():
        job = BulkJob.objects.create(
            organization=viewer.organization,
            requested_by=viewer.user,
            kind=kind,
            group=group,
            group_name=group.name if group else "",
            scope=selection.scope,
            scope_description=selectors.describe(viewer.organization, selection, count)[:500],
            selected_count=count,
            # Nothing to send to the broker: the request itself is the run.
            queued_at=timezone.now() if in_request else None,
        )
        if not in_request:
            jobs.enqueue_on_commit(job)
    if in_request:
        run_bulk_job(job_id=job.pk, run_id=f"request-{uuid.uuid4().hex}")
        job.refresh_from_db()
    return job


def export_selection(*, viewer: Viewer, selection: Selection) -> ExportJob:
    """Request an export (the exports app's job and history) of the people ``selection`` chooses."""
    if not policy.can(viewer, Action.EXPORT_USERS):
        raise NotAllowed(f"Your role in {viewer.organization} does not allow exporting its users.")
    return export_services.create_export_job(
        organization=viewer.organization, requested_by=viewer.user, scope=selection.scope
    )


def _check_allowed(viewer: Viewer, kind: str, group: Group | None) -> None:
    if kind == BulkJob.Kind.DELETE:
        if not policy.can(viewer, Action.REMOVE_USERS):
            raise NotAllowed(f"Your role in {viewer.organization} does not allow removing its users.")
        return
    if group is None:
        raise NotAllowed("The group of this action no longer exists.")
    if group.organization_id != viewer.organization.pk:
        raise NotAllowed(f"{group} is no longer a group of {viewer.organization}.")
    if not policy.can(viewer, Action.MANAGE_GROUP_MEMBERS, group):
        raise NotAllowed(f"You may add people to, or remove them from, only the groups you admin; not {group}.")


# The run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    org_user: OrganizationUser
    outcome: str  # BulkOutcome.Outcome, or "done"
    reason: str = ""
    left_organization: bool = False


DONE = "done"


def run_bulk_job(*, job_id: int, run_id: str) -> None:
    """Do (or resume) a bulk job; the Celery task, or the request of a small one, calls this."""
    job = jobs.claim_job(BULK_JOBS, job_id, run_id, select_related=("organization", "requested_by", "group"))
    if job is None:
        return
    try:
        _run(job, run_id)
    except LostClaim:
        logger.warning("Bulk job %s was taken over by another run; %s stops.", job_id, run_id)
    except NotAllowed as problem:
        jobs.finish(job, run_id, failure=str(problem))
    except Exception:
        logger.exception("Bulk job %s failed", job_id)
        jobs.finish(job, run_id, failure=UNEXPECTED)


def _requester(job: BulkJob) -> Viewer:
    """The policy's view of whoever asked for the job, as they are now."""
    if job.requested_by is None:
        raise NotAllowed("The account that asked for this bulk action no longer exists.")
    viewer = policy.viewer_for(job.requested_by, job.organization)
    if job.kind != BulkJob.Kind.DELETE and job.group is not None:
        # The group may have been unmapped or moved to another organization since.
        job.group.refresh_from_db(fields=["organization"])
    _check_allowed(viewer, job.kind, job.group)
    return viewer


def _run(job: BulkJob, run_id: str) -> None:
    viewer = _requester(job)
    # People who joined after the confirmation page counted were not among those it showed.
    people = selectors.people_in(viewer, job.scope).filter(added_at__lte=job.created_at)
    if job.total_rows is None:
        remaining = people.filter(user_id__gt=job.last_user_id).count()
        jobs.save_progress(job, run_id, total_rows=job.rows_done + remaining)
    act = ACTIONS[job.kind]
    while True:
        chunk = list(
            people.filter(user_id__gt=job.last_user_id).select_related("user")[: settings.BULK_ACTIONS_CHUNK_SIZE]
        )
        if not chunk:
            break
        with transaction.atomic():
            jobs.hold_claim(job, run_id)
            outcomes = act(job, chunk)
            _write_outcomes(job, outcomes)
            job.last_user_id = chunk[-1].user_id
            job.rows_done += len(chunk)
            job.total_rows = max(job.total_rows or 0, job.rows_done)
            job.heartbeat_at = timezone.now()
            job.save(update_fields=COUNT_FIELDS)
    jobs.finish(job, run_id)


COUNT_FIELDS = [
    "done_count",
    "skipped_count",
    "refused_count",
    "left_organization_count",
    "last_user_id",
    "rows_done",
    "total_rows",
    "heartbeat_at",
]


def _write_outcomes(job: BulkJob, outcomes: list[Outcome]) -> None:
    not_done = []
    for outcome in outcomes:
        if outcome.outcome == DONE:
            job.done_count += 1
            job.left_organization_count += outcome.left_organization
            continue
        if outcome.outcome == BulkOutcome.Outcome.SKIPPED:
            job.skipped_count += 1
        else:
            job.refused_count += 1
        member = outcome.org_user
        not_done.append(
            BulkOutcome(
                job=job,
                user=member.user,
                name=member.name,
                phone_number=member.user.phone_number,
                outcome=outcome.outcome,
                reason=outcome.reason,
            )
        )
    BulkOutcome.objects.bulk_create(not_done)


def _delete(job: BulkJob, chunk: list[OrganizationUser]) -> list[Outcome]:
    outcomes = []
    for org_user in chunk:
        try:
            # Its own transaction (a savepoint here): a refusal undoes nothing of the others.
            user_services.delete_org_user(org_user=org_user, deleted_by=job.requested_by)
        except user_services.CannotRemoveUser as refusal:
            outcomes.append(Outcome(org_user, BulkOutcome.Outcome.REFUSED, str(refusal)))
        else:
            outcomes.append(Outcome(org_user, DONE, left_organization=True))
    return outcomes


def _add_to_group(job: BulkJob, chunk: list[OrganizationUser]) -> list[Outcome]:
    result = group_services.add_members(
        group=job.group, phone_numbers=[m.user.phone_number for m in chunk], added_by=job.requested_by
    )
    rejected = {entry.entry: entry.reason for entry in result.rejected}
    return [
        Outcome(m, BulkOutcome.Outcome.SKIPPED, rejected[m.user.phone_number])
        if m.user.phone_number in rejected
        else Outcome(m, DONE)
        for m in chunk
    ]


def _remove_from_group(job: BulkJob, chunk: list[OrganizationUser]) -> list[Outcome]:
    group = job.group
    memberships = {
        membership.user_id: membership
        for membership in GroupMembership.objects.filter(
            group=group, user_id__in=[m.user_id for m in chunk]
        ).select_related("user", "group")
    }
    outcomes = []
    for org_user in chunk:
        membership = memberships.get(org_user.user_id)
        if membership is None:
            outcomes.append(Outcome(org_user, BulkOutcome.Outcome.SKIPPED, f"{org_user.label} is not in {group}."))
            continue
        try:
            removed = group_services.remove_member(membership=membership, removed_by=job.requested_by)
        except group_services.GroupRuleBroken as refusal:
            outcomes.append(Outcome(org_user, BulkOutcome.Outcome.REFUSED, str(refusal)))
        else:
            outcomes.append(Outcome(org_user, DONE, left_organization=removed.left_organization))
    return outcomes


ACTIONS = {
    BulkJob.Kind.DELETE: _delete,
    BulkJob.Kind.ADD_TO_GROUP: _add_to_group,
    BulkJob.Kind.REMOVE_FROM_GROUP: _remove_from_group,
}


# The report -----------------------------------------------------------------------------

REPORT_HEADER = ["Name", "Phone Number", "Outcome", "Reason"]


def report_lines(job: BulkJob) -> Iterator[str]:
    """Who the job skipped or refused, and why, as CSV lines (the failure first, when it failed)."""
    out = io.StringIO()
    writer = GuardedWriter(out)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    out.write("\ufeff")
    writer.writerow(REPORT_HEADER)
    if job.failure_reason:
        writer.writerow(["", "", "Failed", job.failure_reason])
    yield flush()
    for outcome in job.outcomes.order_by("pk").iterator(chunk_size=2000):
        writer.writerow([outcome.name, outcome.phone_number, outcome.get_outcome_display(), outcome.reason])
        if out.tell() > 64 * 1024:
            yield flush()
    yield flush()
