"""The analytics page at scale: 5,000 postmortems and 100,000 action items.

``seed_analytics`` completes the bench organization for analytics, after ``seed`` (10,000
incidents over two years), ``create_postmortem`` and ``seed_action_items`` (4,000 postmortems,
100,000 items): it adds postmortems to incidents that have none until there are
``POSTMORTEMS`` (and items until there are ``ITEMS``), then gives every postmortem the dates
and root cause a real one has (started 0–4 days after resolution, submitted and published
later, per its status) and every item the creation date of its postmortem. Idempotent: a second
run changes nothing that the first set.

In ``make bench`` the page is measured like the others (``PAGES``); standalone, this module
times the page in-process (a Django test client, no gunicorn) and counts its queries::

    python -m hindsight_bench.analytics                 # drops and seeds hindsight_bench_analytics
    python -m hindsight_bench.analytics --reuse         # times an already seeded database
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta

from .report import PageResult

PAGE_NAME = "analytics"  # its name among the pages of make bench
ANALYTICS_PATH = "/analytics/"
POSTMORTEMS = 5_000
ITEMS = 100_000
GOAL_MS = 300.0  # median
MAX_QUERIES = 30
RATIO_GOAL = 10.0  # to the reference list, in make bench
RANDOM_SEED = 2029
BATCH_SIZE = 2_000
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hindsight_bench_analytics"


def seed_analytics(organization, postmortems: int = POSTMORTEMS, items: int = ITEMS) -> dict:
    """Top the organization up to ``postmortems`` and ``items``; date what lacks dates.
    Returns the counts after the run."""
    from django.db import transaction
    from django.db.models import Max, OuterRef, Subquery
    from django_scopes import scopes_disabled

    from actionitems.models import ActionItem
    from postmortems.models import Postmortem

    rng = random.Random(RANDOM_SEED)
    with scopes_disabled(), transaction.atomic():
        _add_postmortems(organization, postmortems, rng)
        _add_items(organization, items, rng)
        _date_postmortems(organization, rng)
        first_of_postmortem = Postmortem.objects.filter(pk=OuterRef("postmortem_id")).values(
            "created_at"
        )[:1]
        ActionItem.objects.filter(
            organization=organization, created_at__gt=Subquery(first_of_postmortem)
        ).update(created_at=Subquery(first_of_postmortem))
        counts = {
            "postmortems": Postmortem.objects.filter(organization=organization).count(),
            "items": ActionItem.objects.filter(organization=organization).count(),
            "last_number": Postmortem.objects.filter(organization=organization).aggregate(
                n=Max("number")
            )["n"],
        }
    _analyze()
    return counts


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _add_postmortems(organization, wanted: int, rng: random.Random) -> None:
    from django.db.models import Max

    from incidents.models import Incident
    from organizations.models import Counter, Membership
    from postmortems.models import Postmortem, PostmortemStatus, Visibility

    existing = Postmortem.objects.filter(organization=organization)
    missing = wanted - existing.count()
    if missing <= 0:
        return
    authors = list(
        Membership.objects.filter(organization=organization).values_list("user_id", flat=True)
    )
    incidents = list(
        Incident.objects.filter(
            organization=organization, resolved_at__isnull=False, postmortems__isnull=True
        )
        .order_by("-started_at")
        .values_list("pk", "title")[:missing]
    )
    number = (existing.aggregate(n=Max("number"))["n"] or 0) + 1
    statuses = [PostmortemStatus.PUBLISHED] * 12 + [PostmortemStatus.IN_REVIEW] * 3
    statuses += [PostmortemStatus.DRAFT] * 4 + [PostmortemStatus.ARCHIVED]
    Postmortem.objects.bulk_create(
        [
            Postmortem(
                organization=organization,
                number=number + index,
                title=f"Postmortem: {title}",
                status=rng.choice(statuses),
                incident_id=pk,
                visibility=rng.choice([Visibility.ORGANIZATION] * 8 + [Visibility.PRIVATE]),
                author_id=rng.choice(authors),
            )
            for index, (pk, title) in enumerate(incidents)
        ],
        batch_size=BATCH_SIZE,
    )
    Counter.objects.update_or_create(
        organization=organization,
        name="postmortem",
        defaults={"value": number + len(incidents) - 1},
    )


def _add_items(organization, wanted: int, rng: random.Random) -> None:
    from django.db.models import Max
    from django.utils import timezone

    from actionitems.models import ActionItem, Category, ItemStatus
    from organizations.models import Counter
    from postmortems.models import Postmortem

    existing = ActionItem.objects.filter(organization=organization)
    missing = wanted - existing.count()
    if missing <= 0:
        return
    postmortems = list(
        Postmortem.objects.filter(organization=organization).values_list("pk", "author_id")
    )
    number = (existing.aggregate(n=Max("number"))["n"] or 0) + 1
    today = timezone.localdate()
    made = []
    for index in range(missing):
        pk, author = postmortems[index % len(postmortems)]
        done = rng.random() < 0.6
        made.append(
            ActionItem(
                organization=organization,
                number=number + index,
                postmortem_id=pk,
                description="Add an alert on the saturation of the connection pool",
                owner_id=author,
                due_date=today + timedelta(days=rng.randint(-300, 90)),
                status=ItemStatus.COMPLETED if done else ItemStatus.OPEN,
                completed_at=timezone.now() - timedelta(days=rng.randint(0, 300)) if done else None,
                category=rng.choice(Category.values),
            )
        )
    ActionItem.objects.bulk_create(made, batch_size=BATCH_SIZE)
    Counter.objects.update_or_create(
        organization=organization,
        name="action_item",
        defaults={"value": number + missing - 1},
    )


def _date_postmortems(organization, rng: random.Random) -> None:
    """Dates and a root cause for every postmortem that has none yet (bulk-created ones)."""
    from postmortems.models import Postmortem, PostmortemStatus, RootCauseCategory

    undated = list(
        Postmortem.objects.filter(
            organization=organization, root_cause_category="", incident__resolved_at__isnull=False
        ).select_related("incident")
    )
    categories = RootCauseCategory.values
    weights = [8, 6, 3, 4, 3, 2, 1, 3]  # code defects and configuration errors lead, as in life
    for postmortem in undated:
        resolved = postmortem.incident.resolved_at
        postmortem.created_at = resolved + timedelta(hours=rng.uniform(0, 96))
        postmortem.root_cause_category = rng.choices(categories, weights)[0]
        submitted = postmortem.created_at + timedelta(days=rng.uniform(1, 12))
        if postmortem.status != PostmortemStatus.DRAFT:
            postmortem.submitted_at = submitted
            postmortem.review_round = 1
        if postmortem.status in (PostmortemStatus.PUBLISHED, PostmortemStatus.ARCHIVED):
            postmortem.published_at = submitted + timedelta(days=rng.uniform(0.5, 10))
    Postmortem.objects.bulk_update(
        undated,
        ["created_at", "root_cause_category", "submitted_at", "review_round", "published_at"],
        batch_size=BATCH_SIZE,
    )


# --- Timing (standalone) ----------------------------------------------------------------------


def time_page(organization, repeats: int = 30, warmup: int = 5) -> tuple[list[float], int]:
    """Milliseconds per request for the analytics page (default range) as the bench user, and
    the queries one request runs."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from . import BENCH_USERNAME

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=BENCH_USERNAME))
    path = f"/o/{organization.slug}{ANALYTICS_PATH}"
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return timings, len(queries.captured_queries)


