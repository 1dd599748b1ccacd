"""The "Suspect changes" panel's context, for its template tag (the incident page and the
postmortem editor's linked evidence) and for the view that answers its "Mark as cause"."""

from django.http import HttpRequest

from incidents.models import Incident
from organizations.roles import Action, can

from . import selectors

PANEL = "integrations/deploys/_suspect_changes.html"


def panel_context(
    request: HttpRequest | None, incident: Incident, *, back: str = "", embedded: bool = False
) -> dict:
    """``back``: where the no-JS form returns to (the incident page when empty); ``embedded``:
    drawn inside another card (the editor's evidence), without a card of its own."""
    membership = getattr(request, "membership", None)
    return {
        "incident": incident,
        "organization": incident.organization,
        "suspects": selectors.suspects(incident),
        "can_mark": can(membership, Action.UPDATE_INCIDENT),
        "back": back,
        "embedded": embedded,
    }
