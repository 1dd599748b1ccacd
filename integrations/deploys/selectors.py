from dataclasses import dataclass
from datetime import timedelta

from incidents.models import Incident, IncidentLink, IncidentService, LinkType, Relationship
from organizations.models import Organization

from .models import Release

# How long before impact began a release is a suspect change.
SUSPECT_WINDOW = timedelta(hours=24)
SUSPECT_LIMIT = 20


@dataclass(frozen=True)
class Suspect:
    """A suspect change, and whether the incident links it as a cause already."""

    release: Release
    linked_as_cause: bool


def suspect_changes(incident: Incident, *, window: timedelta = SUSPECT_WINDOW) -> list[Release]:
    """Releases of the incident's services from ``window`` before impact began up to its
    start, newest first (one query)."""
    services = IncidentService.objects.filter(
        organization_id=incident.organization_id, incident=incident
    ).values("service_id")
    return list(
        Release.objects.filter(
            organization_id=incident.organization_id,
            service_id__in=services,
            deployed_at__gte=incident.started_at - window,
            deployed_at__lte=incident.started_at,
        )
        .select_related("service")
        .order_by("-deployed_at", "-id")[:SUSPECT_LIMIT]
    )


def suspects(incident: Incident) -> list[Suspect]:
    """The suspect changes, each marked when linked as a cause (two queries at most)."""
    releases = suspect_changes(incident)
    if not releases:
        return []
    causes = set(
        _release_links(incident)
        .filter(
            relationship=Relationship.CAUSED_BY,
            external_id__in=[link_external_id(release) for release in releases],
        )
        .values_list("external_id", flat=True)
    )
    return [Suspect(release, link_external_id(release) in causes) for release in releases]


def link_external_id(release: Release) -> str:
    """A release's external id on an incident link: its source and its id there."""
    return f"{release.source}:{release.external_id}"


def release_link(incident: Incident, release: Release) -> IncidentLink | None:
    """The incident's link of ``release``, however related."""
    return _release_links(incident).filter(external_id=link_external_id(release)).first()


def release_by_id(organization: Organization, release_id: int) -> Release | None:
    return (
        Release.objects.filter(organization=organization, pk=release_id)
        .select_related("service")
        .first()
    )


def _release_links(incident: Incident):
    return IncidentLink.objects.filter(
        organization_id=incident.organization_id, incident=incident, type=LinkType.RELEASE
    )
