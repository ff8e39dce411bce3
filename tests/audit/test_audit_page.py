"""The Audit log page and its CSV download: org admins only, the organization's events only."""

import codecs
import csv
import io
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from groups import services as group_services
from groups.models import GroupMembership
from users import services as user_services
from users.models import OrganizationUser

from ..factories import AuditEventFactory, GroupFactory, UserFactory

Verb = AuditEvent.Verb


def log_url(organization, **params):
    url = reverse("audit:log", kwargs={"org_slug": organization.slug})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


def download_url(organization):
    return reverse("audit:download", kwargs={"org_slug": organization.slug})


def sentences(response) -> list[str]:
    return [entry.sentence for entry in response.context["entries"]]


def csv_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def at(day: str, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day).replace(hour=hour))


@pytest.fixture
def removal(organization, org_admin, admin_group, member):
    """Asha, whom the organization has given no name, removes Meera from Sales North."""
    OrganizationUser.objects.filter(organization=organization, user=org_admin).update(name="")
    membership = GroupMembership.objects.select_related("group", "user").get(group=admin_group, user=member)
    group_services.remove_member(membership=membership, removed_by=org_admin)
    return AuditEvent.objects.get(verb=Verb.GROUP_MEMBER_REMOVED)


@pytest.mark.parametrize(
    ("person", "status"),
    [("org_admin", 200), ("superuser", 200), ("group_admin", 403), ("member", 403), ("other_org_admin", 404)],
)
def test_only_the_organizations_admins_reach_the_log_and_its_download(
    request, client_for, organization, group_admin, member, person, status
):
    client = client_for(request.getfixturevalue(person))

    assert client.get(log_url(organization)).status_code == status
    assert client.get(download_url(organization)).status_code == status


def test_anonymous_people_are_sent_to_log_in(client, organization):
    response = client.get(log_url(organization))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_side_navigation_offers_the_log_to_org_admins_only(client_for, organization, org_admin, group_admin):
    users_url = reverse("users:list", kwargs={"org_slug": organization.slug})

    assert log_url(organization) in client_for(org_admin).get(users_url).content.decode()
    assert log_url(organization) not in client_for(group_admin).get(users_url).content.decode()


def test_events_read_as_sentences_with_their_details(client_for, organization, org_admin, member, removal):
    response = client_for(org_admin).get(log_url(organization))

    page = response.content.decode()
    assert f"{org_admin.phone_display} removed Meera Member ({member.phone_display}) from Sales North." in page
    assert "They left the organization too" not in page  # Meera was added directly: she stays
    assert 'aria-current="page">Audit log' in page


def test_field_changes_show_before_and_after(client_for, organization, org_admin):
    AuditEventFactory(
        organization=organization,
        target_label="Ravi (+91 98000 00002)",
        details={"changes": [{"attribute": "Department", "before": "Sales", "after": ""}]},
    )

    page = client_for(org_admin).get(log_url(organization)).content.decode()

    assert "changed the attributes of Ravi (+91 98000 00002)." in page
    assert "Department: “Sales” → (empty)" in page


def test_newest_first_and_nothing_of_another_organization(client_for, organization, other_organization, org_admin):
    AuditEventFactory(organization=organization, target_label="Older", created_at=at("2024-03-01"))
    AuditEventFactory(organization=organization, target_label="Newer", created_at=at("2024-03-02"))
    AuditEventFactory(organization=other_organization, target_label="Fabrikam's own")

    response = client_for(org_admin).get(log_url(organization))

    assert [entry.event.target_label for entry in response.context["entries"]] == ["Newer", "Older"]
    assert "Fabrikam" not in response.content.decode()


def test_pages_of_fifty_never_share_or_skip_an_event(client_for, organization, org_admin):
    same_moment = timezone.now()
    created = {AuditEventFactory(organization=organization, created_at=same_moment).pk for _ in range(60)}
    client = client_for(org_admin)

    first = client.get(log_url(organization))
    second = client.get(log_url(organization, page=2))

    first_ids = [entry.event.pk for entry in first.context["entries"]]
    second_ids = [entry.event.pk for entry in second.context["entries"]]
    assert (len(first_ids), len(second_ids)) == (50, 10)
    assert set(first_ids) | set(second_ids) == created
    assert "1–50 of 60 events" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


@pytest.fixture
def history(organization, org_admin, group_admin, member, admin_group):
    """A few real changes, by two people, about several."""
    user_services.add_users(
        organization=organization,
        new_users=[user_services.NewUser("+91 98123 00077", name="Zoya Khan")],
        added_by=org_admin,
    )
    group_services.add_members(group=admin_group, phone_numbers=["+91 98123 00077"], added_by=group_admin)
    membership = GroupMembership.objects.select_related("group", "user").get(group=admin_group, user=member)
    group_services.set_member_role(membership=membership, role="admin", changed_by=group_admin)
    GroupFactory(organization=organization, name="Head Office")
    return AuditEvent.objects.filter(organization=organization)


def test_filter_by_what_happened(client_for, organization, org_admin, history):
    response = client_for(org_admin).get(log_url(organization, verb="group_role_changed"))

    assert [entry.event.verb for entry in response.context["entries"]] == [Verb.GROUP_ROLE_CHANGED]


