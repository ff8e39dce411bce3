"""Organization admins browsing the Users pages of a 100k-user organization while imports run.

Run by ``python -m loadtest.run``, which seeds the organization and starts the servers; by
hand: ``locust -f loadtest/locustfile.py --host http://127.0.0.1:8000`` against a seeded
portal. Each simulated admin logs in as a seeded org admin of their own. Browsing admins
page, sort, search, filter and open people; one importing admin uploads a file of a few
thousand rows, follows it in the import history as the page does (every 2 s) until it is
done, and after a pause uploads the next, so that an import runs for most of the run.

Every request is also written to ``LOAD_SAMPLES`` (one JSON object a line) at the end,
which ``loadtest.stats`` turns into the per-page figures.
"""

import itertools
import json
import os
import random
import re
import tempfile
import time
from collections import deque
from pathlib import Path

from locust import HttpUser, between, events, task

from benchmarks.datafiles import ATTRIBUTES, DEPARTMENTS, FIRST, LAST, write_import_file
from loadtest.accounts import ADMIN_PASSWORD, ORGANIZATION_SLUG, admin_phone_number

ADMINS = int(os.environ.get("LOAD_ADMINS", "8"))
IMPORT_ROWS = int(os.environ.get("LOAD_IMPORT_ROWS", "3000"))
# New files reach past the seeded people: part of each updates them, part adds new ones.
SEEDED_SIZE = int(os.environ.get("LOAD_SIZE", "100000"))
SAMPLES_PATH = os.environ.get("LOAD_SAMPLES", "")
USERS = f"/o/{ORGANIZATION_SLUG}/users/"
IMPORTS = f"/o/{ORGANIZATION_SLUG}/imports/"
HTMX = {"HX-Request": "true"}
DETAIL_LINK = re.compile(rf'href="{USERS}(\d+)/"')
FILTER_FIELD = re.compile(r'name="a(\d+)_(?:contains|equals|min|max)"')
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')

_admin_numbers = itertools.count()
samples: list[dict] = []


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception, start_time=None, **kwargs):
    samples.append({"name": name, "start": start_time or time.time(), "ms": response_time, "ok": exception is None})


@events.quitting.add_listener
def write_samples(environment, **kwargs):
    if SAMPLES_PATH:
        Path(SAMPLES_PATH).write_text("".join(json.dumps(sample) + "\n" for sample in samples))


class OrgAdmin(HttpUser):
    abstract = True

    def on_start(self):
        self.phone_number = admin_phone_number(next(_admin_numbers) % ADMINS + 1)
        self.client.get("/account/login/", name="login")
        with self.client.post(
            "/account/login/",
            {
                "username": self.phone_number,
                "password": ADMIN_PASSWORD,
                "csrfmiddlewaretoken": self.csrf_token(),
                "next": USERS,
            },
            name="login",
            catch_response=True,
        ) as response:
            if not response.url.endswith(USERS):
                response.failure(f"{self.phone_number} did not log in (ended on {response.url})")
            self.page = response.text

    def csrf_token(self) -> str:
        return self.client.cookies.get("csrftoken", "")


class BrowsingAdmin(OrgAdmin):
    """Pages, sorts, searches, filters and opens people, as an admin looking for someone does."""

    wait_time = between(0.5, 2.0)

    def on_start(self):
        super().on_start()
        # The browser fetches the stylesheets and scripts once, then keeps them.
        for path in sorted(set(STATIC_LINK.findall(self.page))):
            self.client.get(path, name="static file")
        ids = list(dict.fromkeys(FILTER_FIELD.findall(self.page)))
        # Filter fields come in the order of the attributes, which the seed took from ATTRIBUTES.
        self.attribute_ids = {name: int(pk) for (name, _), pk in zip(ATTRIBUTES, ids, strict=True)}
        self.seen_ids: deque[int] = deque(maxlen=200)
        self.remember_people(self.page)

    def remember_people(self, html: str) -> None:
        self.seen_ids.extend(int(pk) for pk in DETAIL_LINK.findall(html))

    def list_page(self, params: dict, name: str, *, htmx: bool = False) -> None:
        response = self.client.get(USERS, params=params, name=name, headers=HTMX if htmx else None)
        if response.ok:
            self.remember_people(response.text)

    @task(4)
    def first_page(self):
        self.list_page({}, "users list")

    @task(3)
    def another_page(self):
        per_page = random.choice([25, 50, 100])
        # Mostly the first pages, now and then deep into the list.
        last = SEEDED_SIZE // per_page
        page = random.randint(2, 20) if random.random() < 0.8 else random.randint(21, last)
        self.list_page({"page": page, "per_page": per_page}, "users list: page")

    @task(2)
    def sorted_list(self):
        keys = ["name", "phone", "added_at", "role", "added_by", "last_login"]
        keys += [f"attr:{pk}" for pk in self.attribute_ids.values()]
        sort = random.choice(keys)
        self.list_page({"sort": sort if random.random() < 0.5 else f"-{sort}"}, "users list: sorted")

    @task(3)
    def search(self):
        if random.random() < 0.5:
            query = random.choice(FIRST + LAST)
        else:
            query = f"{random.randint(0, 99999):05d}"
        # What the search box sends as the admin types: htmx swaps in the results only.
        self.list_page({"q": query, "sort": "name", "per_page": 25}, "users search", htmx=True)

    @task(2)
    def filter(self):
        ids = self.attribute_ids
        choices = [
            {f"a{ids['Department']}_equals": random.choice(DEPARTMENTS)},
            {f"a{ids['Grade']}_min": random.randint(1, 6), f"a{ids['Grade']}_max": random.randint(7, 12)},
            {f"a{ids['Contractor']}_equals": random.choice(["yes", "no"])},
            {f"a{ids['Date of joining']}_min": f"01/01/20{random.randint(10, 23)}"},
            {f"a{ids['Employee ID']}_contains": f"E-{random.randint(1, 9999)}"},
        ]
        self.list_page({**random.choice(choices), "sort": "name"}, "users filter")

    @task(4)
    def detail(self):
        if self.seen_ids:
            self.client.get(f"{USERS}{random.choice(self.seen_ids)}/", name="user detail")

    @task(1)
    def import_history(self):
        self.client.get(IMPORTS, name="import history")


class ImportingAdmin(OrgAdmin):
    """Uploads a file, follows its import to the end, and after a pause uploads the next."""

    fixed_count = 1
    wait_time = between(1.0, 3.0)

    def on_start(self):
        super().on_start()
        self.files = Path(tempfile.mkdtemp(prefix="load-imports-"))
        self.uploads = 0

    @task
    def upload_and_follow(self):
        self.uploads += 1
        first_number = random.randint(SEEDED_SIZE // 2, SEEDED_SIZE + 50_000)
        path = write_import_file(
            self.files / f"people-{self.uploads}.csv", IMPORT_ROWS, first_number=first_number, seed=self.uploads
        )
        self.client.get(f"{IMPORTS}new/", name="import upload form")
        with (
            open(path, "rb") as upload,
            self.client.post(
                f"{IMPORTS}new/",
                data={"csrfmiddlewaretoken": self.csrf_token()},
                files={"file": (path.name, upload, "text/csv")},
                name="import upload",
                catch_response=True,
            ) as response,
        ):
            if not response.url.endswith(IMPORTS):
                response.failure("the upload was not accepted")
                return
        path.unlink()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            time.sleep(2)
            response = self.client.get(IMPORTS, name="import history: progress", headers=HTMX)
            if 'hx-trigger="every 2s"' not in response.text:
                break
