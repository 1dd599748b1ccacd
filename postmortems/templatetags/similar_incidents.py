"""The "Similar incidents" card of the incident page: the incident app's template loads it here,
so the incident page shows the postmortems' similarity without ``incidents`` importing
``postmortems``."""

from django import template

from postmortems.search.similar import similar_postmortems
from postmortems.search.similar_probes import incident_probe

register = template.Library()
PANEL = "postmortems/search/_similar.html"


@register.inclusion_tag(PANEL, takes_context=True)
def similar_incidents_panel(context, incident) -> dict:
    request = context["request"]
    similar = similar_postmortems(
        organization=request.organization,
        membership=request.membership,
        probe=incident_probe(incident),
    )
    return {"similar": similar, "organization": request.organization, "similar_id": "similar"}
