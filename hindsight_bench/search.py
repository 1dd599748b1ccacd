"""Search over 10,000 published postmortems: the data set and the timing.

``seed_search`` adds 10,000 published postmortems with varied, realistic text (summary, timeline,
root cause, contributing factors, action items, lessons) to the bench organization, once, and
builds their search vectors. ``time_search`` runs the search page's work in this process (the
same ``search_postmortems`` call the view makes: count, ranked page, snippets) for a set of
queries: common words, phrases, rare words, operators, other scripts and filters, as an admin
(no visibility filter) and as an engineer (the visibility filter applies). Goal: p95 < 100 ms.

Standalone (drops and recreates the database; its name must contain "bench")::

    python -m hindsight_bench.search --database-url postgres://postgres@127.0.0.1/hindsight_bench

Import the functions only after ``django.setup()``.
"""

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

SEARCH_NAME = "search over 10,000 published postmortems"
SEARCH_POSTMORTEMS = 10_000
SEARCH_P95_GOAL_MS = 100.0
SEEDED_COUNTER = "bench-search-seeded"
RANDOM_SEED = 8
BATCH_SIZE = 1_000
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

SERVICES = [
    "payments-api",
    "checkout",
    "search",
    "auth",
    "notifications",
    "web",
    "mobile-api",
    "billing",
    "data-pipeline",
    "cdn",
    "gateway",
    "inventory",
    "ledger",
    "recommendations",
]
COMPONENTS = [
    "primary database",
    "read replica",
    "database connection pool",
    "Redis cache",
    "Kafka consumer group",
    "load balancer",
    "DNS resolver",
    "TLS certificate",
    "job queue",
    "object storage bucket",
    "feature flag service",
    "service mesh sidecar",
    "autoscaler",
    "CDN edge configuration",
    "rate limiter",
    "search cluster",
    "memcached tier",
    "API gateway",
    "cron scheduler",
    "message broker",
]
FAILURES = [
    "ran out of connections",
    "returned 500 errors",
    "timed out under load",
    "stopped accepting writes",
    "served stale data",
    "leaked memory until it was killed",
    "entered a crash loop",
    "deadlocked on a hot row",
    "dropped messages",
    "rejected valid tokens",
    "saturated its CPU",
    "filled its disk",
    "fell hours behind",
    "throttled legitimate traffic",
]
TRIGGERS = [
    "a routine deploy",
    "a configuration change",
    "a schema migration",
    "a traffic surge from a marketing campaign",
    "an expired certificate",
    "a dependency upgrade",
    "a failover drill",
    "a retry storm from mobile clients",
    "a noisy neighbour on shared hosts",
    "a cloud provider incident",
    "a manual operation during maintenance",
    "a thundering herd after a cache flush",
]
CAUSES = [
    "The {component} had no limit on concurrent work, so {trigger} pushed it past capacity.",
    "A default timeout of 30 seconds in the {component} client let requests pile up.",
    "The {service} health check only tested the process, not its dependency on the "
    "{component}, so the load balancer kept sending traffic to broken instances.",
    "A missing index made one query scan the whole table once the {component} was warm.",
    "The rollout skipped the canary stage because the pipeline treated the change as "
    "configuration only.",
    "Retries without jitter multiplied the load on the {component} by five.",
    "The alert on {service} error rate had been silenced during an earlier migration and "
    "never re-enabled.",
    "Capacity planning assumed last year's peak; traffic had doubled since.",
    "An unreviewed change to the {component} settings removed the connection limit.",
    "The runbook for the {component} described the old topology, so the first mitigation "
    "made things worse.",
]
LESSONS = [
    "Canary every change, configuration included.",
    "Alert on symptoms customers feel, not only on causes.",
    "Keep runbooks next to the code they describe and review them with it.",
    "Test failover paths regularly, not only during incidents.",
    "Put explicit limits and timeouts on every dependency call.",
    "Make the on-call dashboard show saturation, not just averages.",
    "Add jitter and budgets to client retries.",
    "Rehearse the rollback before the rollout.",
]
ACTIONS = [
    "Add a circuit breaker between {service} and the {component}",
    "Alert when {service} p99 latency exceeds 800 ms for five minutes",
    "Cap the {component} connection pool and page on saturation",
    "Write a runbook for failing over the {component}",
    "Load-test {service} at three times the last peak",
    "Add a canary stage to the {service} deploy pipeline",
    "Rotate the {component} certificates automatically",
]
RARE = ["zookeeper", "etcd quorum", "BGP route leak", "leap second", "clock skew of 4 minutes"]
CATEGORIES = [
    "CODE_DEFECT",
    "CONFIGURATION_ERROR",
    "CAPACITY",
    "DEPENDENCY_FAILURE",
    "PROCESS_GAP",
    "OPERATIONAL_ERROR",
    "DESIGN_FLAW",
    "MONITORING_GAP",
]
SECTIONS = [
    ("summary", "Summary", "markdown"),
    ("timeline", "Timeline", "timeline"),
    ("root-cause", "Root cause", "markdown"),
    ("contributing-factors", "Contributing factors", "contributing_factors"),
    ("action-items", "Action items", "markdown"),
    ("lessons-learned", "Lessons learned", "markdown"),
]


# --- The data set ------------------------------------------------------------------------------


