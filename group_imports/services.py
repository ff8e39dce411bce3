"""Bulk Upload Users on the Groups page: the User Group Mapping and Parent Group Mapping uploads.

The upload keeps the file and a job; a worker processes it in batches of
``GROUP_IMPORT_BATCH_SIZE`` rows, one transaction each: the batch's writes, its rejected
rows and the job's progress are committed together, so a run that stops anywhere resumes
after the last committed batch and no row is applied twice or skipped. Each batch locks
its organization (as every change to its groups does, see ``groups.services``), reads the
hierarchy once, and writes set-wise: a few statements per batch, never one per row.

What the files mean, as decided for the portal:

- Groups are named by their path ("Field Staff / North"); names never hold the separator
  " / " (``groups.selectors.name_refusal``), so a path names one group.
- User Group Mapping: User Type is admin or member, in any case; empty means member. A
  person already in the group with another role is updated, with the same role unchanged.
  The same group and person a second time in a file is rejected as a duplicate of the
  first row. A group that does not exist yet is created as a group of the organization,
  with the groups above it that are missing too, when an organization admin uploads; a
  group admin's row naming one is rejected. A group admin's rows for groups they do not
  directly admin are rejected. People new to the organization join it through the group
  (as group members do, ``groups.services.sync_organization_users``). A row that would
  take a group's last admin away is rejected: a group keeps at least one admin. A group
  created by upload gets its admins from the file (organization admins manage it anyway).
- Parent Group Mapping: rows apply in file order, each against the hierarchy as the rows
  before it left it. A row whose child group does not exist is ignored and listed in the
  error log; a parent that does not exist, a move the uploader's role does not allow (the
  Move page's rules), a name taken under the new parent, or a loop is rejected with the
  reason, the loop named group by group.
- One audit event when a job is uploaded, one when it ends, with its counts.
"""

import itertools
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone

from audit import services as audit
from audit.models import AuditEvent
from groups import mapping_files
from groups.models import Group, GroupMembership
from groups.selectors import PATH_SEPARATOR, dynamic_group_refusal
from imports import bulk, preparing
from imports.formulas import csv_lines
from imports.limits import RowLimits
from imports.reader import UnreadableFile, open_sheet, sniff_header
from imports.uploads import too_big_message
from kaizala_portal import files, jobs, policy
from kaizala_portal.jobs import LostClaim
from kaizala_portal.policy import Action, Viewer
from users import phones
from users.models import Organization, User

from . import rows, writes
from .hierarchy import Node, Tree
from .models import GROUP_IMPORT_JOBS, GroupImportJob, GroupImportRowError
from .rows import name_key

logger = logging.getLogger(__name__)

Kind = GroupImportJob.Kind
NAME_MAX_LENGTH = Group._meta.get_field("name").max_length


# The upload -----------------------------------------------------------------------------


def check_upload(*, kind: str, upload: UploadedFile) -> None:
    """What can be checked at once: a .csv file, its size, a readable header with the kind's columns.

    Raises ``UnreadableFile`` with the message for the page.
    """
    if Path(upload.name or "").suffix.lower() != ".csv":
        raise UnreadableFile("Upload a .csv file, like the template.")
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise UnreadableFile(too_big_message(upload.size, limit))
    if upload.size == 0:
        raise UnreadableFile("The file is empty.")
    upload.seek(0)
    start = upload.read(64 * 1024)
    upload.seek(0)
    header = sniff_header(start, "csv")
    other = Kind.PARENT_MAPPING if kind == Kind.USER_MAPPING else Kind.USER_MAPPING
    if _has_columns_of(other, header) and not _has_columns_of(kind, header):
        raise UnreadableFile(f"This looks like a {other.label} file: upload it as one, from Bulk Upload Users.")
    rows.check_header(kind, header)


def _has_columns_of(kind: str, header: list[str]) -> bool:
    try:
        rows.check_header(kind, header)
    except UnreadableFile:
        return False
    return True


