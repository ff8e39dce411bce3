"""`LOAD_MODE=open make load`: the highest rate of the admin mix the portal answers with p95 under 200 ms.

For each scenario (``LOAD_SCENARIOS``, default ``100k,100k_import,1m,1m_import``: the size of
the one organization, and whether an import of ``LOAD_IMPORT_ROWS`` (100,000) rows runs the
whole time) it seeds a database of that size once (``LOAD_DATABASE_URL`` + ``_100k``, kept
for the next run), starts gunicorn as deployed (``gunicorn.conf.py``) with production
settings and one Celery worker, and sends the mix of ``loadtest.openloop`` at 5, 10, 20, 40,
80 and 160 req/s (``LOAD_RATES``), ``LOAD_STEP_SECONDS`` (30) each, until a step fails.
Then it profiles the slowest page of the first failing step into var/load-profile.txt,
prints one table of every step and writes the figures to var/load.json under ``open_loop``.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
import requests

from benchmarks.datafiles import write_import_file
from kaizala_portal import localservices

from . import openloop, run
from .accounts import ADMIN_PASSWORD, admin_phone_number

STEP_SECONDS = float(os.environ.get("LOAD_STEP_SECONDS", "30"))
RATES = [float(rate) for rate in os.environ.get("LOAD_RATES", ",".join(map(str, openloop.STEP_RATES))).split(",")]
IMPORT_ROWS = int(os.environ.get("LOAD_IMPORT_ROWS", "100000"))
REQUEST_TIMEOUT = float(os.environ.get("LOAD_REQUEST_TIMEOUT", "10"))
SCENARIOS = os.environ.get("LOAD_SCENARIOS", "100k,100k_import,1m,1m_import")
# The mix's admin and the importing admin are different people, as they would be.
MIX_ADMIN, IMPORTING_ADMIN = 2, 1
# How long a scenario without an import waits for the previous scenario's import to end.
IMPORT_DRAIN_SECONDS = 600
PROFILED_REQUESTS = 20
SIZE_LABEL = re.compile(r"^(\d+)([km]?)$")


@dataclass(frozen=True)
class Scenario:
    label: str
    size_label: str
    size: int
    importing: bool


def size_of(label: str) -> int:
    """100k is 100,000 people, 1m a million, a bare number that many."""
    found = SIZE_LABEL.match(label.lower())
    if not found:
        raise ValueError(f"Not a size: {label!r} (say 100k, 1m or 2000).")
    return int(found.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[found.group(2)]


def parse_scenarios(text: str) -> list[Scenario]:
    """``100k,100k_import,1m``: grouped by size, each size's run without an import before the one with."""
    scenarios = []
    for label in (part.strip().lower() for part in text.split(",") if part.strip()):
        size_label, _, suffix = label.partition("_")
        if suffix not in ("", "import"):
            raise ValueError(f"Not a scenario: {label!r} (say 100k or 100k_import).")
        scenarios.append(Scenario(label=label, size_label=size_label, size=size_of(size_label), importing=bool(suffix)))
    order = list(dict.fromkeys(scenario.size_label for scenario in scenarios))
    return sorted(scenarios, key=lambda s: (order.index(s.size_label), s.importing))


def database_url(size_label: str) -> str:
    """A database per size, named after LOAD_DATABASE_URL's."""
    parts = urlsplit(run.DATABASE_URL)
    return parts._replace(path=f"{parts.path}_{size_label}").geturl()