def goals(results: list[PageResult]) -> list[tuple[str, str, bool]]:
    """The analytics page's absolute goals: median under 300 ms at a constant query count."""
    page = next((r for r in results if r.name == PAGE_NAME), None)
    if page is None:
        return []
    return [
        (
            f"analytics page: median < {GOAL_MS:.0f} ms",
            f"{page.p50_ms:.1f} ms (p95 {page.p95_ms:.1f} ms)",
            page.p50_ms < GOAL_MS,
        ),
        (
            # Fewer on a cache hit; tests/postmortems/analytics/ checks that more data adds none.
            f"analytics page: at most {MAX_QUERIES} queries",
            f"{page.queries_min}–{page.queries_max} per request (hit–miss)",
            page.queries_max <= MAX_QUERIES,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    from .server import apply_environment, bench_environment

    parser = argparse.ArgumentParser(
        prog="python -m hindsight_bench.analytics", description=__doc__
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="dropped first!")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="time the database as it is")
    args = parser.parse_args(argv)
    apply_environment(bench_environment(args.database_url, ""))
    import django

    from . import database

    if not args.reuse:
        print(f"Creating {database.database_name(args.database_url)!r}, migrating, seeding …")
        database.recreate(args.database_url)
        database.migrate()
    django.setup()
    from .seed import SeedSizes, bench_organization, create_postmortem, seed
    from .seed_action_items import seed_action_items

    organization = bench_organization() if args.reuse else None
    if not args.reuse:
        started = time.perf_counter()
        sizes = SeedSizes(members=200, teams=40, team_size=8, reference_rows=1, reference_users=1)
        seed(sizes, "x")
        organization = bench_organization()
        create_postmortem(organization)
        seed_action_items(organization, ITEMS)
        print(f"Seeded in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    counts = seed_analytics(organization)
    print(
        f"Analytics data: {counts['postmortems']:,} postmortems, {counts['items']:,} action "
        f"items ({time.perf_counter() - started:.1f} s)"
    )
    timings, queries = time_page(organization, repeats=args.repeats)
    median = statistics.median(timings)
    passed = median < GOAL_MS
    print(
        f"analytics page: median {median:.1f} ms, p95 "
        f"{sorted(timings)[int(len(timings) * 0.95) - 1]:.1f} ms over {len(timings)} requests, "
        f"{queries} queries; goal median < {GOAL_MS:.0f} ms: {'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
