import pytest

from loadtest.stats import Sample, covered_seconds, page_figures, percentile, summarize


def samples_of(name, times_ms, *, start=0.0, ok=True):
    return [Sample(name=name, start=start + n, ms=ms, ok=ok) for n, ms in enumerate(times_ms)]


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50, 95, 99)
    assert percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_figures_per_page_count_requests_rate_and_failures():
    samples = samples_of("users list", [10, 20, 30, 40]) + samples_of("user detail", [5, 500], ok=False)
    figures = page_figures(samples, seconds=2)
    assert list(figures) == ["users list", "user detail"]
    assert figures["users list"].requests == 4 and figures["users list"].per_second == 2.0
    assert figures["users list"].p50_ms == 20 and figures["users list"].p95_ms == 40
    assert figures["user detail"].failures == 2


def test_overlapping_import_intervals_are_counted_once_and_only_inside_the_run():
    assert covered_seconds([(0, 10), (5, 15), (30, 40)], start=2, end=35) == 18


def test_the_target_is_judged_on_requests_made_while_an_import_ran():
    fast_while_importing = samples_of("users list", [50] * 20, start=100)
    slow_between_imports = samples_of("users list", [900] * 20, start=200)
    figures = summarize(
        fast_while_importing + slow_between_imports, seconds=200, started=90, import_intervals=[(100, 130)]
    )
    assert figures["pages"]["users list"]["p95_ms"] == 900
    assert figures["pages_while_importing"]["users list"] == {
        "requests": 20,
        "per_second": 0.67,
        "p50_ms": 50,
        "p95_ms": 50,
        "p99_ms": 50,
        "failures": 0,
    }
    assert figures["import_running_seconds"] == 30 and figures["target_met_while_importing"]

    slow_while_importing = summarize(slow_between_imports, seconds=200, started=90, import_intervals=[(200, 230)])
    assert not slow_while_importing["target_met_while_importing"]
    nothing_imported = summarize(fast_while_importing, seconds=200, started=90, import_intervals=[])
    assert not nothing_imported["target_met_while_importing"]
