"""Publishing an Action to several groups and their sub-groups, in a real browser, as each role.

Contoso's hierarchy: Field Staff (North, with Mobile Clinics under it, and South), Head Office
(with Finance). Asha is an org admin; Ravi admins North only; Meera is a member of North.
"""

import pytest
from playwright.sync_api import Page, expect

from actions import services
from actions.models import ActionPublication
from groups.models import GroupMembership
from tests.factories import PASSWORD, GroupFactory, GroupMembershipFactory, OrganizationFactory, OrganizationUserFactory
from users.models import OrganizationUser

from .pages import log_in, screenshot

pytestmark = pytest.mark.browser

ASHA, RAVI, MEERA = "+91 90000 00001", "+91 90000 00002", "+91 90000 00003"
EVERY_GROUP = [
    "Field Staff",
    "Field Staff / North",
    "Field Staff / North / Mobile Clinics",
    "Field Staff / South",
    "Head Office",
    "Head Office / Finance",
]


@pytest.fixture
def contoso(db):
    org = OrganizationFactory(name="Contoso", slug="contoso")
    people = {
        who: OrganizationUserFactory(organization=org, user__phone_number=phone, name=name, role=role).user
        for who, phone, name, role in [
            ("asha", "+919000000001", "Asha Admin", OrganizationUser.Role.ORG_ADMIN),
            ("ravi", "+919000000002", "Ravi Groupadmin", OrganizationUser.Role.MEMBER),
            ("meera", "+919000000003", "Meera Member", OrganizationUser.Role.MEMBER),
        ]
    }
    field_staff = GroupFactory(organization=org, name="Field Staff")
    north = GroupFactory(organization=org, name="North", parent=field_staff)
    groups = {
        "field staff": field_staff,
        "north": north,
        "clinics": GroupFactory(organization=org, name="Mobile Clinics", parent=north),
        "south": GroupFactory(organization=org, name="South", parent=field_staff),
    }
    groups["finance"] = GroupFactory(
        organization=org, name="Finance", parent=GroupFactory(organization=org, name="Head Office")
    )
    GroupMembershipFactory(group=north, user=people["ravi"], role=GroupMembership.Role.ADMIN)
    GroupMembershipFactory(group=north, user=people["meera"])
    poll = services.create_action(organization=org, created_by=people["asha"], name="Team lunch poll", kind="poll")
    return {"poll": poll, **groups}


def open_the_poll(page: Page) -> None:
    page.get_by_role("link", name="Actions", exact=True).click()
    page.get_by_role("link", name="All in Contoso").click()
    page.get_by_role("link", name="Team lunch poll").click()
    expect(page.get_by_role("heading", name="Team lunch poll")).to_be_visible()


def published_to(poll) -> list[str]:
    return sorted(ActionPublication.objects.filter(action=poll).values_list("group__name", flat=True))