@dataclass
class Story:
    service: str
    component: str
    failure: str
    trigger: str
    minutes: int
    rng: random.Random

    def fill(self, text: str) -> str:
        return text.format(service=self.service, component=self.component, trigger=self.trigger)

    @property
    def title(self) -> str:
        return f"{self.service}: {self.component} {self.failure} after {self.trigger}"

    def summary(self) -> str:
        users = self.rng.choice(["2%", "11%", "a third", "most", "all EU"])
        extra = self.rng.choice(
            [
                "",
                " Customers saw error pages at checkout and support tickets tripled.",
                " No data was lost; delayed events were replayed the same day.",
                " The error budget for the quarter was spent in one afternoon.",
                f" A {self.rng.choice(RARE)} made the diagnosis harder."
                if self.rng.random() < 0.1
                else "",
            ]
        )
        return (
            f"For {self.minutes} minutes {users} of requests to **{self.service}** failed "
            f"because the {self.component} {self.failure}. It started with {self.trigger}.{extra}"
        )

    def timeline(self) -> dict:
        steps = [
            ("alert", f"Error rate on {self.service} above 5%"),
            ("note", "On-call acknowledged the page"),
            ("decision", f"Suspected the {self.component}; opened the dashboard"),
            ("action", "Rolled back the last deploy"),
            ("note", "Errors continued after the rollback"),
            ("action", f"Restarted the {self.component}"),
            ("action", f"Scaled {self.service} out by four instances"),
            ("note", "Error rate back to normal; monitoring"),
        ]
        count = self.rng.randint(5, len(steps))
        return {
            "rows": [
                {
                    "time": f"2025-01-01T10:{index * 5:02d}:00+00:00",
                    "event": event,
                    "actor": "Datadog" if kind == "alert" else "On-call",
                    "key": kind == "alert",
                }
                for index, (kind, event) in enumerate(steps[:count])
            ]
        }

    def root_cause(self) -> str:
        picked = self.rng.sample(CAUSES, self.rng.randint(2, 3))
        return "\n\n".join(self.fill(cause) for cause in picked)

    def factors(self) -> dict:
        return {
            "factors": [
                {
                    "title": self.fill(self.rng.choice(ACTIONS)).replace("Add", "No"),
                    "description": self.fill(self.rng.choice(CAUSES)),
                    "category": self.rng.choice(["code", "config", "monitoring", "deployment"]),
                    "level": level,
                }
                for level in ("primary", "secondary")
            ]
        }

    def actions(self) -> str:
        picked = self.rng.sample(ACTIONS, 3)
        return "\n".join(f"- [ ] {self.fill(action)}" for action in picked)

    def lessons(self) -> str:
        return "\n".join(f"- {lesson}" for lesson in self.rng.sample(LESSONS, 3))


def story(rng: random.Random) -> Story:
    return Story(
        service=rng.choice(SERVICES),
        component=rng.choice(COMPONENTS),
        failure=rng.choice(FAILURES),
        trigger=rng.choice(TRIGGERS),
        minutes=rng.randint(6, 400),
        rng=rng,
    )


def seed_search(organization, count: int = SEARCH_POSTMORTEMS) -> int:
    """Add ``count`` published postmortems with text to the organization (once: a counter
    remembers it) and index every postmortem of the organization. Returns how many were added."""
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from organizations.models import Counter

    with scopes_disabled():
        if Counter.objects.filter(organization=organization, name=SEEDED_COUNTER).exists():
            return 0
        with transaction.atomic():
            _create(organization, count, random.Random(RANDOM_SEED))
            Counter.objects.create(organization=organization, name=SEEDED_COUNTER, value=count)
        from postmortems.search.indexing import search_documents_rebuild

        search_documents_rebuild(organization=organization, batch_size=BATCH_SIZE)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return count


def _create(organization, count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from incidents.models import Incident
    from organizations.models import Counter, Membership
    from organizations.roles import Role
    from postmortems.models import Postmortem, PostmortemStatus, Section, Visibility

    authors = list(
        Membership.objects.filter(organization=organization)
        .exclude(role=Role.VIEWER)
        .values_list("user_id", flat=True)
    )
    incidents = list(
        Incident.objects.filter(organization=organization).values_list("pk", flat=True)
    )
    counter, _ = Counter.objects.get_or_create(organization=organization, name="postmortem")
    first_number = counter.value + 1
    now = timezone.now()
    visibilities = [Visibility.ORGANIZATION] * 18 + [Visibility.TEAM, Visibility.PRIVATE]
    for start in range(0, count, BATCH_SIZE):
        stories = [story(rng) for _ in range(min(BATCH_SIZE, count - start))]
        made = Postmortem.objects.bulk_create(
            [
                Postmortem(
                    organization=organization,
                    number=first_number + start + index,
                    title=s.title[:200],
                    status=PostmortemStatus.PUBLISHED,
                    incident_id=rng.choice(incidents) if incidents else None,
                    visibility=rng.choice(visibilities),
                    author_id=rng.choice(authors) if authors else None,
                    root_cause_category=rng.choice(CATEGORIES),
                    published_at=now - timedelta(days=rng.uniform(0, 730)),
                )
                for index, s in enumerate(stories)
            ]
        )
        Section.objects.bulk_create(
            [
                section
                for postmortem, s in zip(made, stories, strict=True)
                for section in _sections(organization, postmortem, s)
            ]
        )
    counter.value = first_number + count - 1
    counter.save(update_fields=["value"])


def _sections(organization, postmortem, s: Story) -> list:
    from postmortems.models import Section

    content = {
        "summary": (s.summary(), {}),
        "timeline": ("", s.timeline()),
        "root-cause": (s.root_cause(), {}),
        "contributing-factors": ("", s.factors()),
        "action-items": (s.actions(), {}),
        "lessons-learned": (s.lessons(), {}),
    }
    return [
        Section(
            organization=organization,
            postmortem=postmortem,
            key=key,
            title=title,
            kind=kind,
            body=content[key][0],
            data=content[key][1],
            position=position,
        )
        for position, (key, title, kind) in enumerate(SECTIONS)
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
