"""The Users list's bulk actions as pages: the boxes, each confirmation, the messages, the history and report."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulk_actions.models import BulkJob
from exports.models import ExportJob
from groups.models import GroupMembership

from ..factories import GroupFactory, OrganizationUserFactory
from .conftest import in_organization

pytestmark = pytest.mark.django_db


def url(name, organization, **kwargs):
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


def text(response) -> str:
    return response.content.decode()


def test_the_list_offers_the_boxes_and_the_actions_the_role_allows(client_for, organization, org_admin, group_admin):
    as_org_admin = text(client_for(org_admin).get(url("users:list", organization)))
    for label in ("Select all 2 matching", "Delete selected", "Add to group", "Remove from group", "Export selected"):
        assert label in as_org_admin
    assert 'aria-label="Select Asha Admin"' in as_org_admin

    as_group_admin = text(client_for(group_admin).get(url("users:list", organization)))
    assert "Add to group" in as_group_admin and "Remove from group" in as_group_admin
    assert "Delete selected" not in as_group_admin and "Export selected" not in as_group_admin


def test_the_boxes_add_no_query_per_row(client_for, organization, org_admin):
    client = client_for(org_admin)
    client.get(url("users:list", organization))  # sessions and caches warmed up

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("users:list", organization)).status_code == 200
        return len(queries)

    few = queries_for_the_list()
    for n in range(20):
        OrganizationUserFactory(organization=organization, name=f"Person {n}")
    assert queries_for_the_list() == few


def test_the_delete_confirmation_states_the_count_and_who_is_refused(
    client_for, organization, org_admin, group_admin, member
):
    response = client_for(org_admin).get(
        url("bulk_actions:delete", organization), {"user": [org_admin.pk, group_admin.pk, member.pk]}
    )

    page = text(response)
    assert "Delete 3 people from Contoso?" in page
    assert "You are among them: you cannot remove yourself, so you are refused." in page
    assert "1 is the only admin of a group, which keeps at least one admin, so is refused: Ravi Groupadmin" in page
    assert "Their accounts and anything they have in other organizations stay as they are." in page
    assert all(in_organization(organization, person) for person in (org_admin, group_admin, member))


def test_confirming_a_delete_removes_the_people_and_says_who_was_left_out(
    client_for, organization, org_admin, group_admin, member
):
    data = {"user": [group_admin.pk, member.pk]}
    response = client_for(org_admin).post(url("bulk_actions:delete", organization), data, follow=True)

    page = text(response)
    assert "Removed 1 person from Contoso. 1 refused. The report says who was left out and why." in page
    assert not in_organization(organization, member) and in_organization(organization, group_admin)
    job = BulkJob.objects.get()
    assert f'href="{url("bulk_actions:report", organization, job_id=job.pk)}"' in page


def test_choosing_nobody_says_so_and_changes_nothing(client_for, organization, org_admin, member):
    response = client_for(org_admin).post(url("bulk_actions:delete", organization), {"q": "Meera"}, follow=True)

    assert "Choose people first: tick them in the list, or “Select all matching”." in text(response)
    assert response.redirect_chain[-1][0] == url("users:list", organization) + "?q=Meera"
    assert in_organization(organization, member) and not BulkJob.objects.exists()


def test_ids_of_another_organization_reach_nobody_and_change_nothing(
    client_for, organization, other_organization, org_admin, other_org_member
):
    response = client_for(org_admin).post(
        url("bulk_actions:delete", organization), {"user": [other_org_member.pk]}, follow=True
    )

    assert "None of the chosen people are users of Contoso you can act on. Nothing was changed." in text(response)
    assert in_organization(other_organization, other_org_member) and not BulkJob.objects.exists()


def test_a_forged_id_among_real_ones_is_left_out_and_said_so(
    client_for, organization, org_admin, member, other_org_member
):
    response = client_for(org_admin).get(
        url("bulk_actions:delete", organization), {"user": [member.pk, other_org_member.pk]}
    )
    page = text(response)
    assert "Delete 1 person from Contoso?" in page
    assert "1 of the chosen people is not among the users you can act on here, and is left out." in page


def test_select_all_matching_re_evaluates_the_search_on_the_server(client_for, organization, org_admin, admin_group):
    drivers = [OrganizationUserFactory(organization=organization, name=f"Driver {n}").user for n in range(3)]
    client = client_for(org_admin)
    search = {"q": "Driver", "all": "1", "page": "2", "sort": "-name"}

    page = text(client.get(url("bulk_actions:add_to_group", organization), search | {"group": admin_group.pk}))
    assert "Add 3 people to Sales North?" in page
    assert "Users matching “Driver”" in page

    response = client.post(
        url("bulk_actions:add_to_group", organization), search | {"group": admin_group.pk}, follow=True
    )
    assert "Added 3 people to Sales North." in text(response)
    assert set(admin_group.memberships.filter(role=GroupMembership.Role.MEMBER).values_list("user", flat=True)) >= {
        d.pk for d in drivers
    }


def test_select_all_matching_on_a_list_narrowed_to_some_people_chooses_only_them(
    client_for, organization, org_admin, member, outsider_member
):
    client = client_for(org_admin)
    narrowed = {"ids": f"{member.pk},{outsider_member.pk}"}
    listed = text(client.get(url("users:list", organization), narrowed))
    assert "Select all 2 matching" in listed
    assert f'<input type="hidden" name="ids" value="{member.pk},{outsider_member.pk}">' in listed

    page = text(client.get(url("bulk_actions:delete", organization), narrowed | {"all": "1"}))
    assert "Delete 2 people from Contoso?" in page
    client.post(url("bulk_actions:delete", organization), narrowed | {"all": "1"})
    assert not in_organization(organization, member) and not in_organization(organization, outsider_member)
    assert in_organization(organization, org_admin)


def test_a_group_admin_cannot_choose_a_group_they_do_not_admin(
    client_for, organization, group_admin, member, org_admin
):
    other_group = GroupFactory(organization=organization, name="Night Shift")
    GroupMembership.objects.create(group=other_group, user=org_admin, role=GroupMembership.Role.ADMIN)

    response = client_for(group_admin).post(
        url("bulk_actions:add_to_group", organization), {"user": [member.pk], "group": other_group.pk}
    )

    assert response.status_code == 200
    assert "Choose one of the groups you manage: you may add people to, or remove them from, only those." in text(
        response
    )
    assert not other_group.memberships.filter(user=member).exists() and not BulkJob.objects.exists()


def test_the_remove_confirmation_says_who_leaves_the_organization(client_for, organization, org_admin, admin_group):
    via_group = OrganizationUserFactory(organization=organization, name="Gita Viagroup", added_directly=False).user
    GroupMembership.objects.create(group=admin_group, user=via_group)
    query = {"user": [via_group.pk, org_admin.pk], "group": admin_group.pk}

    page = text(client_for(org_admin).get(url("bulk_actions:remove_from_group", organization), query))

    assert "Remove 2 people from Sales North?" in page
    assert "1 is not in Sales North and is skipped: Asha Admin" in page
    assert "so <strong>leaves Contoso too</strong>, with their attribute values there: Gita Viagroup" in page
    assert in_organization(organization, via_group)


def test_exporting_chosen_people_requests_an_export_of_exactly_them(client_for, organization, org_admin, member):
    client = client_for(org_admin)
    confirmation = text(client.get(url("bulk_actions:export", organization), {"user": [member.pk]}))
    assert "Export 1 person?" in confirmation and "Nothing is changed." in confirmation
    assert not ExportJob.objects.exists()

    response = client.post(url("bulk_actions:export", organization), {"user": [member.pk]}, follow=True)

    job = ExportJob.objects.get()
    assert job.scope == f"ids={member.pk}"
    assert job.scope_description == "Users chosen one by one (1)"
    assert response.redirect_chain[-1][0] == url("exports:history", organization)
    assert f"“{job.file_name}” was requested" in text(response)


def test_the_history_shows_a_group_admin_only_their_own_jobs(
    client_for, organization, org_admin, group_admin, admin_group, member, outsider_member
):
    client_for(org_admin).post(url("bulk_actions:delete", organization), {"user": [outsider_member.pk]})
    client_for(group_admin).post(
        url("bulk_actions:add_to_group", organization), {"user": [member.pk], "group": admin_group.pk}
    )
    theirs, admins = BulkJob.objects.get(requested_by=group_admin), BulkJob.objects.get(requested_by=org_admin)

    as_group_admin = text(client_for(group_admin).get(url("bulk_actions:history", organization)))
    assert "Add to Sales North" in as_group_admin and "Delete from the organization" not in as_group_admin
    assert client_for(group_admin).get(url("bulk_actions:report", organization, job_id=admins.pk)).status_code == 404

    as_org_admin = text(client_for(org_admin).get(url("bulk_actions:history", organization)))
    assert "Add to Sales North" in as_org_admin and "Delete from the organization" in as_org_admin
    assert "Ravi Groupadmin" in as_org_admin
    report = client_for(org_admin).get(url("bulk_actions:report", organization, job_id=theirs.pk))
    assert report.status_code == 200
    assert "is already in Sales North." in report.getvalue().decode("utf-8-sig")


def test_a_large_selection_shows_as_queued_in_the_history(settings, client_for, organization, org_admin, member):
    settings.BULK_ACTIONS_IN_REQUEST_UP_TO = 0
    client = client_for(org_admin)

    confirmation = text(client.get(url("bulk_actions:delete", organization), {"user": [member.pk]}))
    assert "That is many: a background job does it" in confirmation
    response = client.post(url("bulk_actions:delete", organization), {"user": [member.pk]}, follow=True)

    page = text(response)
    # Tests run no on-commit hooks: the task never reached a broker, so the job waits for one.
    assert "“Delete from the organization” (1 chosen person) is kept. The job queue does not answer" in page
    assert '<span class="badge badge-queued">Queued</span>' in page
    assert 'hx-trigger="every 2s"' in page  # the history follows the job without a reload
    assert in_organization(organization, member)


def test_select_all_beyond_the_count_cap_still_acts_on_everyone_matching(
    client_for, organization, org_admin, admin_group, settings
):
    settings.USERS_COUNT_CAP = 5
    for n in range(8):
        OrganizationUserFactory(organization=organization, name=f"Driver {n}")
    client = client_for(org_admin)
    listed = text(client.get(url("users:list", organization), {"q": "Driver"}))
    assert "Select all matching (more than 5)" in listed

    # The cursor of a later page is no part of the selection: all matching means all of them.
    cursor = client.get(url("users:list", organization), {"q": "Driver", "per_page": 25}).context["page"].next_cursor
    search = {"q": "Driver", "all": "1", "cursor": cursor or "x", "group": admin_group.pk}
    assert "Add 8 people to Sales North?" in text(client.get(url("bulk_actions:add_to_group", organization), search))
    response = client.post(url("bulk_actions:add_to_group", organization), search, follow=True)
    assert "Added 8 people to Sales North." in text(response)
    assert GroupMembership.objects.filter(group=admin_group, user__memberships__name__startswith="Driver").count() == 8
