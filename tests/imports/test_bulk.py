"""The import's batch statements: what they find, and how PostgreSQL finds it."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from imports import bulk
from users.models import User

from ..factories import OrganizationUserFactory, UserFactory


@pytest.mark.django_db
def test_a_batch_finds_its_known_people_and_their_memberships(organization):
    asha = UserFactory(phone_number="+919812300001", name="Asha")
    ravi_user = UserFactory(phone_number="+919812300002", name="Ravi")
    ravi = OrganizationUserFactory(organization=organization, user=ravi_user, attribute_values={"a1": 3})
    with transaction.atomic():
        known = bulk.users_by_phone(["+919812300001", "+919812300002", "+919812300003"])
        memberships = bulk.memberships_of(organization.pk, [user_id for user_id, _ in known.values()])

    assert known == {"+919812300001": (asha.pk, "Asha"), "+919812300002": (ravi.user.pk, "Ravi")}
    assert list(memberships) == [ravi.user.pk]
    assert memberships[ravi.user.pk].attribute_values == {"a1": 3}


@pytest.mark.django_db
def test_new_numbers_come_back_with_their_ids_and_known_ones_are_left_alone(organization):
    known = UserFactory(phone_number="+919812300001", name="Known")
    with transaction.atomic():
        ids = bulk.insert_users(
            [("+919812300001", "Someone Else", "!x"), ("+919812300009", "New", "!y")],
            joined=known.date_joined,
        )
    known.refresh_from_db()
    assert known.name == "Known"
    assert list(ids) == ["+919812300009"] and ids["+919812300009"] != known.pk


@pytest.mark.django_db
def test_postgresql_looks_a_batch_of_numbers_up_by_the_unique_index_not_the_search_index():
    # A trigram index on the bare column also answers "= ANY(...)", and the planner chose it
    # for an import's batch: seconds a batch instead of milliseconds.
    if connection.vendor != "postgresql":
        pytest.skip("Only PostgreSQL has the search's trigram indexes")
    numbers = [f"+9198123{n:05d}" for n in range(2000)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute('EXPLAIN SELECT id FROM "users_user" WHERE phone_number = ANY(%s)', [numbers])
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_user_phone_trgm'")
        (search_index,) = cursor.fetchone()
    assert "trgm" not in plan and "users_user_phone_number" in plan
    # What makes it so: the search's index is on the expression only the search writes.
    assert "upper((phone_number)::text)" in search_index


@pytest.mark.django_db(transaction=True)
def test_batch_writes_work_outside_a_transaction_too():
    # PostgreSQL stages the rows in a temporary table that lives as long as its transaction.
    ids = bulk.insert_users([("+919812300011", "Outside", "!z")], joined=timezone.now())
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
