"""Writes of the deploy sources beyond recording releases (``apply``): a suspect change marked
as the incident's cause."""

from django.core.exceptions import ValidationError
from django.db import transaction

from incidents import services as incident_services
from incidents.models import Incident, IncidentLink, IncidentService, LinkType, Relationship

from .models import Release
from .selectors import link_external_id, release_link

TITLE_LIMIT = 200


@transaction.atomic
def release_mark_as_cause(*, incident: Incident, release: Release) -> IncidentLink:
    """Link ``release`` to the incident as a cause: a release link with its version, URL, time
    and id, once. A release linked already (as related, say) becomes a cause; pressing twice,
    or two people at once, leaves one link (the incident's row is locked while checking)."""
    if release.organization_id != incident.organization_id:
        raise ValidationError({"release": "No such release."})
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    if not IncidentService.objects.filter(
        organization=incident.organization, incident=incident, service_id=release.service_id
    ).exists():
        raise ValidationError(
            {"release": f"{release.service.name} is not one of {incident.ref}'s services."}
        )
    link = release_link(incident, release)
    if link is not None:
        if link.relationship != Relationship.CAUSED_BY:
            incident_services.link_update(link=link, relationship=Relationship.CAUSED_BY)
        return link
    return incident_services.link_add(
        incident=incident,
        type=LinkType.RELEASE,
        title=f"{release.service.name} {release.version}"[:TITLE_LIMIT],
        url=release.url,
        external_id=link_external_id(release),
        relationship=Relationship.CAUSED_BY,
        occurred_at=release.deployed_at,
        details=_details(release),
    )


def _details(release: Release) -> str:
    return "\n".join(
        [
            f"Service: {release.service.name}",
            f"Version: {release.version}",
            f"Deployed: {release.deployed_at.isoformat()}",
            f"Source: {release.get_source_display()}",
        ]
    )
