"""Reminder tasks: beat → one task per organization → one task per chunk of recipients.

Every task takes ids (and the run's moment as ISO 8601 text, so all the tasks of one run agree
on what "today" is), re-reads the rows, and is safe to run twice: what was sent is recorded
before it leaves (``actionitems.reminders``), so a retry or a second beat sends only what is
still unsent. A chunk whose digests partly failed raises after serving the others, and is
retried with backoff; the recipients already served are skipped on the retry.
"""

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from organizations.models import Organization
from organizations.scoping import across_organizations, in_organization_of

from .reminders import RunReport, recipients_due, send_digests

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 600}
RECIPIENTS_PER_TASK = 50


class DigestsFailed(Exception):
    """Some digests of a chunk could not be sent; the retry sends them."""


def _moment(now: str | None) -> datetime:
    return datetime.fromisoformat(now) if now else timezone.now()


@shared_task(max_retries=3, **RETRY)
@across_organizations
def send_reminders(now: str | None = None) -> int:
    """Beat entry point (hourly): one task per organization, so the work spreads. Answers how
    many organizations were queued."""
    now = now or timezone.now().isoformat()
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    for organization_id in organization_ids:
        remind_organization.delay(organization_id, now)
    return len(organization_ids)


@shared_task(max_retries=5, **RETRY)
@in_organization_of(Organization, missing=0)
def remind_organization(organization: Organization, now: str | None = None) -> int:
    """Find the organization's members with something new to hear and queue their digests in
    chunks. Answers how many recipients were queued."""
    user_ids = recipients_due(organization=organization, now=_moment(now))
    for start in range(0, len(user_ids), RECIPIENTS_PER_TASK):
        send_reminder_digests.delay(
            organization.pk, user_ids[start : start + RECIPIENTS_PER_TASK], now
        )
    return len(user_ids)


@shared_task(max_retries=8, **RETRY)
@in_organization_of(Organization, missing=0)
def send_reminder_digests(
    organization: Organization, user_ids: list[int], now: str | None = None
) -> int:
    """Send these members' digests (each decided afresh under the member's lock). Answers how
    many digests went out; raises, to be retried, when some failed."""
    report = RunReport(organization=organization.slug, recipients=len(user_ids))
    send_digests(organization=organization, user_ids=user_ids, now=_moment(now), report=report)
    if report.failed:
        raise DigestsFailed(
            f"{len(report.failed)} of {len(user_ids)} reminder digests failed in "
            f"{organization.slug}: users {report.failed}"
        )
    return report.digests
