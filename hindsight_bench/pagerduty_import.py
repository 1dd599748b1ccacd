"""The PagerDuty importer: 10,000 past incidents with 20 log entries each, from the PagerDuty
stand-in of the tests (``tests/integrations/pagerduty_import/pagerduty_server.py``, which
generates the pages from the documented responses as they are asked for) served by a process
of its own, imported in this process as the worker does (``run.import_run``).

Goals: the whole import under 5 minutes, and memory flat: this process's resident memory,
sampled as the incidents go by, grows by less than ``GOAL_GROWTH_MB`` from the end of the first
tenth of the incidents to the end (a leak of a few kB per incident would show as tens of MB).

In the benchmark's database, in an organization of its own. Tasks are queued as with a
broker, not run in this process: each resolution queues its draft and metrics capture for
other workers (here the in-memory broker, emptied at every sample), as in production; the
organization's postmortem policy writes no drafts in case one runs.

``python -m hindsight_bench.pagerduty_import [--incidents N] [--fresh]`` runs it alone against
``DATABASE_URL`` (``--fresh`` drops, creates and migrates it first; its name must contain
"bench").
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from . import database

NAME = "pagerduty import"
INCIDENTS = 10_000
ENTRIES = 20
GOAL_SECONDS = 300.0
GOAL_GROWTH_MB = 40.0
SAMPLE_SECONDS = 0.5
STEP = timedelta(minutes=30)  # 10,000 incidents over about seven months: two listing windows


def rss_mb() -> float:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _serve(count: int, entries: int, port_box, served) -> None:
    """The stand-in, in a process of its own; counts the logs it served in ``served``."""
    from tests.integrations.pagerduty_import.pagerduty_server import Account, Handler, serve

    class Counting(Handler):
        def _log_entries(self, *args) -> None:
            with served.get_lock():
                served.value += 1
            super()._log_entries(*args)

    server = serve(Account(count=count, entries=entries, step=STEP), keep_requests=False)
    server.RequestHandlerClass = Counting
    port_box.put(server.server_address[1])
    threading.Event().wait()


@dataclass
class Samples:
    """(incidents served, resident MB) every ``SAMPLE_SECONDS`` while the import runs."""

    points: list[tuple[int, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self, served, drain, entries: int) -> None:
        from django.db import connection

        statistics = Statistics(entries)
        try:
            while not self.stop.wait(SAMPLE_SECONDS):
                drain()
                statistics.keep_fresh(served.value)
                self.points.append((served.value, rss_mb()))
        finally:
            connection.close()


class Statistics:
    """Autovacuum is off on the benchmark's server (and in CI); in production it analyzes a
    table once a tenth of it changed (``autovacuum_analyze_scale_factor``). Without it the
    planner keeps the row counts of before the import and, for an organization it never saw,
    scans every row of that organization where one index entry would do. So, as autovacuum
    would: the tables the import fills are analyzed each time it added a tenth of the
    timeline."""

    TABLES = (
        "incidents_timelineentry",
        "incidents_incident",
        "incidents_incidentservice",
        "incidents_incidentlink",
        "integrations_pagerentry",
        "integrations_pagerincident",
    )

    def __init__(self, entries: int) -> None:
        from django.db import connection

        self.entries = entries
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM incidents_timelineentry")
            self.rows = cursor.fetchone()[0]
        self.analyzed_at = 0

    def keep_fresh(self, served: int) -> None:
        added = (served - self.analyzed_at) * (self.entries + 1)
        if added < max(50, self.rows // 10):
            return
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(self.TABLES)}")
        self.rows += added
        self.analyzed_at = served


def run_bench(incidents: int = INCIDENTS, entries: int = ENTRIES) -> dict:
    """Import ``incidents`` incidents of ``entries`` log entries each; answers the numbers."""
    import django

    django.setup()
    context = multiprocessing.get_context("fork")
    port_box, served = context.Queue(), context.Value("i", 0)
    server = context.Process(
        target=_serve, args=(incidents, entries, port_box, served), daemon=True
    )
    server.start()
    try:
        port = port_box.get(timeout=30)
        return _measure(f"http://127.0.0.1:{port}", incidents, entries, served)
    finally:
        server.terminate()
        server.join(5)


def _measure(url: str, incidents: int, entries: int, served) -> dict:
    from django.db import connections
    from django.test import override_settings
    from django_scopes import scope

    from integrations.pagerduty_import import services
    from integrations.pagerduty_import.models import PagerDutyImport
    from integrations.pagerduty_import.run import import_run

    organization = _organization()
    samples = Samples()
    with (
        override_settings(INTEGRATIONS_INSECURE_HOSTS=["127.0.0.1"]),
        scope(organization=organization),
        queued_elsewhere() as drain,
    ):
        services.settings_save(
            organization=organization,
            actor=None,
            base_url=url,
            api_key="u+test-api-key",
            default_severity="SEV3",
            severity_map={"p2": "SEV1", "high": "SEV2"},
        )
        run = _queued_run(organization)
        watcher = threading.Thread(target=samples.watch, args=(served, drain, entries), daemon=True)
        start_rss = rss_mb()
        watcher.start()
        started = time.perf_counter()
        progress = import_run(run=run, lease=run.lease, budget=float("inf"))
        seconds = time.perf_counter() - started
        samples.stop.set()
        watcher.join()
        run = PagerDutyImport.objects.get(pk=run.pk)
    connections.close_all()
    return {
        "incidents": incidents,
        "entries_per_incident": entries,
        "seconds": seconds,
        "error": str(progress.error or ""),
        "status": run.status,
        "seen": run.incidents_seen,
        "created": run.incidents_created,
        "entries": run.entries,
        "errors": run.errors,
        "start_rss_mb": start_rss,
        **memory_growth(samples.points, incidents),
    }


def _queued_run(organization):
    """A run as "Start import" queues it (this process runs the import itself, timed)."""
    from datetime import date

    from integrations.pagerduty_import import services

    return services.import_start(
        organization=organization, actor=None, since=date(2025, 3, 1), until=date(2025, 12, 31)
    )


@contextmanager
def queued_elsewhere():
    """Tasks queued as with a broker, not run in this process: the import's own task and each
    resolution's (its draft and metrics), which other workers run. They go to the in-memory
    broker, emptied as the samples are taken (as workers would take them)."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield app.control.purge
    finally:
        app.control.purge()
        app.conf.task_always_eager = eager


