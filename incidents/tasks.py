"""The resolution event, as a Celery task queued after the resolving transaction commits."""

from celery import shared_task

from organizations.hooks import queue_task, run
from organizations.scoping import in_organization_of

from .models import Incident

# The postmortems app's task that writes the draft of a resolved incident (when its policy
# asks for one), named so that incidents never imports the app above it.
GENERATE_POSTMORTEM_TASK = "postmortems.tasks.generate_postmortem"

# Fired (with ``incident=``) by ``incident_resolved``, after the resolution committed, in the
# incident's scope: the apps above set off what a resolution means to them (the metrics
# integration queues the capture of the incident's series).
INCIDENT_RESOLVED = "incidents.incident_resolved"


@shared_task(
    bind=True, autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8
)
@in_organization_of(Incident)
def incident_resolved(self, incident: Incident) -> None:
    """An incident became RESOLVED: queue the generation of its postmortem draft (which
    retries on its own and does nothing when the incident already has one)."""
    queue_task(GENERATE_POSTMORTEM_TASK, incident.pk)
    run(INCIDENT_RESOLVED, incident=incident)
