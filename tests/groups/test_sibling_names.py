"""Groups side by side in the hierarchy never share a name, whatever its case."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from groups import services
from groups.models import Group

from ..factories import GroupFactory
from .test_group_pages import snapshot


@pytest.fixture
def north(organization, admin_group):
    """Sales North > North; Sales South > South."""
    south_parent = GroupFactory(organization=organization, name="Sales South")
    GroupFactory(organization=organization, name="South", parent=south_parent)
    return GroupFactory(organization=organization, name="North", parent=admin_group)


def url(name, organization, **kwargs):
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


def test_creating_a_subgroup_whose_name_a_sibling_has_in_other_capitals_is_refused(
    organization, org_admin, admin_group, north
):
    before = snapshot()
    with pytest.raises(services.GroupRuleBroken, match="Sales North already has a subgroup named “North”"):
        services.create_group(
            organization=organization,
            name="NORTH ",
            parent=admin_group,
            admin_phone_number=org_admin.phone_number,
            created_by=org_admin,
        )
    assert snapshot() == before


def test_the_same_name_under_another_parent_is_fine(organization, org_admin, north):
    south_parent = Group.objects.get(name="Sales South")
    group = services.create_group(
        organization=organization,
        name="north",
        parent=south_parent,
        admin_phone_number=org_admin.phone_number,
        created_by=org_admin,
    )
    assert group.parent == south_parent


def test_top_level_names_are_unique_per_organization_only(organization, other_organization, org_admin, admin_group):
    with pytest.raises(services.GroupRuleBroken, match="Contoso already has a top-level group named “Sales North”"):
        services.create_group(
            organization=organization,
            name="sales north",
            parent=None,
            admin_phone_number=org_admin.phone_number,
            created_by=org_admin,
        )
    theirs = services.create_group(
        organization=other_organization,
        name="Sales North",
        parent=None,
        admin_phone_number=org_admin.phone_number,
        created_by=org_admin,
    )
    assert theirs.organization == other_organization


def test_renaming_to_a_siblings_name_is_refused_but_changing_only_the_capitals_is_fine(
    organization, org_admin, admin_group, north
):
    sibling = GroupFactory(organization=organization, name="East", parent=admin_group)
    with pytest.raises(services.GroupRuleBroken, match="Sales North already has a subgroup named “North”"):
        services.rename_group(group=sibling, name="north", renamed_by=org_admin)

    services.rename_group(group=north, name="NORTH", renamed_by=org_admin)

    north.refresh_from_db()
    sibling.refresh_from_db()
    assert (north.name, sibling.name) == ("NORTH", "East")


def test_moving_a_group_where_a_sibling_has_its_name_is_refused(organization, org_admin, north):
    south_parent = Group.objects.get(name="Sales South")
    south = Group.objects.get(name="South")
    services.rename_group(group=south, name="north", renamed_by=org_admin)
    before = snapshot()

    with pytest.raises(services.GroupRuleBroken, match="Sales South already has a subgroup named “north”"):
        services.move_group(group=north, parent=south_parent, moved_by=org_admin)
    with pytest.raises(services.GroupRuleBroken, match="Contoso already has a top-level group named “Sales South”"):
        services.move_group(
            group=GroupFactory(organization=organization, name="SALES SOUTH", parent=north),
            parent=None,
            moved_by=org_admin,
        )
    assert len(snapshot()[3]) == len(before[3]) + 1


def test_the_forms_show_the_rule_as_the_fields_error(client_for, organization, org_admin, admin_group, north):
    east = GroupFactory(organization=organization, name="East", parent=admin_group)
    GroupFactory(organization=organization, name="north")
    client = client_for(org_admin)
    before = snapshot()

    created = client.post(
        url("settings:create_group", organization),
        {"name": "north", "parent": admin_group.pk, "admin_phone_number": org_admin.phone_number},
    )
    renamed = client.post(url("groups:rename", organization, group_id=east.pk), {"name": "North"})
    moved = client.post(url("groups:move", organization, group_id=north.pk), {"parent": ""})

    rule = "Groups side by side in the hierarchy need different names (capitals do not count): choose another name."
    assert f"Sales North already has a subgroup named “North”. {rule}" in created.content.decode()
    assert f"Sales North already has a subgroup named “North”. {rule}" in renamed.content.decode()
    assert f"Contoso already has a top-level group named “north”. {rule}" in moved.content.decode()
    assert snapshot() == before
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "East",
        "North",
        "Sales North",
        "Sales South",
        "South",
        "north",
    ]


def test_the_database_refuses_siblings_with_one_name(organization, admin_group):
    GroupFactory(organization=organization, name="North", parent=admin_group)
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupFactory(organization=organization, name="NORTH", parent=admin_group)
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupFactory(organization=organization, name="sales NORTH")
    # Groups mapped nowhere share no hierarchy: their top-level names may repeat.
    GroupFactory(organization=None, name="Volunteers")
    GroupFactory(organization=None, name="volunteers")


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_duplicates_before_adding_the_constraints(organization, other_organization):
    executor = MigrationExecutor(connection)
    executor.migrate([("groups", "0002_initial")])
    try:
        OldGroup = executor.loader.project_state([("groups", "0002_initial")]).apps.get_model("groups", "Group")
        parent = OldGroup.objects.create(name="Field Staff", organization_id=organization.pk)
        made = [
            OldGroup.objects.create(name=name, parent=parent, organization_id=organization.pk)
            for name in ("North", "north", "NORTH", "North (2)", "South")
        ]
        tops = [OldGroup.objects.create(name="field staff", organization_id=org.pk) for org in (organization,) * 2]
        elsewhere = OldGroup.objects.create(name="Field Staff", organization_id=other_organization.pk)
        loose = [OldGroup.objects.create(name="Loose", organization_id=None) for _ in range(2)]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    def name(group):
        return Group.objects.get(pk=group.pk).name

    # The oldest keeps its name; the others are numbered in the order they were made, skipping names taken.
    assert [name(group) for group in made] == ["North", "north (3)", "NORTH (4)", "North (2)", "South"]
    assert [name(group) for group in tops] == ["field staff (2)", "field staff (3)"]
    assert name(parent) == "Field Staff"
    assert (name(elsewhere), [name(group) for group in loose]) == ("Field Staff", ["Loose", "Loose"])
