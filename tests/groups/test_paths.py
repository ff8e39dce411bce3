"""Wherever a group is picked, it reads as its place in the hierarchy: "Field Staff / North"."""

import pytest
from django.urls import reverse

from groups import selectors
from groups.forms import GroupChoiceField, GroupMultipleChoiceField
from groups.models import Group, GroupMembership

from ..factories import GroupFactory, GroupMembershipFactory
from .test_query_counts import queries_for


@pytest.fixture
def tree(organization, other_organization, org_admin):
    """Contoso: Field Staff > North > Mobile Clinics, Field Staff > South, Head Office; Fabrikam's Crew above one."""
    field_staff = GroupFactory(organization=organization, name="Field Staff")
    north = GroupFactory(organization=organization, name="North", parent=field_staff)
    clinics = GroupFactory(organization=organization, name="Mobile Clinics", parent=north)
    south = GroupFactory(organization=organization, name="south", parent=field_staff)
    head_office = GroupFactory(organization=organization, name="Head Office")
    crew = GroupFactory(organization=other_organization, name="Fabrikam Crew")
    under_crew = GroupFactory(organization=organization, name="Loaned", parent=crew)
    for group in (field_staff, north, clinics, south, head_office, under_crew):
        GroupMembershipFactory(group=group, user=org_admin, role=GroupMembership.Role.ADMIN)
    return {
        "field_staff": field_staff,
        "north": north,
        "clinics": clinics,
        "south": south,
        "head_office": head_office,
        "under_crew": under_crew,
    }


def test_paths_name_each_ancestor_of_the_organization_in_one_query(django_assert_num_queries, tree):
    groups = list(Group.objects.filter(pk__in=[g.pk for g in tree.values()]))
    with django_assert_num_queries(1):
        paths = selectors.paths_of(groups)
    assert {name: paths[group.pk] for name, group in tree.items()} == {
        "field_staff": "Field Staff",
        "north": "Field Staff / North",
        "clinics": "Field Staff / North / Mobile Clinics",
        "south": "Field Staff / south",
        "head_office": "Head Office",
        # Its parent is Fabrikam's: not Contoso's to name.
        "under_crew": "Loaned",
    }


def test_a_group_mapped_nowhere_is_its_name_alone(tree):
    loose = GroupFactory(organization=None, name="Loose", parent=tree["north"])
    assert selectors.paths_of([loose]) == {loose.pk: "Loose"}


def test_the_choice_fields_list_groups_in_hierarchy_order_labelled_with_their_paths(organization, tree):
    queryset = Group.objects.filter(organization=organization)
    single = GroupChoiceField(queryset=queryset, empty_label="None")
    several = GroupMultipleChoiceField(queryset=queryset)

    expected = [
        "Field Staff",
        "Field Staff / North",
        "Field Staff / North / Mobile Clinics",
        "Field Staff / south",
        "Head Office",
        "Loaned",
    ]
    assert [label for _, label in single.choices] == ["None", *expected]
    assert [label for _, label in several.choices] == expected
    assert single.clean(str(tree["clinics"].pk)) == tree["clinics"]
    assert [g.pk for g in several.clean([str(tree["north"].pk), str(tree["south"].pk)])] == [
        tree["north"].pk,
        tree["south"].pk,
    ]


def test_the_move_and_create_pages_pick_parents_by_path(client_for, organization, org_admin, tree):
    client = client_for(org_admin)
    move = client.get(reverse("groups:move", kwargs={"org_slug": organization.slug, "group_id": tree["south"].pk}))
    create = client.get(reverse("settings:create_group", kwargs={"org_slug": organization.slug}))

    for page in (move, create):
        text = page.content.decode()
        assert ">Field Staff / North / Mobile Clinics</option>" in text
        assert text.index(">Field Staff / North<") < text.index(">Head Office<")


def test_the_move_page_runs_the_same_queries_however_deep_and_many_the_groups(
    client_for, organization, org_admin, tree
):
    url = reverse("groups:move", kwargs={"org_slug": organization.slug, "group_id": tree["head_office"].pk})
    client = client_for(org_admin)
    few = queries_for(client, url)
    parent = tree["clinics"]
    for n in range(30):
        parent = GroupFactory(organization=organization, name=f"Level {n}", parent=parent)

    assert queries_for(client, url) == few
    assert ">Field Staff / North / Mobile Clinics / Level 0 / Level 1<" in client.get(url).content.decode()


def test_the_reports_group_picker_shows_paths(client_for, organization, org_admin, tree):
    response = client_for(org_admin).get(reverse("reports:index", kwargs={"org_slug": organization.slug}))
    text = response.content.decode()
    assert f'<option value="{tree["clinics"].pk}" >Field Staff / North / Mobile Clinics</option>' in text


def test_the_groups_under_some_are_found_however_deep_but_never_through_another_organization(
    organization, other_organization, tree
):
    # Contoso's Field Staff > Fabrikam's Loan Desk > Contoso's Hidden: neither is under Field Staff for Contoso.
    loan_desk = GroupFactory(organization=other_organization, name="Loan Desk", parent=tree["field_staff"])
    GroupFactory(organization=organization, name="Hidden", parent=loan_desk)

    under = selectors.subgroup_ids(organization, [tree["field_staff"].pk, tree["north"].pk])

    assert under == {tree["clinics"].pk, tree["south"].pk}
    assert selectors.subgroup_ids(organization, [tree["head_office"].pk]) == set()
