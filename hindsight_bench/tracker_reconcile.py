"""The tracker reconciliation: 10,000 action items linked to GitHub issues, read back from the
GitHub stand-in of the tests (``tests/integrations/trackers/github_server.py``: REST and
GraphQL, each query validated against GitHub's published schema) served by a process of its
own, and reconciled in this process as the nightly task does (``reconcile.reconcile``).

One issue in twenty was closed on GitHub since the last sync (``CHANGED_EVERY``); the others
are as last synced. Goals: the whole run under 5 minutes; at most one request per 100 items
(GraphQL reads 100 issues per query); exactly the changed issues change their items; and
memory flat: this process's resident memory, sampled as the queries go by, grows by less than
``GOAL_GROWTH_MB`` from the end of the first tenth of the queries to the end.

In the benchmark's database, in an organization of its own; tasks are queued as with a broker
and not run (``pagerduty_import.queued_elsewhere``).

``python -m hindsight_bench.tracker_reconcile [--items N] [--fresh]`` runs it alone against
``DATABASE_URL`` (``--fresh`` drops, creates and migrates it first; its name must contain
"bench").
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import database
from .pagerduty_import import memory_growth, queued_elsewhere, rss_mb

NAME = "tracker reconciliation"
ITEMS = 10_000
CHANGED_EVERY = 20  # one issue in twenty closed on GitHub since the last sync: 5 %
REPOSITORIES = ("acme/api", "acme/payments", "acme/web", "acme/infra")
GOAL_SECONDS = 300.0
GOAL_REQUESTS_PER_100 = 1.0
GOAL_GROWTH_MB = 40.0
SAMPLE_SECONDS = 0.25
SEED_BATCH = 2_000
SYNCED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHANGED_AT = SYNCED_AT + timedelta(days=1)


def repository_of(number: int) -> str:
    return REPOSITORIES[number % len(REPOSITORIES)]


def changed_remotely(number: int) -> bool:
    return number % CHANGED_EVERY == 0


def _serve(items: int, port_box, served) -> None:
    """The stand-in, in a process of its own, holding the items' issues; counts every request
    it answers in ``served``."""
    from tests.integrations.trackers.github_server import Account, Handler, graphql_schema, iso
    from tests.integrations.trackers.github_server import serve as serve_github

    class Counting(Handler):
        def _record(self, body: bytes, kind: str) -> None:
            with served.get_lock():
                served.value += 1

    account = Account(repositories=set(REPOSITORIES), keep_requests=False)
    for number in range(1, items + 1):
        fields = {"title": f"Action item {number}", "updated_at": iso(SYNCED_AT)}
        if changed_remotely(number):
            fields.update(state="closed", state_reason="completed", updated_at=iso(CHANGED_AT))
        account.add_issue(repository_of(number), number, **fields)
    graphql_schema()  # GitHub's schema is parsed once, before the clock starts
    server = serve_github(account)
    server.RequestHandlerClass = type("BoundCounting", (Counting,), {"account": account})
    port_box.put((server.server_address[1], account.token))
    threading.Event().wait()


@dataclass
class Samples:
    """(requests served, resident MB) every ``SAMPLE_SECONDS`` while the run goes."""

    points: list[tuple[int, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self, served, drain) -> None:
        while not self.stop.wait(SAMPLE_SECONDS):
            drain()
            self.points.append((served.value, rss_mb()))


def run_bench(items: int = ITEMS) -> dict:
    """Reconcile ``items`` linked items; answers the numbers."""
    import django

    django.setup()
    context = multiprocessing.get_context("fork")
    port_box, served = context.Queue(), context.Value("i", 0)
    server = context.Process(target=_serve, args=(items, port_box, served), daemon=True)
    server.start()
    try:
        port, token = port_box.get(timeout=120)
        return _measure(f"http://127.0.0.1:{port}", token, items, served)
    finally:
        server.terminate()
        server.join(5)


def _measure(url: str, token: str, items: int, served) -> dict:
    from django.db import connections
    from django.test import override_settings
    from django_scopes import scope

    from integrations.trackers.reconcile import reconcile

    connection = _seed(url, token, items)
    samples = Samples()
    with (
        override_settings(INTEGRATIONS_INSECURE_HOSTS=["127.0.0.1"]),
        scope(organization=connection.organization),
        queued_elsewhere() as drain,
    ):
        watcher = threading.Thread(target=samples.watch, args=(served, drain), daemon=True)
        before = served.value
        start_rss = rss_mb()
        watcher.start()
        started = time.perf_counter()
        counts = reconcile(connection)
        seconds = time.perf_counter() - started
        samples.stop.set()
        watcher.join()
    requests = served.value - before
    connections.close_all()
    return {
        "items": items,
        "expected_changes": sum(map(changed_remotely, range(1, items + 1))),
        "seconds": seconds,
        "requests": requests,
        "start_rss_mb": start_rss,
        **counts,
        **memory_growth([(served - before, rss) for served, rss in samples.points], requests),
    }


def _seed(url: str, token: str, items: int):
    """An organization of its own: one postmortem with ``items`` open items, each linked to
    its issue as of the last sync, and the GitHub connection to the stand-in."""
    from django.contrib.auth import get_user_model
    from django.db import connection as database
    from django.db import transaction
    from django_scopes import scopes_disabled

    from actionitems.models import ActionItem, ItemStatus
    from integrations.trackers.models import TicketLink, TrackerConnection
    from organizations.models import Counter, Organization
    from postmortems.models import Postmortem, PostmortemStatus, Visibility

    suffix = secrets.token_hex(4)
    print(f"Linking {items:,} action items to GitHub issues …")
    with scopes_disabled(), transaction.atomic():
        organization = Organization.objects.create(
            name="Tracker reconciliation bench", slug=f"tracker-bench-{suffix}"
        )
        owner = get_user_model().objects.create(
            username=f"tracker-bench-{suffix}", email=f"owner-{suffix}@example.com"
        )
        postmortem = Postmortem.objects.create(
            organization=organization,
            number=1,
            title="Tracker reconciliation bench",
            status=PostmortemStatus.PUBLISHED,
            visibility=Visibility.ORGANIZATION,
            author=owner,
        )
        tracker = TrackerConnection.objects.create(
            organization=organization,
            kind="github",
            base_url=url,
            token=token,
            target=REPOSITORIES[0],
            is_default=True,
        )
        for start in range(1, items + 1, SEED_BATCH):
            numbers = range(start, min(start + SEED_BATCH, items + 1))
            made = ActionItem.objects.bulk_create(
                ActionItem(
                    organization=organization,
                    number=number,
                    postmortem=postmortem,
                    section_key="actions-short-term",
                    position=number - 1,
                    description=f"Action item {number}",
                    owner=owner,
                    status=ItemStatus.OPEN,
                    severity_rank=9,
                    created_by=owner,
                    ticket_url=f"https://github.com/{repository_of(number)}/issues/{number}",
                )
                for number in numbers
            )
            TicketLink.objects.bulk_create(_link(tracker, item) for item in made)
        Counter.objects.create(organization=organization, name="action_item", value=items)
    with database.cursor() as cursor:  # as autovacuum would, after a tenth of a table changed
        cursor.execute(f"ANALYZE {ActionItem._meta.db_table}, {TicketLink._meta.db_table}")
    return tracker


def _link(tracker, item):
    """``item``'s link to its issue, as the last sync left it."""
    from integrations.trackers.models import SyncState, TicketLink
    from integrations.trackers.sync import synced_values

    target, number = repository_of(item.number), item.number
    return TicketLink(
        organization_id=tracker.organization_id,
        item=item,
        connection=tracker,
        target=target,
        number=number,
        key=f"{target}#{number}",
        url=f"https://github.com/{target}/issues/{number}",
        state=SyncState.LINKED,
        remote_status="open",
        remote_updated_at=SYNCED_AT,
        last_synced_at=SYNCED_AT,
        synced=synced_values(item),
    )


