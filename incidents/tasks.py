"""The resolution event, as a Celery task queued after the resolving transaction commits."""

from celery import shared_task
from django_scopes import scopes_disabled

from .models import Incident


@shared_task(
    bind=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8
)
def incident_resolved(self, incident_id: int) -> None:
    """An incident became RESOLVED. Postmortem generation (issue 4) hangs off this event."""
    from postmortems.services import on_incident_resolved

    with scopes_disabled():
        incident = Incident.objects.select_related("organization").filter(pk=incident_id).first()
    if incident is None:
        return
    on_incident_resolved(incident=incident)
