import random
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse

from groups.models import GroupMembership
from users.models import OrganizationUser, User, UserListPreference

from ..factories import GroupFactory, OrganizationFactory, OrganizationUserFactory, UserFactory


def list_url(organization, **params):
    url = reverse("users:list", kwargs={"org_slug": organization.slug})
    return f"{url}?{urlencode(params)}" if params else url


def names_on_page(response):
    return [org_user.name for org_user in response.context["page"]]


@pytest.fixture
def people(organization, org_admin):
    """A few users with numbers written many ways round."""
    return [
        OrganizationUserFactory(organization=organization, name=name, user=UserFactory(phone_number=phone))
        for name, phone in [
            ("Priya Sharma", "+919812345678"),
            ("Rahul Verma", "+919876500001"),
            ("Grace Otieno", "+254712345678"),
            ("Liam Smith", "+447911123456"),
        ]
    ]


def test_org_admin_sees_every_user_of_the_organization_and_none_of_another(
    client_for, organization, org_admin, people, other_org_member
):
    response = client_for(org_admin).get(list_url(organization))
    assert response.status_code == 200
    assert set(names_on_page(response)) == {p.name for p in people} | {"Asha Admin"}
    assert "Felix Fabrikam" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priya", ["Priya Sharma"]),
        ("SHARMA", ["Priya Sharma"]),
        ("98123 45678", ["Priya Sharma"]),
        ("+91 98123-45678", ["Priya Sharma"]),
        ("0091 98123", ["Priya Sharma"]),
        ("098765", ["Rahul Verma"]),
        ("712 345", ["Grace Otieno"]),
        ("+44", ["Liam Smith"]),
    ],
)
def test_search_by_name_or_any_part_of_the_number_written_any_way(
    client_for, organization, org_admin, people, query, expected
):
    response = client_for(org_admin).get(list_url(organization, q=query))
    assert names_on_page(response) == expected


def test_search_with_no_match_says_so_and_offers_to_clear(client_for, organization, org_admin, people):
    response = client_for(org_admin).get(list_url(organization, q="zzz"))
    assert "No users match “zzz”" in response.content.decode()
    assert "Clear the search" in response.content.decode()


def test_sorting_by_a_column_and_reversing_it(client_for, organization, org_admin, people):
    client = client_for(org_admin)
    ascending = names_on_page(client.get(list_url(organization, sort="name")))
    descending = names_on_page(client.get(list_url(organization, sort="-name")))
    assert ascending == sorted(ascending)
    assert descending == list(reversed(ascending))
    by_phone = client.get(list_url(organization, sort="phone"))
    phones = [m.user.phone_number for m in by_phone.context["page"]]
    assert phones == sorted(phones)


def test_names_sort_as_people_read_them_whatever_their_case_with_blanks_last(client_for, organization, org_admin):
    for name in ["zoe Quinn", "AUD One", "", "Aarav Das", "bina Rao", ""]:
        OrganizationUserFactory(organization=organization, name=name)
    client = client_for(org_admin)
    expected = ["Aarav Das", "Asha Admin", "AUD One", "bina Rao", "zoe Quinn", "", ""]
    assert names_on_page(client.get(list_url(organization))) == expected
    assert names_on_page(client.get(list_url(organization, sort="name"))) == expected
    assert names_on_page(client.get(list_url(organization, sort="-name"))) == expected[-3::-1] + ["", ""]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite, the embedded default, folds ASCII case only")
def test_accented_names_sort_beside_their_letter(client_for, organization, org_admin):
    for name in ["Zoe", "Émile", "Emil", "eve"]:
        OrganizationUserFactory(organization=organization, name=name)
    names = names_on_page(client_for(org_admin).get(list_url(organization, sort="name")))
    assert names == ["Asha Admin", "Emil", "Émile", "eve", "Zoe"]


def test_unknown_sort_key_is_ignored_not_an_error(client_for, organization, org_admin, people):
    response = client_for(org_admin).get(list_url(organization, sort="password", q="a"))
    assert response.status_code == 200
    assert names_on_page(response) == ["Asha Admin", "Grace Otieno", "Liam Smith", "Priya Sharma", "Rahul Verma"]


def test_list_is_paginated_without_gaps_or_repeats(client_for, organization, org_admin):
    for _n in range(59):
        OrganizationUserFactory(organization=organization, name="Same Name")
    client = client_for(org_admin)
    seen = []
    for page_number in (1, 2, 3):
        response = client.get(list_url(organization, page=page_number))
        seen += [m.pk for m in response.context["page"]]
    assert len(seen) == 60 == len(set(seen))
    assert "Showing 1–25 of 60" in client.get(list_url(organization)).content.decode()


def test_pages_of_a_sorted_search_come_in_the_sort_order_not_the_order_people_were_added(
    client_for, organization, org_admin
):
    names = [f"Person {n:02d}" for n in range(40)]
    random.Random(3).shuffle(names)
    for name in names:
        OrganizationUserFactory(organization=organization, name=name, added_by=org_admin)
    client = client_for(org_admin)
    seen = []
    for page_number in (1, 2):
        response = client.get(list_url(organization, q="Person", sort="-name", page=page_number))
        seen += names_on_page(response)
    assert seen == sorted(names, reverse=True)
    past_the_end = client.get(list_url(organization, q="Person", sort="-name", page=99))
    assert names_on_page(past_the_end) == seen[25:]
    assert "26–40 of 40 users" in past_the_end.content.decode()


