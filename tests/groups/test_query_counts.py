"""List pages run the same number of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Group, GroupMembership

from ..factories import GroupFactory, GroupMembershipFactory, UserFactory


def make_groups(organization, count, *, admin, first=0):
    parent = None
    for n in range(first, first + count):
        # A chain of parents, so that each row has one to show.
        parent = GroupFactory(organization=organization, name=f"Group {n:03d}", parent=parent)
        GroupMembershipFactory(group=parent, user=admin, role=GroupMembership.Role.ADMIN)
        GroupMembershipFactory(group=parent, user=UserFactory())


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["groups:list", "groups:hierarchy", "settings:groups"])
def test_group_pages_run_the_same_queries_for_5_and_50_groups(client_for, organization, org_admin, page):
    address = reverse(page, kwargs={"org_slug": organization.slug})
    client = client_for(org_admin)
    make_groups(organization, 5, admin=org_admin)
    few = queries_for(client, address)
    make_groups(organization, 45, admin=org_admin, first=5)
    many = queries_for(client, address)
    assert few == many
    assert len(client.get(address).content) > 0


def test_the_group_list_takes_a_handful_of_queries(
    client_for, organization, org_admin, django_assert_num_queries, settings
):
    make_groups(organization, 50, admin=org_admin)
    settings.GROUPS_PAGE_SIZE = 50
    client = client_for(org_admin)
    # session, user, organization, membership, group roles, count, rows
    with django_assert_num_queries(7):
        response = client.get(reverse("groups:list", kwargs={"org_slug": organization.slug}))
    assert len(response.context["page"]) == 50


def test_a_group_page_runs_the_same_queries_for_5_and_50_members(client_for, organization, org_admin, admin_group):
    address = reverse("groups:detail", kwargs={"org_slug": organization.slug, "group_id": admin_group.pk})
    client = client_for(org_admin)
    for _ in range(5):
        GroupMembershipFactory(group=admin_group)
    few = queries_for(client, address)
    for _ in range(45):
        GroupMembershipFactory(group=admin_group)
    many = queries_for(client, address)
    assert few == many


def queries_to_download(client, url) -> tuple[int, bytes]:
    """A streamed file's queries run as it is read: counted until its last byte."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured), body


@pytest.mark.parametrize("download", ["groups:export_user_mapping", "groups:export_parent_mapping"])
def test_export_existing_groups_runs_the_same_queries_for_5_and_50_groups(
    client_for, organization, org_admin, download
):
    address = reverse(download, kwargs={"org_slug": organization.slug})
    client = client_for(org_admin)
    make_groups(organization, 5, admin=org_admin)
    few, small_file = queries_to_download(client, address)
    make_groups(organization, 45, admin=org_admin, first=5)
    for group in Group.objects.filter(organization=organization)[:10]:
        for _ in range(5):
            GroupMembershipFactory(group=group)
    many, big_file = queries_to_download(client, address)
    assert few == many
    assert big_file.count(b"\n") > 2 * small_file.count(b"\n")
