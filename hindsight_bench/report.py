"""Figures per page and per worker, the goals they are held to, and how they are printed."""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .load import Phase, Sample

MEMORY_TOLERANCE = 0.10  # a worker's RSS may end at most 10 % above or below where it started


@dataclass(frozen=True)
class Page:
    """A page to measure; ``goal`` is the largest p50 allowed, as a ratio to the reference's.
    An ``anonymous`` page is requested without the signed-in session (the sign-in page)."""

    name: str
    path: str
    goal: float | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class PageResult:
    name: str
    path: str
    requests: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    queries_min: int
    queries_max: int
    max_rss_kb: int
    ratio: float  # p50 / the reference list's p50
    goal: float | None  # the largest ratio allowed, if any

    @property
    def passed(self) -> bool | None:
        return None if self.goal is None else self.ratio <= self.goal


@dataclass(frozen=True)
class WorkerMemory:
    pid: int
    requests: int
    first_rss_kb: int  # first measured request, after the warm-up
    last_rss_kb: int
    peak_rss_kb: int  # the kernel's high-water mark for the worker

    @property
    def change(self) -> float:
        return self.last_rss_kb / self.first_rss_kb - 1

    @property
    def passed(self) -> bool:
        return abs(self.change) <= MEMORY_TOLERANCE


def page_stats(phases: list[Phase]) -> dict:
    """Throughput, latency percentiles, queries and memory over all of a page's phases."""
    samples = [sample for phase in phases for sample in phase.samples]
    latencies_ms = [sample.latency * 1000 for sample in samples]
    queries = [sample.queries for sample in samples]
    return {
        "requests": len(samples),
        "requests_per_second": len(samples) / sum(phase.elapsed for phase in phases),
        "p50_ms": statistics.median(latencies_ms),
        "p95_ms": percentile(latencies_ms, 95),
        "queries_min": min(queries),
        "queries_max": max(queries),
        "max_rss_kb": max(sample.rss_kb for sample in samples),
    }


def page_results(
    pages: list[Page], phases: dict[str, list[Phase]], reference: Page
) -> list[PageResult]:
    """Each page's figures, its p50 as a ratio to the reference page's, and its goal."""
    stats = {page.name: page_stats(phases[page.name]) for page in pages}
    reference_p50_ms = stats[reference.name]["p50_ms"]
    return [
        PageResult(
            name=page.name,
            path=page.path,
            goal=page.goal,
            ratio=stats[page.name]["p50_ms"] / reference_p50_ms,
            **stats[page.name],
        )
        for page in pages
    ]


def percentile(values: list[float], rank: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[rank - 1]


def worker_memory(samples: Iterable[Sample]) -> list[WorkerMemory]:
    """RSS per worker, first and last in time order, over the measured requests."""
    by_pid: dict[int, list[Sample]] = defaultdict(list)
    for sample in sorted(samples, key=lambda sample: sample.finished_at):
        by_pid[sample.pid].append(sample)
    return [
        WorkerMemory(
            pid=pid,
            requests=len(served),
            first_rss_kb=served[0].rss_kb,
            last_rss_kb=served[-1].rss_kb,
            peak_rss_kb=max(max(s.peak_rss_kb, s.rss_kb) for s in served),
        )
        for pid, served in sorted(by_pid.items())
    ]


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: ""}[passed]


def queries_text(result: PageResult) -> str:
    if result.queries_min == result.queries_max:
        return str(result.queries_min)
    return f"{result.queries_min}–{result.queries_max}"


PAGE_COLUMNS = "{:<16} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>7}  {}"
WORKER_COLUMNS = "{:<10} {:>9} {:>11} {:>10} {:>10} {:>8}  {}"


def print_pages(results: list[PageResult], reference: str) -> None:
    print(
        PAGE_COLUMNS.format(
            "page", "req/s", "p50 ms", "p95 ms", "queries", "RSS MiB", "× ref", "goal", "result"
        )
    )
    for result in results:
        goal = "" if result.goal is None else f"≤ {result.goal:.2f}"
        print(
            PAGE_COLUMNS.format(
                result.name,
                f"{result.requests_per_second:.1f}",
                f"{result.p50_ms:.1f}",
                f"{result.p95_ms:.1f}",
                queries_text(result),
                mib(result.max_rss_kb),
                f"{result.ratio:.2f}",
                goal,
                verdict(result.passed),
            )
        )
    print(f"(× ref: p50 latency as a multiple of the {reference!r} page's p50; RSS: largest")
    print(" worker resident set size seen while the page was measured)")


def print_workers(workers: list[WorkerMemory]) -> None:
    print(
        WORKER_COLUMNS.format(
            "worker pid", "requests", "first MiB", "last MiB", "peak MiB", "change", "flat ±10 %"
        )
    )
    for worker in workers:
        print(
            WORKER_COLUMNS.format(
                worker.pid,
                worker.requests,
                mib(worker.first_rss_kb),
                mib(worker.last_rss_kb),
                mib(worker.peak_rss_kb),
                f"{worker.change:+.1%}",
                verdict(worker.passed),
            )
        )
    print("(first/last: resident set size at the worker's first and last measured request,")
    print(" after the warm-up; peak: the kernel's high-water mark)")