def goals(result: dict) -> list[tuple[str, str, bool]]:
    items, seconds = result["items"], result["seconds"]
    per_100 = result["requests"] / items * 100 if items else 0.0
    whole = result["read"] == items and result["failed"] == 0 and result["unlinked"] == 0
    return [
        (
            f"tracker reconciliation, {items:,} items: < {GOAL_SECONDS:.0f} s",
            f"{seconds:.1f} s ({items / seconds:.0f} items/s, {result['read']:,} read, "
            f"{result['unlinked']} unlinked, {result['failed']} failed)",
            whole and seconds < GOAL_SECONDS,
        ),
        (
            f"reconciliation requests per 100 items: ≤ {GOAL_REQUESTS_PER_100:.0f}",
            f"{per_100:.2f} ({result['requests']} requests)",
            per_100 <= GOAL_REQUESTS_PER_100,
        ),
        (
            "reconciliation: items changed = issues changed",
            f"{result['changed']} of {result['expected_changes']}",
            result["changed"] == result["expected_changes"],
        ),
        (
            f"reconciliation memory growth after 10%: < {GOAL_GROWTH_MB:.0f} MB",
            f"{result['growth_mb']:+.1f} MB ({result['baseline_rss_mb']:.0f} → "
            f"peak {result['peak_rss_mb']:.0f} MB, {result['samples']} samples)",
            result["growth_mb"] < GOAL_GROWTH_MB,
        ),
    ]


def measure() -> list[tuple[str, str, bool]]:
    """What ``make bench`` calls (after the pages, in its process)."""
    print(f"Reconciling {ITEMS:,} action items linked to GitHub issues …")
    return goals(run_bench())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m hindsight_bench.tracker_reconcile")
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--fresh", action="store_true", help="recreate and migrate the database")
    args = parser.parse_args()
    database.standalone(args.fresh)
    for what, measured, passed in goals(run_bench(args.items)):
        print(f"  {what:<52} {measured:<60} {'PASS' if passed else 'FAIL'}")


if __name__ == "__main__":
    main()
