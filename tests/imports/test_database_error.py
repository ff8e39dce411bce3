"""A real database error in the middle of an import: its batch rolls back, the batches before it stay."""

import pytest
from django.db import connection

from imports import services
from imports.models import ImportJob
from users.models import OrganizationUser

REFUSED_NUMBER = "+919855500007"


@pytest.fixture
def database_refuses_one_number(db):
    """A trigger that makes the database itself refuse to store one phone number."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_one_number() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.phone_number = '{REFUSED_NUMBER}' THEN RAISE EXCEPTION 'phone number blocked by a check'; "
                "END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_one_number BEFORE INSERT ON users_user "
                "FOR EACH ROW EXECUTE FUNCTION refuse_one_number()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_one_number BEFORE INSERT ON users_user "
                f"WHEN NEW.phone_number = '{REFUSED_NUMBER}' "
                "BEGIN SELECT RAISE(ABORT, 'phone number blocked by a check'); END"
            )
    # The test's transaction is rolled back afterwards, and the trigger with it.


def test_a_database_error_mid_import_rolls_back_its_batch_and_fails_the_job_with_the_reason(
    make_job, organization, settings, database_refuses_one_number
):
    settings.IMPORT_BATCH_SIZE = 3
    rows = [f"Person {n},+9198555000{n:02d}" for n in range(1, 11)]  # row 8 of the file is in the third batch
    job = make_job("Name,Phone Number\n" + "\n".join(rows) + "\n")

    services.run_import(job_id=job.pk, run_id="run")
    job.refresh_from_db()

    assert job.status == ImportJob.Status.FAILED
    assert job.failure_reason == (
        "The database refused the batch of rows from row 8 (phone number blocked by a check). "
        "No row from row 8 on was imported; the rows before it were. "
        "Upload the file again to finish, or contact support."
    )
    assert "Traceback" not in job.failure_reason
    # The first two batches stay; the third rolled back whole, with its counts; nothing after it ran.
    assert (job.rows_done, job.total_rows, job.created_count, job.rejected_count) == (6, 10, 6, 0)
    imported = OrganizationUser.objects.filter(organization=organization, user__phone_number__startswith="+91985550")
    assert sorted(imported.values_list("user__phone_number", flat=True)) == [f"+9198555000{n:02d}" for n in range(1, 7)]
