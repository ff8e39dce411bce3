"""The bare floor of an export: one SQL query on a raw cursor, straight into csv.writer, one process.

The same rows and columns as the portal's export of the organization (name, phone number,
one column per attribute, role, source, date added), with none of its care: no formula
guard, no formatting of values beyond str(), no groups, no progress. Run with DATABASE_URL
set; prints rows per second as JSON.
"""

import csv
import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizala_portal.settings")
django.setup()

from django.db import connection  # noqa: E402

from attributes.models import AttributeDefinition  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "var" / "bench" / "floor-export.csv"
CHUNK = 2000


def main(organization_id: int) -> None:
    keys = [
        f"a{pk}"
        for pk in AttributeDefinition.objects.filter(organization_id=organization_id).values_list("pk", flat=True)
    ]
    sql = (
        "SELECT m.name, u.phone_number, m.attribute_values, m.role, m.added_directly, m.added_at "
        "FROM users_organizationuser m JOIN users_user u ON u.id = m.user_id "
        "WHERE m.organization_id = %s ORDER BY m.id"
    )
    started = time.perf_counter()
    rows = 0
    with open(OUT, "w", encoding="utf-8", newline="") as out, connection.cursor() as cursor:
        writer = csv.writer(out)
        writer.writerow(["Name", "Phone Number", *keys, "Role", "Source", "Date added"])
        cursor.execute(sql, [organization_id])
        loads = json.loads
        while chunk := cursor.fetchmany(CHUNK):
            for name, phone, values, role, direct, added_at in chunk:
                values = loads(values) if isinstance(values, str) else values
                writer.writerow([name, phone, *[values.get(key, "") for key in keys], role, direct, added_at])
            rows += len(chunk)
    elapsed = time.perf_counter() - started
    OUT.unlink()
    print(json.dumps({"rows_per_second": rows / elapsed, "seconds": elapsed, "rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
