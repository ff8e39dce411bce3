"""Settings: the organization's time zone, which only its admins may change."""

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from audit.sentences import detail_lines, sentence
from kaizala_portal import zones
from users.forms import TimeZoneForm

from ..factories import OrganizationFactory


def url(name, organization):
    return reverse(name, kwargs={"org_slug": organization.slug})


def zone_events(organization):
    return AuditEvent.objects.filter(organization=organization, verb=AuditEvent.Verb.TIME_ZONE_CHANGED)


def test_a_new_organization_shows_times_in_the_portals_time_zone(settings, db):
    settings.TIME_ZONE = "Asia/Kolkata"
    assert OrganizationFactory().time_zone == "Asia/Kolkata"
    settings.TIME_ZONE = "UTC"
    assert OrganizationFactory().time_zone == "UTC"


def test_settings_names_the_zone_and_offers_the_org_admin_to_change_it(client_for, organization, org_admin):
    content = client_for(org_admin).get(url("settings:groups", organization)).content.decode()

    assert '<h2 id="time-zone-heading">Time zone</h2>' in content
    assert "Dates and times of Contoso show in <strong>UTC</strong> (UTC, UTC+00:00)." in content
    assert url("settings:time_zone", organization) in content


def test_a_group_admin_reads_the_zone_on_settings_but_may_not_change_it(client_for, organization, group_admin):
    client = client_for(group_admin)
    content = client.get(url("settings:groups", organization)).content.decode()

    assert "Dates and times of Contoso show in <strong>UTC</strong>" in content
    assert "Change time zone" not in content
    assert client.post(url("settings:time_zone", organization), {"time_zone": "Asia/Kolkata"}).status_code == 403
    organization.refresh_from_db()
    assert organization.time_zone == "UTC"


def test_the_org_admin_sets_the_zone_and_the_log_says_so(client_for, organization, org_admin):
    response = client_for(org_admin).post(
        url("settings:time_zone", organization), {"time_zone": "Asia/Kolkata"}, follow=True
    )

    assert response.redirect_chain == [(url("settings:groups", organization), 302)]
    content = response.content.decode()
    assert "Contoso&#x27;s dates and times now show in Asia/Kolkata." in content
    assert "show in <strong>Asia/Kolkata</strong> (IST, UTC+05:30)" in content
    organization.refresh_from_db()
    assert organization.time_zone == "Asia/Kolkata"
    (event,) = zone_events(organization)
    assert (event.actor, event.details) == (org_admin, {"before": "UTC", "after": "Asia/Kolkata"})
    admin = f"Asha Admin ({org_admin.phone_display})"
    assert sentence(event) == f"{admin} set the organization’s time zone to Asia/Kolkata."
    assert detail_lines(event) == ["Time zone: UTC → Asia/Kolkata"]


def test_choosing_the_zone_it_already_has_changes_and_records_nothing(client_for, organization, org_admin):
    response = client_for(org_admin).post(url("settings:time_zone", organization), {"time_zone": "UTC"}, follow=True)

    assert "Contoso&#x27;s dates and times already show in UTC." in response.content.decode()
    assert not zone_events(organization).exists()


NOT_KNOWN = "is not a time zone we know. Pick one from the list, such as Asia/Kolkata."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Mars/Olympus_Mons", f"“Mars/Olympus_Mons” {NOT_KNOWN}"),
        ("localtime", f"“localtime” {NOT_KNOWN}"),
        ("", "Pick a time zone from the list."),
    ],
)
def test_a_zone_not_on_the_list_is_refused_with_a_message_and_changes_nothing(
    client_for, organization, org_admin, value, message
):
    response = client_for(org_admin).post(url("settings:time_zone", organization), {"time_zone": value})

    assert response.status_code == 200
    assert message in response.content.decode()
    organization.refresh_from_db()
    assert organization.time_zone == "UTC"
    assert not zone_events(organization).exists()


def test_the_select_starts_with_utc_then_groups_zones_by_region(client_for, organization, org_admin):
    organization.time_zone = "Europe/London"
    organization.save()
    content = client_for(org_admin).get(url("settings:time_zone", organization)).content.decode()

    assert '<label for="id_time_zone">Time zone' in content
    assert content.index('<option value="UTC"') < content.index('<optgroup label="Africa">')
    assert '<optgroup label="Asia">' in content and '<optgroup label="Europe">' in content
    assert '<option value="Europe/London" selected>' in content
    assert content.count("<option ") == len(zones.available())


def test_every_zone_of_the_list_is_accepted_and_nothing_else():
    offered = [name for _, options in zones.choices()[1:] for name, _ in options] + [zones.choices()[0][0]]
    assert sorted(offered) == sorted(zones.available())
    assert "Asia/Kolkata" in offered and "Factory" not in offered
    assert TimeZoneForm({"time_zone": "America/Sao_Paulo"}).is_valid()
    assert not TimeZoneForm({"time_zone": "asia/kolkata"}).is_valid()


def test_another_organization_keeps_its_zone(client_for, organization, other_organization, org_admin):
    other_organization.time_zone = "Europe/London"
    other_organization.save()

    client_for(org_admin).post(url("settings:time_zone", organization), {"time_zone": "Asia/Tokyo"})

    other_organization.refresh_from_db()
    assert other_organization.time_zone == "Europe/London"
    assert not zone_events(other_organization).exists()


def test_a_zone_typed_by_hand_elsewhere_is_checked_too(organization):
    """The Django admin types the zone rather than picking it: the model refuses what is no zone."""
    organization.time_zone = "Asia/Atlantis"
    with pytest.raises(ValidationError) as refused:
        organization.full_clean()
    message = "“Asia/Atlantis” is not a time zone name such as Asia/Kolkata."
    assert refused.value.message_dict == {"time_zone": [message]}
    # A row written before the zone database dropped its name still shows times, in UTC.
    assert organization.zone == ZoneInfo("UTC")