def test_filter_by_who_did_it_by_name_or_any_part_of_their_number(
    client_for, organization, org_admin, group_admin, history
):
    client = client_for(org_admin)
    digits = group_admin.phone_number[-6:]

    by_name = client.get(log_url(organization, actor="ravi"))
    by_number = client.get(log_url(organization, actor=digits))

    assert {entry.event.actor for entry in by_name.context["entries"]} == {group_admin}
    assert len(by_name.context["entries"]) == 2
    assert [e.event.pk for e in by_number.context["entries"]] == [e.event.pk for e in by_name.context["entries"]]


def test_filter_by_whom_it_was_about_person_number_or_group(client_for, organization, org_admin, member, history):
    client = client_for(org_admin)

    about_zoya = client.get(log_url(organization, q="zoya"))
    about_number = client.get(log_url(organization, q="98123%2000077"))
    about_group = client.get(log_url(organization, q="sales+north"))

    assert [entry.event.verb for entry in about_zoya.context["entries"]] == [Verb.GROUP_MEMBER_ADDED, Verb.USER_ADDED]
    assert len(about_number.context["entries"]) == 2
    assert len(about_group.context["entries"]) == 2


def test_filter_by_dates_counts_whole_days(client_for, organization, org_admin):
    for day in ("2024-03-01", "2024-03-02", "2024-03-03"):
        AuditEventFactory(organization=organization, target_label=day, created_at=at(day, hour=23))
    AuditEventFactory(organization=organization, target_label="2024-03-04", created_at=at("2024-03-04", hour=0))

    response = client_for(org_admin).get(log_url(organization, since="2024-03-02", until="2024-03-03"))

    assert [entry.event.target_label for entry in response.context["entries"]] == ["2024-03-03", "2024-03-02"]


def test_an_end_date_before_the_start_date_is_explained(client_for, organization, org_admin):
    AuditEventFactory(organization=organization)

    response = client_for(org_admin).get(log_url(organization, since="2024-03-05", until="2024-03-01"))

    assert "The end date is before the start date." in response.content.decode()


def test_empty_states_say_why_nothing_shows(client_for, organization, org_admin):
    client = client_for(org_admin)

    assert "Nothing has happened yet" in client.get(log_url(organization)).content.decode()
    AuditEventFactory(organization=organization)
    filtered = client.get(log_url(organization, q="nobody-at-all")).content.decode()
    assert "No events match these filters" in filtered and "Clear the filters" in filtered


def test_the_download_holds_the_filtered_events_of_the_organization_only(
    client_for, organization, other_organization, org_admin, group_admin, member, history
):
    AuditEventFactory(organization=other_organization, target_label="Fabrikam's own", verb=Verb.GROUP_ROLE_CHANGED)

    response = client_for(org_admin).get(download_url(organization) + "?verb=group_role_changed")

    assert response["Content-Disposition"].startswith('attachment; filename="contoso-audit-log-')
    header, *rows = csv_rows(response)
    assert header == ["Date (UTC)", "What happened", "Who did it", "About whom", "Group", "Description", "Details"]
    (row,) = rows
    admin_label, member_label = (
        f"Ravi Groupadmin ({group_admin.phone_display})",
        f"Meera Member ({member.phone_display})",
    )
    assert row[1:6] == [
        "Group role changed",
        admin_label,
        member_label,
        "Sales North",
        f"{admin_label} made {member_label} an admin of Sales North.",
    ]
    assert row[6] == "Role: member → admin"


def test_the_download_holds_every_page(client_for, organization, org_admin):
    for _ in range(60):
        AuditEventFactory(organization=organization)

    header, *rows = csv_rows(client_for(org_admin).get(download_url(organization)))

    assert len(rows) == 60


def test_cells_a_spreadsheet_would_run_are_guarded_in_the_download(client_for, organization, org_admin):
    nameless = UserFactory(phone_number="+919812312345")
    OrganizationUser.objects.create(organization=organization, user=nameless)
    group = GroupFactory(organization=organization, name='=HYPERLINK("http://evil.example","x")')
    group_services.add_members(group=group, phone_numbers=[nameless.phone_number], added_by=org_admin)

    header, row = csv_rows(client_for(org_admin).get(download_url(organization)))

    about_whom, group_cell, description = row[3:6]
    assert about_whom == "'+91 98123 12345"
    assert group_cell == '\'=HYPERLINK("http://evil.example","x")'
    assert description.startswith("Asha Admin")


def test_a_page_costs_the_same_queries_however_long_the_log(
    client_for, organization, org_admin, django_assert_max_num_queries
):
    client = client_for(org_admin)
    AuditEventFactory(organization=organization)
    with CaptureQueriesContext(connection) as one_event:
        client.get(log_url(organization))
    for _ in range(80):
        AuditEventFactory(organization=organization)

    with django_assert_max_num_queries(len(one_event.captured_queries)):
        client.get(log_url(organization, page=2))


def test_until_the_last_date_there_is_shows_everything_instead_of_failing(client_for, organization, org_admin, removal):
    response = client_for(org_admin).get(log_url(organization, until="9999-12-31"))
    assert response.status_code == 200
    assert sentences(response)
    assert client_for(org_admin).get(download_url(organization) + "?until=9999-12-31").status_code == 200