def create_job(*, organization: Organization, uploaded_by: User, kind: str, upload: UploadedFile) -> GroupImportJob:
    """Keep the upload and queue it; the job starts when the transaction commits."""
    with transaction.atomic():
        job = GroupImportJob(
            organization=organization,
            uploaded_by=uploaded_by,
            kind=Kind(kind),
            file_name=Path(upload.name).name[: GroupImportJob._meta.get_field("file_name").max_length],
            token=secrets.token_hex(16),
        )
        job.file.save(job.file_name, upload, save=False)
        job.save()
        audit.record(
            organization=organization,
            verb=AuditEvent.Verb.GROUP_IMPORT_STARTED,
            actor=uploaded_by,
            details={"job_id": job.pk, "file_name": job.file_name, "kind": job.get_kind_display()},
        )
        jobs.enqueue_on_commit(job)
    return job


# The job --------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    groups_created: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    ignored: int = 0
    errors: list[rows.RowError] = field(default_factory=list)

    def reject(self, row, column: str, reason: str) -> None:
        self.errors.append(rows.RowError(row.number, column, reason, row.values))


COUNTS = {
    "groups_created": "groups_created_count",
    "added": "added_count",
    "updated": "updated_count",
    "unchanged": "unchanged_count",
    "moved": "moved_count",
    "ignored": "ignored_count",
}


def run_job(*, job_id: int, run_id: str) -> None:
    """Process (or resume) a group upload; the Celery task calls this with its own id."""
    job = jobs.claim_job(GROUP_IMPORT_JOBS, job_id, run_id, select_related=("organization", "uploaded_by"))
    if job is None:
        return
    try:
        with files.local_copy(job.file) as path:
            _process(job, run_id, path)
    except LostClaim:
        logger.warning("Group upload %s was taken over by another run; %s stops.", job_id, run_id)
    except UnreadableFile as problem:
        _finish(job, run_id, failure=str(problem))
    except DatabaseError:
        logger.exception("Group upload %s stopped on a database error", job_id)
        job.refresh_from_db()
        _finish(job, run_id, failure=_stopped_after(job, "on a database error"))
    except Exception:
        logger.exception("Group upload %s failed", job_id)
        job.refresh_from_db()
        _finish(job, run_id, failure=_stopped_after(job, "on an unexpected error"))


def _stopped_after(job: GroupImportJob, how: str) -> str:
    first = job.rows_done + 2  # a row's number in the file, whose first row is the header
    return (
        f"The upload stopped {how} in the batch of rows from row {first}. No row from row {first} on was applied; "
        "the rows before it were. Upload the file again to finish, or contact support."
    )


TERMS = rows.FileTerms(
    separator=PATH_SEPARATOR,
    user_types=mapping_files.USER_TYPES,
    user_example=tuple(mapping_files.USER_MAPPING_EXAMPLE),
    parent_example=tuple(mapping_files.PARENT_MAPPING_EXAMPLE),
    parent_note=mapping_files.PARENT_MAPPING_NOTE,
)


def _reader(job: GroupImportJob, header: list[str]):
    common = {
        "terms": TERMS,
        "limits": RowLimits(
            max_columns=settings.IMPORT_MAX_COLUMNS, max_characters=settings.IMPORT_MAX_CELL_CHARACTERS
        ),
        "name_max_length": NAME_MAX_LENGTH,
        "skip": job.rows_done,
    }
    if job.kind == Kind.USER_MAPPING:
        return rows.UserMappingReader(header, region=job.organization.default_region, **common)
    return rows.ParentMappingReader(header, **common)


