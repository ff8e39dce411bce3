"""Bulk actions run through the services that act on one person, and say per person what they left out."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from bulk_actions import services
from bulk_actions.models import BULK_JOBS, BulkJob, BulkOutcome
from groups.models import GroupMembership
from kaizala_portal import jobs
from users.models import OrganizationUser

from ..factories import GroupMembershipFactory, OrganizationUserFactory
from .conftest import all_matching, chosen, in_organization, viewer

pytestmark = pytest.mark.django_db


def outcomes_of(job: BulkJob) -> list[tuple[str, str, str]]:
    return [(o.phone_number, o.outcome, o.reason) for o in job.outcomes.order_by("pk")]


def delete(by, organization, selection) -> BulkJob:
    return services.start_bulk_job(viewer=viewer(by, organization), kind=BulkJob.Kind.DELETE, selection=selection)


def test_deleting_chosen_people_removes_them_and_refuses_oneself_and_a_groups_only_admin(
    organization, org_admin, group_admin, member, drivers
):
    selection = chosen(organization, org_admin, group_admin, member, drivers[0])

    job = delete(org_admin, organization, selection)

    assert job.status == BulkJob.Status.COMPLETED
    assert (job.selected_count, job.done_count, job.refused_count, job.skipped_count) == (4, 2, 2, 0)
    assert not in_organization(organization, member) and not in_organization(organization, drivers[0])
    assert in_organization(organization, org_admin) and in_organization(organization, group_admin)
    assert outcomes_of(job) == [
        (org_admin.phone_number, "refused", "You cannot remove yourself from the organization."),
        (
            group_admin.phone_number,
            "refused",
            "Ravi Groupadmin is the only admin of Sales North, and a group keeps at least one admin. "
            "Make someone else an admin there first.",
        ),
    ]
    # Each removal is audited as the one-person delete audits it.
    deleted = AuditEvent.objects.filter(organization=organization, verb=AuditEvent.Verb.USER_DELETED)
    assert set(deleted.values_list("target", flat=True)) == {member.pk, drivers[0].pk}
    assert (job.rows_done, job.total_rows) == (4, 4)


def test_deleting_all_matching_a_search_leaves_everyone_else(organization, org_admin, member, drivers):
    job = delete(org_admin, organization, all_matching(organization, q="Driver"))

    assert (job.done_count, job.scope_description) == (3, "Users matching “Driver”")
    assert not any(in_organization(organization, d) for d in drivers)
    assert in_organization(organization, member) and in_organization(organization, org_admin)


def test_ids_of_another_organizations_people_choose_nobody(
    organization, other_organization, org_admin, other_org_member, drivers
):
    job = delete(org_admin, organization, chosen(organization, other_org_member, drivers[0]))

    assert (job.selected_count, job.done_count) == (1, 1)
    assert in_organization(other_organization, other_org_member)
    assert not job.outcomes.exists()


def test_adding_to_a_group_skips_who_is_in_it_already(organization, org_admin, admin_group, member, drivers):
    selection = chosen(organization, member, *drivers)

    job = services.start_bulk_job(
        viewer=viewer(org_admin, organization), kind=BulkJob.Kind.ADD_TO_GROUP, selection=selection, group=admin_group
    )

    assert (job.done_count, job.skipped_count, job.refused_count) == (3, 1, 0)
    assert set(admin_group.memberships.values_list("user", flat=True)) >= {d.pk for d in drivers}
    assert outcomes_of(job) == [(member.phone_number, "skipped", f"{member.phone_display} is already in Sales North.")]
    assert job.result == "Added 3 people to Sales North. 1 skipped."


def test_removing_from_a_group_says_who_left_the_organization_and_keeps_the_last_admin(
    organization, org_admin, admin_group, group_admin, member, drivers
):
    via_group = OrganizationUserFactory(organization=organization, name="Gita Viagroup", added_directly=False).user
    GroupMembershipFactory(group=admin_group, user=via_group)
    selection = chosen(organization, group_admin, member, via_group, drivers[0])

    job = services.start_bulk_job(
        viewer=viewer(org_admin, organization),
        kind=BulkJob.Kind.REMOVE_FROM_GROUP,
        selection=selection,
        group=admin_group,
    )

    assert (job.done_count, job.skipped_count, job.refused_count, job.left_organization_count) == (2, 1, 1, 1)
    assert list(admin_group.memberships.values_list("user", flat=True)) == [group_admin.pk]
    assert not in_organization(organization, via_group) and in_organization(organization, member)
    assert outcomes_of(job) == [
        (
            group_admin.phone_number,
            "refused",
            "Ravi Groupadmin is the only admin of Sales North, and a group keeps at least one admin. "
            "Make someone else an admin first.",
        ),
        (drivers[0].phone_number, "skipped", "Driver 1 is not in Sales North."),
    ]
    assert job.result == "Removed 2 people from Sales North; 1 of them left Contoso too. 1 refused, 1 skipped."


def test_a_group_admin_acts_only_on_groups_they_admin(
    organization, group_admin, admin_group, field_team, member, outsider_member
):
    as_group_admin = viewer(group_admin, organization)
    selection = chosen(organization, member, outsider_member)

    with pytest.raises(services.NotAllowed, match="only the groups you admin; not Field Team"):
        services.start_bulk_job(
            viewer=as_group_admin, kind=BulkJob.Kind.ADD_TO_GROUP, selection=selection, group=field_team
        )
    assert not BulkJob.objects.exists()
    assert not field_team.memberships.filter(user=member).exists()

    # Their own group: the outsider is beyond their role, so not chosen at all.
    job = services.start_bulk_job(
        viewer=as_group_admin, kind=BulkJob.Kind.REMOVE_FROM_GROUP, selection=selection, group=admin_group
    )
    assert (job.selected_count, job.done_count) == (1, 1)
    assert not admin_group.memberships.filter(user=member).exists()


def test_a_group_admin_may_not_delete_people(organization, group_admin, member):
    with pytest.raises(services.NotAllowed, match="does not allow removing its users"):
        delete(group_admin, organization, chosen(organization, member))
    assert in_organization(organization, member)


def test_a_large_selection_is_queued_rather_than_done_in_the_request(settings, organization, org_admin, drivers):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 2

    job = delete(org_admin, organization, all_matching(organization, q="Driver"))

    assert (job.status, job.status_label, job.rows_done) == (BulkJob.Status.PROCESSING, "Queued", 0)
    assert all(in_organization(organization, d) for d in drivers)

    services.run_bulk_job(job_id=job.pk, run_id="worker-1")  # as the worker's task does
    job.refresh_from_db()
    assert (job.status, job.done_count) == (BulkJob.Status.COMPLETED, 3)
    services.run_bulk_job(job_id=job.pk, run_id="worker-2")  # a message delivered twice does nothing more
    job.refresh_from_db()
    assert (job.attempts, job.done_count) == (1, 3)


def test_a_run_resumes_after_the_last_person_a_stopped_run_committed(settings, organization, org_admin, drivers):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 0
    settings.BULK_ACTIONS_CHUNK_SIZE = 1
    job = delete(org_admin, organization, all_matching(organization, q="Driver"))
    # As a run that died after its first chunk left it: Driver 1 done, counted, and no run alive.
    OrganizationUser.objects.filter(organization=organization, user=drivers[0]).delete()
    BulkJob.objects.filter(pk=job.pk).update(
        last_user_id=drivers[0].pk, rows_done=1, done_count=1, total_rows=3, claimed_by="dead", attempts=1
    )
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    services.run_bulk_job(job_id=job.pk, run_id="worker-2")

    job.refresh_from_db()
    assert (job.status, job.done_count, job.rows_done, job.total_rows) == (BulkJob.Status.COMPLETED, 3, 3, 3)
    assert not job.outcomes.exists()


def test_people_added_after_the_confirmation_are_not_among_them(settings, organization, org_admin, drivers):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 0
    job = delete(org_admin, organization, all_matching(organization, q="Driver"))
    late = OrganizationUserFactory(organization=organization, name="Driver Late").user

    services.run_bulk_job(job_id=job.pk, run_id="worker-1")

    assert BulkJob.objects.get(pk=job.pk).done_count == 3
    assert in_organization(organization, late)


def test_a_job_whose_requester_lost_the_right_fails_with_the_reason_and_changes_nothing(
    settings, organization, org_admin, superuser, drivers
):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 0
    job = delete(org_admin, organization, all_matching(organization, q="Driver"))
    OrganizationUser.objects.filter(organization=organization, user=org_admin).update(role=OrganizationUser.Role.MEMBER)

    services.run_bulk_job(job_id=job.pk, run_id="worker-1")

    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED
    assert job.failure_reason == "Your role in Contoso does not allow removing its users."
    assert all(in_organization(organization, d) for d in drivers)


def test_a_job_whose_group_was_unmapped_meanwhile_fails_with_the_reason(
    settings, organization, org_admin, admin_group, drivers
):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 0
    job = services.start_bulk_job(
        viewer=viewer(org_admin, organization),
        kind=BulkJob.Kind.ADD_TO_GROUP,
        selection=all_matching(organization, q="Driver"),
        group=admin_group,
    )
    admin_group.organization = None
    admin_group.save()

    services.run_bulk_job(job_id=job.pk, run_id="worker-1")

    job.refresh_from_db()
    assert (job.status, job.failure_reason) == (BulkJob.Status.FAILED, "Sales North is no longer a group of Contoso.")
    assert not admin_group.memberships.filter(user__in=drivers).exists()


def test_the_sweeper_requeues_a_job_nobody_works_on_and_fails_it_after_too_many_tries(
    settings, organization, org_admin, drivers
):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 0
    job = delete(org_admin, organization, all_matching(organization, q="Driver"))
    an_hour_ago = timezone.now() - timedelta(hours=1)
    BulkJob.objects.filter(pk=job.pk).update(
        claimed_by="lost", heartbeat_at=an_hour_ago, queued_at=an_hour_ago, attempts=1
    )

    assert jobs.sweep(BULK_JOBS) == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.claimed_by) == (BulkJob.Status.PROCESSING, "")

    BulkJob.objects.filter(pk=job.pk).update(
        claimed_by="lost", heartbeat_at=an_hour_ago, attempts=settings.BULK_ACTIONS_MAX_ATTEMPTS
    )
    assert jobs.sweep(BULK_JOBS) == []
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FAILED
    assert job.failure_reason.startswith("The bulk action stopped 3 times without finishing (its worker was lost)")


def test_the_report_names_each_person_left_out_with_the_reason_and_runs_no_formula(
    organization, org_admin, admin_group
):
    hostile = OrganizationUserFactory(organization=organization, name="=HYPERLINK(1)").user
    GroupMembershipFactory(group=admin_group, user=hostile)
    job = services.start_bulk_job(
        viewer=viewer(org_admin, organization),
        kind=BulkJob.Kind.ADD_TO_GROUP,
        selection=chosen(organization, hostile),
        group=admin_group,
    )

    rows = list(csv.reader(io.StringIO("".join(services.report_lines(job)).lstrip("\ufeff"))))

    assert rows == [
        ["Name", "Phone Number", "Outcome", "Reason"],
        [
            "'=HYPERLINK(1)",
            f"'{hostile.phone_number}",
            "Skipped",
            # Starting with "+", the reason is guarded like any cell.
            f"'{hostile.phone_display} is already in Sales North.",
        ],
    ]
    assert BulkOutcome.objects.filter(job=job).count() == 1


def test_membership_roles_are_untouched_when_adding_people_already_admins(organization, org_admin, field_team):
    job = services.start_bulk_job(
        viewer=viewer(org_admin, organization),
        kind=BulkJob.Kind.ADD_TO_GROUP,
        selection=chosen(organization, org_admin),
        group=field_team,
    )
    assert job.skipped_count == 1
    assert field_team.memberships.get(user=org_admin).role == GroupMembership.Role.ADMIN
