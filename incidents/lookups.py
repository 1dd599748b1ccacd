"""Looking up an incident, a timeline entry or a link named in a URL, for the incident views
(found in the request's organization, or 404)."""

from django.http import HttpRequest

from organizations.lookups import object_from_url

from . import selectors
from .models import Incident, IncidentLink, TimelineEntry


def _incident(request: HttpRequest, ref: str) -> Incident | None:
    return selectors.incident_by_ref(organization=request.organization, ref=ref)


def _entry(request: HttpRequest, incident: Incident, entry_id: int) -> TimelineEntry | None:
    return (
        TimelineEntry.objects.filter(
            organization=request.organization, incident=incident, pk=entry_id
        )
        .select_related("actor")
        .first()
    )


def _link(request: HttpRequest, incident: Incident, link_id: int) -> IncidentLink | None:
    return IncidentLink.objects.filter(
        organization=request.organization, incident=incident, pk=link_id
    ).first()


incident_from_ref = object_from_url("ref", _incident, missing="No such incident.")
entry_from_id = object_from_url("entry_id", _entry, missing="No such timeline entry.")
link_from_id = object_from_url("link_id", _link, missing="No such link.")