def _organization():
    from incidents.models import Service
    from organizations.models import Organization, PostmortemPolicy

    organization = Organization.objects.create(
        name="PagerDuty import bench", slug=f"pd-bench-{secrets.token_hex(4)}"
    )
    PostmortemPolicy.objects.create(organization=organization, auto_generate=False)
    for name in ("checkout", "payments"):
        Service.objects.create(organization=organization, name=name)
    return organization


def memory_growth(points: list[tuple[int, float]], incidents: int) -> dict:
    """Growth of resident memory from the end of the first tenth of ``points``' count (the
    incidents, the queries) to the end."""
    if not points:
        return {"baseline_rss_mb": 0.0, "peak_rss_mb": 0.0, "growth_mb": 0.0, "samples": 0}
    tenth = [rss for served, rss in points if served <= incidents // 10] or [points[0][1]]
    baseline, peak = max(tenth), max(rss for _, rss in points)
    return {
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak,
        "growth_mb": peak - baseline,
        "samples": len(points),
    }


def goals(result: dict) -> list[tuple[str, str, bool]]:
    per_second = result["created"] / result["seconds"] if result["seconds"] else 0
    whole = result["status"] == "done" and result["created"] == result["incidents"]
    return [
        (
            f"pagerduty import, {result['incidents']:,} × {result['entries_per_incident']}: "
            f"< {GOAL_SECONDS:.0f} s",
            f"{result['seconds']:.1f} s ({per_second:.0f} incidents/s, "
            f"{result['entries']:,} entries, {result['errors']} errors, {result['status']})",
            whole and result["seconds"] < GOAL_SECONDS,
        ),
        (
            f"pagerduty import memory growth after 10%: < {GOAL_GROWTH_MB:.0f} MB",
            f"{result['growth_mb']:+.1f} MB ({result['baseline_rss_mb']:.0f} → "
            f"peak {result['peak_rss_mb']:.0f} MB, {result['samples']} samples)",
            result["growth_mb"] < GOAL_GROWTH_MB,
        ),
    ]


def measure() -> list[tuple[str, str, bool]]:
    """What ``make bench`` calls (after the pages, in its process)."""
    print(f"Importing {INCIDENTS:,} PagerDuty incidents of {ENTRIES} log entries …")
    return goals(run_bench())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m hindsight_bench.pagerduty_import")
    parser.add_argument("--incidents", type=int, default=INCIDENTS)
    parser.add_argument("--entries", type=int, default=ENTRIES)
    parser.add_argument("--fresh", action="store_true", help="recreate and migrate the database")
    args = parser.parse_args()
    database.standalone(args.fresh)
    for what, measured, passed in goals(run_bench(args.incidents, args.entries)):
        print(f"  {what:<56} {measured:<60} {'PASS' if passed else 'FAIL'}")


if __name__ == "__main__":
    main()
