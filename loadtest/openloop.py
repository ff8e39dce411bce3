"""Open-loop load: requests of the admin mix sent on a fixed clock, whatever the answers take.

A closed loop (locust's users, each waiting for its answer before the next request) slows
down with the server and so hides how slow it got; here each request is sent at its time on
its own thread, so a slow server only makes more requests wait at once. The rate steps up
(5, 10, 20, 40, ... req/s, ``LOAD_STEP_SECONDS`` each) until a step fails: a step passes when
every request it sent answered 200 within the timeout and its p95 is under 200 ms. The
figure that counts is the highest passing rate.

The pure parts (the schedule, a step's figures, the verdict) need neither Django nor a server.
"""

import html
import http.client
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from benchmarks.datafiles import ATTRIBUTES, DEPARTMENTS, FIRST, LAST, phone_spelling

from .accounts import ORGANIZATION_SLUG
from .stats import TARGET_P95_MS, Sample, page_figures, percentile

STEP_RATES = (5, 10, 20, 40, 80, 160)
USERS = f"/o/{ORGANIZATION_SLUG}/users/"
IMPORTS = f"/o/{ORGANIZATION_SLUG}/imports/"
EXPORT_REQUEST = f"/o/{ORGANIZATION_SLUG}/exports/new/"
DETAIL_LINK = re.compile(rf'href="{USERS}(\d+)/"')
FILTER_FIELD = re.compile(r'name="a(\d+)_(?:contains|equals|min|max)"')
NEXT_LINK = re.compile(r'<a href="([^"]*)" rel="next"')

# The admin mix: how often each kind of request comes, out of the sum of the weights.
MIX = {
    "users list": 4,
    "users list: sorted": 2,
    "users list: page": 3,
    "users search: name": 2,
    "users search: phone": 2,
    "users filter": 2,
    "user detail": 4,
    "import history": 1,
    "export request": 1,
}


def arrival_offsets(rate: float, seconds: float) -> list[float]:
    """When each request of a step is sent, in seconds from the step's start: a fixed clock of ``rate`` a second."""
    return [n / rate for n in range(round(rate * seconds))]


@dataclass(frozen=True)
class StepFigures:
    rate: float
    seconds: float
    sent: int
    completed: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    achieved_rps: float
    pages: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.sent > 0 and self.errors == 0 and self.completed == self.sent and self.p95_ms < TARGET_P95_MS

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def step_figures(rate: float, seconds: float, samples: list[Sample], *, sent: int | None = None) -> StepFigures:
    """A step's figures from its samples: an error (a status other than 200, or a timeout) counts as not completed.

    ``sent`` counts requests that never came back at all (errors too) when it exceeds the samples.
    Percentiles are over every request that came back, errors included at the time they took:
    a timeout is a slow answer, not one to leave out.
    """
    times = sorted(sample.ms for sample in samples)
    completed = sum(sample.ok for sample in samples)
    sent = max(sent or 0, len(samples))
    return StepFigures(
        rate=rate,
        seconds=seconds,
        sent=sent,
        completed=completed,
        errors=sent - completed,
        p50_ms=round(percentile(times, 0.50), 1) if times else 0.0,
        p95_ms=round(percentile(times, 0.95), 1) if times else 0.0,
        p99_ms=round(percentile(times, 0.99), 1) if times else 0.0,
        achieved_rps=round(completed / seconds, 2) if seconds > 0 else 0.0,
        pages={name: asdict(figures) for name, figures in page_figures(samples, seconds).items()},
    )


def run_steps(rates: Iterable[float], run_step: Callable[[float], StepFigures]) -> list[StepFigures]:
    """Each rate in turn, stopping after the first step that fails: past the knee every step fails."""
    steps = []
    for rate in rates:
        steps.append(run_step(rate))
        if not steps[-1].passed:
            break
    return steps


def highest_passing_rate(steps: list[StepFigures]) -> float:
    """The highest rate that passed with every lower rate passing too; 0 when the first step failed."""
    highest = 0.0
    for step in steps:
        if not step.passed:
            break
        highest = max(highest, step.rate)
    return highest


def slowest_page(step: StepFigures) -> tuple[str, float]:
    """The page with the highest p95 in a step, and that p95."""
    name, figures = max(step.pages.items(), key=lambda item: item[1]["p95_ms"])
    return name, figures["p95_ms"]


def table(rows: list[dict]) -> str:
    """One plain text table of every scenario's steps, with the machine's load average after each when known."""
    header = (
        f"{'scenario':16} {'rate':>5} {'sent':>6} {'done':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>7}  verdict {'load':>5}"
    )
    lines = [header]
    for row in rows:
        lines.append(
            f"{row['scenario']:16} {row['rate']:>5g} {row['sent']:>6} {row['completed']:>6} {row['errors']:>6} "
            f"{row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['achieved_rps']:>7.2f}  "
            f"{'pass' if row['passed'] else 'FAIL':7} {row.get('load_average_1min', ''):>5}"
        )
    return "\n".join(lines)


