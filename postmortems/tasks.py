"""Postmortem tasks: drafts generated for resolved incidents, and the reconciler that catches
any the resolution event missed (for instance when the broker was down at resolve time).
Sub-domains keep their tasks in their own ``tasks`` module (``exports``, ``meetings``,
``search``); ``config/celery.py`` discovers them."""

from celery import shared_task

from incidents.models import Incident
from incidents.selectors import incidents_needing_postmortem
from organizations.models import Organization
from organizations.scoping import across_organizations, in_organization_of
from organizations.selectors import policy_for

from .creation import postmortem_generate_for_incident

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 600}
RECONCILE_BATCH = 200


@shared_task(max_retries=8, **RETRY)
@in_organization_of(Incident)
def generate_postmortem(incident: Incident) -> None:
    """Create the draft for one resolved incident (does nothing when it exists already)."""
    postmortem_generate_for_incident(incident=incident)


@shared_task(max_retries=3, **RETRY)
@across_organizations
def reconcile_missing_drafts() -> None:
    """Beat entry point: one reconciliation task per organization, so the work spreads."""
    organization_ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in organization_ids:
        reconcile_organization.delay(organization_id)


@shared_task(max_retries=3, **RETRY)
@in_organization_of(Organization)
def reconcile_organization(organization: Organization) -> None:
    """Queue generation for resolved incidents the policy requires a postmortem for, that have
    none yet (a bounded batch per run; the next run takes the rest)."""
    if not policy_for(organization).auto_generate:
        return
    missing = incidents_needing_postmortem(organization=organization).values_list("pk", flat=True)[
        :RECONCILE_BATCH
    ]
    for incident_id in list(missing):
        generate_postmortem.delay(incident_id)
