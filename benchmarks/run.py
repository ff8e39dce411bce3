"""`make bench`: import and export rates and worker memory against the bare floor and django-import-export.

Writes the figures to var/bench.json (other keys there are kept). BENCH_QUICK=1 runs
small sizes only, to check that the benchmark itself works; BENCH_ONLY=import,
BENCH_ONLY=export, BENCH_ONLY=groups or BENCH_ONLY=dynamic runs one part (groups: User Group
Mapping uploads against their own floor; dynamic: refreshing 20 dynamic groups after an import
of 100k people, on PostgreSQL).
"""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import redis

from kaizala_portal import localservices

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
FILES = WORK / "files"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
QUICK = os.environ.get("BENCH_QUICK") == "1"
K = 1000
SQLITE_SIZES = [1 * K, 5 * K] if QUICK else [10 * K, 100 * K]
POSTGRES_SIZES = [1 * K, 5 * K, 20 * K] if QUICK else [10 * K, 100 * K, 1000 * K]
EXPORT_SQLITE_SIZES = [2 * K] if QUICK else [100 * K]
EXPORT_POSTGRES_SIZES = [2 * K, 20 * K] if QUICK else [100 * K, 1000 * K]
DYNAMIC_SIZE = 5 * K if QUICK else 100 * K
GROUP_SIZES = [5 * K] if QUICK else [100 * K]
ONLY = os.environ.get("BENCH_ONLY", "")
# The benchmark's PostgreSQL databases are dropped and made again: a prefix of its own keeps others' apart.
DB = os.environ.get("BENCH_DATABASE_PREFIX", "kaizala_bench")
# Its workers run with DEBUG off, as in production, and refuse the development key.
os.environ.setdefault("SECRET_KEY", f"bench-{uuid.uuid4().hex}{uuid.uuid4().hex}")


def run_json(args: list[str], env: dict) -> dict:
    output = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )
    if output.returncode:
        sys.stderr.write(output.stderr)
        raise SystemExit(f"{' '.join(args)} failed with status {output.returncode}; its errors are above.")
    return json.loads(output.stdout.strip().splitlines()[-1])


