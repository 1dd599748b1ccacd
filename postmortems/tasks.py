"""Postmortem tasks: drafts generated for resolved incidents, and the reconciler that catches
any the resolution event missed (for instance when the broker was down at resolve time)."""

from celery import shared_task
from django.db import OperationalError
from django_scopes import scope, scopes_disabled

from incidents.models import Incident
from incidents.selectors import incidents_needing_postmortem, policy_for
from organizations.models import Organization

from .services import postmortem_generate_for_incident

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 600}
RECONCILE_BATCH = 200


@shared_task(max_retries=8, **RETRY)
def generate_postmortem(incident_id: int) -> None:
    """Create the draft for one resolved incident (does nothing when it exists already)."""
    with scopes_disabled():
        incident = Incident.objects.select_related("organization").filter(pk=incident_id).first()
    if incident is not None:
        postmortem_generate_for_incident(incident=incident)


@shared_task(max_retries=3, **RETRY)
def reconcile_missing_drafts() -> None:
    """Beat entry point: one reconciliation task per organization, so the work spreads."""
    with scopes_disabled():
        organization_ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in organization_ids:
        reconcile_organization.delay(organization_id)


@shared_task(max_retries=3, **RETRY)
def reconcile_organization(organization_id: int) -> None:
    """Queue generation for resolved incidents the policy requires a postmortem for, that have
    none yet (a bounded batch per run; the next run takes the rest)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return
    with scope(organization=organization):
        if not policy_for(organization).auto_generate:
            return
        missing = incidents_needing_postmortem(organization=organization).values_list(
            "pk", flat=True
        )[:RECONCILE_BATCH]
        for incident_id in list(missing):
            generate_postmortem.delay(incident_id)


# --- Exports (issue 8) -------------------------------------------------------------------------

EXPORT_SOFT_LIMIT = 15 * 60


@shared_task(
    soft_time_limit=EXPORT_SOFT_LIMIT,
    time_limit=EXPORT_SOFT_LIMIT + 60,
    max_retries=3,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
)
def build_export_zip(job_id: int) -> None:
    """Build one bulk export's ZIP (``bulk_exports.export_job_run``: idempotent). Past the soft
    time limit the job is marked failed; the hard limit ends only this task's child process."""
    from .bulk_exports import export_job_run

    export_job_run(job_id)


@shared_task(max_retries=3, **RETRY)
def expire_export_files() -> int:
    """Beat entry point: delete the ZIPs of bulk exports older than a day."""
    from .bulk_exports import export_jobs_expire

    return export_jobs_expire()


# --- Review meetings (issue 9) -------------------------------------------------------------------


@shared_task(max_retries=6, **RETRY)
def send_review_meeting_emails(meeting_id: int, sequence: int) -> int:
    """Email the review meeting's invitation (or cancellation) with its ``.ics`` to each
    attendee not sent it yet for this ``sequence`` (``meetings.meeting_emails_send``:
    idempotent; an outdated sequence does nothing)."""
    from .meetings import meeting_emails_send

    return meeting_emails_send(meeting_id=meeting_id, sequence=sequence)


@shared_task(max_retries=6, **RETRY)
def send_review_meeting_removals(meeting_id: int, sequence: int, user_ids: list[int]) -> int:
    """Email a cancellation to the people taken off a rescheduled meeting's list."""
    from .meetings import meeting_removals_send

    return meeting_removals_send(meeting_id=meeting_id, sequence=sequence, user_ids=user_ids)
