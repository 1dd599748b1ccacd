"""A resolved incident for the generated draft, and the fields of a postmortem in the API."""

from datetime import UTC, datetime, timedelta
from unittest import mock

from django_scopes import scope

from incidents import services as incident_services
from incidents import transitions

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def resolved_incident(org, *, commander=None, participants=(), severity="SEV1", hours=2, **kwargs):
    with scope(organization=org):
        incident = incident_services.incident_declare(
            organization=org,
            actor=commander,
            title="Payments failing",
            severity=severity,
            started_at=T0,
            detected_at=T0 + timedelta(minutes=3),
            services=["payments-api", "postgres"],
            commander=commander,
            participants=participants,
            **kwargs,
        )
        incident_services.timeline_entry_add(
            incident=incident,
            actor=None,
            actor_name="Datadog",
            occurred_at=T0 + timedelta(minutes=2),
            description="Error rate | above 5%",
            is_key_event=True,
        )
        incident_services.link_add(
            incident=incident,
            type="RELEASE",
            title="v2.3.1 [hotfix]",
            url="https://git.example.com/releases/231",
            relationship="CAUSED_BY",
        )
        with mock.patch("incidents.tasks.incident_resolved.delay"):
            transitions.incident_resolve(
                incident=incident, actor=None, at=T0 + timedelta(hours=hours)
            )
    incident.refresh_from_db()
    return incident


POSTMORTEM_FIELDS = {
    "number",
    "title",
    "status",
    "incident",
    "incidents",
    "severity",
    "visibility",
    "author",
    "version",
    "sections",
    "created_at",
    "updated_at",
    "published_at",
}
