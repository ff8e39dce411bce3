"""Reports tables as CSV files a spreadsheet opens safely."""

import io

from imports.formulas import GuardedWriter

from .selectors import Table


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = GuardedWriter(buffer)
    # Group and attribute names are the organization's own text: "=HYPERLINK(...)" stays text.
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return buffer.getvalue()
