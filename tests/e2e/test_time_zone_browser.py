"""An org admin sets the organization's time zone on Settings, and the import history's times follow it.

A group admin reads the zone on Settings but has no way to change it; a member has no Settings at all.
"""

from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from playwright.sync_api import Page, expect

from imports.models import ImportJob
from users.management.commands.seed_demo import DEMO_PASSWORD
from users.models import Organization, User

from .pages import log_in, screenshot

ASHA, RAVI, MEERA = "+91 90000 00001", "+91 90000 00002", "+91 90000 00003"
UPLOADED_AT = datetime(2026, 1, 2, 8, 35, tzinfo=UTC)

pytestmark = pytest.mark.browser


@pytest.fixture
def contoso():
    call_command("seed_demo", users=20)
    organization = Organization.objects.get(slug="contoso")
    job = ImportJob(
        organization=organization,
        uploaded_by=User.objects.get(phone_number="+919000000001"),
        file_name="new-year-staff.csv",
        file_format="csv",
        token="time-zone-browser",
        status=ImportJob.Status.COMPLETED,
        created_at=UPLOADED_AT,
    )
    job.file.save(job.file_name, ContentFile(b"Name,Phone Number\n"), save=False)
    job.save()
    return organization


def import_history_time(page: Page):
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Users").click()
    page.get_by_role("button", name="Add Users").click()
    page.get_by_role("link", name="View Import History").click()
    expect(page.get_by_role("heading", name="Import history")).to_be_visible()
    return page.locator("#import-history tbody tr", has_text="new-year-staff.csv").locator("time")


def test_org_admin_sets_the_time_zone_and_the_import_history_follows(page: Page, contoso):
    log_in(page, ASHA, DEMO_PASSWORD)
    page.get_by_role("link", name="Contoso Health").click()
    uploaded = import_history_time(page)
    expect(uploaded).to_have_text("2 Jan 2026, 08:35 UTC")

    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Time zone", exact=True)).to_be_visible()
    page.get_by_role("button", name="Change time zone").click()
    page.get_by_label("Time zone").select_option("Asia/Kolkata")
    page.get_by_role("button", name="Save time zone").click()

    expect(page.get_by_role("status")).to_contain_text("Contoso Health's dates and times now show in Asia/Kolkata.")
    expect(page.get_by_text("Dates and times of Contoso Health show in Asia/Kolkata (IST, UTC+05:30).")).to_be_visible()
    screenshot(page, "settings-time-zone.png")
    uploaded = import_history_time(page)
    expect(uploaded).to_have_text("2 Jan 2026, 14:05 IST")
    expect(uploaded).to_have_attribute("datetime", "2026-01-02T08:35:00+00:00")
    screenshot(page, "import-history-in-kolkata.png")

    # The other organization Asha administers keeps its own zone.
    assert Organization.objects.get(slug="fabrikam").time_zone == "UTC"


def test_a_bad_zone_sent_anyway_is_refused_with_a_message(page: Page, contoso):
    log_in(page, ASHA, DEMO_PASSWORD)
    page.goto("/o/contoso/settings/time-zone/")
    # What a tampered form would send: an option that is not on the list.
    page.get_by_label("Time zone").evaluate("select => { select.options[0].value = 'Mars/Olympus_Mons'; }")
    page.get_by_label("Time zone").select_option("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save time zone").click()

    expect(page.get_by_role("alert")).to_have_text(
        "“Mars/Olympus_Mons” is not a time zone we know. Pick one from the list, such as Asia/Kolkata."
    )
    contoso.refresh_from_db()
    assert contoso.time_zone == "UTC"


def test_a_group_admin_reads_the_zone_but_cannot_change_it(page: Page, contoso):
    log_in(page, RAVI, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Organization").get_by_role("link", name="Settings").click()

    expect(page.get_by_text("Dates and times of Contoso Health show in UTC")).to_be_visible()
    expect(page.get_by_role("button", name="Change time zone")).to_have_count(0)
    page.goto("/o/contoso/settings/time-zone/")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()


def test_a_member_has_no_settings_to_open(page: Page, contoso):
    log_in(page, MEERA, DEMO_PASSWORD)
    expect(page.get_by_role("navigation", name="Organization")).to_be_visible()

    expect(page.get_by_role("navigation", name="Organization").get_by_role("link", name="Settings")).to_have_count(0)
    page.goto("/o/contoso/settings/time-zone/")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
