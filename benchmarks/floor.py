"""The bare floor: csv parsing + phonenumbers + a bulk upsert of the same rows into PostgreSQL, one process."""

import csv
import json
import sys
import time

import phonenumbers
import psycopg

BATCH = 2000


def main(path: str, database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS floor_users")
        connection.execute("CREATE TABLE floor_users (phone text PRIMARY KEY, name text, attributes jsonb)")
        started = time.perf_counter()
        rows = 0
        with open(path, encoding="utf-8", newline="") as source, connection.cursor() as cursor:
            reader = csv.reader(source)
            header = next(reader)
            batch = []
            for cells in reader:
                number = phonenumbers.parse(cells[1], "IN")
                phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                batch.append((phone, cells[0], json.dumps(dict(zip(header[2:], cells[2:], strict=False)))))
                if len(batch) == BATCH:
                    rows += _upsert(connection, cursor, batch)
                    batch = []
            rows += _upsert(connection, cursor, batch)
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE floor_users")
    print(json.dumps({"rows_per_second": rows / elapsed, "seconds": elapsed}))


def _upsert(connection, cursor, batch) -> int:
    with connection.transaction():
        cursor.executemany(
            "INSERT INTO floor_users (phone, name, attributes) VALUES (%s, %s, %s::jsonb) "
            "ON CONFLICT (phone) DO UPDATE SET name = EXCLUDED.name, attributes = EXCLUDED.attributes",
            batch,
        )
    return len(batch)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
