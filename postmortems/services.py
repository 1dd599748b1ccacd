"""Writes for postmortems."""

from incidents.models import Incident


def on_incident_resolved(*, incident: Incident) -> None:
    """Handler of the incident-resolved event.

    Generation of the draft from the organization's template arrives with issue 4; until then
    a resolved incident that needs a postmortem is listed on the "Needs a postmortem" page.
    """
