from datetime import datetime

from incidents.models import Incident, IncidentLink, LinkType, Service, Status
from organizations.models import Organization


def open_incident_of(organization: Organization, service: Service) -> Incident | None:
    """The latest unresolved incident affecting ``service``."""
    return (
        Incident.objects.filter(organization=organization, service_links__service=service)
        .exclude(status=Status.RESOLVED)
        .select_related("organization")  # the links and entries it gets are written with it
        .order_by("-started_at", "-id")
        .first()
    )


def alert_link(incident: Incident, external_id: str, starts_at: datetime) -> IncidentLink | None:
    """The incident's link of one alert occurrence: its external id and start (the same alert
    firing again later is another link of the same external id)."""
    links = IncidentLink.objects.filter(
        organization=incident.organization,
        incident=incident,
        type=LinkType.ALERT,
        external_id=external_id,
    )
    return links.filter(occurred_at=starts_at).first() or links.order_by("-occurred_at").first()
