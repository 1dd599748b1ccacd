"""Postmortem tasks: drafts generated for resolved incidents, and the reconciler that catches
any the resolution event missed (for instance when the broker was down at resolve time).
Sub-domains keep their tasks in their own ``tasks`` module (``exports``, ``meetings``,
``search``); ``config/celery.py`` discovers them."""

from celery import shared_task
from django_scopes import scope, scopes_disabled

from incidents.models import Incident
from incidents.selectors import incidents_needing_postmortem
from organizations.models import Organization
from organizations.selectors import policy_for

from .creation import postmortem_generate_for_incident

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
