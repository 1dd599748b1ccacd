"""Incidents in the window Prometheus holds samples for, the metrics settings, and URLs."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from incidents import services as incident_services
from incidents.models import Incident, Service
from integrations.metrics import services
from integrations.metrics.models import MetricQuery
from tests.integrations.metrics.prometheus_server import ERROR_RATE_QUERY, LATENCY_QUERY


def recent_incident(org, actor, *, seconds_ago: int = 20) -> Incident:
    """An incident of the ``payments`` service whose impact began a few seconds ago (range
    queries need samples in the window, and the exporter was started moments before)."""
    with scope(organization=org):
        return incident_services.incident_declare(
            organization=org,
            actor=actor,
            title="Payments failing",
            severity="SEV2",
            started_at=timezone.now() - timedelta(seconds=seconds_ago),
            services=["payments"],
            commander=actor,
        )


def configure(org, admin, base_url: str) -> None:
    """The endpoint and the payments service's error rate and latency, saved (and checked
    against the endpoint) through the services."""
    with scope(organization=org):
        services.endpoint_save(organization=org, actor=admin, base_url=base_url, auth_kind="none")
        payments, _ = Service.objects.get_or_create(organization=org, name="payments")
        for key, name, unit, promql in (
            ("errorRate", "Error rate", "%", ERROR_RATE_QUERY),
            ("latency", "Latency", "ms", LATENCY_QUERY),
        ):
            services.query_save(
                organization=org,
                actor=admin,
                service=payments,
                key=key,
                name=name,
                unit=unit,
                promql=promql,
            )


def map_without_checking(org, service_name: str = "payments") -> MetricQuery:
    """A mapping stored directly (the endpoint it was checked against is gone)."""
    with scope(organization=org):
        service = Service.objects.get(organization=org, name=service_name)
        return MetricQuery.objects.create(
            organization=org, service=service, key="errorRate", name="Error rate", promql="up"
        )


def settings_url(org, name: str = "settings_metrics", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def capture_url(incident: Incident) -> str:
    return reverse(
        "incident_capture_metrics",
        kwargs={"org_slug": incident.organization.slug, "ref": incident.ref},
    )


def detail_url(incident: Incident) -> str:
    return reverse(
        "incident_detail", kwargs={"org_slug": incident.organization.slug, "ref": incident.ref}
    )
