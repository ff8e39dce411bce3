"""Migration 0008: the name an organization gives a person moves from the person to the membership.

Each test builds the data with the models as they were at 0007, migrates, and leaves the
database at the latest migration again whatever happens, for the tests that come after.
People get small ids of their own: the copy walks every range of ids from 1 up to the
largest, and the sequence may be far along after the rest of the suite.
"""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

BEFORE = [("users", "0007_phone_and_organization_indexes_new_rows_need")]
AFTER = [("users", "0008_names_belong_to_organizations")]

names_migration = importlib.import_module("users.migrations.0008_names_belong_to_organizations")

ASHA, STAFF, NAMELESS = 1, 2, 3
BATCHED = range(4, 9)  # with two users a batch: ids 1-2, 3-4, 5-6 and 7-8


@pytest.fixture
def executor():
    """A migration executor, with the database at 0007 during the test and at the latest after it."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        yield _reloaded(executor)
    finally:
        _reloaded(executor).migrate(latest)


def _reloaded(executor: MigrationExecutor) -> MigrationExecutor:
    """The executor reads which migrations are applied once: read them again after each change."""
    executor.loader.build_graph()
    return executor


def _migrate(executor: MigrationExecutor, targets) -> object:
    """Migrate to ``targets`` and return the models as they are there."""
    executor.migrate(targets)
    return _reloaded(executor).loader.project_state(targets).apps


@pytest.fixture
def batch_of_two(monkeypatch):
    monkeypatch.setattr(names_migration, "BATCH_USERS", 2)


def _people_before(apps):
    """Two organizations and people as 0007 had them, each with one name on their user row."""
    Organization = apps.get_model("users", "Organization")
    User = apps.get_model("users", "User")
    OrganizationUser = apps.get_model("users", "OrganizationUser")
    contoso = Organization.objects.create(name="Contoso", slug="contoso")
    fabrikam = Organization.objects.create(name="Fabrikam", slug="fabrikam")

    def person(pk, name, **fields):
        return User.objects.create(pk=pk, phone_number=f"+91980000{pk:04d}", name=name, password="!", **fields)

    asha = person(ASHA, "Asha Rao")
    OrganizationUser.objects.create(organization=contoso, user=asha)
    OrganizationUser.objects.create(organization=fabrikam, user=asha)
    person(STAFF, "Sam Staff", is_staff=True)  # the platform's own staff: in no organization
    OrganizationUser.objects.create(organization=contoso, user=person(NAMELESS, ""))
    for pk in BATCHED:
        # Every other one is in both organizations, so batches hold one and two memberships a person.
        organizations = [contoso, fabrikam] if pk % 2 else [contoso]
        user = person(pk, f"Person {pk}")
        for organization in organizations:
            OrganizationUser.objects.create(organization=organization, user=user)
    return contoso, fabrikam


def _membership_names(apps) -> dict[tuple[str, int], str]:
    OrganizationUser = apps.get_model("users", "OrganizationUser")
    return {
        (slug, user): name
        for slug, user, name in OrganizationUser.objects.values_list("organization__slug", "user", "name")
    }


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('users_user', 'users_organizationuser')"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name IN ('users_user', 'users_organizationuser')"
            )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_each_membership_takes_the_name_and_the_person_keeps_one_only_outside_organizations(executor, batch_of_two):
    _people_before(executor.loader.project_state(BEFORE).apps)

    with CaptureQueriesContext(connection) as queries:
        apps = _migrate(executor, AFTER)

    names = _membership_names(apps)
    assert names[("contoso", ASHA)] == names[("fabrikam", ASHA)] == "Asha Rao"
    assert names[("contoso", NAMELESS)] == ""
    # Across every batch, whether the person is the first or the second of it.
    assert {key: name for key, name in names.items() if key[1] in BATCHED} == {
        (slug, pk): f"Person {pk}" for pk in BATCHED for slug in (["contoso", "fabrikam"] if pk % 2 else ["contoso"])
    }
    own_names = dict(apps.get_model("users", "User").objects.values_list("pk", "own_name"))
    assert own_names == {ASHA: "", STAFF: "Sam Staff", NAMELESS: "", **dict.fromkeys(BATCHED, "")}
    # The copy really went two users at a time: ids 1 to 8 in four batches.
    copies = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE users_organizationuser")]
    assert len(copies) == 4


@pytest.mark.django_db(transaction=True)
def test_the_new_indexes_replace_the_old_ones(executor):
    _migrate(executor, AFTER)
    indexes = _index_names()
    assert names_migration.NAME_SORT in indexes
    assert names_migration.OLD_NAME_SORT not in indexes
    if connection.vendor == "postgresql":
        assert names_migration.NAME_TRIGRAMS in indexes
        assert names_migration.OLD_NAME_TRIGRAMS not in indexes
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
                [names_migration.NAME_TRIGRAMS],
            )
            valid, definition = cursor.fetchone()
        # Built CONCURRENTLY: an index whose build failed stays behind, marked invalid.
        assert valid
        assert "upper((name)::text) gin_trgm_ops" in definition

    _migrate(executor, BEFORE)
    indexes = _index_names()
    assert names_migration.OLD_NAME_SORT in indexes
    assert names_migration.NAME_SORT not in indexes
    if connection.vendor == "postgresql":
        assert names_migration.OLD_NAME_TRIGRAMS in indexes
        assert names_migration.NAME_TRIGRAMS not in indexes


@pytest.mark.django_db(transaction=True)
def test_copying_again_changes_nothing(executor, batch_of_two):
    """A run stopped half way is run again: what it already moved stays as it is."""
    state = executor.loader.project_state(BEFORE)
    _people_before(state.apps)
    migration = executor.loader.get_migration(*AFTER[0])
    add_membership_name = migration.operations[0]
    with_membership_names = state.clone()
    add_membership_name.state_forwards("users", with_membership_names)
    apps = with_membership_names.apps
    User = apps.get_model("users", "User")
    OrganizationUser = apps.get_model("users", "OrganizationUser")

    def snapshot():
        return (
            dict(User.objects.values_list("pk", "name")),
            dict(OrganizationUser.objects.values_list("pk", "name")),
        )

    # The migration's own first steps, one by one: the new column, then the copy.
    with connection.schema_editor(atomic=False) as editor:
        add_membership_name.database_forwards("users", editor, state, with_membership_names)
    try:
        with connection.schema_editor(atomic=False) as editor:
            names_migration.copy_names_to_memberships(apps, editor)
        after_first_run = snapshot()
        assert after_first_run[0][ASHA] == "" and after_first_run[0][STAFF] == "Sam Staff"
        # An organization renames Asha before the copy runs again.
        OrganizationUser.objects.filter(user=ASHA, organization__slug="fabrikam").update(name="A. Rao")
        after_first_run[1][OrganizationUser.objects.get(user=ASHA, organization__slug="fabrikam").pk] = "A. Rao"

        with connection.schema_editor(atomic=False) as editor:
            names_migration.copy_names_to_memberships(apps, editor)
        assert snapshot() == after_first_run
    finally:
        # Back to 0007 exactly, so that the executor can migrate on from there.
        with connection.schema_editor(atomic=False) as editor:
            add_membership_name.database_backwards("users", editor, with_membership_names, state)


@pytest.mark.django_db(transaction=True)
def test_migrating_back_gives_people_their_first_organizations_name(executor, batch_of_two):
    contoso, fabrikam = _people_before(executor.loader.project_state(BEFORE).apps)
    apps = _migrate(executor, AFTER)
    OrganizationUser = apps.get_model("users", "OrganizationUser")
    # Fabrikam, where Asha was added second, renames her; the first name given is the one she takes back.
    OrganizationUser.objects.filter(user=ASHA, organization=fabrikam.pk).update(name="A. Rao")
    # Someone Contoso named only after the migration.
    OrganizationUser.objects.filter(user=NAMELESS, organization=contoso.pk).update(name="Named Later")

    apps = _migrate(executor, BEFORE)

    names = dict(apps.get_model("users", "User").objects.values_list("pk", "name"))
    assert names == {
        ASHA: "Asha Rao",
        STAFF: "Sam Staff",
        NAMELESS: "Named Later",
        **{pk: f"Person {pk}" for pk in BATCHED},
    }
    assert "name" not in {f.name for f in apps.get_model("users", "OrganizationUser")._meta.get_fields()}
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "users_organizationuser")}
    assert "name" not in columns
