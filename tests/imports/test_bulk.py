"""The import's batch statements: what they find, and how PostgreSQL finds it."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from imports import bulk
from users.models import User

from ..factories import OrganizationUserFactory, UserFactory


@pytest.mark.django_db
def test_a_batch_finds_its_known_people_and_their_memberships(organization):
    asha = UserFactory(phone_number="+919812300001")
    ravi_user = UserFactory(phone_number="+919812300002")
    ravi = OrganizationUserFactory(organization=organization, user=ravi_user, name="Ravi", attribute_values={"a1": 3})
    with transaction.atomic():
        known = bulk.users_by_phone(["+919812300001", "+919812300002", "+919812300003"])
        memberships = bulk.memberships_of(organization.pk, list(known.values()))

    assert known == {"+919812300001": asha.pk, "+919812300002": ravi.user.pk}
    assert list(memberships) == [ravi.user.pk]
    assert (memberships[ravi.user.pk].name, memberships[ravi.user.pk].attribute_values) == ("Ravi", {"a1": 3})


@pytest.mark.django_db
def test_new_numbers_come_back_with_their_ids_and_known_ones_are_left_alone(organization):
    known = UserFactory(phone_number="+919812300001", own_name="Known")
    password = known.password
    with transaction.atomic():
        ids = bulk.insert_users([("+919812300001", "!x"), ("+919812300009", "!y")], joined=known.date_joined)
    known.refresh_from_db()
    assert (known.own_name, known.password) == ("Known", password)
    assert User.objects.get(phone_number="+919812300009").own_name == ""
    assert list(ids) == ["+919812300009"] and ids["+919812300009"] != known.pk


@pytest.mark.django_db
def test_a_batch_adds_newcomers_and_known_people_and_whoever_took_a_number_meanwhile(
    organization, other_organization, org_admin
):
    elsewhere = OrganizationUserFactory(organization=other_organization, name="Elsewhere").user
    # Given a user by someone else after the batch looked the number up, and found nobody.
    meanwhile = UserFactory(phone_number="+919812300022")
    already = OrganizationUserFactory(organization=organization, name="Already", attribute_values={"a1": 1})
    joiners = [
        bulk.Joiner(None, "+919812300021", "Newcomer", '{"a1": 21}', 2),
        bulk.Joiner(None, "+919812300022", "Other Name", '{"a1": 22}', 3),
        bulk.Joiner(elsewhere.pk, elsewhere.phone_number, "Named Here", '{"a1": 4}', 4),
        bulk.Joiner(already.user_id, already.user.phone_number, "Ignored", '{"a1": 5}', 5),
    ]
    with transaction.atomic():
        added = bulk.add_members(
            joiners, organization_id=organization.pk, added_by_id=org_admin.pk, added_at=timezone.now(), job_id=7
        )

    assert added == 3
    people = {m.user.phone_number: m for m in organization.memberships.select_related("user")}
    newcomer = people["+919812300021"]
    assert (newcomer.name, newcomer.attribute_values, newcomer.added_by) == ("Newcomer", {"a1": 21}, org_admin)
    assert (newcomer.last_import_job_id, newcomer.last_import_row) == (7, 2)
    assert not newcomer.user.has_usable_password()
    assert people["+919812300022"].user == meanwhile and people["+919812300022"].name == "Other Name"
    # Each organization's name for the person is its own.
    assert people[elsewhere.phone_number].name == "Named Here"
    assert other_organization.memberships.get(user=elsewhere).name == "Elsewhere"
    assert people[already.user.phone_number].name == "Already"
    assert people[already.user.phone_number].attribute_values == {"a1": 1}
    assert User.objects.filter(phone_number__in=["+919812300021", "+919812300022"]).count() == 2


@pytest.mark.django_db
def test_newcomers_unusable_passwords_differ():
    people = [bulk.Joiner(None, f"+91981230010{n}", f"P{n}", "{}", n) for n in range(3)]
    organization = OrganizationUserFactory().organization
    with transaction.atomic():
        bulk.add_members(people, organization_id=organization.pk, added_by_id=None, added_at=timezone.now(), job_id=1)
    passwords = set(User.objects.filter(phone_number__startswith="+91981230010").values_list("password", flat=True))
    assert len(passwords) == 3 and all(p.startswith("!") for p in passwords)


@pytest.mark.django_db
def test_postgresql_does_not_compile_a_batch_statement():
    # A disabled scan prices a plan at 10 billion: past jit_above_cost, so PostgreSQL
    # compiled each batch statement, which took about 100 ms, longer than running it.
    if connection.vendor != "postgresql":
        pytest.skip("Only PostgreSQL compiles plans")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_jit_available()")
        if not cursor.fetchone()[0]:
            pytest.skip("This PostgreSQL has no JIT compiler")
        cursor.execute("CREATE TEMPORARY TABLE staged (id bigint) ON COMMIT DROP")
        explain = "EXPLAIN (ANALYZE) SELECT count(*) FROM staged s JOIN users_user u ON u.id = s.id"
        with bulk._by_index(cursor):
            cursor.execute(explain)
            batch_plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(explain)
        plan_without_the_setting = "\n".join(line for (line,) in cursor.fetchall())
    assert "JIT:" in plan_without_the_setting
    assert "JIT:" not in batch_plan


@pytest.mark.django_db
def test_postgresql_looks_a_batch_of_numbers_up_by_the_unique_index_not_the_search_index():
    # A trigram index on the bare column also answers "= ANY(...)", and the planner chose it
    # for an import's batch: seconds a batch instead of milliseconds.
    if connection.vendor != "postgresql":
        pytest.skip("Only PostgreSQL has the search's trigram indexes")
    numbers = [f"+9198123{n:05d}" for n in range(2000)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        condition, params = bulk._one_of("phone_number", numbers, of_type="text")
        cursor.execute(f'EXPLAIN SELECT id FROM "users_user" WHERE {condition}', params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_user_phone_trgm'")
        (search_index,) = cursor.fetchone()
    assert "trgm" not in plan and "users_user_phone_number" in plan
    # What makes it so: the search's index is on the expression only the search writes.
    assert "upper((phone_number)::text)" in search_index


@pytest.mark.django_db(transaction=True)
def test_batch_writes_work_outside_a_transaction_too():
    # PostgreSQL stages the rows in a temporary table that lives as long as its transaction.
    ids = bulk.insert_users([("+919812300011", "!z")], joined=timezone.now())
    assert User.objects.get(phone_number="+919812300011").pk == ids["+919812300011"]


@pytest.mark.django_db(transaction=True)
def test_postgresql_holds_a_batchs_memberships_until_it_commits(organization):
    # An edit saved meanwhile (it locks the row too) waits for the batch instead of being overwritten.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer at a time anyway")
    import psycopg

    membership = OrganizationUserFactory(organization=organization, attribute_values={"a1": "x"})
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    )
    try:
        with transaction.atomic():
            bulk.memberships_of(organization.pk, [membership.user_id])
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT 1 FROM users_organizationuser WHERE id = %s FOR UPDATE NOWAIT", [membership.pk])
    finally:
        other.close()


@pytest.mark.django_db
def test_new_people_write_no_index_that_nothing_reads():
    # Every index is written for each of a million new rows. Django's unique=True builds a
    # second, LIKE-prefix index on PostgreSQL, and a foreign key an index of its own even
    # when other indexes start with its column.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite builds neither")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('users_user', 'users_organizationuser') ORDER BY 1"
        )
        definitions = [definition for (definition,) in cursor.fetchall()]
    assert not [d for d in definitions if "pattern_ops" in d]
    assert not [d for d in definitions if d.endswith("(organization_id)")]
    unique_phone = "CREATE UNIQUE INDEX users_user_phone_number_key ON public.users_user USING btree (phone_number)"
    assert unique_phone in definitions
