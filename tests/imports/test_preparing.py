"""Big files are read into people by a second process while the worker writes: the same outcome, in order."""

import os
import signal
import subprocess
import threading
from pathlib import Path

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


def answer_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "import-answers"]


def preparer_processes() -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "imports.preparing"], capture_output=True, text=True)
    return found.stdout.split()


def csv_file(tmp_path, rows: list[list[str]], *, tail: bytes = b"") -> Path:
    path = tmp_path / "people.csv"
    lines = ["Name,Phone Number,Grade"] + [",".join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode() + tail)
    return path


def test_a_child_process_reads_and_prepares_every_batch_as_this_process_would_in_order(tmp_path):
    source = preparing.Source(str(csv_file(tmp_path, mixed_rows(3000))), "csv", skip=0, batch_size=400)

    in_parallel = list(preparing.prepared_batches(PARSER, source, in_parallel=True))

    assert in_parallel == list(preparing.prepared_batches(PARSER, source, in_parallel=False))
    assert [b.size for b in in_parallel] == [400] * 7 + [200]
    assert sum(len(b.errors) for b in in_parallel) > 0 and sum(len(b.parsed) for b in in_parallel) > 2000
    assert preparer_processes() == []


def test_a_resumed_import_starts_after_the_rows_committed_before(tmp_path):
    source = preparing.Source(str(csv_file(tmp_path, mixed_rows(1000))), "csv", skip=600, batch_size=300)

    prepared = list(preparing.prepared_batches(PARSER, source, in_parallel=True))

    assert [b.size for b in prepared] == [300, 100]
    numbers = [row.number for b in prepared for row in b.parsed.values()]
    numbers += [error.number for b in prepared for error in b.errors]
    assert min(numbers) == 602 and max(numbers) == 1001  # the header is row 1


def test_a_file_that_stops_being_readable_yields_the_batches_before_it_then_its_reason(tmp_path):
    # Past the first 64 KB that the reader checks at once: a byte Windows-1252 does not have.
    path = csv_file(tmp_path, mixed_rows(3000), tail=b"Damaged,+91 9600000001,\x81\r\n")
    source = preparing.Source(str(path), "csv", skip=0, batch_size=1000)

    prepared = preparing.prepared_batches(PARSER, source, in_parallel=True)
    assert [b.size for b in (next(prepared), next(prepared))] == [1000, 1000]
    # Text is decoded a few kilobytes ahead: the fault shows a little before its row.
    with pytest.raises(UnreadableFile, match="is not text in the file's encoding"):
        next(prepared)
    assert preparer_processes() == []


def test_a_child_that_dies_is_an_error_not_a_short_import(tmp_path):
    source = preparing.Source(str(csv_file(tmp_path, mixed_rows(5000))), "csv", skip=0, batch_size=100)
    prepared = preparing.prepared_batches(PARSER, source, in_parallel=True)
    next(prepared)
    (child,) = preparer_processes()
    os.kill(int(child), signal.SIGKILL)

    with pytest.raises(preparing.PreparerStopped, match="status -9"):
        for _ in prepared:
            pass
    assert preparer_processes() == [] and answer_threads() == []


def test_a_writer_that_stops_early_leaves_no_child_behind(tmp_path):
    source = preparing.Source(str(csv_file(tmp_path, mixed_rows(5000))), "csv", skip=0, batch_size=100)
    prepared = preparing.prepared_batches(PARSER, source, in_parallel=True)
    next(prepared)
    assert len(preparer_processes()) == 1
    prepared.close()
    assert preparer_processes() == [] and answer_threads() == []


@pytest.mark.django_db
def test_an_import_prepared_in_parallel_ends_exactly_as_one_prepared_in_line(
    make_job, organization, other_organization, org_admin, settings
):
    settings.IMPORT_BATCH_SIZE = 250
    content = "Name,Phone Number\n" + "".join(f"{name},{phone}\n" for name, phone, _ in mixed_rows(2000))

    settings.IMPORT_PREPARE_IN_PARALLEL_FROM_ROWS = 10**9
    in_line = run(make_job(content))
    in_line_people = {p: m.name for p, m in members(organization).items()}
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
    assert {p: m.name for p, m in members(organization).items()} == in_line_people