def log_in(base_url: str, phone_number: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base_url}/account/login/", timeout=REQUEST_TIMEOUT)
    response = session.post(
        f"{base_url}/account/login/",
        {"username": phone_number, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=REQUEST_TIMEOUT,
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError(f"{phone_number} did not log in (ended on {response.url}).")
    return session


class ImportLoop(threading.Thread):
    """Uploads a file of IMPORT_ROWS rows, and again each time its import ends, until stopped."""

    def __init__(self, *, base_url: str, size: int):
        super().__init__(daemon=True)
        self.base_url, self.size = base_url, size
        self.stopping = threading.Event()
        self.imports: list[dict] = []
        self.error: str | None = None

    def run(self) -> None:
        try:
            session = log_in(self.base_url, admin_phone_number(IMPORTING_ADMIN))
            # Seeded people, with values of their own: each import changes them and adds nobody, so that
            # the organization is still of the size it was seeded at when the next run comes.
            path = write_import_file(run.WORK / "open-import.csv", min(IMPORT_ROWS, self.size))
            while not self.stopping.is_set():
                started = time.time()
                with open(path, "rb") as upload:
                    response = session.post(
                        f"{self.base_url}{openloop.IMPORTS}new/",
                        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
                        files={"file": (path.name, upload, "text/csv")},
                        timeout=120,
                    )
                if not response.url.endswith(openloop.IMPORTS):
                    raise RuntimeError(f"The upload was not accepted (ended on {response.url}).")
                wait_for_imports(session, self.base_url, stopping=self.stopping)
                self.imports.append({"started": started, "seconds": round(time.time() - started, 1)})
        except Exception as error:  # noqa: BLE001 - said in the figures and the report, not lost in a thread
            self.error = repr(error)


def import_running(session: requests.Session, base_url: str) -> bool:
    # The history refreshes itself while an import is running, and only then.
    page = session.get(f"{base_url}{openloop.IMPORTS}", headers={"HX-Request": "true"}, timeout=REQUEST_TIMEOUT)
    return 'hx-trigger="every 2s"' in page.text


def wait_for_imports(
    session: requests.Session, base_url: str, *, stopping: threading.Event | None = None, seconds: float = 3600
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (stopping and stopping.is_set()):
        time.sleep(2)
        if not import_running(session, base_url):
            return


def run_scenario(scenario: Scenario, *, base_url: str, port: int) -> dict:
    session = log_in(base_url, admin_phone_number(MIX_ADMIN))
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    client = openloop.Client(host="127.0.0.1", port=port, cookie=cookie, timeout=REQUEST_TIMEOUT)
    mix = openloop.mix_from_pages(size=scenario.size, get=client.text)
    importer = None
    if scenario.importing:
        importer = ImportLoop(base_url=base_url, size=scenario.size)
        importer.start()
        # The first step starts once the import does, so that every step overlaps one.
        deadline = time.monotonic() + 120
        while not import_running(session, base_url) and time.monotonic() < deadline and importer.is_alive():
            time.sleep(1)
    else:
        wait_for_imports(session, base_url, seconds=IMPORT_DRAIN_SECONDS)
    paths_by_step: list[dict[str, list[str]]] = []
    # The machine is shared with the sender and whatever else runs: each step says how busy it was.
    machine: list[dict] = []

    def step(rate: float) -> openloop.StepFigures:
        paths: dict[str, list[str]] = {}
        paths_by_step.append(paths)
        cpu = time.process_time()
        figures = openloop.run_step(rate=rate, seconds=STEP_SECONDS, client=client, mix=mix, paths=paths)
        machine.append(
            {
                "load_average_1min": round(os.getloadavg()[0], 2),
                "sender_cpu_percent": round(100 * (time.process_time() - cpu) / STEP_SECONDS, 1),
            }
        )
        print(
            f"  {scenario.label}: {rate:g} req/s: p95 {figures.p95_ms} ms, {figures.errors} errors "
            f"(load average {machine[-1]['load_average_1min']})",
            flush=True,
        )
        return figures

    steps = openloop.run_steps(RATES, step)
    knee = len(steps) - 1
    slowest, slowest_p95 = openloop.slowest_page(steps[knee])
    profile = profile_page(paths_by_step[knee][slowest][:PROFILED_REQUESTS])
    if importer:
        importer.stopping.set()
        importer.join(timeout=REQUEST_TIMEOUT + 130)
        # The last import finishes before the worker stops: otherwise it would wait, half done, for the sweeper.
        wait_for_imports(session, base_url, seconds=IMPORT_DRAIN_SECONDS)
    return {
        "size": scenario.size,
        "importing": scenario.importing,
        "max_rps": openloop.highest_passing_rate(steps),
        "steps": [step.as_dict() | busy for step, busy in zip(steps, machine, strict=True)],
        "knee": {"rate": steps[knee].rate, "slowest_page": slowest, "slowest_page_p95_ms": slowest_p95},
        "profile": profile,
        "imports": importer.imports if importer else [],
        "import_error": importer.error if importer else None,
    }


def profile_page(paths: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.profile", *paths], cwd=run.ROOT, capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else f"The profile failed:\n{result.stderr[-3000:]}"


def run_size(scenarios: list[Scenario], *, run_id: str, log: dict) -> dict:
    """Seed (once) and serve one size's database, and run its scenarios against it."""
    size = scenarios[0].size
    url = database_url(scenarios[0].size_label)
    os.environ.update(run.portal_environment(run_id=run_id, database_url=url))
    print(f"Load database {url}: migrating and, when empty, seeding {size:,} users", flush=True)
    run.ensure_database(url)
    run.manage("migrate", "--no-input", "-v", "0")
    seeded = run.seed(size=size, admins=max(MIX_ADMIN, IMPORTING_ADMIN))
    log[f"open_loop_{scenarios[0].size_label}_seed_seconds"] = seeded["seconds"] if seeded["created"] else None
    print(
        f"Organization '{seeded['slug']}': {seeded['users']:,} users "
        f"({'seeded in ' + str(seeded['seconds']) + ' s' if seeded['created'] else 'already there'})",
        flush=True,
    )
    port = int(os.environ.get("LOAD_PORT") or run.free_port())
    os.environ["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    hostname = f"load-{run_id}-{scenarios[0].size_label}@localhost"
    processes = [
        run.start(
            [sys.executable, "-m", "celery", "-A", "kaizala_portal", "worker", "--concurrency", "1"]
            + ["--loglevel", "warning", "--without-gossip", "--without-mingle", "--hostname", hostname],
            log=run.WORK / "worker.log",
        ),
        run.start(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "kaizala_portal.wsgi"],
            log=run.WORK / "gunicorn.log",
        ),
    ]
    results = {}
    try:
        run.wait_for_web(f"http://127.0.0.1:{port}/account/login/", processes[1])
        run.wait_for_worker(hostname, processes[0])
        # An import a stopped run left half done is taken over now, and waited for before a run without one.
        run.manage("shell", "-v", "0", "-c", "from kaizala_portal.jobs.running import sweep_all; sweep_all()")
        for scenario in scenarios:
            print(f"Scenario {scenario.label}:", flush=True)
            results[scenario.label] = run_scenario(scenario, base_url=f"http://127.0.0.1:{port}", port=port)
            results[scenario.label]["organization_users"] = seeded["users"]
    finally:
        for process in reversed(processes):
            run.stop(process)
    return results


def main() -> int:
    run.WORK.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    scenarios = parse_scenarios(SCENARIOS)
    run.manage("collectstatic", "--no-input", "-v", "0")
    own_redis = None
    if not localservices.redis_answers(run.REDIS_URL):
        print(f"Nothing answers on {run.REDIS_URL}: starting a local redis-server", flush=True)
        own_redis = localservices.start_redis(run.REDIS_URL)
    figures: dict = {}
    try:
        import django

        os.environ.update(run.portal_environment(run_id=run_id))
        django.setup()
        for size_label in dict.fromkeys(scenario.size_label for scenario in scenarios):
            same_size = [scenario for scenario in scenarios if scenario.size_label == size_label]
            figures.update(run_size(same_size, run_id=run_id, log=figures))
    finally:
        client = redis.Redis.from_url(run.REDIS_URL)
        keys = list(client.scan_iter(match=f"kaizala-load-{run_id}*"))
        if keys:
            client.delete(*keys)
        if own_redis:
            own_redis.terminate()
            own_redis.wait()
    return report(figures)


def report(figures: dict) -> int:
    scenarios = {label: result for label, result in figures.items() if isinstance(result, dict)}
    rows = [{"scenario": label, **step} for label, result in scenarios.items() for step in result["steps"]]
    print("\n" + openloop.table(rows))
    print()
    for label, result in scenarios.items():
        knee = result["knee"]
        print(
            f"{label}: {result['max_rps']:g} req/s with p95 under {openloop.TARGET_P95_MS:.0f} ms and no errors "
            f"({result['organization_users']:,} users); at {knee['rate']:g} req/s the slowest page was "
            f"'{knee['slowest_page']}' (p95 {knee['slowest_page_p95_ms']} ms)"
        )
    print(f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs at the end)")
    path = run.ROOT / "var" / "load.json"
    # The closed-loop figures stay; a previous open-loop run's (other scenarios, perhaps) go.
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved = {key: value for key, value in saved.items() if not key.startswith("open_loop")}
    saved["open_loop"] = {
        "step_seconds": STEP_SECONDS,
        "request_timeout_s": REQUEST_TIMEOUT,
        "import_rows": IMPORT_ROWS,
        "target_p95_ms": openloop.TARGET_P95_MS,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "scenarios": {label: {k: v for k, v in r.items() if k != "profile"} for label, r in scenarios.items()},
        "steps": rows,
    }
    for label, result in scenarios.items():
        saved[f"open_loop_{label}_max_rps"] = result["max_rps"]
    for key, value in figures.items():
        if key.endswith("_seed_seconds") and value is not None:
            saved[key] = value
    path.write_text(json.dumps(saved, indent=2) + "\n")
    profile_path = run.ROOT / "var" / "load-profile.txt"
    profile_path.write_text(
        "".join(
            f"== {label}: '{r['knee']['slowest_page']}' at {r['knee']['rate']:g} req/s "
            f"(p95 {r['knee']['slowest_page_p95_ms']} ms under load)\n{r['profile']}\n"
            for label, r in scenarios.items()
        )
    )
    print(f"Written to {path.relative_to(run.ROOT)} and {profile_path.relative_to(run.ROOT)}")
    failed = [label for label, r in scenarios.items() if r["import_error"]]
    if failed:
        print(f"The import did not keep running in {', '.join(failed)}: see var/load.json and var/load/worker.log.")
        return 1
    return 0
