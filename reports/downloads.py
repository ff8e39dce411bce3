"""Reports tables as CSV files a spreadsheet opens safely."""

import csv
import io

from imports.formulas import neutralise

from .selectors import Table


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(column) for column in table.columns])
    for row in table.rows:
        # Group and attribute names are the organization's own text: "=HYPERLINK(...)" stays text.
        writer.writerow([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue()
