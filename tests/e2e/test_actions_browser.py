"""A group admin publishes an Action to their group, and only to their group, in a real browser."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from actions.models import Action, ActionPublication
from groups.models import Group
from users.management.commands.seed_demo import DEMO_PASSWORD

from .pages import log_in, screenshot

RAVI = "+91 90000 00002"  # group admin of Field Staff / North in the demo data

pytestmark = pytest.mark.browser


def test_group_admin_publishes_an_action_to_their_group_and_is_refused_on_another(page: Page):
    call_command("seed_demo", users=20)
    north = Group.objects.get(name="Field Staff / North")
    south = Group.objects.get(name="Field Staff / South")
    lunch_poll = Action.objects.get(name="Team lunch poll")

    # Ravi looks at every Action of Contoso Health, not only his own.
    log_in(page, RAVI, DEMO_PASSWORD)
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Quarterly pulse survey")).to_be_visible()
    expect(page.get_by_role("link", name="Team lunch poll")).to_have_count(0)
    page.get_by_role("link", name="All in Contoso Health").click()
    page.get_by_role("link", name="Team lunch poll").click()

    # Only the group he admins is offered; he publishes the poll there.
    expect(page.get_by_role("heading", name="Team lunch poll")).to_be_visible()
    expect(page.get_by_text("Not published to any group yet.")).to_be_visible()
    group_choice = page.get_by_label("Group to publish to")
    expect(group_choice.locator("option")).to_have_text(["Field Staff / North"])
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published Team lunch poll to Field Staff / North.")
    expect(page.get_by_role("table").get_by_role("cell", name="Field Staff / North", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Unpublish from Field Staff / North")).to_be_visible()
    expect(page.get_by_text("It is published to every group you may publish to.")).to_be_visible()
    screenshot(page, "action-published.png")

    # The group's page lists it.
    page.goto(f"/o/contoso/groups/{north.pk}/")
    expect(page.get_by_role("link", name="Team lunch poll")).to_be_visible()

    # South was never offered; a hand-made request for it is refused.
    page.goto(f"/o/contoso/actions/{lunch_poll.pk}/")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    forged = page.request.post(
        f"/o/contoso/actions/{lunch_poll.pk}/publish/", form={"group": str(south.pk), "csrfmiddlewaretoken": token}
    )
    assert forged.status == 403
    assert "Your role in this group does not allow this." in forged.text()

    assert list(ActionPublication.objects.filter(action=lunch_poll).values_list("group", flat=True)) == [north.pk]
