"""Helpers of the incident page tests: declaring and resolving incidents at a known moment, URLs,
response text and the start tags a browser would see."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse

from incidents import services
from incidents.models import Incident, Status

HTMX = {"HX-Request": "true"}
T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)  # 10:30 in Europe/Paris, the test org's zone


def declare(organization, actor=None, **overrides) -> Incident:
    values = {
        "title": "Checkout errors",
        "severity": "SEV2",
        "started_at": T0,
        "services": ["payments-api"],
        "commander": actor,
    }
    values.update(overrides)
    return services.incident_declare(organization=organization, actor=actor, **values)


def mark_resolved(incident: Incident, after: timedelta = timedelta(minutes=30)) -> Incident:
    """Resolve without the resolution event, so no automation changes what the pages show."""
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.RESOLVED, resolved_at=incident.started_at + after
    )
    incident.refresh_from_db()
    return incident


def url(name: str, incident: Incident | None = None, org_slug: str = "acme", **kwargs) -> str:
    if incident is not None:
        kwargs["ref"] = incident.ref
    return reverse(name, kwargs={"org_slug": org_slug, **kwargs})


def body(response) -> str:
    return response.content.decode()
