"""Per-page figures of a load run: requests, requests per second, p50/p95/p99 and failures.

Computed from every request the run recorded (not from locust's rounded buckets), once
for the whole run and once for the requests that started while an import was running.
"""

import math
from dataclasses import asdict, dataclass

# The pages the target is about: the Users list in all its forms, and a user's page.
TARGET_PAGES = ("users list", "users list: page", "users list: sorted", "users search", "users filter", "user detail")
TARGET_P95_MS = 200.0


@dataclass(frozen=True)
class Sample:
    name: str
    start: float
    ms: float
    ok: bool


@dataclass(frozen=True)
class PageFigures:
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    failures: int


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at or above ``fraction`` of the values."""
    if not sorted_values:
        raise ValueError("No values to take a percentile of.")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def page_figures(samples: list[Sample], seconds: float) -> dict[str, PageFigures]:
    """Figures per page name, in order of first appearance of each name."""
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample.name, []).append(sample)
    figures = {}
    for name, page_samples in by_name.items():
        times = sorted(sample.ms for sample in page_samples)
        figures[name] = PageFigures(
            requests=len(page_samples),
            per_second=round(len(page_samples) / seconds, 2) if seconds > 0 else 0.0,
            p50_ms=round(percentile(times, 0.50), 1),
            p95_ms=round(percentile(times, 0.95), 1),
            p99_ms=round(percentile(times, 0.99), 1),
            failures=sum(not sample.ok for sample in page_samples),
        )
    return figures


def during(samples: list[Sample], intervals: list[tuple[float, float]]) -> list[Sample]:
    """The samples that started inside any of ``intervals`` (start, end), in seconds since the epoch."""
    return [s for s in samples if any(start <= s.start <= end for start, end in intervals)]


def covered_seconds(intervals: list[tuple[float, float]], *, start: float, end: float) -> float:
    """How much of [start, end] the (possibly overlapping) intervals cover."""
    covered, reached = 0.0, start
    for low, high in sorted(intervals):
        low, high = max(low, reached), min(high, end)
        if high > low:
            covered += high - low
            reached = high
    return covered


def summarize(
    samples: list[Sample], *, seconds: float, started: float, import_intervals: list[tuple[float, float]]
) -> dict:
    """What the run prints and writes to var/load.json."""
    everything = page_figures(samples, seconds)
    importing = during(samples, import_intervals)
    import_seconds = covered_seconds(import_intervals, start=started, end=started + seconds)
    while_importing = page_figures(importing, import_seconds)
    return {
        "seconds": round(seconds, 1),
        "requests": len(samples),
        "requests_per_second": round(len(samples) / seconds, 2) if seconds > 0 else 0.0,
        "failures": sum(not sample.ok for sample in samples),
        "import_running_seconds": round(import_seconds, 1),
        "pages": {name: asdict(figures) for name, figures in everything.items()},
        "pages_while_importing": {name: asdict(figures) for name, figures in while_importing.items()},
        "target_p95_ms": TARGET_P95_MS,
        "target_met_while_importing": all(
            while_importing[name].p95_ms < TARGET_P95_MS for name in TARGET_PAGES if name in while_importing
        )
        and any(name in while_importing for name in TARGET_PAGES),
    }


def table(pages: dict[str, dict]) -> str:
    """A plain text table of ``summarize``'s pages."""
    lines = [f"{'page':28} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failures':>8}"]
    for name, figures in pages.items():
        lines.append(
            f"{name:28} {figures['requests']:>8} {figures['per_second']:>7.2f} {figures['p50_ms']:>8.1f} "
            f"{figures['p95_ms']:>8.1f} {figures['p99_ms']:>8.1f} {figures['failures']:>8}"
        )
    return "\n".join(lines)
