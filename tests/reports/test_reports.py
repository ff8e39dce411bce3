"""The Reports page and its CSV downloads, on the hand-made organization of ``conftest``."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.models import GroupMembership

from ..factories import GroupFactory, GroupMembershipFactory, UserFactory
from .conftest import months_ago

TABLES = ["members", "activity", "attributes", "publications", "jobs"]


def report_url(organization, name="reports:index", **query) -> str:
    url = reverse(name, kwargs={"org_slug": organization.slug})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def activity_by_week(table) -> dict[int, tuple[int, int]]:
    """Joins and removals per week, counted back from this one (0), where any happened."""
    last = len(table.rows) - 1
    return {
        last - index: (joins, removals) for index, (_, joins, removals) in enumerate(table.rows) if joins or removals
    }


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_an_org_admin_sees_every_group_of_the_organization(client_for, organization, org_admin, report_world):
    response = client_for(org_admin).get(report_url(organization))

    assert response.status_code == 200
    assert response.context["members"].rows == [("Sales North", 1, 2, 3), ("Sales South", 1, 2, 3)]
    activity = response.context["activity"]
    assert activity.columns == ("Week starting", "Joins", "Removals")
    assert len(activity.rows) == 12
    assert activity_by_week(activity) == {2: (2, 2), 1: (2, 1), 0: (1, 0)}


def test_attribute_completeness_counts_every_user_of_the_organization_for_its_admin(
    client_for, organization, org_admin, report_world
):
    response = client_for(org_admin).get(report_url(organization))

    # Asha, Ravi, Meera, Omar, Nina, Sunil and Sita.
    assert response.context["reported_users"] == 7
    assert response.context["attributes"].rows == [("Employee ID", 3, "43%"), ("Department", 1, "14%")]


def test_a_group_admin_sees_only_the_groups_they_admin_and_their_people(
    client_for, organization, group_admin, report_world
):
    response = client_for(group_admin).get(report_url(organization))

    assert response.status_code == 200
    assert response.context["members"].rows == [("Sales North", 1, 2, 3)]
    assert activity_by_week(response.context["activity"]) == {2: (1, 0), 1: (0, 1), 0: (1, 0)}
    # Ravi, Meera and Nina.
    assert response.context["reported_users"] == 3
    assert response.context["attributes"].rows == [("Employee ID", 2, "67%"), ("Department", 1, "33%")]
    assert "Sales South" not in response.content.decode()


def test_actions_and_connectors_published_are_counted_per_group(
    client_for, organization, org_admin, group_admin, report_world
):
    table = client_for(org_admin).get(report_url(organization)).context["publications"]
    assert table.columns == (
        "Group",
        "Actions published",
        "Actions published in the period",
        "Connectors published",
        "Connectors published in the period",
    )
    assert table.rows == [("Sales North", 2, 1, 0, 0), ("Sales South", 1, 1, 1, 0)]

    theirs = client_for(group_admin).get(report_url(organization, period="26w")).context["publications"]
    assert theirs.rows == [("Sales North", 2, 2, 0, 0)]


def test_one_group_can_be_picked(client_for, organization, org_admin, report_world):
    south = report_world["sales_south"]
    response = client_for(org_admin).get(report_url(organization, group=south.pk, period="6m"))

    assert response.context["members"].rows == [("Sales South", 1, 2, 3)]
    activity = response.context["activity"]
    assert activity.columns[0] == "Month" and len(activity.rows) == 6
    assert sum(joins for _, joins, _ in activity.rows) == 3
    # Six months reach back past the removal of 20 weeks ago.
    assert sum(removals for _, _, removals in activity.rows) == 3
    # Omar, Sunil and Sita; only Sunil has an Employee ID.
    assert response.context["attributes"].rows == [("Employee ID", 1, "33%"), ("Department", 0, "0%")]


def test_a_group_admin_asking_for_a_group_they_do_not_admin_is_refused(
    client_for, organization, group_admin, report_world
):
    client = client_for(group_admin)
    south = report_world["sales_south"]
    for name in ["reports:index", *(f"reports:{table}_csv" for table in TABLES)]:
        assert client.get(report_url(organization, name, group=south.pk)).status_code == 403, name


def test_a_group_of_another_organization_is_not_found(client_for, organization, org_admin, report_world):
    client = client_for(org_admin)
    crew = report_world["fabrikam_crew"]
    assert client.get(report_url(organization, group=crew.pk)).status_code == 404
    assert client.get(report_url(organization, "reports:members_csv", group=crew.pk)).status_code == 404
    assert client.get(report_url(organization, group="nonsense")).status_code == 404


def test_members_are_refused_and_other_organizations_find_nothing(
    client, client_for, organization, member, other_org_admin, report_world
):
    for name in ["reports:index", *(f"reports:{table}_csv" for table in TABLES)]:
        assert client_for(member).get(report_url(organization, name)).status_code == 403
        assert client_for(other_org_admin).get(report_url(organization, name)).status_code == 404
        assert client.get(report_url(organization, name))["Location"].startswith(reverse("login"))


def test_imports_and_exports_are_counted_per_month_by_status_for_org_admins(
    client_for, organization, org_admin, report_world
):
    jobs = client_for(org_admin).get(report_url(organization)).context["jobs"]

    assert jobs.columns == (
        "Month",
        "Imports completed",
        "Imports failed",
        "Imports processing",
        "Exports completed",
        "Exports failed",
        "Exports queued",
    )
    by_month = {row[0]: row[1:] for row in jobs.rows}
    assert by_month[f"{months_ago(0):%b %Y}"] == (2, 0, 0, 1, 0, 0)
    assert by_month[f"{months_ago(1):%b %Y}"] == (0, 1, 0, 0, 0, 0)
    assert sum(sum(row[1:]) for row in jobs.rows) == 4  # not the old one, nor Fabrikam's


def test_a_group_admin_gets_no_organization_wide_job_figures(client_for, organization, group_admin, report_world):
    client = client_for(group_admin)
    response = client.get(report_url(organization))
    assert "jobs" not in response.context
    assert "Imports and exports" not in response.content.decode()
    assert client.get(report_url(organization, "reports:jobs_csv")).status_code == 403


DOWNLOADS = [("org_admin", table) for table in TABLES] + [("group_admin", table) for table in TABLES if table != "jobs"]


@pytest.mark.parametrize(("person", "table"), DOWNLOADS)
def test_each_csv_download_holds_the_table_of_the_page(request, client_for, organization, report_world, person, table):
    client = client_for(request.getfixturevalue(person))
    query = {"period": "26w"}
    shown = client.get(report_url(organization, **query)).context[table]

    response = client.get(report_url(organization, f"reports:{table}_csv", **query))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="contoso-{table}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    header = list(shown.columns)
    if table in ("activity", "jobs"):  # weeks and months, counted in the organization's zone (UTC here)
        header[0] = f"{header[0]} (UTC)"
    assert csv_rows(response) == [header, *([str(cell) for cell in row] for row in shown.rows)]


def test_the_page_shows_the_tables_figures_and_a_chart_of_each(client_for, organization, org_admin, report_world):
    page = client_for(org_admin).get(report_url(organization)).content.decode()

    assert page.count('<svg role="img"') == 5
    assert '<th scope="row">Sales South</th><td class="number">1</td><td class="number">2</td>' in page
    assert "Of 7 users:" in page
    for table in TABLES:
        assert reverse(f"reports:{table}_csv", kwargs={"org_slug": organization.slug}) in page


def test_group_names_that_look_like_formulas_stay_text_in_the_csv(client_for, organization, org_admin):
    GroupFactory(organization=organization, name='=HYPERLINK("http://evil.example","Open")')

    rows = csv_rows(client_for(org_admin).get(report_url(organization, "reports:members_csv")))

    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","Open")'


def test_an_organization_without_groups_or_attributes_gets_empty_states(client_for, organization, org_admin):
    page = client_for(org_admin).get(report_url(organization)).content.decode()

    assert "No groups to report on" in page
    assert "Contoso has no custom attributes" in page
    assert "Nobody joined or left these groups in this period." in page
    assert "There are no groups to report on." in page


def test_the_reports_link_is_shown_only_to_those_allowed(client_for, organization, org_admin, group_admin, member):
    link = f'href="{report_url(organization)}"'
    groups_page = reverse("groups:list", kwargs={"org_slug": organization.slug})
    assert link in client_for(org_admin).get(groups_page).content.decode()
    assert link in client_for(group_admin).get(groups_page).content.decode()
    assert link not in client_for(member).get(groups_page).content.decode()


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_runs_the_same_queries_for_2_and_30_groups(client_for, organization, org_admin, report_world):
    client = client_for(org_admin)
    few = queries_for(client, report_url(organization))
    for number in range(28):
        group = GroupFactory(organization=organization, name=f"Team {number:02d}")
        GroupMembershipFactory(group=group, user=UserFactory(), role=GroupMembership.Role.ADMIN)
        GroupMembershipFactory(group=group, user=UserFactory())
    many = queries_for(client, report_url(organization))
    assert few == many
    # Session, user, organization, the viewer's role (two), the picker's groups and their
    # paths, the attribute definitions, and one per figure: members, publications, joins,
    # removals, dynamic groups, attributes, imports, exports.
    assert many <= 16


def test_removing_someone_from_a_group_shows_as_a_removal_this_week(client_for, organization, group_admin, member):
    client = client_for(group_admin)
    group = member.group_memberships.get().group
    remove = reverse(
        "groups:remove_member", kwargs={"org_slug": organization.slug, "group_id": group.pk, "user_id": member.pk}
    )
    assert client.post(remove).status_code == 302

    activity = client.get(report_url(organization)).context["activity"]

    assert activity.rows[-1][2] == 1
