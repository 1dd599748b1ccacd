"""What the metrics source does when an incident resolves (registered in ``IntegrationsConfig``)."""

from incidents.models import Incident

from . import selectors
from .tasks import capture_metrics


def incident_resolved(*, incident: Incident) -> None:
    """Queue the capture of the incident's series when its services have mapped metrics."""
    if selectors.endpoint_for(incident.organization) and selectors.queries_for_incident(incident):
        capture_metrics.delay(incident.pk)
