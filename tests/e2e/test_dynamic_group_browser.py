"""An org admin makes a group dynamic, then an import run by a real worker moves people in and out of it."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

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

from .pages import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.celery]

# Starting a worker and importing take seconds on a slow machine; the history polls every 2 s.
IMPORT_TIMEOUT_MS = 45_000


def test_a_dynamic_group_gains_and_loses_members_after_an_import(page: Page, redis_url, tmp_path):
    org = OrganizationFactory(name="Contoso", slug="contoso")
    OrganizationUserFactory(
        organization=org, user__phone_number="+919000000001", name="Asha Admin", role=OrganizationUser.Role.ORG_ADMIN
    )
    department = AttributeDefinitionFactory(organization=org, name="Department")
    for name, phone, where in [("Kavya Iyer", "+919700000001", "Finance"), ("Dev Rao", "+919700000002", "Sales")]:
        OrganizationUserFactory(
            organization=org, name=name, user__phone_number=phone, attribute_values={department.key: where}
        )
    finance = GroupFactory(organization=org, name="Finance team")
    GroupMembershipFactory(group=finance, user__phone_number="+919000000009", role=GroupMembership.Role.ADMIN)
    group_page = reverse("groups:detail", kwargs={"org_slug": org.slug, "group_id": finance.pk})

    log_in(page, "+91 90000 00001", PASSWORD)
    page.goto(group_page)
    page.get_by_role("button", name="Make dynamic").click()
    expect(page.get_by_role("heading", name="Make Finance team a dynamic group")).to_be_visible()
    page.get_by_label("Attribute").select_option(label="Department")
    # The row comes back offering what text can be compared with.
    expect(page.get_by_label("Comparison").locator("option")).to_have_text(["is", "contains"])
    page.get_by_label("Comparison").select_option(label="is")
    page.get_by_label("Value").fill("finance")
    # The count follows what is typed, without a reload.
    expect(page.locator("#rule-preview")).to_contain_text("1 person matches; 1 would join, 0 would leave.")
    screenshot(page, "dynamic-group-rule.png")
    page.get_by_role("button", name="Save rule").click()

    expect(page.get_by_role("status")).to_contain_text("Saved the rule of Finance team. 1 person joined.")
    members = page.locator("table tbody")
    expect(members).to_contain_text("Kavya Iyer")
    expect(members).not_to_contain_text("Dev Rao")
    expect(page.get_by_role("button", name="Add members")).to_have_count(0)

    # Dev moves to Finance, Kavya to Sales, and Meena arrives in Finance.
    upload = tmp_path / "moves.csv"
    upload.write_text(
        "Name,Phone Number,Department\n"
        "Kavya Iyer,+91 97000 00001,Sales\n"
        "Dev Rao,+91 97000 00002,Finance\n"
        "Meena Das,+91 97000 00003,FINANCE\n"
    )
    page.goto(reverse("imports:upload", kwargs={"org_slug": org.slug}))
    page.get_by_label("Select a file").set_input_files(upload)
    page.get_by_role("button", name="Upload").click()
    status = page.locator("#import-history tbody tr", has_text="moves.csv").locator("td.status .badge")
    with running_worker():
        expect(status).to_have_text("Completed", timeout=IMPORT_TIMEOUT_MS)

    page.goto(group_page)
    expect(members).to_contain_text("Dev Rao")
    expect(members).to_contain_text("Meena Das")
    expect(members).not_to_contain_text("Kavya Iyer")
    screenshot(page, "dynamic-group-after-import.png")

    page.goto(reverse("audit:log", kwargs={"org_slug": org.slug}))
    expect(page.get_by_text("Finance team followed its rule after an import by Asha Admin")).to_be_visible()
    expect(page.get_by_text("2 people joined, 1 person left")).to_be_visible()