def test_org_admin_publishes_an_action_to_two_groups_and_their_sub_groups(page: Page, contoso):
    log_in(page, ASHA, PASSWORD)
    open_the_poll(page)
    expect(page.get_by_text("Not published to any group yet.")).to_be_visible()

    # Every group of Contoso is offered, named and ordered by its path.
    choices = page.get_by_role("group", name="Groups to publish to")
    expect(choices.locator("label")).to_have_text(EVERY_GROUP)
    choices.get_by_label("Field Staff / North", exact=True).check()
    choices.get_by_label("Head Office", exact=True).check()
    page.get_by_label("Include sub-groups").check()
    page.get_by_role("button", name="Publish", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text(
        "Published Team lunch poll to Field Staff / North, Field Staff / North / Mobile Clinics, "
        "Head Office and Head Office / Finance."
    )
    table = page.get_by_role("table")
    expect(table.locator("tbody tr td:first-child")).to_have_text(
        ["Field Staff / North", "Field Staff / North / Mobile Clinics", "Head Office", "Head Office / Finance"]
    )
    # What it is published to is marked; the rest may still be chosen.
    expect(choices.get_by_label("Head Office / Finance (already published)")).to_be_visible()
    expect(choices.get_by_label("Field Staff / South", exact=True)).not_to_be_checked()
    screenshot(page, "action-published-to-several-groups.png")
    assert published_to(contoso["poll"]) == ["Finance", "Head Office", "Mobile Clinics", "North"]

    # Publishing Field Staff with its sub-groups reports where it was already, and adds only what is new.
    choices.get_by_label("Field Staff", exact=True).check()
    page.get_by_label("Include sub-groups").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Published Team lunch poll to Field Staff and Field Staff / South."
    )
    expect(page.get_by_role("status")).to_contain_text(
        "Team lunch poll was already published to Field Staff / North and Field Staff / North / Mobile Clinics."
    )
    expect(page.get_by_text("It is published to every group you may publish to.")).to_be_visible()
    assert len(published_to(contoso["poll"])) == 6

    # The audit log names the Action and the groups.
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_text("Asha Admin (+91 90000 00001) published Team lunch poll to 4 groups.")).to_be_visible()


def test_group_admin_sees_only_their_own_group_and_its_sub_groups_they_do_not_admin_are_skipped(page: Page, contoso):
    log_in(page, RAVI, PASSWORD)
    open_the_poll(page)

    choices = page.get_by_role("group", name="Groups to publish to")
    expect(choices.locator("label")).to_have_text(["Field Staff / North"])
    choices.get_by_label("Field Staff / North").check()
    page.get_by_label("Include sub-groups").check()
    page.get_by_role("button", name="Publish", exact=True).click()

    status = page.get_by_role("status")
    expect(status).to_contain_text("Published Team lunch poll to Field Staff / North.")
    expect(status).to_contain_text(
        "Skipped 1 sub-group: you may publish only to groups you admin, "
        "and you do not admin Field Staff / North / Mobile Clinics."
    )
    expect(page.get_by_role("button", name="Unpublish from Field Staff / North")).to_be_visible()
    expect(page.get_by_text("It is published to every group you may publish to.")).to_be_visible()
    screenshot(page, "action-published-by-a-group-admin.png")
    assert published_to(contoso["poll"]) == ["North"]

    # South was never offered; a hand-made request for it is refused, with the reason, and publishes nothing.
    poll = contoso["poll"]
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    forged = page.request.post(
        f"/o/contoso/actions/{poll.pk}/publish/",
        form={"group": str(contoso["south"].pk), "csrfmiddlewaretoken": token},
    )
    assert forged.status == 403
    assert "You may not publish to one of the chosen groups (or it no longer exists): nothing was published." in (
        forged.text()
    )
    assert published_to(poll) == ["North"]

    # Unpublishing asks first, naming the group by its path.
    page.get_by_role("button", name="Unpublish from Field Staff / North").click()
    expect(page.get_by_role("heading", name="Unpublish Team lunch poll from Field Staff / North?")).to_be_visible()
    page.get_by_role("button", name="Unpublish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Unpublished Team lunch poll from Field Staff / North.")
    expect(page.get_by_text("Not published to any group yet.")).to_be_visible()
    assert published_to(poll) == []


def test_a_member_sees_where_an_action_is_published_but_is_offered_no_publishing(page: Page, contoso):
    services.publish_action(action=contoso["poll"], group=contoso["north"], published_by=None)

    log_in(page, MEERA, PASSWORD)
    open_the_poll(page)

    expect(page.get_by_role("table").get_by_role("cell", name="Field Staff / North", exact=True)).to_be_visible()
    expect(page.get_by_role("group", name="Groups to publish to")).to_have_count(0)
    expect(page.get_by_label("Include sub-groups")).to_have_count(0)
    expect(page.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Unpublish from Field Staff / North")).to_have_count(0)
