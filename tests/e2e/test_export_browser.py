"""An organization admin exports the users, downloads the file and imports it back unchanged, in a real browser.

The request is made before any Celery worker runs, so Export History is sure to show it
Queued first; a worker then writes the file while the page polls by itself.
"""

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from exports.models import ExportJob
from groups.models import GroupMembership
from tests.celery_support import running_worker
from tests.factories import (
    PASSWORD,
    AttributeDefinitionFactory,
    GroupFactory,
    GroupMembershipFactory,
    OrganizationFactory,
    OrganizationUserFactory,
)
from users.models import OrganizationUser

from .pages import OVERFLOW, log_in, screenshot

# Starting a worker and writing or reading a file take seconds on a slow machine; the pages poll every 2 s.
JOB_TIMEOUT_MS = 45_000

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def search(page: Page, text: str) -> None:
    """Type into the search box, key by key; htmx replaces the results once typing pauses."""
    page.get_by_role("searchbox", name="Search users").press_sequentially(text)


def people(org) -> dict[str, tuple]:
    return {
        m.user.phone_number: (m.name, m.role, m.added_directly, m.attribute_values)
        for m in OrganizationUser.objects.filter(organization=org).select_related("user")
    }


def test_org_admin_exports_the_users_downloads_the_file_and_reimports_it_unchanged(page: Page, redis_url, tmp_path):
    org = OrganizationFactory(name="Contoso", slug="contoso")
    OrganizationUserFactory(
        organization=org,
        user__phone_number="+919000000001",
        name="Asha Admin",
        role=OrganizationUser.Role.ORG_ADMIN,
    )
    employee_id = AttributeDefinitionFactory(organization=org, name="Employee ID", mandatory=True, position=0)
    grade = AttributeDefinitionFactory(organization=org, name="Grade", value_type="number", position=1)
    joined = AttributeDefinitionFactory(organization=org, name="Joined", value_type="datetime", position=2)
    notes = AttributeDefinitionFactory(organization=org, name="Notes", position=3)
    for phone, name, values in [
        ("+919700000001", "Kavya Iyer", {employee_id.key: "E-1", grade.key: 3, joined.key: "2024-03-01"}),
        ("+919700000002", "प्रिया शर्मा", {employee_id.key: "E-2", grade.key: -4.5, notes.key: '=1+2, "quoted"\nnext'}),
        ("+919700000003", "O'Brien, Jr.", {employee_id.key: "E-3", notes.key: "@here"}),
    ]:
        OrganizationUserFactory(organization=org, user__phone_number=phone, name=name, attribute_values=values)
    via_group = OrganizationUserFactory(organization=org, name="Gita Viagroup", added_directly=False).user
    GroupMembershipFactory(
        group=GroupFactory(organization=org, name="Field Team"), user=via_group, role=GroupMembership.Role.ADMIN
    )
    before = people(org)

    log_in(page, "+91 90000 00001", PASSWORD)
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    # The request takes the list's current search along; the admin chooses to export everyone anyway.
    search(page, "Kavya")
    expect(page.locator("#results")).to_contain_text("1–1 of 1 user matching “Kavya”")
    page.get_by_role("button", name="Export Users").click()
    page.get_by_role("link", name="Create New Request").click()
    expect(page.get_by_role("heading", name="Export users")).to_be_visible()
    expect(page.get_by_label(re.compile("The one user matching “Kavya”"))).to_be_checked()
    page.get_by_label("All 5 users of Contoso").check()
    screenshot(page, "export-request.png")
    page.get_by_role("button", name="Create export request").click()

    # No worker runs yet, so the job waits in the queue.
    expect(page.get_by_role("heading", name="Export history")).to_be_visible()
    job = ExportJob.objects.get()
    expect(page.get_by_role("status")).to_contain_text(f"“{job.file_name}” was requested; it is being exported.")
    job_row = page.locator("#export-history tbody tr", has_text=job.file_name)
    status = job_row.locator("td.status .badge")
    expect(status).to_have_text("Queued")
    expect(job_row).to_contain_text("Waiting to start…")
    expect(job_row.get_by_role("link", name="Download")).to_have_count(0)
    screenshot(page, "export-history-queued.png")

    page.evaluate("window.notReloaded = true")
    with running_worker():
        # The worker writes the file; the page follows without being reloaded.
        expect(status).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
        assert page.evaluate("window.notReloaded") is True
        expect(job_row.get_by_role("cell")).to_have_text(
            [
                re.compile(rf"^\s*{re.escape(job.file_name)}\s*All users\s*$"),
                "Asha Admin",
                re.compile(r"\d{4}, \d\d:\d\d"),
                re.compile(r"^\s*Completed\s*$"),
                "5",
                re.compile(r"^\s*Download\s*$"),
            ]
        )
        screenshot(page, "export-history-completed.png")

        with page.expect_download() as download:
            job_row.get_by_role("link", name="Download").click()
        assert download.value.suggested_filename == job.file_name
        exported = tmp_path / download.value.suggested_filename
        download.value.save_as(exported)
        raw = exported.read_bytes()
        assert raw.startswith(codecs.BOM_UTF8)
        text = raw.decode("utf-8-sig")
        header = "Name,Phone Number,Employee ID (mandatory),Grade,Joined,Notes,Role,Groups,Source,Date added (UTC)"
        assert text.startswith(header + "\r\n")
        assert "'@here" in text and "'+919700000001" in text  # guarded against spreadsheet formulas

        # Import the file just as it was downloaded: nothing changes.
        page.goto("/o/contoso/users/")
        page.get_by_role("button", name="Add Users").click()
        page.get_by_role("link", name="Import Multiple Users").click()
        page.get_by_label("Select a file").set_input_files(exported)
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("heading", name="Import history")).to_be_visible()
        import_row = page.locator("#import-history tbody tr").first
        expect(import_row.locator("td.status .badge")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
        # Created, updated, unchanged, rejected.
        expect(import_row.get_by_role("cell").nth(4)).to_have_text("0")
        expect(import_row.get_by_role("cell").nth(5)).to_have_text("0")
        expect(import_row.get_by_role("cell").nth(6)).to_have_text("5")
        expect(import_row.get_by_role("cell").nth(7)).to_have_text("0")
        screenshot(page, "export-reimported.png")

    assert people(org) == before


@contextlib.contextmanager
def signed_in(browser, live_server, phone: str, *, width: int = 1280, height: int = 800) -> Iterator[Page]:
    """A page of its own (own cookies) for ``phone``, signed in, at the given window size."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        log_in(page, phone, PASSWORD)
        yield page
    finally:
        context.close()


def contoso_with_two_admins_and_a_group_admin():
    org = OrganizationFactory(name="Contoso", slug="contoso")
    asha, bala = (
        OrganizationUserFactory(
            organization=org, user__phone_number=phone, name=name, role=OrganizationUser.Role.ORG_ADMIN
        )
        for phone, name in [("+919000000001", "Asha Admin"), ("+919000000004", "Bala Admin")]
    )
    ravi = OrganizationUserFactory(organization=org, user__phone_number="+919000000002", name="Ravi Groupadmin")
    GroupMembershipFactory(
        group=GroupFactory(organization=org, name="Field Team"), user=ravi.user, role=GroupMembership.Role.ADMIN
    )
    OrganizationUserFactory.create_batch(3, organization=org)
    return org, asha, bala


def test_a_failed_export_offers_its_error_log_to_the_organizations_admins_only(browser, live_server, redis_url):
    org, asha, bala = contoso_with_two_admins_and_a_group_admin()

    with signed_in(browser, live_server, "+91 90000 00001") as page:
        page.get_by_role("button", name="Export Users").click()
        page.get_by_role("link", name="Create New Request").click()
        page.get_by_role("button", name="Create export request").click()
        expect(page.get_by_role("heading", name="Export history")).to_be_visible()
    job = ExportJob.objects.get()
    # Before a worker takes the request, Asha is no longer an admin: the export fails for real.
    OrganizationUser.objects.filter(pk=asha.pk).update(role=OrganizationUser.Role.MEMBER)

    with signed_in(browser, live_server, "+91 90000 00004") as page, running_worker():
        page.get_by_role("button", name="Export Users").click()
        page.get_by_role("link", name="View Export History").click()
        job_row = page.locator(f"#export-{job.pk}")
        expect(job_row.locator("td.status .badge")).to_have_text("Failed", timeout=JOB_TIMEOUT_MS)
        expect(job_row).to_contain_text("+91 90000 00001 may no longer export the users of Contoso.")
        screenshot(page, "export-history-failed.png")
        with page.expect_download() as download:
            job_row.get_by_role("link", name="Download the error log file").click()
        assert download.value.suggested_filename == job.file_name.removesuffix(".csv") + "-errors.csv"
        log = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
        assert log[0][5] == "Reason"
        assert log[1][5] == "'+91 90000 00001 may no longer export the users of Contoso."

    errors_url = f"/o/contoso/exports/{job.pk}/errors/"
    with signed_in(browser, live_server, "+91 90000 00002") as page:
        expect(page.get_by_role("heading", name="Groups")).to_be_visible()
        page.goto("/o/contoso/users/")
        expect(page.get_by_role("button", name="Export Users")).to_have_count(0)
        assert page.goto(errors_url).status == 403


def test_a_long_file_name_wraps_in_the_export_history_with_the_whole_name_on_hover(browser, live_server):
    org, asha, _ = contoso_with_two_admins_and_a_group_admin()
    long_name = ("contoso-users-" + "x" * 300)[:251] + ".csv"
    job = ExportJob.objects.create(
        organization=org,
        requested_by=asha.user,
        file_name=long_name,
        token="long-name",
        status=ExportJob.Status.COMPLETED,
        total_rows=6,
        rows_done=6,
    )
    with signed_in(browser, live_server, "+91 90000 00001") as page:
        page.goto("/o/contoso/exports/")
        row = page.locator(f"#export-{job.pk}")
        expect(row.get_by_title(long_name)).to_be_visible()
        expect(row.get_by_role("link", name="Download")).to_be_in_viewport()
        assert page.evaluate(OVERFLOW) == {"page": 0, "tables": [0]}


def test_at_phone_width_the_export_history_does_not_overflow_the_page(browser, live_server):
    org, asha, _ = contoso_with_two_admins_and_a_group_admin()
    ExportJob.objects.create(
        organization=org, requested_by=asha.user, file_name="contoso-users.csv", token="phone", total_rows=6
    )
    with signed_in(browser, live_server, "+91 90000 00001", width=390, height=844) as page:
        page.get_by_role("button", name="Export Users").click()
        page.get_by_role("link", name="View Export History").click()
        expect(page.get_by_role("heading", name="Export history")).to_be_visible()
        assert page.evaluate(OVERFLOW)["page"] == 0
        screenshot(page, "phone-export-history.png")
