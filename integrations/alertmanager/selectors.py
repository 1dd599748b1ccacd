from incidents.models import Incident, Service, Status
from organizations.models import Organization


def open_incident_of(organization: Organization, service: Service) -> Incident | None:
    """The latest unresolved incident affecting ``service``."""
    return (
        Incident.objects.filter(organization=organization, service_links__service=service)
        .exclude(status=Status.RESOLVED)
        .order_by("-started_at", "-id")
        .first()
    )