def _process(job: GroupImportJob, run_id: str, path: Path) -> None:
    if job.uploaded_by is None:
        raise UnreadableFile("The person who uploaded the file no longer has an account: nothing was applied.")
    with open_sheet(path, "csv", job.encoding) as sheet:
        rows.check_header(job.kind, sheet.header)
        header = sheet.header
        if job.total_rows is None:
            jobs.save_progress(job, run_id, header=sheet.raw_header)
            jobs.save_progress(job, run_id, total_rows=sum(1 for _ in sheet.rows))
    # The uploader's role as it is now: a role taken away since the upload no longer reaches.
    viewer = policy.viewer_for(job.uploaded_by, job.organization)
    if not policy.can(viewer, Action.MANAGE_GROUP_MEMBERS):
        raise UnreadableFile(
            f"{job.uploaded_by} may no longer add or remove users of groups here: nothing was applied."
        )
    apply = _apply_memberships if job.kind == Kind.USER_MAPPING else _apply_parents
    # Every row is read again from the start (see ``rows._Reader``); the reader leaves out those applied already.
    source = preparing.Source(str(path), "csv", batch_size=settings.GROUP_IMPORT_BATCH_SIZE, encoding=job.encoding)
    in_parallel = job.total_rows >= settings.IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS
    beat_at = time.monotonic()
    for reads in preparing.prepared_batches(_reader(job, header), source, in_parallel=in_parallel):
        if reads:
            _apply_batch(job, run_id, viewer, apply, reads)
            beat_at = time.monotonic()
        elif time.monotonic() - beat_at > settings.GROUP_IMPORT_STALE_AFTER_SECONDS / 4:
            # Reading again the rows an earlier run applied can take a while in a big file: still alive.
            jobs.save_progress(job, run_id)
            beat_at = time.monotonic()
    done = job.added_count + job.updated_count + job.unchanged_count + job.moved_count + job.ignored_count
    if done == 0 and job.rejected_count:
        _finish(job, run_id, failure=f"All {job.rejected_count:,} rows were rejected: see the error log.")
    elif done == 0:
        _finish(job, run_id, failure="The file has no rows under its header.")
    else:
        _finish(job, run_id)


def _apply_batch(job: GroupImportJob, run_id: str, viewer: Viewer, apply, batch: list) -> None:
    """Apply a batch's rows and save the job's progress, in one transaction."""
    outcome = BatchOutcome(errors=[read for read in batch if isinstance(read, rows.RowError)])
    accepted = [read for read in batch if read is not None and not isinstance(read, rows.RowError)]
    with transaction.atomic():
        jobs.hold_claim(job, run_id)
        organization = Organization.objects.select_for_update().get(pk=job.organization_id)
        if accepted:
            apply(organization, viewer, accepted, outcome)
        GroupImportRowError.objects.bulk_create(
            GroupImportRowError(job=job, row_number=e.number, column=e.column, reason=e.reason, values=e.values)
            for e in outcome.errors
        )
        job.rows_done += len(batch)
        for name, count_field in COUNTS.items():
            setattr(job, count_field, getattr(job, count_field) + getattr(outcome, name))
        job.rejected_count += len(outcome.errors) - outcome.ignored
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["rows_done", "rejected_count", "heartbeat_at", *COUNTS.values()])


# User Group Mapping ------------------------------------------------------------------------


def _refuses_manual_members(tree: Tree, group_id: int) -> str | None:
    """Why a group takes no members from a file (a dynamic group's follow its rule), or None.

    Read from the batch's tree, so asked once per group a batch names without a query.
    """
    return dynamic_group_refusal(tree.path(group_id)) if tree.nodes[group_id].dynamic else None