def test_page_size_can_be_chosen_among_the_offered_sizes(client_for, organization, org_admin):
    OrganizationUserFactory.create_batch(60, organization=organization)
    client = client_for(org_admin)
    assert len(client.get(list_url(organization, per_page=50)).context["page"]) == 50
    assert len(client.get(list_url(organization, per_page=7)).context["page"]) == 25


def test_a_page_runs_the_same_number_of_queries_whatever_its_size(
    client_for, organization, org_admin, django_assert_num_queries
):
    parent = GroupFactory(organization=organization, name="Field Staff")
    groups = [GroupFactory(organization=organization, name=f"Team {n}", parent=parent) for n in range(3)]
    for n in range(120):
        user = OrganizationUserFactory(organization=organization).user
        GroupMembership.objects.create(group=groups[n % 3], user=user)
    UserListPreference.objects.create(
        user=org_admin, organization=organization, columns=["added_at", "source", "groups", "added_by"]
    )
    client = client_for(org_admin)
    # session, user, organization, membership, group roles, attributes, preference, count, the page's ids,
    # their rows, groups of the rows, the paths of those groups
    with django_assert_num_queries(12):
        small = client.get(list_url(organization, per_page=25))
    with django_assert_num_queries(12):
        large = client.get(list_url(organization, per_page=100))
    assert len(small.context["page"]) == 25 and len(large.context["page"]) == 100
    assert "Via group Team 0" in large.content.decode()
    assert "<td>Field Staff / Team 2" in large.content.decode()


def test_the_groups_column_names_each_group_by_its_path_in_hierarchy_order(
    client_for, organization, other_organization, org_admin
):
    field_staff = GroupFactory(organization=organization, name="Field Staff")
    north = GroupFactory(organization=organization, name="North", parent=field_staff)
    clinics = GroupFactory(organization=organization, name="Mobile Clinics", parent=north)
    head_office = GroupFactory(organization=organization, name="Head Office")
    fabrikam_crew = GroupFactory(organization=other_organization, name="Fabrikam Crew")
    nurse = OrganizationUserFactory(organization=organization, name="Nina Nurse").user
    for group in (head_office, clinics, fabrikam_crew):
        GroupMembership.objects.create(group=group, user=nurse)
    GroupMembership.objects.create(group=north, user=nurse, role=GroupMembership.Role.ADMIN)
    UserListPreference.objects.create(user=org_admin, organization=organization, columns=["groups"])

    response = client_for(org_admin).get(list_url(organization, q="Nina"))

    cells = response.content.decode()
    assert "<td>Field Staff / North (admin), Field Staff / North / Mobile Clinics, Head Office\n</td>" in cells
    assert "Fabrikam" not in cells


def test_without_the_groups_column_no_paths_are_read(client_for, organization, org_admin, django_assert_num_queries):
    group = GroupFactory(organization=organization, parent=GroupFactory(organization=organization))
    GroupMembership.objects.create(group=group, user=OrganizationUserFactory(organization=organization).user)
    UserListPreference.objects.create(user=org_admin, organization=organization, columns=["source"])
    client = client_for(org_admin)

    # As above, without the paths of the groups: the Source column says the group's name alone.
    # The named people end on this page, so it also asks for those without a name (none here).
    with django_assert_num_queries(12):
        response = client.get(list_url(organization))
    assert f"Via group {group.name}" in response.content.decode()


def test_superuser_of_an_empty_organization_sees_how_to_add_users(client_for, superuser):
    empty = OrganizationFactory()
    response = client_for(superuser).get(list_url(empty))
    content = response.content.decode()
    assert "No users yet" in content
    assert reverse("users:add", kwargs={"org_slug": empty.slug}) in content


def test_htmx_search_returns_only_the_results_partial(client_for, organization, org_admin, people):
    response = client_for(org_admin).get(list_url(organization, q="liam"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "Liam Smith" in content
    assert "<html" not in content and "Priya" not in content


def test_group_admin_lists_only_users_of_their_groups(client_for, organization, group_admin, member, outsider_member):
    response = client_for(group_admin).get(list_url(organization))
    assert set(names_on_page(response)) == {"Ravi Groupadmin", "Meera Member"}
    assert "Add Users" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "index"), [("sharma", "users_orguser_name_trgm"), ("98123 45678", "users_user_phone_trgm")]
)
def test_postgresql_answers_the_search_from_a_trigram_index(organization, org_admin, query, index):
    from django.db import connection, transaction

    from users.filters import OrganizationUserFilter

    if connection.vendor != "postgresql":
        pytest.skip("Trigram indexes exist only on PostgreSQL")
    searched = OrganizationUserFilter({"q": query}, queryset=User.objects.none(), definitions=[], context=None).search(
        OrganizationUser.objects.all(), "q", query
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Leave the planner nothing else than the index: it must match the expressions the search writes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = searched.explain()
    assert index in plan
