"""A group's name never holds the path separator " / ": a path must name one group."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from groups import services
from groups.models import Group
from groups.selectors import SEPARATOR_IN_NAME

from .test_group_pages import snapshot


def test_creating_a_group_whose_name_holds_the_separator_is_refused(organization, org_admin, admin_group):
    before = snapshot()
    with pytest.raises(services.GroupRuleBroken) as refused:
        services.create_group(
            organization=organization,
            name="North  /  East",
            parent=admin_group,
            admin_phone_number=org_admin.phone_number,
            created_by=org_admin,
        )
    assert str(refused.value) == SEPARATOR_IN_NAME
    assert snapshot() == before


def test_renaming_a_group_to_a_name_with_the_separator_is_refused_and_a_bare_slash_is_fine(org_admin, admin_group):
    with pytest.raises(services.GroupRuleBroken, match="cannot contain “/” between spaces"):
        services.rename_group(group=admin_group, name="Sales / North", renamed_by=org_admin)
    admin_group.refresh_from_db()
    assert admin_group.name == "Sales North"

    services.rename_group(group=admin_group, name="Sales/North", renamed_by=org_admin)
    admin_group.refresh_from_db()
    assert admin_group.name == "Sales/North"


def test_the_rename_page_says_why_and_keeps_the_name(client_for, organization, org_admin, admin_group):
    url = reverse("groups:rename", kwargs={"org_slug": organization.slug, "group_id": admin_group.pk})
    response = client_for(org_admin).post(url, {"name": "Sales / North", "version": admin_group.version})

    assert response.status_code == 200
    assert "Use “ - ” instead, or a slash without spaces." in response.content.decode()
    admin_group.refresh_from_db()
    assert admin_group.name == "Sales North"


def test_the_create_page_says_why_and_creates_nothing(client_for, organization, org_admin, admin_group):
    url = reverse("settings:create_group", kwargs={"org_slug": organization.slug})
    response = client_for(org_admin).post(
        url, {"name": "A / B", "parent": admin_group.pk, "admin_phone_number": org_admin.phone_number}
    )

    assert response.status_code == 200
    assert "cannot contain “/” between spaces" in response.content.decode()
    assert not Group.objects.filter(name__contains="A").exclude(pk=admin_group.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_names_with_the_separator_keeping_siblings_apart(organization):
    executor = MigrationExecutor(connection)
    executor.migrate([("groups", "0003_group_names_unique_among_siblings")])
    try:
        OldGroup = executor.loader.project_state([("groups", "0003_group_names_unique_among_siblings")]).apps.get_model(
            "groups", "Group"
        )
        parent = OldGroup.objects.create(name="Field Staff", organization_id=organization.pk)
        taken = OldGroup.objects.create(name="north - east", parent=parent, organization_id=organization.pk)
        clashing = OldGroup.objects.create(name="North / East", parent=parent, organization_id=organization.pk)
        plain = OldGroup.objects.create(name="North  /  West", parent=parent, organization_id=organization.pk)
        top = OldGroup.objects.create(name="Sales / HQ", organization_id=organization.pk)
        bare = OldGroup.objects.create(name="Sales/HQ", organization_id=organization.pk)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    def name(group):
        return Group.objects.get(pk=group.pk).name

    assert [name(group) for group in (taken, clashing, plain, top, bare, parent)] == [
        "north - east",
        "North - East (2)",
        "North - West",
        "Sales - HQ",
        "Sales/HQ",
        "Field Staff",
    ]
