"""Alert processing: stored Alertmanager deliveries applied by the intake's task, run in this
process as one worker runs it (one delivery after another).

The notifications (the data set): each is a group of ``ALERTS_PER_NOTIFICATION`` alerts of one
service. The first ``OPENING`` fire on services with no incident (their first alert opens one,
the others attach to it); the next fire on the seeded services, which have open incidents
(they attach); the last ``RESOLVING`` resolve alerts fired before (a timeline entry on their
incident). Each delivery is processed through ``integrations.tasks.process_inbound_delivery``,
the task a worker runs, with its own transaction and locks. Goal: at least 100 alerts/s.

Import the functions only after ``django.setup()``.
"""

import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import BenchError
from .middleware import QueryCounter
from .report import percentile
from .seed_webhooks import AlertSpec, notification_body

PROCESSING_NAME = "inbound webhooks: alert processing"
RATE_GOAL = 100.0  # alerts per second, one worker
ALERTS_PER_NOTIFICATION = 5
NOTIFICATIONS = 200
OPENING = 40  # notifications on services with no incident yet
RESOLVING = 80  # notifications resolving alerts fired before
WARMUP = 10  # notifications processed first, not timed (on seeded services)


@dataclass
class ProcessingRun:
    notifications: int
    alerts: int
    seconds: list[float] = field(default_factory=list)  # per delivery
    queries: list[int] = field(default_factory=list)  # per delivery
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.alerts / sum(self.seconds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile([second * 1000 for second in self.seconds], 99)

    @property
    def queries_per_alert(self) -> float:
        return sum(self.queries) / self.alerts


def notifications(
    services: list[str],
    opening_services: list[str],
    count: int,
    *,
    opening: int,
    resolving: int,
    tag: str,
) -> list[tuple[str, list[AlertSpec]]]:
    """(group key, alerts) of ``count`` notifications: ``opening`` on ``opening_services``,
    then firing ones on ``services``, then ``resolving`` that resolve the first fired alerts."""
    now = datetime.now(UTC)
    firing = []
    for number in range(count - resolving):
        service = (
            opening_services[number % len(opening_services)]
            if number < opening
            else services[number % len(services)]
        )
        alerts = [
            AlertSpec(
                fingerprint=f"{tag}{number:06x}{index:04x}",
                service=service,
                starts_at=now - timedelta(minutes=30 - index),
            )
            for index in range(ALERTS_PER_NOTIFICATION)
        ]
        firing.append((f'{{}}:{{alertname="HighErrorRate", {tag}="{number}"}}', alerts))
    resolved = [
        (
            f"{group_key}:resolved",
            [AlertSpec(alert.fingerprint, alert.service, alert.starts_at, now) for alert in alerts],
        )
        for group_key, alerts in firing[:resolving]
    ]
    return firing + resolved


def store(endpoint, batch: list[tuple[str, list[AlertSpec]]]) -> list[int]:
    """The notifications stored as the intake stores them (RECEIVED, with their event ids),
    without queueing them; their ids in order."""
    from integrations.intake.models import InboundDelivery
    from integrations.intake.sources import SOURCES

    source = SOURCES[endpoint.kind]
    headers = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.27.0"}
    deliveries = []
    for group_key, alerts in batch:
        body = notification_body(group_key, alerts)
        deliveries.append(
            InboundDelivery(
                organization=endpoint.organization,
                endpoint=endpoint,
                event_id=source.event_id(source.parse(body, headers)),
                body=body.decode(),
                headers=headers,
            )
        )
    return [delivery.pk for delivery in InboundDelivery.objects.bulk_create(deliveries)]


def time_processing(notification_count: int = NOTIFICATIONS) -> ProcessingRun:
    """Store the data set's deliveries, process ``WARMUP`` untimed, then time the others one by
    one. Call after ``django.setup()``, with no server running."""
    from django.db import connection
    from django_scopes import scopes_disabled

    from integrations.tasks import process_inbound_delivery

    from .seed import SERVICES, bench_organization
    from .seed_webhooks import bench_endpoint, seed_alert_services

    organization = bench_organization()
    with scopes_disabled():
        endpoint = bench_endpoint(organization)
        opening_services = seed_alert_services(organization, OPENING)
        warmup = store(
            endpoint, notifications(SERVICES, [], WARMUP, opening=0, resolving=0, tag="warm")
        )
        batch = notifications(
            SERVICES,
            opening_services,
            notification_count,
            opening=OPENING,
            resolving=RESOLVING,
            tag="bench",
        )
        timed = store(endpoint, batch)
    for delivery_id in warmup:
        process_inbound_delivery(delivery_id)
    run = ProcessingRun(len(timed), len(timed) * ALERTS_PER_NOTIFICATION)
    for delivery_id in timed:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            status = process_inbound_delivery(delivery_id)
            run.seconds.append(time.perf_counter() - started)
        run.queries.append(counter.count)
        if status != "PROCESSED":
            raise BenchError(f"Delivery {delivery_id} ended {status}: {outcome(delivery_id)}")
    run.outcomes = outcomes(timed)
    return run


def outcome(delivery_id: int) -> str:
    from django_scopes import scopes_disabled

    from integrations.intake.models import InboundDelivery

    with scopes_disabled():
        return InboundDelivery.objects.get(pk=delivery_id).outcome


def outcomes(delivery_ids: list[int]) -> dict[str, int]:
    """How many alerts opened an incident, attached to one, resolved, or did nothing."""
    from django_scopes import scopes_disabled

    from integrations.intake.models import InboundDelivery

    with scopes_disabled():
        texts = InboundDelivery.objects.filter(pk__in=delivery_ids).values_list(
            "outcome", flat=True
        )
        parts = [part for text in texts for part in text.split("; ")]
    counts = {"opened": 0, "attached": 0, "resolved": 0, "other": 0}
    for part in parts:
        verb = next((v for v in ("opened", "attached to", "resolved on") if f" {v} " in part), "")
        counts[verb.split(" ")[0] if verb else "other"] += 1
    return counts


def print_run(run: ProcessingRun) -> None:
    done = ", ".join(f"{count} {what}" for what, count in run.outcomes.items() if count)
    print(
        f"  {run.notifications} deliveries of {ALERTS_PER_NOTIFICATION} alerts in "
        f"{sum(run.seconds):.1f} s ({done}); per delivery: p50 {run.p50_ms:.1f} ms, "
        f"p99 {run.p99_ms:.1f} ms, {run.queries_per_alert * ALERTS_PER_NOTIFICATION:.0f} "
        f"queries ({run.queries_per_alert:.1f} per alert)"
    )


def goals(run: ProcessingRun) -> list[tuple[str, str, bool]]:
    expected = {
        "opened": OPENING,
        "attached": (run.notifications - RESOLVING) * ALERTS_PER_NOTIFICATION - OPENING,
        "resolved": RESOLVING * ALERTS_PER_NOTIFICATION,
        "other": 0,
    }
    return [
        (
            f"alert processing, 1 worker: ≥ {RATE_GOAL:.0f} alerts/s",
            f"{run.per_second:.0f} alerts/s ({run.queries_per_alert:.1f} queries each)",
            run.per_second >= RATE_GOAL,
        ),
        (
            "alert processing: each alert acted on as expected",
            ", ".join(f"{count} {what}" for what, count in run.outcomes.items()),
            run.outcomes == expected,
        ),
    ]
