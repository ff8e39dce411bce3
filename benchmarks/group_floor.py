"""The bare floor of a User Group Mapping upload, one process, no Django.

csv parsing + phonenumbers + per batch of 2,000 rows: COPY into a temporary table, then
INSERT ... ON CONFLICT for the groups (by path), the people (by number) and the memberships
(the role updated when it changed). What any implementation must at least do, done the
cheapest way PostgreSQL offers.
"""

import csv
import json
import sys
import time

import phonenumbers
import psycopg

BATCH = 2000


def main(path: str, database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        for table in ("floor_memberships", "floor_groups", "floor_people"):
            connection.execute(f"DROP TABLE IF EXISTS {table}")
        connection.execute("CREATE TABLE floor_groups (id bigserial PRIMARY KEY, path text UNIQUE)")
        connection.execute("CREATE TABLE floor_people (id bigserial PRIMARY KEY, phone text UNIQUE)")
        connection.execute(
            "CREATE TABLE floor_memberships (group_id bigint, person_id bigint, role text, "
            "PRIMARY KEY (group_id, person_id))"
        )
        started = time.perf_counter()
        rows = 0
        with open(path, encoding="utf-8", newline="") as source, connection.cursor() as cursor:
            reader = csv.reader(source)
            next(reader)
            batch = []
            for group, raw_phone, user_type in reader:
                number = phonenumbers.parse(raw_phone, "IN")
                phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                batch.append((" ".join(group.split()).casefold(), phone, user_type.casefold() or "member"))
                if len(batch) == BATCH:
                    rows += _write(connection, cursor, batch)
                    batch = []
            rows += _write(connection, cursor, batch)
        elapsed = time.perf_counter() - started
        for table in ("floor_memberships", "floor_groups", "floor_people"):
            connection.execute(f"DROP TABLE {table}")
    print(json.dumps({"rows_per_second": rows / elapsed, "seconds": elapsed}))


def _write(connection, cursor, batch) -> int:
    if not batch:
        return 0
    with connection.transaction():
        cursor.execute("CREATE TEMPORARY TABLE staged (path text, phone text, role text) ON COMMIT DROP")
        with cursor.copy("COPY staged FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
        cursor.execute("INSERT INTO floor_groups (path) SELECT DISTINCT path FROM staged ON CONFLICT DO NOTHING")
        cursor.execute("INSERT INTO floor_people (phone) SELECT DISTINCT phone FROM staged ON CONFLICT DO NOTHING")
        cursor.execute(
            "INSERT INTO floor_memberships (group_id, person_id, role) "
            "SELECT g.id, p.id, s.role FROM staged s JOIN floor_groups g ON g.path = s.path "
            "JOIN floor_people p ON p.phone = s.phone "
            "ON CONFLICT (group_id, person_id) DO UPDATE SET role = EXCLUDED.role "
            "WHERE floor_memberships.role <> EXCLUDED.role"
        )
    return len(batch)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
