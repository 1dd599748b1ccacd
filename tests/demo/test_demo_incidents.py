import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django_scopes import scopes_disabled

from demo.incidents import NOT_NULL_MIGRATION, SCENARIOS, seed_incidents
from incidents.models import (
    Incident,
    IncidentLink,
    MetricSeries,
    Relationship,
    Severity,
    Status,
    TimelineEntry,
)
from organizations.models import Organization


def _seed():
    call_command("seed_demo", stdout=StringIO())


def _counts():
    """Every organization's rows."""
    with scopes_disabled():
        return tuple(
            m.objects.count() for m in (Incident, TimelineEntry, IncidentLink, MetricSeries)
        )


@pytest.fixture
def acme_incidents(org):
    return Incident.objects.filter(organization=org)


def test_seeding_twice_adds_nothing(db):
    _seed()
    first = _counts()
    _seed()
    assert _counts() == first
    assert first[0] >= 30


def test_the_payment_outage_is_detailed(acme_incidents):
    outage = acme_incidents.get(title=NOT_NULL_MIGRATION.title)
    assert outage.severity == Severity.SEV1
    assert outage.customer_impact
    assert outage.status == Status.RESOLVED
    assert outage.duration == timedelta(hours=1, minutes=47)
    assert {s.service.name for s in outage.service_links.all()} == {
        "payments-api",
        "checkout",
        "postgres",
    }
    assert outage.timeline.count() >= 10
    assert outage.timeline.filter(is_key_event=True).count() >= 5
    assert outage.timeline.filter(actor__isnull=True).exclude(actor_name="").exists()
    relationships = set(outage.links.values_list("relationship", flat=True))
    assert {Relationship.CAUSED_BY, Relationship.FIXED_BY} <= relationships
    series = {m.key: m for m in outage.metrics.all()}
    assert {"errorRate", "latency"} <= set(series)
    assert series["errorRate"].unit == "%" and series["latency"].unit == "ms"


def test_detailed_scenarios_have_metric_series_with_a_spike(acme_incidents):
    for scenario in SCENARIOS:
        incident = acme_incidents.get(title=scenario.title)
        assert incident.links.exists()
        for series in incident.metrics.all():
            values = [value for _, value in series.points]
            assert 60 <= len(values) <= 120
            assert max(values) > 3 * min(values[:5] + values[-5:])


def test_a_mix_of_open_and_resolved_incidents_over_months(acme_incidents):
    statuses = list(acme_incidents.values_list("status", flat=True))
    still_open = [s for s in statuses if s != Status.RESOLVED]
    assert 2 <= len(still_open) <= 4
    assert statuses.count(Status.RESOLVED) > len(statuses) * 0.8
    starts = sorted(acme_incidents.values_list("started_at", flat=True))
    assert starts[-1] - starts[0] >= timedelta(days=150)
    assert acme_incidents.filter(near_miss=True).count() >= 2
    assert acme_incidents.filter(security=True).exists()
    assert acme_incidents.filter(data_loss=True).exists()
    assert set(acme_incidents.values_list("severity", flat=True)) == set(Severity.values)


def test_every_incident_has_a_timeline_and_a_unique_ref(acme_incidents):
    annotated = acme_incidents.annotate(entries=Count("timeline"))
    assert min(i.entries for i in annotated) >= 3
    refs = [i.ref for i in annotated]
    assert len(set(refs)) == len(refs)
    assert all(re.fullmatch(r"INC-\d{4}-\d{4}", ref) for ref in refs)


def test_globex_has_no_incidents(acme_incidents):
    assert acme_incidents.exists()
    with scopes_disabled():  # globex's
        assert not Incident.objects.filter(organization__slug="globex").exists()


def test_generation_is_deterministic(acme_incidents):
    acme = Organization.objects.get(slug="acme")
    users = {u.username: u for u in get_user_model().objects.all()}
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)

    def snapshot():
        acme_incidents.delete()
        seed_incidents(organization=acme, users=users, now=now)
        return list(acme_incidents.order_by("started_at").values_list("title", "started_at"))

    assert snapshot() == snapshot()


def test_the_escalation_is_on_the_timeline_when_it_happened(acme_incidents):
    outage = acme_incidents.get(title=NOT_NULL_MIGRATION.title)
    change = outage.timeline.get(description="Severity changed from SEV2 to SEV1.")
    decision = outage.timeline.get(description__startswith="Escalated to SEV1")
    assert change.occurred_at == decision.occurred_at  # 14:42, not when the demo was seeded
    assert outage.detected_at < change.occurred_at < outage.resolved_at
