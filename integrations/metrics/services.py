"""Writes for the metrics source: the endpoint and the PromQL mapping (admins, checked against
the endpoint on save), and capturing an incident's series into ``incidents.MetricSeries``."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from incidents.models import Incident, Service
from incidents.services import metric_series_set
from organizations.audit import record
from organizations.models import Organization

from . import prometheus, selectors
from .models import AuthKind, CaptureStatus, MetricCapture, MetricQuery, MetricsEndpoint

# The window captured: the incident, from impact to resolution, plus these margins.
MARGIN_BEFORE = timedelta(minutes=30)
MARGIN_AFTER = timedelta(minutes=30)


def connection(endpoint: MetricsEndpoint) -> prometheus.Endpoint:
    return prometheus.Endpoint(
        base_url=endpoint.base_url,
        auth_kind=endpoint.auth_kind,
        username=endpoint.username,
        secret=endpoint.secret,
    )


@transaction.atomic
def endpoint_save(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    base_url: str,
    auth_kind: str,
    username: str = "",
    secret: str = "",
) -> MetricsEndpoint:
    """Set the endpoint. An empty ``secret`` keeps the stored one (it is never shown again);
    ``auth_kind`` NONE forgets it. The address must be one Hindsight may call."""
    if problem := prometheus.address_problem(base_url):
        raise ValidationError({"base_url": problem})
    endpoint = selectors.endpoint_for(organization) or MetricsEndpoint(organization=organization)
    endpoint.base_url = base_url
    endpoint.auth_kind = auth_kind
    endpoint.username = username if auth_kind == AuthKind.BASIC else ""
    if auth_kind == AuthKind.NONE:
        endpoint.secret = ""
    elif secret:
        endpoint.secret = secret
    if auth_kind != AuthKind.NONE and not endpoint.secret:
        raise ValidationError({"secret": "Enter the token or password."})
    endpoint.save()
    record(
        organization=organization,
        actor=actor,
        action="integration.metrics_endpoint_saved",
        target=base_url,
        details={"auth": auth_kind},
    )
    return endpoint


@transaction.atomic
def endpoint_remove(*, organization: Organization, actor: AbstractBaseUser | None) -> None:
    MetricsEndpoint.objects.filter(organization=organization).delete()
    record(organization=organization, actor=actor, action="integration.metrics_endpoint_removed")


def query_check(*, organization: Organization, promql: str) -> None:
    """Ask the endpoint whether it accepts ``promql``; ``ValidationError`` on ``promql`` when
    it does not (or when there is no endpoint to ask, or it cannot be reached)."""
    endpoint = selectors.endpoint_for(organization)
    if endpoint is None:
        raise ValidationError({"promql": "Set the Prometheus endpoint first."})
    try:
        prometheus.check_query(connection(endpoint), promql)
    except prometheus.PrometheusError as error:
        raise ValidationError({"promql": f"Prometheus rejected the query: {error}"}) from None


@transaction.atomic
def query_save(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    service: Service,
    key: str,
    name: str,
    unit: str,
    promql: str,
) -> MetricQuery:
    """Map ``key`` of ``service`` to ``promql`` (replacing the service's earlier mapping of
    that key), after the endpoint accepted the query."""
    query_check(organization=organization, promql=promql)
    query, _ = MetricQuery.objects.update_or_create(
        organization=organization,
        service=service,
        key=key,
        defaults={"name": name, "unit": unit, "promql": promql},
    )
    record(
        organization=organization,
        actor=actor,
        action="integration.metric_query_saved",
        target=service.name,
        details={"key": key},
    )
    return query


@transaction.atomic
def query_remove(*, query: MetricQuery, actor: AbstractBaseUser | None) -> None:
    record(
        organization=query.organization,
        actor=actor,
        action="integration.metric_query_removed",
        target=query.service.name,
        details={"key": query.key},
    )
    query.delete()


@dataclass
class CaptureOutcome:
    captured: int
    error: prometheus.PrometheusError | None = None


def capture_window(incident: Incident) -> tuple:
    end = (incident.resolved_at or timezone.now()) + MARGIN_AFTER
    return incident.started_at - MARGIN_BEFORE, min(end, timezone.now())


def _series_keys(queries: list[MetricQuery]) -> list[str]:
    """The key each query's series is stored under: its own, or (when two services of the
    incident map the same key) the key and the service after the first."""
    seen: set[str] = set()
    keys = []
    for query in queries:
        key = query.key
        if key in seen:
            key = f"{query.key}-{slugify(query.service.name)}"[:40]
        seen.add(key)
        keys.append(key)
    return keys


def capture(*, incident: Incident) -> CaptureOutcome:
    """Read every mapped series of the incident's services over its window from the
    endpoint and store each (replacing the previous capture of the same key). Records the
    outcome on the incident; a failure stores nothing and names what went wrong."""
    endpoint = selectors.endpoint_for(incident.organization)
    if endpoint is None:
        return _record(incident, prometheus.PrometheusError("No metrics endpoint is set."), 0)
    queries = selectors.queries_for_incident(incident)
    if not queries:
        return CaptureOutcome(captured=0)
    start, end = capture_window(incident)
    target = connection(endpoint)
    results = []
    try:
        for query, key in zip(queries, _series_keys(queries), strict=True):
            points = prometheus.query_range(target, query.promql, start=start, end=end)
            results.append((query, key, points))
    except prometheus.PrometheusError as error:
        return _record(incident, error, 0)
    with transaction.atomic():
        for query, key, points in results:
            name = query.name if key == query.key else f"{query.name} ({query.service.name})"
            metric_series_set(incident=incident, key=key, name=name, unit=query.unit, points=points)
        return _record(incident, None, len(results))


def capture_failed(*, incident: Incident, error: prometheus.PrometheusError) -> CaptureOutcome:
    return _record(incident, error, 0)


def _record(
    incident: Incident, error: prometheus.PrometheusError | None, count: int
) -> CaptureOutcome:
    MetricCapture.objects.update_or_create(
        organization=incident.organization,
        incident=incident,
        defaults={
            "status": CaptureStatus.FAILED if error else CaptureStatus.CAPTURED,
            "message": str(error)[:500] if error else "",
            "series_count": count,
            "attempted_at": timezone.now(),
        },
    )
    return CaptureOutcome(captured=count, error=error)
