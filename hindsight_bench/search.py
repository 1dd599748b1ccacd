"""Search over 10,000 published postmortems: the timing.

``time_search`` runs the search page's work in this process (the same ``search_postmortems`` call
the view makes: count, ranked page, snippets) for a set of queries: common words, phrases, rare
words, operators, other scripts and filters, as an admin (no visibility filter) and as an
engineer (the visibility filter applies), over the postmortems ``seed_search`` adds (the data
set: ``hindsight_bench.seed_search``). Goal: p95 < 100 ms.

Standalone (drops and recreates the database; its name must contain "bench")::

    python -m hindsight_bench.search --database-url postgres://postgres@127.0.0.1/hindsight_bench

Import the functions only after ``django.setup()``.
"""

import argparse
import statistics
import sys
import time
from dataclasses import dataclass

from .seed_search import seed_search

SEARCH_NAME = "search over 10,000 published postmortems"
SEARCH_P95_GOAL_MS = 100.0
REPEATS = 15
WARMUP = 3

# (label, query, filters): what people type, from one common word to operators and scripts.
QUERIES: list[tuple[str, str, dict]] = [
    ("common word", "database", {}),
    ("common word", "error", {}),
    ("stop word + common", "the deploy", {}),
    ("common, 2 words", "connection timeout", {}),
    ("phrase", '"connection pool"', {}),
    ("3 words", "certificate expired load balancer", {}),
    ("rare word", "zookeeper", {}),
    ("rare, stemmed", "thundering herds", {}),
    ("service name", "payments-api latency", {}),
    ("or", "redis or memcached", {}),
    ("exclusion", "dns -cdn", {}),
    ("no match", "xylophone", {}),
    ("other script", "数据库", {}),
    ("stop words only", "the and of", {}),
    ("common + SEV1", "database", {"severity": "SEV1"}),
    ("common, any status", "error", {"status": "any"}),
    ("common + category", "deploy", {"category": "CONFIGURATION_ERROR"}),
]


# --- The timing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryTiming:
    label: str
    query: str
    filters: dict
    as_role: str
    results: int
    ms: list[float]  # wall clock, as a user waits
    cpu_ms: list[float]  # on-CPU time of this process and its database backend

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return percentile(self.ms, 95)

    @property
    def cpu_p95(self) -> float:
        return percentile(self.cpu_ms, 95)