def _apply_memberships(
    organization: Organization, viewer: Viewer, accepted: list[rows.MembershipRow], outcome: BatchOutcome
) -> None:
    tree = Tree.of(organization.pk)
    may_create = policy.reaches_whole_organization(viewer, Action.CREATE_GROUPS)
    if may_create:
        distinct = {row.key: row.path for row in accepted}
        outcome.groups_created = _create_missing_groups(organization, tree, distinct)
    placed: list[tuple[rows.MembershipRow, int]] = []
    found: dict[tuple[str, ...], int | None] = {}
    everywhere = policy.reaches_whole_organization(viewer, Action.MANAGE_GROUP_MEMBERS)
    reached: dict[int, bool] = {}
    refusals: dict[int, str | None] = {}
    ruled: list[tuple[rows.MembershipRow, int]] = []  # rows for dynamic groups
    for row in accepted:
        path = row.key
        group_id = found[path] if path in found else found.setdefault(path, tree.find_key(path))
        if group_id is not None and group_id not in reached:
            reached[group_id] = everywhere or policy.can(
                viewer, Action.MANAGE_GROUP_MEMBERS, _group(organization, tree, group_id)
            )
            refusals[group_id] = _refuses_manual_members(tree, group_id)
        if group_id is None and may_create and (taken := tree.taken_along(row.path)):
            outcome.reject(
                row,
                "Group",
                f"{taken} cannot be created: a subgroup of another organization, or of none, already has that name "
                "under the same parent. Use another name, or map that group to this organization.",
            )
        elif group_id is None:
            outcome.reject(
                row,
                "Group",
                f"There is no group {PATH_SEPARATOR.join(row.path)} in {organization}, and only organization admins "
                "may create groups by upload. Create it first, or ask an organization admin.",
            )
        elif not reached[group_id]:
            outcome.reject(
                row,
                "Group",
                f"You are not an admin of {tree.path(group_id)}: a group admin may upload rows only for the groups "
                "they directly admin.",
            )
        elif refusals[group_id]:
            ruled.append((row, group_id))
        else:
            placed.append((row, group_id))
    _as_the_rule_has_them(ruled, refusals, outcome)
    if not placed:
        return
    user_ids = _users_for({row.phone_number for row, _ in placed})
    now = timezone.now()
    wanted = [(row, group_id, user_ids[row.phone_number]) for row, group_id in placed]
    # New memberships first, in one statement; only the people already in their group are read.
    added = writes.insert_new_memberships([(g, u, row.role) for row, g, u in wanted], added_at=now)
    already = [(row, g, u) for row, g, u in wanted if (g, u) not in added]
    existing = writes.memberships_of([(g, u) for _, g, u in already])
    changes: list[tuple[rows.MembershipRow, int, int, str]] = []  # row, group, membership, role before
    for row, group_id, user_id in already:
        pk, role = existing[(group_id, user_id)]
        if role == row.role:
            outcome.unchanged += 1
        else:
            changes.append((row, group_id, pk, role))
    changes = _keeping_an_admin(tree, changes, outcome)
    for role in GroupMembership.Role.values:
        changed = [pk for row, _, pk, _ in changes if row.role == role]
        if changed:
            GroupMembership.objects.filter(pk__in=changed).update(role=role)
    outcome.added += len(added)
    outcome.updated += len(changes)
    # Whoever is new to the organization joins it through the group (the groups are all the organization's).
    writes.join_organization(
        organization_id=organization.pk,
        user_ids=sorted({user_id for _, user_id in added}),
        added_by_id=viewer.user.pk,
        added_at=now,
    )


def _as_the_rule_has_them(
    ruled: list[tuple[rows.MembershipRow, int]], refusals: dict[int, str | None], outcome: BatchOutcome
) -> None:
    """Rows for dynamic groups: unchanged when the rule already has that person there in that role (an
    exported file read back), rejected with the reason otherwise. Nobody gets an account for them."""
    if not ruled:
        return
    user_ids = bulk.users_by_phone(sorted({row.phone_number for row, _ in ruled}))
    pairs = [(group_id, user_ids[row.phone_number]) for row, group_id in ruled if row.phone_number in user_ids]
    existing = writes.memberships_of(pairs)
    for row, group_id in ruled:
        found = existing.get((group_id, user_ids.get(row.phone_number)))
        if found is not None and found[1] == row.role:
            outcome.unchanged += 1
        else:
            outcome.reject(row, "Group", refusals[group_id])


