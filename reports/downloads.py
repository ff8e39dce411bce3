"""Reports tables as CSV files a spreadsheet opens safely."""

import io
from zoneinfo import ZoneInfo

from imports.formulas import GuardedWriter

from .selectors import Table


def table_csv(table: Table, *, zone: ZoneInfo) -> str:
    buffer = io.StringIO()
    writer = GuardedWriter(buffer)
    columns = list(table.columns)
    if table.by_period:
        # Weeks and months are counted in the organization's zone: "Month (Asia/Kolkata)".
        columns[0] = f"{columns[0]} ({zone.key})"
    # Group and attribute names are the organization's own text: "=HYPERLINK(...)" stays text.
    writer.writerow(columns)
    writer.writerows(table.rows)
    return buffer.getvalue()