@dataclass
class Mix:
    """The admin mix's requests, made from what a logged-in admin's first pages show."""

    size: int
    people: list[int]
    pages: list[str]
    attribute_ids: dict[str, int]
    rng: random.Random = field(default_factory=lambda: random.Random(18))

    def next_request(self) -> tuple[str, str]:
        """(name, path) of the next request, drawn by the mix's weights."""
        (name,) = self.rng.choices(list(MIX), weights=list(MIX.values()))
        return name, getattr(self, "_" + re.sub(r"\W+", "_", name))()

    def _users_list(self) -> str:
        return USERS

    def _users_list_sorted(self) -> str:
        keys = ["name", "phone", "added_at", "role", "added_by", "last_login"]
        keys += [f"attr:{pk}" for pk in self.attribute_ids.values()]
        sort = self.rng.choice(keys)
        return USERS + "?" + urlencode({"sort": sort if self.rng.random() < 0.5 else f"-{sort}"})

    def _users_list_page(self) -> str:
        # Links the list itself gave (its "Next" links), so that they keep working however it pages.
        return self.rng.choice(self.pages)

    def _users_search_name(self) -> str:
        return USERS + "?" + urlencode({"q": self.rng.choice(FIRST + LAST), "sort": "name", "per_page": 25})

    def _users_search_phone(self) -> str:
        # A seeded person's number, as people write it: whole, or its last digits. Not its first
        # digits: every seeded number starts +919000, so those would find the whole organization.
        spelling = phone_spelling(self.rng.randrange(self.size), self.rng)
        query = spelling if self.rng.random() < 0.7 else spelling[-self.rng.randint(5, 7) :]
        return USERS + "?" + urlencode({"q": query, "sort": "name", "per_page": 25})

    def _users_filter(self) -> str:
        ids, rng = self.attribute_ids, self.rng
        choices = [
            {f"a{ids['Department']}_equals": rng.choice(DEPARTMENTS)},
            {f"a{ids['Grade']}_min": rng.randint(1, 6), f"a{ids['Grade']}_max": rng.randint(7, 12)},
            {f"a{ids['Contractor']}_equals": rng.choice(["yes", "no"])},
            {f"a{ids['Date of joining']}_min": f"01/01/20{rng.randint(10, 23)}"},
            {f"a{ids['Employee ID']}_contains": f"E-{rng.randint(1, 9999)}"},
        ]
        return USERS + "?" + urlencode({**rng.choice(choices), "sort": "name"})

    def _user_detail(self) -> str:
        return f"{USERS}{self.rng.choice(self.people)}/"

    def _import_history(self) -> str:
        return IMPORTS

    def _export_request(self) -> str:
        # The page that confirms an export of what a filter shows, with its counts: requesting it
        # queues nothing, so that exports do not pile up behind the import on the worker.
        return EXPORT_REQUEST + "?" + urlencode({f"a{self.attribute_ids['Department']}_equals": "Sales"})


def mix_from_pages(*, size: int, get: Callable[[str], str], pages: int = 20) -> Mix:
    """A Mix from the Users list as an admin sees it: its filter fields, the people it links to and its Next links."""
    first = get(USERS)
    if not DETAIL_LINK.search(first) or not NEXT_LINK.search(first):
        raise RuntimeError("The Users list showed no people or no Next link: is the organization seeded?")
    ids = list(dict.fromkeys(FILTER_FIELD.findall(first)))
    # Filter fields come in the order of the attributes, which the seed took from ATTRIBUTES.
    attribute_ids = {name: int(pk) for (name, _), pk in zip(ATTRIBUTES, ids, strict=True)}
    people = [int(pk) for pk in DETAIL_LINK.findall(first)]
    links, page = [], first
    while len(links) < pages and (found := NEXT_LINK.search(page)):
        links.append(USERS + html.unescape(found.group(1)))
        page = get(links[-1])
        people += [int(pk) for pk in DETAIL_LINK.findall(page)]
    return Mix(size=size, people=sorted(set(people)), pages=links, attribute_ids=attribute_ids)


class Client:
    """GETs as a logged-in admin, each on a connection of its own (a browser's parallel requests)."""

    def __init__(self, *, host: str, port: int, cookie: str, timeout: float):
        self.host, self.port, self.cookie, self.timeout = host, port, cookie, timeout

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("GET", path, headers={"Cookie": self.cookie})
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def text(self, path: str) -> str:
        status, body = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}.")
        return body


def run_step(*, rate: float, seconds: float, client: Client, mix: Mix, paths: dict[str, list[str]]) -> StepFigures:
    """Send ``rate`` requests a second for ``seconds``, each on its own thread at its time; wait for the last."""
    samples: list[Sample] = []
    threads = []

    def send(name: str, path: str, sent_at: float) -> None:
        ok = False
        try:
            status, _ = client.get(path)
            ok = status == 200
        except OSError:  # refused, reset or timed out: an error, at the time it took
            pass
        samples.append(Sample(name=name, start=sent_at, ms=(time.time() - sent_at) * 1000, ok=ok))

    started = time.monotonic()
    for offset in arrival_offsets(rate, seconds):
        delay = started + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        name, path = mix.next_request()
        paths.setdefault(name, []).append(path)
        thread = threading.Thread(target=send, args=(name, path, time.time()), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=client.timeout + 5)
    return step_figures(rate, seconds, list(samples), sent=len(threads))
