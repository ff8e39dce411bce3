"""Workbooks past the import's limits are refused before anything parses them, at upload and in the worker."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import services, workbooks
from imports.models import ImportJob

from .test_run_import import run


def workbook(shared_strings: int = 0, *, sheet_bytes: int = 0) -> bytes:
    """A zip shaped like an .xlsx: many tiny shared strings compress to almost nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>a</t></si>" * shared_strings + "</sst>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + " " * sheet_bytes + "</worksheet>")
    return buffer.getvalue()


LIMITS = workbooks.WorkbookLimits(max_uncompressed_bytes=10 * 2**20, max_shared_strings=1000)


def test_shared_strings_are_counted_as_they_unpack_across_chunk_boundaries():
    workbooks.check(io.BytesIO(workbook(1000)), LIMITS)  # exactly the limit
    with pytest.raises(workbooks.WorkbookTooLarge, match="more than 1,000 different texts"):
        workbooks.check(io.BytesIO(workbook(1001)), LIMITS)


def test_the_real_unpacked_size_counts_not_the_declared_one():
    with pytest.raises(workbooks.WorkbookTooLarge, match="unpacks to more than 10 MB"):
        workbooks.check(io.BytesIO(workbook(sheet_bytes=11 * 2**20)), LIMITS)


def test_ten_million_strings_are_refused_at_upload_within_seconds(client_for, organization, org_admin, settings):
    bomb = workbook(10_000_000)
    assert len(bomb) < 1_000_000  # a few hundred KB on the wire
    started = time.monotonic()
    response = client_for(org_admin).post(
        reverse("imports:upload", kwargs={"org_slug": organization.slug}),
        {"file": SimpleUploadedFile("bomb.xlsx", bomb)},
    )
    assert time.monotonic() - started < 10
    assert "The workbook holds more than 2,000,000 different texts; split it, or save it as CSV." in (
        response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_the_worker_checks_the_workbook_again(make_job, organization, org_admin, settings):
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS = 1000
    job = run(make_job(workbook(5000), name="people.xlsx", file_format="xlsx"))
    assert job.status == ImportJob.Status.FAILED
    assert job.failure_reason == "The workbook holds more than 1,000 different texts; split it, or save it as CSV."


def test_a_file_that_is_not_a_zip_is_left_to_the_parser_to_refuse(organization):
    with pytest.raises(services.UnreadableFile, match="not a readable Excel workbook"):
        services.check_upload(organization=organization, upload=SimpleUploadedFile("x.xlsx", b"not a zip at all"))
