"""Bulk Upload Users on the Groups page, in a real browser: both files uploaded, watched, and their error logs.

Contoso: Field Staff > North, and Sales. Asha admins the organization. The uploads happen
before any Celery worker runs, so the history shows them Processing first; the worker then
applies them while the page polls by itself.
"""

import codecs
import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from groups.models import Group, GroupMembership
from imports.formulas import restore
from tests.celery_support import running_worker
from tests.factories import PASSWORD, GroupFactory, GroupMembershipFactory, OrganizationFactory, OrganizationUserFactory
from users.models import OrganizationUser

from .pages import log_in, screenshot

ASHA, MEERA = "+919000000001", "+919000000003"
# Starting a worker and applying take seconds on a slow machine; the page polls every 2 s.
JOB_TIMEOUT_MS = 45_000

pytestmark = [pytest.mark.browser, pytest.mark.celery]


@pytest.fixture
def contoso(db):
    org = OrganizationFactory(name="Contoso", slug="contoso")
    asha = OrganizationUserFactory(
        organization=org, user__phone_number=ASHA, name="Asha Admin", role=OrganizationUser.Role.ORG_ADMIN
    ).user
    meera = OrganizationUserFactory(organization=org, user__phone_number=MEERA, name="Meera Member").user
    field_staff = GroupFactory(organization=org, name="Field Staff")
    north = GroupFactory(organization=org, name="North", parent=field_staff)
    sales = GroupFactory(organization=org, name="Sales")
    for group in (field_staff, north, sales):
        GroupMembershipFactory(group=group, user=asha, role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=north, user=meera)
    return org


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return codecs.BOM_UTF8 + out.getvalue().encode()


def read_csv(path) -> list[list[str]]:
    return [[restore(cell) for cell in row] for row in csv.reader(io.StringIO(Path(path).read_text("utf-8-sig")))]


def open_menu_item(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Groups", exact=True).click()
    page.get_by_role("button", name="Bulk Upload Users").click()
    page.get_by_role("link", name=label, exact=True).click()


def upload(page: Page, label: str, path: Path) -> None:
    open_menu_item(page, label)
    expect(page.get_by_role("heading", name=label)).to_be_visible()
    page.get_by_label("Select a file").set_input_files(path)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("heading", name="Group upload history")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"“{path.name}” was uploaded; it is being processed.")


def test_org_admin_uploads_both_files_watches_the_history_and_downloads_the_error_logs(
    page: Page, contoso, redis_url, tmp_path
):
    members = tmp_path / "members.csv"
    members.write_bytes(
        to_csv(
            [
                ["Group", "Phone Number", "User Type"],
                ["Field Staff / North", "+91 97000 00001", "Admin"],
                ["Field Staff / North", MEERA, "admin"],  # Meera is made an admin: updated
                ["Sales / West", "97000 00002", ""],  # a new group under Sales
                ["Field Staff / North", "12345", "member"],
                ["field staff / north", "+919700000001", "member"],
            ]
        )
    )
    parents = tmp_path / "parents.csv"
    parents.write_bytes(
        to_csv(
            [
                ["Child Group", "Parent Group"],
                ["Sales", "Field Staff"],
                ["Field Staff", "Field Staff / Sales / West"],
                ["Marketing", "Sales"],
            ]
        )
    )
    log_in(page, "+91 90000 00001", PASSWORD)
    upload(page, "Upload User Group Mapping", members)
    screenshot(page, "group-upload-user-mapping.png")
    upload(page, "Upload Parent Group Mapping", parents)

    # No worker yet: both wait, shown as Processing; the worker applies them in order of upload.
    member_row = page.locator("#group-import-history tbody tr", has_text="members.csv")
    parent_row = page.locator("#group-import-history tbody tr", has_text="parents.csv")
    expect(member_row.locator("td.status .badge")).to_have_text("Processing")
    page.evaluate("window.notReloaded = true")
    with running_worker():
        expect(member_row.locator("td.status .badge")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
        expect(parent_row.locator("td.status .badge")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    expect(member_row.get_by_role("cell")).to_have_text(
        [
            "members.csv",
            "User Group Mapping",
            "Asha Admin",
            re.compile(r"\d{4}, \d\d:\d\d"),
            "Completed",
            "1 group created, 2 added, 1 updated, 0 unchanged, 2 rejected",
            re.compile(r"^\s*Original\s+· Error log\s*$"),
        ]
    )
    expect(parent_row.get_by_role("cell").nth(5)).to_have_text("1 moved, 0 unchanged, 1 ignored, 1 rejected")
    screenshot(page, "group-upload-history.png")

    with page.expect_download() as log:
        member_row.get_by_role("link", name="Error log").click()
    assert log.value.suggested_filename == "members-errors.csv"
    assert read_csv(log.value.path()) == [
        ["Row", "Column", "Reason", "Group", "Phone Number", "User Type"],
        ["5", "Phone Number", "This phone number is too short.", "Field Staff / North", "12345", "member"],
        [
            "6",
            "",
            "A duplicate of row 2: +91 97000 00001 and field staff / north are in the file once already.",
            "field staff / north",
            "+919700000001",
            "member",
        ],
    ]
    with page.expect_download() as log:
        parent_row.get_by_role("link", name="Error log").click()
    assert read_csv(log.value.path())[1:] == [
        [
            "3",
            "Parent Group",
            "Field Staff cannot go under Field Staff / Sales / West: Field Staff / Sales / West is inside Field Staff, "
            "so the hierarchy would loop (Field Staff / Sales / West → Field Staff / Sales → Field Staff → "
            "Field Staff / Sales / West).",
            "Field Staff",
            "Field Staff / Sales / West",
        ],
        ["4", "Child Group", "Ignored: there is no group Marketing in Contoso.", "Marketing", "Sales"],
    ]
    assert Group.objects.get(name="Sales").parent.name == "Field Staff"
    assert GroupMembership.objects.get(group__name="North", user__phone_number=MEERA).role == "admin"


def test_an_export_uploaded_again_changes_nothing(page: Page, contoso, redis_url, tmp_path):
    log_in(page, "+91 90000 00001", PASSWORD)
    before = sorted(GroupMembership.objects.values_list("group_id", "user_id", "role"))
    for export, label in [
        ("Export Existing Groups", "Upload User Group Mapping"),
        ("Export Parent Group Mapping", "Upload Parent Group Mapping"),
    ]:
        page.get_by_role("navigation", name="Organization").get_by_role("link", name="Groups", exact=True).click()
        page.get_by_role("button", name="Bulk Upload Users").click()
        with page.expect_download() as exported:
            page.get_by_role("link", name=export, exact=True).click()
        page.get_by_role("button", name="Bulk Upload Users").click()  # closed again
        path = tmp_path / exported.value.suggested_filename
        exported.value.save_as(path)
        upload(page, label, path)

    rows = page.locator("#group-import-history tbody tr")
    with running_worker():
        for index in range(2):
            expect(rows.nth(index).locator("td.status .badge")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    expect(rows.nth(0).get_by_role("cell").nth(5)).to_have_text("0 moved, 3 unchanged, 0 ignored, 0 rejected")
    expect(rows.nth(1).get_by_role("cell").nth(5)).to_have_text(
        "0 groups created, 0 added, 0 updated, 4 unchanged, 0 rejected"
    )
    assert sorted(GroupMembership.objects.values_list("group_id", "user_id", "role")) == before
    assert {g.name: g.parent_id for g in Group.objects.all()} == {
        "Field Staff": None,
        "North": Group.objects.get(name="Field Staff").pk,
        "Sales": None,
    }
