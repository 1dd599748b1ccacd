"""Learning-digest tasks: beat → one task per organization → one task per chunk of members.
Task names keep the ``postmortems.tasks.`` prefix that queued messages use.

Each task re-reads its rows and is safe to run twice: a member's digest is claimed before it
leaves (``postmortems.reading.digest``), so a retry or a second beat sends only what is still
unsent. A chunk whose digests partly failed raises after serving the others and is retried."""

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from organizations.models import Organization
from organizations.scoping import across_organizations, in_organization_of
from postmortems.tasks import RETRY

from .digest import DigestRun, Week, send_digests, subscribers_due
from .digest_content import digest_week

MEMBERS_PER_TASK = 100


class DigestsFailed(Exception):
    """Some digests of a chunk could not be sent; the retry sends them."""


@shared_task(name="postmortems.tasks.send_learning_digests", max_retries=3, **RETRY)
@across_organizations
def send_learning_digests(now: str | None = None) -> int:
    """Beat entry point (hourly, so each organization's Monday morning comes on time in its
    own zone): one task per organization. Answers how many were queued."""
    now = now or timezone.now().isoformat()
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    for organization_id in organization_ids:
        digest_organization.delay(organization_id, now)
    return len(organization_ids)


@shared_task(name="postmortems.tasks.digest_organization", max_retries=5, **RETRY)
@in_organization_of(Organization, missing=0)
def digest_organization(organization: Organization, now: str | None = None) -> int:
    """Queue the digests of the organization's members who have none for the week yet.
    Answers how many members were queued."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    week_start = digest_week(organization, moment)
    user_ids = subscribers_due(organization=organization, week_start=week_start)
    for first in range(0, len(user_ids), MEMBERS_PER_TASK):
        send_learning_digest_chunk.delay(
            organization.pk, week_start.isoformat(), user_ids[first : first + MEMBERS_PER_TASK]
        )
    return len(user_ids)


@shared_task(name="postmortems.tasks.send_learning_digest_chunk", max_retries=8, **RETRY)
@in_organization_of(Organization, missing=0)
def send_learning_digest_chunk(
    organization: Organization, week_start: str, user_ids: list[int]
) -> int:
    """Send these members' digests for the week; raises, to be retried, when some failed."""
    week = Week(organization, date.fromisoformat(week_start))
    report = send_digests(
        week=week, user_ids=user_ids, report=DigestRun(organization=organization.slug)
    )
    if report.failed:
        raise DigestsFailed(
            f"{len(report.failed)} of {len(user_ids)} learning digests failed in "
            f"{organization.slug}: users {report.failed}"
        )
    return report.sent