def _group(organization: Organization, tree: Tree, group_id: int) -> Group:
    """The group as the policy asks about it: its place, without reading it again."""
    return Group(pk=group_id, organization=organization, parent_id=tree.nodes[group_id].parent_id)


def _create_missing_groups(organization: Organization, tree: Tree, paths: dict[tuple[str, ...], list[str]]) -> int:
    """Create the groups these paths (by key) name that do not exist, the missing ones above them first; how many."""
    created = 0
    pending = [names for key, names in paths.items() if tree.find_key(key) is None]
    depth, deepest = 0, max((len(names) for names in pending), default=0)
    while pending and depth < deepest:
        # One INSERT per level of the hierarchy: a level's parents exist once the level above is made.
        level: dict[tuple, Group] = {}
        for names in pending:
            parent_id, missing = tree.missing_from(names)
            if missing and len(names) - len(missing) == depth and not tree.taken_along(names):
                key = (parent_id, name_key(missing[0]))
                level.setdefault(key, Group(name=missing[0], parent_id=parent_id, organization=organization))
        made = Group.objects.bulk_create(list(level.values()))
        for group in made:
            tree.add(Node(group.pk, group.name, group.parent_id))
        created += len(made)
        pending = [names for names in pending if tree.find(names) is None]
        depth += 1
    return created


def _users_for(phone_numbers: set[str]) -> dict[str, int]:
    """User ids by number; numbers nobody has get an account (as adding members does), set-wise."""
    found = bulk.users_by_phone(sorted(phone_numbers))
    missing = sorted(phone_numbers - found.keys())
    if missing:
        found |= writes.create_users(missing, joined=timezone.now())
        if meanwhile := [number for number in missing if number not in found]:
            found |= bulk.users_by_phone(meanwhile)
    return found


def _keeping_an_admin(tree: Tree, changes: list, outcome: BatchOutcome) -> list:
    """The role changes that leave each group an admin; the others are rejected with the reason.

    Called once the batch's new memberships are written: the admins counted include its new ones.
    """
    demoted: dict[int, list] = {}
    for change in changes:
        row, group_id, _, before = change
        if before == GroupMembership.Role.ADMIN:
            demoted.setdefault(group_id, []).append(change)
    if not demoted:
        return changes
    admins = dict(
        GroupMembership.objects.filter(group_id__in=demoted, role=GroupMembership.Role.ADMIN)
        .values_list("group_id")
        .annotate(count=Count("pk"))
    )
    promoted: dict[int, int] = {}
    for row, group_id, *_ in changes:
        if row.role == GroupMembership.Role.ADMIN:
            promoted[group_id] = promoted.get(group_id, 0) + 1
    refused = set()
    for group_id, changes_here in demoted.items():
        if admins.get(group_id, 0) + promoted.get(group_id, 0) - len(changes_here) > 0:
            continue
        for change in changes_here:
            refused.add(id(change))
            row = change[0]
            outcome.reject(
                row,
                "User Type",
                f"{phones.display(row.phone_number)} is the last admin of {tree.path(group_id)}, and a group keeps "
                "at least one admin: make someone else an admin first.",
            )
    return [change for change in changes if id(change) not in refused]


# Parent Group Mapping ---------------------------------------------------------------------


