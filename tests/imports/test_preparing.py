"""Big files are read into people by a second process while the worker writes: the same outcome, in order."""

import os
import subprocess

import pytest

from imports import preparing
from imports.models import ImportJob
from imports.parsing import AttributeColumn, RowParser
from imports.reader import UnreadableFile

from .conftest import members
from .test_run_import import errors, run

PARSER = RowParser(
    name_index=0,
    phone_index=1,
    region="IN",
    date_order="DMY",
    columns=(AttributeColumn(index=2, key="a1", name="Grade", value_type="number"),),
    mandatory=(),
    example=("Example Person", "+91 98123 45678"),
)


def batches_of(rows: list[list[str]], size: int):
    numbered = list(enumerate(rows, start=2))
    return [numbered[i : i + size] for i in range(0, len(numbered), size)]


def mixed_rows(count: int) -> list[list[str]]:
    # Numbers of +91 96..., apart from the factories' +91 98... (the admins of the fixtures among them).
    rows = []
    for n in range(count):
        if n % 7 == 3:
            rows.append([f"Person {n}", "12345", "1"])  # too short
        elif n % 11 == 5:
            rows.append([f"Person {n}", f"+91 96{n - 1:08d}", "2"])  # the number of the row before
        elif n % 13 == 0:
            rows.append([f"Person {n}", f"09{n:09d}", "many"])  # not a number
        else:
            rows.append([f"Person {n}", f"+91 96{n:08d}", str(n % 12)])
    return rows


def preparer_processes() -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "imports.preparing"], capture_output=True, text=True)
    return found.stdout.split()


def test_a_child_process_prepares_every_batch_as_this_process_would_in_order():
    batches = batches_of(mixed_rows(3000), 400)

    in_parallel = list(preparing.prepared_batches(PARSER, iter(batches), in_parallel=True))

    assert in_parallel == [PARSER.prepare(batch) for batch in batches]
    assert [b.size for b in in_parallel] == [400] * 7 + [200]
    assert sum(len(b.errors) for b in in_parallel) > 0 and sum(len(b.parsed) for b in in_parallel) > 2000
    assert preparer_processes() == []


def test_a_file_that_stops_being_readable_yields_the_batches_before_it_then_its_reason():
    def batches():
        yield from batches_of(mixed_rows(100), 50)
        raise UnreadableFile("Row 102 is not in the file's encoding.")

    prepared = preparing.prepared_batches(PARSER, batches(), in_parallel=True)
    assert [b.size for b in (next(prepared), next(prepared))] == [50, 50]
    with pytest.raises(UnreadableFile, match="Row 102"):
        next(prepared)
    assert preparer_processes() == []


def test_a_child_that_dies_is_an_error_not_a_short_import():
    # Cells that are not a list crash the child's parser: the import must not end as if the file ended.
    prepared = preparing.prepared_batches(
        PARSER, iter([[(2, ["Asha", "+919812300001", "1"])], [(3, None)]]), in_parallel=True
    )
    assert len(next(prepared).parsed) == 1
    with pytest.raises(preparing.PreparerStopped):
        next(prepared)
    assert preparer_processes() == []


def test_a_writer_that_stops_early_leaves_no_child_behind():
    prepared = preparing.prepared_batches(PARSER, iter(batches_of(mixed_rows(5000), 100)), in_parallel=True)
    next(prepared)
    assert len(preparer_processes()) == 1
    prepared.close()
    assert preparer_processes() == []


@pytest.mark.django_db
def test_an_import_prepared_in_parallel_ends_exactly_as_one_prepared_in_line(
    make_job, organization, other_organization, org_admin, settings
):
    settings.IMPORT_BATCH_SIZE = 250
    content = "Name,Phone Number\n" + "".join(f"{name},{phone}\n" for name, phone, _ in mixed_rows(2000))

    settings.IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS = 10**9
    in_line = run(make_job(content))
    in_line_people = {p: m.user.name for p, m in members(organization).items()}
    in_line_errors = errors(in_line)
    ImportJob.objects.all().delete()
    organization.memberships.exclude(user=org_admin).delete()

    settings.IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS = 0
    in_parallel = run(make_job(content))

    assert in_parallel.status == in_line.status == ImportJob.Status.COMPLETED
    counts = ("rows_done", "created_count", "updated_count", "unchanged_count", "rejected_count")
    assert [getattr(in_parallel, c) for c in counts] == [getattr(in_line, c) for c in counts]
    assert in_parallel.rejected_count > 0 and in_parallel.created_count > 1000
    assert errors(in_parallel) == in_line_errors
    assert {p: m.user.name for p, m in members(organization).items()} == in_line_people
