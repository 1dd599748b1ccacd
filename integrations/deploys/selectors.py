from datetime import timedelta

from incidents.models import Incident, IncidentService

from .models import Release

# How long before impact began a release is a suspect change.
SUSPECT_WINDOW = timedelta(hours=24)
SUSPECT_LIMIT = 20


def suspect_changes(incident: Incident, *, window: timedelta = SUSPECT_WINDOW) -> list[Release]:
    """Releases of the incident's services from ``window`` before impact began up to its
    start, newest first (one query)."""
    services = IncidentService.objects.filter(
        organization=incident.organization, incident=incident
    ).values("service_id")
    return list(
        Release.objects.filter(
            organization=incident.organization,
            service_id__in=services,
            deployed_at__gte=incident.started_at - window,
            deployed_at__lte=incident.started_at,
        )
        .select_related("service")
        .order_by("-deployed_at", "-id")[:SUSPECT_LIMIT]
    )
