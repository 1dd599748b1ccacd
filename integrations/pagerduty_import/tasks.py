"""The import run, in the worker: a task works on the run for a while and queues it again
until it is done; PagerDuty unreachable is asked again with exponential backoff, then the
run fails (and may be resumed from its cursor)."""

from celery import shared_task

from organizations.scoping import in_organization_of

from .models import PagerDutyImport
from .run import import_fail, import_run

MAX_RETRIES = 5
BACKOFF_SECONDS = 30


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
@in_organization_of(PagerDutyImport, missing="missing")
def run_pagerduty_import(self, run: PagerDutyImport, lease: str) -> str:
    """Import from the run's cursor. Without a worker (eager) nobody retries later: an error
    fails the run at once."""
    progress = import_run(run=run, lease=lease)
    if progress.stopped:
        return "stopped"
    if progress.more:
        run_pagerduty_import.delay(run.pk, lease)
        return "continued"
    error = progress.error
    if error is None:
        return "done"
    if error.transient and not self.request.is_eager and self.request.retries < MAX_RETRIES:
        raise self.retry(countdown=BACKOFF_SECONDS * 2**self.request.retries)
    import_fail(run=run, lease=lease, error=error)
    return "failed"
