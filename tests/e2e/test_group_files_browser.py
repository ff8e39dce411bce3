"""Bulk Upload Users on the Groups page, in a real browser: the templates and Export Existing Groups, by their labels.

Contoso: Field Staff > North > Mobile Clinics, and Sales > North (a name in two places).
Asha admins the organization, Ravi admins Field Staff / North, Meera is a member there.
"""

import codecs
import csv
import io

import pytest
from playwright.sync_api import Page, expect

from groups.models import GroupMembership
from imports.formulas import restore
from tests.factories import PASSWORD, GroupFactory, GroupMembershipFactory, OrganizationFactory, OrganizationUserFactory
from users.models import OrganizationUser

from .pages import OVERFLOW, log_in, screenshot

ASHA, RAVI, MEERA = "+919000000001", "+919000000002", "+919000000003"
ADMIN = GroupMembership.Role.ADMIN

pytestmark = pytest.mark.browser


@pytest.fixture
def contoso(db):
    org = OrganizationFactory(name="Contoso", slug="contoso")
    people = {
        phone: OrganizationUserFactory(organization=org, user__phone_number=phone, name=name, role=role).user
        for phone, name, role in [
            (ASHA, "Asha Admin", OrganizationUser.Role.ORG_ADMIN),
            (RAVI, "Ravi Groupadmin", OrganizationUser.Role.MEMBER),
            (MEERA, "Meera Member", OrganizationUser.Role.MEMBER),
        ]
    }
    field_staff = GroupFactory(organization=org, name="Field Staff")
    north = GroupFactory(organization=org, name="North", parent=field_staff)
    clinics = GroupFactory(organization=org, name="Mobile Clinics", parent=north)
    sales = GroupFactory(organization=org, name="Sales")
    sales_north = GroupFactory(organization=org, name="North", parent=sales)
    for group in (field_staff, clinics, sales, sales_north):
        GroupMembershipFactory(group=group, user=people[ASHA], role=ADMIN)
    GroupMembershipFactory(group=north, user=people[RAVI], role=ADMIN)
    GroupMembershipFactory(group=north, user=people[MEERA])
    return org


def open_groups(page: Page, phone: str) -> None:
    log_in(page, phone, PASSWORD)
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Groups", exact=True).click()
    expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()


def download(page: Page, label: str) -> tuple[str, list[list[str]]]:
    """Click the Bulk Upload Users item ``label``; the file's name and its rows, each cell as the import reads it."""
    if page.locator("details.dropdown", has_text="Bulk Upload Users").get_attribute("open") is None:
        page.get_by_role("button", name="Bulk Upload Users").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=label, exact=True).click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return info.value.suggested_filename, [[restore(cell) for cell in row] for row in rows]


def test_org_admin_downloads_the_templates_and_exports_every_group_by_path(page: Page, contoso):
    open_groups(page, ASHA)
    page.get_by_role("button", name="Bulk Upload Users").click()
    menu = page.locator("details.dropdown", has_text="Bulk Upload Users").get_by_role("listitem")
    expect(menu).to_have_text(
        [
            "User Group Mapping template",
            "Parent Group Mapping template",
            "Export Existing Groups",
            "Export Parent Group Mapping",
            "Upload User Group Mapping",
            "Upload Parent Group Mapping",
            "View Upload History",
        ]
    )
    screenshot(page, "groups-bulk-upload-users.png")
    page.get_by_role("button", name="Bulk Upload Users").click()  # closed again

    name, rows = download(page, "Export Existing Groups")
    assert name.startswith("contoso-user-group-mapping-") and name.endswith(".csv")
    assert rows == [
        ["Group", "Phone Number", "User Type"],
        ["Field Staff", ASHA, "admin"],
        ["Field Staff / North", RAVI, "admin"],
        ["Field Staff / North", MEERA, "member"],
        ["Field Staff / North / Mobile Clinics", ASHA, "admin"],
        ["Sales", ASHA, "admin"],
        ["Sales / North", ASHA, "admin"],
    ]

    name, rows = download(page, "Export Parent Group Mapping")
    assert name.startswith("contoso-parent-group-mapping-")
    assert rows == [
        ["Child Group", "Parent Group"],
        ["Field Staff", ""],
        ["Field Staff / North", "Field Staff"],
        ["Field Staff / North / Mobile Clinics", "Field Staff / North"],
        ["Sales", ""],
        ["Sales / North", "Sales"],
    ]

    name, rows = download(page, "User Group Mapping template")
    assert name == "contoso-user-group-mapping-template.csv"
    assert rows[0] == ["Group", "Phone Number", "User Type"]
    assert rows[1][:3] == ["Field Staff / North", "+91 98123 45678", "member"]
    assert "path" in rows[1][3]

    name, rows = download(page, "Parent Group Mapping template")
    assert name == "contoso-parent-group-mapping-template.csv"
    assert rows[0] == ["Child Group", "Parent Group"]


def test_group_admin_exports_only_the_group_they_admin(page: Page, contoso):
    open_groups(page, RAVI)

    _, rows = download(page, "Export Existing Groups")
    assert rows == [
        ["Group", "Phone Number", "User Type"],
        ["Field Staff / North", RAVI, "admin"],
        ["Field Staff / North", MEERA, "member"],
    ]
    _, rows = download(page, "Export Parent Group Mapping")
    assert rows == [["Child Group", "Parent Group"], ["Field Staff / North", "Field Staff"]]


def test_a_member_is_offered_none_of_it_and_is_refused_the_files(page: Page, contoso):
    open_groups(page, MEERA)
    expect(page.get_by_role("link", name="North", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Bulk Upload Users")).to_have_count(0)
    expect(page.get_by_role("link", name="Export Existing Groups")).to_have_count(0)
    expect(page.get_by_role("link", name="Export Parent Group Mapping")).to_have_count(0)

    page.goto("/o/contoso/groups/bulk/user-group-mapping.csv")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
    expect(page.get_by_text("Your role in this organization does not allow this.")).to_be_visible()


def test_at_phone_width_the_menu_fits_the_page(browser, live_server, contoso):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        open_groups(page, ASHA)
        page.get_by_role("button", name="Bulk Upload Users").click()
        # Every item whole on the screen once scrolled to (the page scrolls down), none cut off at either side.
        for link in page.locator("details.dropdown", has_text="Bulk Upload Users").get_by_role("link").all():
            link.scroll_into_view_if_needed()
            expect(link).to_be_in_viewport(ratio=1)
        assert page.evaluate(OVERFLOW)["page"] == 0
        screenshot(page, "phone-groups-bulk-upload-users.png")
    finally:
        context.close()
