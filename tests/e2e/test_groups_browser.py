"""A group admin manages the members of their group, and only of their group, in a real browser."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from groups.models import Group
from users.management.commands.seed_demo import DEMO_PASSWORD
from users.models import OrganizationUser

from .pages import log_in, screenshot

RAVI = "+91 90000 00002"  # group admin of Field Staff / North in the demo data

pytestmark = pytest.mark.browser


def test_group_admin_adds_and_removes_a_member_of_their_group_and_is_refused_on_another(page: Page):
    call_command("seed_demo", users=40)
    south = Group.objects.get(name="South")

    # Ravi is in one organization and lands on the groups he administers.
    log_in(page, RAVI, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    groups_table = page.get_by_role("table")
    expect(groups_table.get_by_role("row")).to_have_count(2)  # the heading row and North
    page.get_by_role("link", name="North", exact=True).click()

    # Add two people by a comma-separated list; one of them is new to Contoso Health.
    expect(page.get_by_role("heading", name="North", exact=True)).to_be_visible()
    expect(page.get_by_text("Field Staff / North", exact=True)).to_be_visible()  # its place in the hierarchy
    page.get_by_role("button", name="Add members").click()
    page.get_by_label("Phone numbers").fill("+91 98123 45678, 0091 98123 45679")
    page.get_by_role("button", name="Add members").click()
    expect(page.get_by_role("status")).to_contain_text("Added 2 members to North. 2 people joined Contoso Health.")
    members = page.get_by_role("table")
    expect(members.get_by_role("link", name="+91 98123 45678")).to_be_visible()
    screenshot(page, "group-page.png")

    # Remove one: the confirmation says they leave the organization too.
    page.get_by_role("button", name="Remove +91 98123 45678").click()
    expect(page.get_by_role("heading", name="Remove +91 98123 45678 from North?")).to_be_visible()
    expect(page.get_by_text("they also leave Contoso Health")).to_be_visible()
    page.get_by_role("button", name="Remove from group").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Removed +91 98123 45678 from North. They are no longer in Contoso Health."
    )
    expect(members.get_by_role("link", name="+91 98123 45678")).to_have_count(0)
    expect(members.get_by_role("link", name="+91 98123 45679")).to_be_visible()

    # Another group: in the hierarchy, but not his to open, let alone manage.
    page.get_by_role("link", name="Groups", exact=True).first.click()
    page.get_by_role("link", name="Hierarchy").click()
    tree = page.get_by_role("tree", name="Group hierarchy")
    expect(tree.get_by_role("treeitem").filter(has_text="South")).to_be_visible()
    expect(tree.get_by_role("link", name="South")).to_have_count(0)
    page.goto(f"/o/contoso/groups/{south.pk}/members/add/")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
    expect(page.get_by_text("Your role in this group does not allow this.")).to_be_visible()

    assert not OrganizationUser.objects.filter(user__phone_number="+919812345678").exists()
    assert OrganizationUser.objects.get(user__phone_number="+919812345679").added_directly is False
    assert not south.memberships.filter(user__phone_number__in=["+919812345678", "+919812345679"]).exists()


ASHA = "+91 90000 00001"  # org admin of Contoso Health in the demo data
MEERA = "+91 90000 00003"  # member of Field Staff / North


def open_group(page: Page, name: str) -> None:
    page.get_by_role("link", name="Groups", exact=True).first.click()
    page.get_by_role("link", name="Hierarchy").click()
    page.get_by_role("tree", name="Group hierarchy").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_org_admin_renames_and_deletes_groups_seeing_what_a_delete_does_first(page: Page):
    call_command("seed_demo", users=40)
    leaving = OrganizationUser.objects.filter(
        organization__slug="contoso",
        added_directly=False,
        user__group_memberships__group__name="Community Health Workers",
    ).count()
    assert leaving > 1

    log_in(page, ASHA, DEMO_PASSWORD)
    page.get_by_role("link", name="Contoso Health").click()

    # Rename: the group keeps its members, under its new name.
    open_group(page, "Finance")
    page.get_by_role("button", name="Rename").click()
    page.get_by_label("New name").fill("Accounts")
    page.get_by_role("button", name="Rename group").click()
    expect(page.get_by_role("status")).to_contain_text("Renamed Finance to Accounts.")
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    expect(page.get_by_text("Head Office / Accounts", exact=True)).to_be_visible()  # its place in the hierarchy

    # A group with subgroups: the reason, and no button to go ahead.
    open_group(page, "Head Office")
    page.get_by_role("button", name="Delete group").click()
    expect(page.get_by_text("Head Office has subgroups (Accounts).")).to_be_visible()
    expect(page.get_by_role("button", name="Delete group")).to_have_count(0)

    # A group some people are in Contoso Health only through: who leaves, before asking.
    open_group(page, "Community Health Workers")
    page.get_by_role("button", name="Delete group").click()
    expect(page.get_by_role("heading", name="Delete the group Community Health Workers?")).to_be_visible()
    expect(page.get_by_text(f"{leaving} users will leave Contoso Health")).to_be_visible()
    expect(page.get_by_text("No Action or Connector is published to it.")).to_be_visible()
    screenshot(page, "group-delete.png")
    page.get_by_role("button", name="Delete group").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Deleted the group Community Health Workers. {leaving} people left Contoso Health."
    )
    expect(page.get_by_role("link", name="Community Health Workers")).to_have_count(0)
    assert not Group.objects.filter(name="Community Health Workers").exists()


def test_org_admin_maps_a_group_after_seeing_who_joins(page: Page):
    call_command("seed_demo", users=40)
    log_in(page, ASHA, DEMO_PASSWORD)
    page.get_by_role("link", name="Contoso Health").click()
    page.get_by_role("link", name="Settings", exact=True).click()

    page.get_by_role("button", name="Map Partner Clinics").click()
    expect(page.get_by_role("heading", name="Map Partner Clinics to Contoso Health?")).to_be_visible()
    expect(page.get_by_text("8 people will join Contoso Health")).to_be_visible()
    assert Group.objects.get(name="Partner Clinics").organization is None  # not before confirming
    screenshot(page, "group-map.png")
    page.get_by_role("button", name="Map group").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Mapped Partner Clinics to Contoso Health: 8 people joined the organization."
    )
    assert Group.objects.get(name="Partner Clinics").organization.slug == "contoso"


def test_a_member_is_offered_neither_rename_nor_delete(page: Page):
    call_command("seed_demo", users=40)
    log_in(page, MEERA, DEMO_PASSWORD)
    page.get_by_role("link", name="North", exact=True).click()
    expect(page.get_by_role("heading", name="North", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Rename")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete group")).to_have_count(0)
    north = Group.objects.get(name="North")
    page.goto(f"/o/contoso/groups/{north.pk}/delete/")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
