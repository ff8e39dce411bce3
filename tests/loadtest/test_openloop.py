import pytest

from loadtest.open_run import Scenario, parse_scenarios, size_of
from loadtest.openloop import (
    MIX,
    STEP_RATES,
    USERS,
    Mix,
    arrival_offsets,
    highest_passing_rate,
    mix_from_pages,
    run_steps,
    slowest_page,
    step_figures,
    table,
)
from loadtest.stats import Sample


def samples_of(name, times_ms, *, ok=True):
    return [Sample(name=name, start=n, ms=ms, ok=ok) for n, ms in enumerate(times_ms)]


def step(rate, p95_ms, *, errors=0):
    """A step of 100 requests whose p95 is ``p95_ms``, ``errors`` of them failed."""
    samples = samples_of("users list", [10.0] * 90 + [p95_ms] * 10)
    samples = [Sample(s.name, s.start, s.ms, ok=n >= errors) for n, s in enumerate(samples)]
    return step_figures(rate, 10, samples)


def test_arrivals_keep_a_fixed_clock_whatever_the_answers_take():
    assert arrival_offsets(5, 2) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8]
    assert len(arrival_offsets(160, 30)) == 4800
    assert STEP_RATES == (5, 10, 20, 40, 80, 160)


def test_a_step_counts_what_it_sent_what_came_back_and_its_percentiles():
    samples = samples_of("users list", range(1, 101)) + samples_of("user detail", [5000], ok=False)
    figures = step_figures(20, 5, samples, sent=103)
    assert (figures.sent, figures.completed, figures.errors) == (103, 100, 3)
    assert (figures.p50_ms, figures.p95_ms, figures.p99_ms) == (51, 96, 100)
    assert figures.achieved_rps == 20.0
    assert figures.pages["user detail"]["failures"] == 1
    assert not figures.passed
    assert slowest_page(figures) == ("user detail", 5000)


def test_a_step_passes_only_with_every_request_answered_and_p95_under_200_ms():
    assert step(5, 199.9).passed
    assert not step(5, 200).passed
    assert not step(5, 50, errors=1).passed
    assert not step_figures(5, 10, []).passed


def test_stepping_stops_after_the_first_failing_step_and_the_verdict_is_the_last_passing_rate():
    p95_at = {5: 40, 10: 60, 20: 120, 40: 450, 80: 100}
    steps = run_steps(STEP_RATES, lambda rate: step(rate, p95_at[rate]))
    assert [s.rate for s in steps] == [5, 10, 20, 40]
    assert highest_passing_rate(steps) == 20

    assert highest_passing_rate([step(5, 900)]) == 0
    every_step_passed = run_steps([5, 10], lambda rate: step(rate, 30))
    assert highest_passing_rate(every_step_passed) == 10
    # A lucky step after a failure does not count: the knee is the first failure.
    assert highest_passing_rate([step(5, 30), step(10, 300), step(20, 30)]) == 5


def test_the_table_has_a_line_per_step_with_its_verdict():
    rows = [{"scenario": "100k_import", **step(40, 450).as_dict(), "load_average_1min": 3.5}]
    rows.append({"scenario": "1m", **step(5, 30).as_dict()})
    lines = table(rows).splitlines()
    assert lines[0].split()[:3] == ["scenario", "rate", "sent"] and lines[0].split()[-1] == "load"
    assert lines[1].split() == [
        "100k_import",
        "40",
        "100",
        "100",
        "0",
        "10.0",
        "450.0",
        "450.0",
        "10.00",
        "FAIL",
        "3.5",
    ]
    assert lines[2].split()[-1] == "pass"


def test_scenarios_name_a_size_and_whether_an_import_runs_each_size_without_one_first():
    assert size_of("100k") == 100_000 and size_of("1M") == 1_000_000 and size_of("2000") == 2000
    assert parse_scenarios("1m_import, 100k_import,100k, 1m") == [
        Scenario(label="1m", size_label="1m", size=1_000_000, importing=False),
        Scenario(label="1m_import", size_label="1m", size=1_000_000, importing=True),
        Scenario(label="100k", size_label="100k", size=100_000, importing=False),
        Scenario(label="100k_import", size_label="100k", size=100_000, importing=True),
    ]
    with pytest.raises(ValueError, match="Not a size: 'lots'"):
        parse_scenarios("lots")
    with pytest.raises(ValueError, match="Not a scenario: '100k_export'"):
        parse_scenarios("100k_export")


LIST_PAGE = """
<input name="a11_contains"><input name="a12_equals"><input name="a13_min"><input name="a13_max">
<input name="a14_min"><input name="a15_equals">
<a href="/o/load/users/{first}/">one</a><a href="/o/load/users/{second}/">two</a>
<a href="?page={next}&amp;sort=name" rel="next">Next →</a>
"""


def test_the_mix_pages_through_the_links_the_list_gives_and_draws_every_kind_of_request():
    def get(path):
        page = int(path.rpartition("page=")[2].split("&")[0]) if "page=" in path else 1
        return LIST_PAGE.format(first=2 * page, second=2 * page + 1, next=page + 1)

    mix = mix_from_pages(size=1000, get=get, pages=3)
    assert mix.pages == [f"{USERS}?page=2&sort=name", f"{USERS}?page=3&sort=name", f"{USERS}?page=4&sort=name"]
    assert mix.people == [2, 3, 4, 5, 6, 7, 8, 9]
    assert mix.attribute_ids == {
        "Employee ID": 11,
        "Department": 12,
        "Grade": 13,
        "Date of joining": 14,
        "Contractor": 15,
    }

    drawn = [mix.next_request() for _ in range(2000)]
    assert {name for name, _ in drawn} == set(MIX)
    paths = dict(drawn)
    assert paths["user detail"] in {f"{USERS}{pk}/" for pk in mix.people}
    assert paths["users list: page"] in mix.pages
    assert paths["users filter"].startswith(f"{USERS}?a1")
    assert "q=" in paths["users search: phone"] and "q=" in paths["users search: name"]


def test_a_list_without_people_or_next_links_stops_the_run_with_a_message():
    with pytest.raises(RuntimeError, match="no people or no Next link"):
        mix_from_pages(size=10, get=lambda path: "<p>No users yet.</p>")


def test_the_same_mix_draws_the_same_requests_run_after_run():
    def mix():
        ids = {"Employee ID": 1, "Department": 2, "Grade": 3, "Date of joining": 4, "Contractor": 5}
        return Mix(size=100, people=[1, 2], pages=[f"{USERS}?page=2"], attribute_ids=ids)

    first, second = mix(), mix()
    assert [first.next_request() for _ in range(50)] == [second.next_request() for _ in range(50)]