def fresh_postgres(name: str) -> str:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def drop_postgres(name: str) -> None:
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_sqlite(name: str) -> str:
    for suffix in ("", "-wal", "-shm"):
        (WORK / f"{name}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{WORK / name}"


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    own_redis = None if localservices.redis_answers(REDIS_URL) else localservices.start_redis(REDIS_URL)
    prefix = f"kaizala-bench-{uuid.uuid4().hex[:8]}:"
    env = {"REDIS_URL": REDIS_URL, "CELERY_KEY_PREFIX": prefix, "PRIVATE_STORAGE_ROOT": str(WORK / "storage")}
    figures = {}
    try:
        if ONLY in ("", "import"):
            figures |= run_imports(env)
        if ONLY in ("", "export"):
            figures |= run_exports(env)
        if ONLY in ("", "dynamic"):
            figures |= run_dynamic_groups(env)
        if ONLY in ("", "groups"):
            figures |= run_group_imports(env)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        if own_redis:
            own_redis.terminate()
        for name in (DB, f"{DB}_floor", f"{DB}_export", f"{DB}_groups", f"{DB}_groups_floor", f"{DB}_dynamic"):
            drop_postgres(name)
        shutil.rmtree(WORK / "storage", ignore_errors=True)

    if QUICK:
        figures = {f"quick_{key}": value for key, value in figures.items()}
    report(figures, quick=QUICK)
    path = ROOT / "var" / "bench.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**existing, **figures}, indent=2, sort_keys=True) + "\n")
    print(f"\nWritten to {path.relative_to(ROOT)}")


def run_imports(env: dict) -> dict:
    print("Importing through a real worker on SQLite:", SQLITE_SIZES, flush=True)
    sqlite = run_json(
        ["-m", "benchmarks.import_run", *map(str, SQLITE_SIZES)],
        {**env, "DATABASE_URL": fresh_sqlite("bench.sqlite3")},
    )
    print("Importing through a real worker on PostgreSQL:", POSTGRES_SIZES, flush=True)
    postgres = run_json(
        ["-m", "benchmarks.import_run", *map(str, POSTGRES_SIZES)],
        {**env, "DATABASE_URL": fresh_postgres(DB)},
    )
    drop_postgres(DB)
    mid = SQLITE_SIZES[1]
    floor_file = FILES / f"users-{mid}-{SQLITE_SIZES[0]}.csv"
    print("The bare floor (csv + phonenumbers + bulk upsert into PostgreSQL):", mid, flush=True)
    floor = run_json(["-m", "benchmarks.floor", str(floor_file), fresh_postgres(f"{DB}_floor")], env)
    drop_postgres(f"{DB}_floor")
    print("The peer (django-import-export import_data, bulk):", SQLITE_SIZES[0], flush=True)
    peer_file = FILES / f"users-{SQLITE_SIZES[0]}-0.csv"
    peer = run_json(["-m", "benchmarks.peer", str(peer_file)], {**env, "DATABASE_URL": fresh_sqlite("peer.sqlite3")})

    big = POSTGRES_SIZES[-1]
    return {
        "import_sqlite_100k_rps": round(sqlite[str(mid)]["rows_per_second"]),
        "import_postgres_100k_rps": round(postgres[str(mid)]["rows_per_second"]),
        "import_postgres_1m_rps": round(postgres[str(big)]["rows_per_second"]),
        "import_floor_100k_rps": round(floor["rows_per_second"]),
        "import_peer_10k_rps": round(peer["rows_per_second"]),
        "import_peak_rss_100k_mb": round(postgres[str(mid)]["peak_rss_mb"], 1),
        "import_peak_rss_1m_mb": round(postgres[str(big)]["peak_rss_mb"], 1),
        "import_sqlite_10k_rps": round(sqlite[str(SQLITE_SIZES[0])]["rows_per_second"]),
        "import_postgres_10k_rps": round(postgres[str(POSTGRES_SIZES[0])]["rows_per_second"]),
        "import_sqlite_peak_rss_100k_mb": round(sqlite[str(mid)]["peak_rss_mb"], 1),
    }


def run_exports(env: dict) -> dict:
    sqlite_url = fresh_sqlite("export.sqlite3")
    print("Exporting through a real worker on SQLite:", EXPORT_SQLITE_SIZES, flush=True)
    sqlite = run_json(
        ["-m", "benchmarks.export_run", *map(str, EXPORT_SQLITE_SIZES)], {**env, "DATABASE_URL": sqlite_url}
    )
    print("Exporting through a real worker on PostgreSQL:", EXPORT_POSTGRES_SIZES, flush=True)
    postgres = run_json(
        ["-m", "benchmarks.export_run", *map(str, EXPORT_POSTGRES_SIZES)],
        {**env, "DATABASE_URL": fresh_postgres(f"{DB}_export")},
    )
    drop_postgres(f"{DB}_export")
    size, big = EXPORT_SQLITE_SIZES[0], EXPORT_POSTGRES_SIZES[-1]
    organization = str(sqlite[str(size)]["organization_id"])
    print("The bare floor (a raw cursor into csv.writer) on the same SQLite rows:", size, flush=True)
    floor = run_json(["-m", "benchmarks.export_floor", organization], {**env, "DATABASE_URL": sqlite_url})
    print("The peer (django-import-export export) on the same SQLite rows:", size, flush=True)
    peer = run_json(["-m", "benchmarks.export_peer", organization], {**env, "DATABASE_URL": sqlite_url})
    return {
        "export_sqlite_100k_rps": round(sqlite[str(size)]["rows_per_second"]),
        "export_postgres_100k_rps": round(postgres[str(EXPORT_POSTGRES_SIZES[0])]["rows_per_second"]),
        "export_postgres_1m_rps": round(postgres[str(big)]["rows_per_second"]),
        "export_floor_100k_rps": round(floor["rows_per_second"]),
        "export_peer_100k_rps": round(peer["rows_per_second"]),
        "export_peak_rss_100k_mb": round(postgres[str(EXPORT_POSTGRES_SIZES[0])]["peak_rss_mb"], 1),
        "export_peak_rss_1m_mb": round(postgres[str(big)]["peak_rss_mb"], 1),
    }


def run_dynamic_groups(env: dict) -> dict:
    print(f"Refreshing 20 dynamic groups after imports of {DYNAMIC_SIZE:,} people on PostgreSQL:", flush=True)
    figures = run_json(
        ["-m", "benchmarks.dynamic_refresh_run", str(DYNAMIC_SIZE)],
        {**env, "DATABASE_URL": fresh_postgres(f"{DB}_dynamic")},
    )
    drop_postgres(f"{DB}_dynamic")
    print(
        f"  first fill: {figures['filled']:,} joined in {figures['fill_seconds']:.2f} s; after a second import "
        f"({figures['second_import_seconds']:.1f} s through the worker): {figures['joined']:,} joined and "
        f"{figures['left']:,} left in {figures['refresh_seconds']:.2f} s (the service, called directly); "
        f"with nobody to move, {figures['unchanged_seconds']:.2f} s",
        flush=True,
    )
    return {
        "dynamic_group_refresh_100k_s": round(figures["refresh_seconds"], 2),
        "dynamic_group_fill_100k_s": round(figures["fill_seconds"], 2),
        "dynamic_group_refresh_100k_moves": figures["joined"] + figures["left"],
        "dynamic_group_refresh_100k_unchanged_s": round(figures["unchanged_seconds"], 2),
    }


def run_group_imports(env: dict) -> dict:
    size = GROUP_SIZES[0]
    print("User Group Mapping uploads through a real worker on PostgreSQL:", GROUP_SIZES, flush=True)
    postgres = run_json(
        ["-m", "benchmarks.group_import_run", *map(str, GROUP_SIZES)],
        {**env, "DATABASE_URL": fresh_postgres(f"{DB}_groups")},
    )
    drop_postgres(f"{DB}_groups")
    print("The bare floor (csv + phonenumbers + COPY and INSERT ... ON CONFLICT into PostgreSQL):", size, flush=True)
    floor_file = FILES / f"group-mapping-{size}.csv"
    floor = run_json(["-m", "benchmarks.group_floor", str(floor_file), fresh_postgres(f"{DB}_groups_floor")], env)
    drop_postgres(f"{DB}_groups_floor")
    return {
        "group_import_postgres_100k_rps": round(postgres[str(size)]["rows_per_second"]),
        "group_import_floor_100k_rps": round(floor["rows_per_second"]),
        "group_import_peak_rss_100k_mb": round(postgres[str(size)]["peak_rss_mb"], 1),
    }


def report(figures: dict, *, quick: bool) -> None:
    p = "quick_" if quick else ""
    for title, prefix, floor_key, peer_key, targets in [
        (
            "Import",
            "import_",
            "import_floor_100k_rps",
            "import_peer_10k_rps",
            "end-to-end >= 0.5x the floor, >= 10x the peer; peak worker memory flat and under 300 MB.",
        ),
        (
            "Export",
            "export_",
            "export_floor_100k_rps",
            "export_peer_100k_rps",
            ">= 0.5x the floor, >= 3x the peer; memory flat.",
        ),
        ("Group upload", "group_import_", "group_import_floor_100k_rps", None, "end-to-end >= 0.5x the floor."),
    ]:
        if f"{p}{floor_key}" not in figures:
            continue
        floor = figures[f"{p}{floor_key}"]
        peer = figures[f"{p}{peer_key}"] if peer_key else None
        print(f"\n{title} benchmark" + (" (quick sizes)" if quick else ""))
        print(f"{'measure':40} {'value':>12} {'/ floor':>9} {'/ peer':>9}")
        for key, value in figures.items():
            if not key.startswith(p + prefix):
                continue
            if key.endswith("_rps"):
                against_peer = f"{value / peer:>8.1f}x" if peer else f"{'-':>9}"
                print(f"{key:40} {value:>10,} r/s {value / floor:>8.2f}x {against_peer}")
            else:
                print(f"{key:40} {value:>10} MB")
        print(f"Targets: {targets}")


if __name__ == "__main__":
    main()