def _apply_parents(
    organization: Organization, viewer: Viewer, accepted: list[rows.ParentRow], outcome: BatchOutcome
) -> None:
    tree = Tree.of(organization.pk)
    top_allowed = policy.reaches_whole_organization(viewer, Action.CREATE_GROUPS)
    moved: dict[int, int | None] = {}
    for row in accepted:
        child_id = tree.find(row.child)
        if child_id is None:
            outcome.ignored += 1
            outcome.reject(row, "Child Group", f"Ignored: there is no group {' / '.join(row.child)} in {organization}.")
            continue
        parent_id = tree.find(row.parent) if row.parent else None
        if row.parent and parent_id is None:
            outcome.reject(row, "Parent Group", f"There is no group {' / '.join(row.parent)} in {organization}.")
            continue
        if tree.nodes[child_id].parent_id == parent_id:
            outcome.unchanged += 1
            continue
        refusal = _why_not_move(organization, viewer, tree, child_id, parent_id, top_allowed)
        if refusal:
            outcome.reject(row, refusal[0], refusal[1])
            continue
        tree.move(child_id, parent_id)
        moved[child_id] = parent_id
        outcome.moved += 1
    if moved:
        Group.objects.bulk_update(
            [Group(pk=pk, parent_id=parent_id) for pk, parent_id in moved.items()], ["parent"], batch_size=500
        )


def _why_not_move(
    organization: Organization, viewer: Viewer, tree: Tree, child_id: int, parent_id: int | None, top_allowed: bool
) -> tuple[str, str] | None:
    """(column, reason) when the Move page would refuse this move to ``viewer``, else None."""
    child = tree.path(child_id)
    if not policy.can(viewer, Action.MOVE_GROUPS, _group(organization, tree, child_id)):
        return (
            "Child Group",
            f"You may not move {child}: a group admin moves only groups they admin, from under a group they admin too.",
        )
    if parent_id is None:
        if not top_allowed:
            return "Parent Group", f"Only organization admins may put {child} at the top of the hierarchy."
        clash = tree.sibling_named(tree.nodes[child_id].name, None, excluding=child_id)
        if clash:
            return "Parent Group", f"{organization} already has a top-level group named “{clash}”."
        return None
    parent = tree.path(parent_id)
    if not policy.can(viewer, Action.CREATE_GROUPS, _group(organization, tree, parent_id)):
        return "Parent Group", f"You may not put groups under {parent}: you are not its admin."
    if parent_id == child_id:
        return "Parent Group", f"{child} cannot be its own parent."
    ancestors = tree.ancestors(parent_id)
    if child_id in ancestors:
        chain = [parent, *(tree.path(pk) for pk in ancestors[: ancestors.index(child_id) + 1]), parent]
        return (
            "Parent Group",
            f"{child} cannot go under {parent}: {parent} is inside {child}, so the hierarchy would loop "
            f"({' → '.join(chain)}).",
        )
    clash = tree.sibling_named(tree.nodes[child_id].name, parent_id, excluding=child_id)
    if clash:
        return "Parent Group", f"{parent} already has a subgroup named “{clash}”."
    return None


# Progress and end ---------------------------------------------------------------------------


def _finish(job: GroupImportJob, run_id: str, *, failure: str = "") -> None:
    jobs.finish(job, run_id, failure=failure, on_finished=record_finished)


def record_finished(job: GroupImportJob) -> None:
    """One event per job, whatever its size: the counts say what it did (the sweeper calls it on giving up)."""
    counts = {name: getattr(job, count_field) for name, count_field in COUNTS.items()}
    audit.record(
        organization=job.organization_id,
        verb=AuditEvent.Verb.GROUP_IMPORT_FINISHED,
        actor=job.uploaded_by,
        details={
            "job_id": job.pk,
            "file_name": job.file_name,
            "kind": job.get_kind_display(),
            "status": job.status,
            **counts,
            "rejected": job.rejected_count,
            "failure": job.failure_reason,
        },
    )


# The error log --------------------------------------------------------------------------


def error_log_lines(job: GroupImportJob) -> Iterator[str]:
    """The error log as CSV lines: row, column, reason, and the row as it was in the file."""
    head = [["Row", "Column", "Reason", *job.header]] + ([["", "", job.failure_reason]] if job.failure_reason else [])
    errors = job.row_errors.order_by("row_number").iterator(chunk_size=2000)
    return csv_lines(itertools.chain(head, ([e.row_number, e.column, e.reason, *e.values] for e in errors)))
