"""Capturing an incident's metrics later: at resolution (through the incidents' hook) or when
a member asks from the incident page."""

from celery import shared_task

from incidents.models import Incident
from organizations.scoping import in_organization_of

from . import services

MAX_RETRIES = 4
BACKOFF_SECONDS = 30


@shared_task(bind=True, max_retries=MAX_RETRIES)
@in_organization_of(Incident)
def capture_metrics(self, incident: Incident) -> int:
    """Read and store the incident's series. A failure is recorded at once (the incident page
    says so); an unreachable endpoint is asked again with exponential backoff, and a later
    success replaces the failure. Without a worker (eager) there is nobody to retry later."""
    outcome = services.capture(incident=incident)
    error = outcome.error
    if (
        error is not None
        and error.transient
        and not self.request.is_eager
        and self.request.retries < MAX_RETRIES
    ):
        raise self.retry(countdown=BACKOFF_SECONDS * 2**self.request.retries)
    return outcome.captured