@dataclass(frozen=True)
class SearchRun:
    postmortems: int
    timings: list[QueryTiming]

    @property
    def all_ms(self) -> list[float]:
        return [ms for timing in self.timings for ms in timing.ms]

    @property
    def all_cpu_ms(self) -> list[float]:
        return [ms for timing in self.timings for ms in timing.cpu_ms]

    @property
    def p50(self) -> float:
        return statistics.median(self.all_ms)

    @property
    def p95(self) -> float:
        return percentile(self.all_ms, 95)

    @property
    def cpu_p95(self) -> float:
        return percentile(self.all_cpu_ms, 95)

    @property
    def worst(self) -> QueryTiming:
        return max(self.timings, key=lambda timing: timing.p95)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def cpu_ns(pid: int) -> int:
    """Nanoseconds a process has spent on a CPU (Linux ``schedstat``; 0 where unavailable).
    Unlike the wall clock, this does not grow when other work competes for the machine."""
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def time_search(organization=None, *, repeats: int = REPEATS, warmup: int = WARMUP) -> SearchRun:
    """Each query of ``QUERIES``, as the bench admin and as an engineer: first page, count and
    snippets, ``repeats`` times after ``warmup`` runs. Call after ``django.setup()``, with the
    database on this machine (its backend's CPU time is read from ``/proc``)."""
    import os

    from django.db import connection
    from django.utils import timezone
    from django_scopes import scope

    from organizations.models import Membership
    from organizations.roles import Role
    from postmortems.models import Postmortem
    from postmortems.search import services as search

    from . import BENCH_USERNAME
    from .seed import bench_organization

    organization = organization or bench_organization()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pids = (os.getpid(), cursor.fetchone()[0])
    timings = []
    with scope(organization=organization), timezone.override(organization.time_zone):
        members = {
            "admin": Membership.objects.get(
                organization=organization, user__username=BENCH_USERNAME
            ),
            "engineer": Membership.objects.filter(organization=organization, role=Role.ENGINEER)
            .order_by("pk")
            .first(),
        }
        total = Postmortem.objects.filter(organization=organization, status="PUBLISHED").count()
        for role, membership in members.items():
            for label, query, filters in QUERIES:
                ms, cpu, found = [], [], 0
                for attempt in range(warmup + repeats):
                    cpu_before = sum(cpu_ns(pid) for pid in pids)
                    started = time.perf_counter()
                    results = search.search_postmortems(
                        organization=organization,
                        membership=membership,
                        query=query,
                        filters=search.SearchFilters(**filters),
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    if attempt >= warmup:
                        ms.append(elapsed)
                        cpu.append((sum(cpu_ns(pid) for pid in pids) - cpu_before) / 1e6)
                    found = results.total
                timings.append(QueryTiming(label, query, filters, role, found, ms, cpu))
    connection.close()
    return SearchRun(total, timings)


def goals(run: SearchRun | None) -> list[tuple[str, str, bool]]:
    """(what, measured, passed), like ``tracker.goals``. The goal is on the wall clock; the
    CPU time beside it says what an unloaded machine would take when the run was disturbed."""
    if run is None:
        return []
    worst = run.worst
    return [
        (
            f"search, {run.postmortems:,} published: p95 < {SEARCH_P95_GOAL_MS:.0f} ms",
            f"p95 {run.p95:.1f} ms, p50 {run.p50:.1f} ms (CPU p95 {run.cpu_p95:.1f} ms), "
            f"{len(run.all_ms)} searches",
            run.p95 < SEARCH_P95_GOAL_MS,
        ),
        (
            f"search, slowest query: p95 < {SEARCH_P95_GOAL_MS:.0f} ms",
            f"{worst.p95:.1f} ms (CPU {worst.cpu_p95:.1f} ms): {worst.query!r} as "
            f"{worst.as_role}, {worst.results:,} hits",
            worst.p95 < SEARCH_P95_GOAL_MS,
        ),
    ]


def print_run(run: SearchRun) -> None:
    print(f"{'query':<40} {'as':<9} {'hits':>6} {'p50 ms':>8} {'p95 ms':>8} {'CPU p95':>8}")
    for timing in run.timings:
        shown = timing.query + (f" {timing.filters}" if timing.filters else "")
        hits = f"{min(timing.results, 1000):,}{'+' if timing.results > 1000 else ''}"
        print(
            f"{shown[:40]:<40} {timing.as_role:<9} {hits:>6} "
            f"{timing.p50:>8.1f} {timing.p95:>8.1f} {timing.cpu_p95:>8.1f}"
        )


# --- Standalone --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from .__main__ import DEFAULT_DATABASE_URL
    from .server import apply_environment, bench_environment

    parser = argparse.ArgumentParser(prog="python -m hindsight_bench.search", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="dropped first!")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument(
        "--reuse", action="store_true", help="time the database as it is (seeded by a past run)"
    )
    args = parser.parse_args(argv)
    apply_environment(bench_environment(args.database_url, ""))
    import django

    from . import database

    if not args.reuse:
        print(f"Creating {database.database_name(args.database_url)!r}, migrating, seeding …")
        database.recreate(args.database_url)
        database.migrate()
    django.setup()
    from .seed import SeedSizes, bench_organization, seed

    if not args.reuse:
        started = time.perf_counter()
        sizes = SeedSizes(members=200, teams=40, team_size=8, reference_rows=1, reference_users=1)
        seed(sizes, "x")
        seed_search(bench_organization())
        print(f"Seeded and indexed in {time.perf_counter() - started:.1f} s\n")
    run = time_search(repeats=args.repeats)
    print_run(run)
    print()
    failures = 0
    for what, measured, passed in goals(run):
        failures += not passed
        print(f"  {what:<48} {measured:<72} {'PASS' if passed else 'FAIL'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
