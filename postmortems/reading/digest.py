"""Sending the weekly learning digest: one email per subscribed member per week, never two.

For each subscribed member, the week's published postmortems (``digest_content``) are
narrowed to those they may read now (``permissions.visible_q``, the rule of every page) and to
their filters. A week with nothing for them sends nothing and records nothing.

**At most once per member and week**: a ``DigestDelivery`` row is inserted before the email
leaves; its unique constraint (organization, user, week) refuses a second claim, whether it
comes from a task's retry, a second beat or two workers at once (on PostgreSQL the second
insert waits for the first transaction, then fails). If sending raises, the claim is deleted
so the next run sends it; once sent, the row is stamped ``sent_at``. As with the reminders, a
worker killed between claim and send loses that one digest rather than ever doubling it.

Entry points: ``run_digest(organization, now)`` in process (the benchmark, the shell) and
``postmortems.reading.tasks`` (beat, fanned out per organization and chunk of members).
"""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_scopes import scope

from organizations.models import Membership, Organization
from organizations.roles import Action, can
from organizations.site import absolute_url
from postmortems.models import (
    DigestDelivery,
    DigestSubscription,
    Postmortem,
    PostmortemStatus,
    Visibility,
)
from postmortems.permissions import visible_q

from .digest_content import (
    WeekPostmortem,
    digest_week,
    matches,
    team_members_by_team,
    week_bounds,
    week_postmortems,
)

logger = logging.getLogger(__name__)
ENTRY_HTML = "postmortems/reading/email/_entry.html"
ENTRY_TEXT = "postmortems/reading/email/_entry.txt"


def subscribers_due(*, organization: Organization, week_start: date) -> list[int]:
    """Ids of the subscribed, active members with an email address and no digest recorded for
    the week; none at all when nothing was published that week."""
    start, end = week_bounds(organization, week_start)
    published = Postmortem.objects.filter(
        organization=organization,
        status=PostmortemStatus.PUBLISHED,
        published_at__gte=start,
        published_at__lt=end,
    )
    if not published.exists():
        return []
    sent = DigestDelivery.objects.filter(organization=organization, week_start=week_start)
    members = Membership.objects.filter(organization=organization).values("user_id")
    return list(
        DigestSubscription.objects.filter(
            organization=organization, user__is_active=True, user_id__in=members
        )
        .exclude(user__email="")
        .exclude(user_id__in=sent.values("user_id"))
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


@dataclass
class DigestRun:
    """What one run did for one organization and week."""

    organization: str
    week_start: date | None = None
    subscribers: int = 0  # subscribed members without this week's digest yet
    sent: int = 0
    postmortems: int = 0  # published in the week
    failed: list[int] = field(default_factory=list)
    seconds: float = 0.0


class Week:
    """One organization's week, read once and shared by every member's digest."""

    def __init__(self, organization: Organization, week_start: date):
        self.organization = organization
        self.week_start = week_start
        self.entries = week_postmortems(organization, week_start)
        self.team_members = team_members_by_team(organization) if self.entries else {}

    @cached_property
    def _rendered(self) -> dict[int, dict]:
        """Each entry's part of the email, HTML and text, rendered once for every member."""
        rendered = {}
        for entry in self.entries:
            context = {"entry": entry, "link": absolute_url(entry.path)}
            rendered[entry.pk] = {
                "entry": entry,
                "link": context["link"],
                "html": mark_safe(render_to_string(ENTRY_HTML, context)),  # noqa: S308 (autoescaped)
                "text": render_to_string(ENTRY_TEXT, context),
            }
        return rendered

    def rendered(self, entry: WeekPostmortem) -> dict:
        return self._rendered[entry.pk]

    def chosen_for(self, membership: Membership, subscription) -> list[WeekPostmortem]:
        """The entries this member asked for and may read. Every member may read what the
        whole organization may; the rest is checked with the rule of every page
        (``visible_q``), in one query when there is any."""
        wanted = [e for e in self.entries if matches(e, subscription, self.team_members)]
        if not can(membership, Action.VIEW):
            return []
        restricted = [e.pk for e in wanted if e.visibility != Visibility.ORGANIZATION]
        readable = set()
        if restricted:
            readable = set(
                Postmortem.objects.filter(organization=self.organization, pk__in=restricted)
                .filter(visible_q(membership))
                .values_list("pk", flat=True)
            )
        return [e for e in wanted if e.visibility == Visibility.ORGANIZATION or e.pk in readable]

    def members(self, user_ids: list[int]) -> dict[int, tuple[Membership, DigestSubscription]]:
        """{user id: (membership, subscription)} of the active subscribed members among
        ``user_ids`` (two queries for a whole chunk)."""
        memberships = {
            m.user_id: m
            for m in Membership.objects.select_related("user").filter(
                organization=self.organization, user_id__in=user_ids, user__is_active=True
            )
        }
        subscriptions = DigestSubscription.objects.filter(
            organization=self.organization, user_id__in=list(memberships)
        )
        return {s.user_id: (memberships[s.user_id], s) for s in subscriptions}


def digest_send(
    *,
    week: Week,
    user_id: int,
    connection=None,
    member: tuple[Membership, DigestSubscription] | None = None,
) -> int | None:
    """Claim, then send, one member's digest for ``week``; answers the claim's id when it
    went out (the caller stamps it sent: ``deliveries_stamp``), else None. ``member`` is
    their membership and subscription when the caller read them already. Raises when
    sending fails, after releasing the claim. Runs in the organization's scope."""
    organization = week.organization
    member = member or week.members([user_id]).get(user_id)
    if member is None or not member[0].user.email:
        return None
    membership, subscription = member
    chosen = week.chosen_for(membership, subscription)
    if not chosen:
        return None
    try:
        with transaction.atomic():
            claim = DigestDelivery.objects.create(
                organization=organization,
                user_id=user_id,
                week_start=week.week_start,
                postmortem_numbers=[entry.number for entry in chosen],
            )
    except IntegrityError:
        return None  # someone else has it: sent, or being sent
    try:
        _email(week, membership.user, chosen, subscription, connection)
    except Exception:
        claim.delete()  # released: the next run sends it
        raise
    return claim.pk


def deliveries_stamp(claim_ids: list[int]) -> None:
    """Mark claims sent, in one UPDATE per run or chunk (a claim left unstamped by a crash
    still blocks a second digest: ``sent_at`` only confirms)."""
    if claim_ids:
        DigestDelivery.objects.filter(pk__in=claim_ids).update(sent_at=timezone.now())


def digest_context(week: Week, user, chosen: list[WeekPostmortem], subscription) -> dict:
    organization = week.organization
    start, end = week_bounds(organization, week.week_start)
    count = len(chosen)
    title = f"{count} postmortem{'s' if count != 1 else ''} published last week"
    return {
        "organization": organization,
        "recipient": user,
        "title": title,
        "subject": f"[{organization.name}] Learning digest: {title}",
        "week_start": start.date(),
        "week_end": (end - timedelta(days=1)).date(),
        "postmortems": [week.rendered(entry) for entry in chosen],
        "filtered": subscription.is_filtered,
        "settings_link": absolute_url(
            reverse("digest_subscription", kwargs={"org_slug": organization.slug})
        ),
        "list_link": absolute_url(
            reverse("postmortem_list", kwargs={"org_slug": organization.slug})
        ),
    }


def _email(week: Week, user, chosen, subscription, connection) -> None:
    context = digest_context(week, user, chosen, subscription)
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=render_to_string("postmortems/reading/email/digest.txt", context),
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("postmortems/reading/email/digest.html", context), "text/html"
    )
    send_digest_email(message)


def send_digest_email(message: EmailMultiAlternatives) -> None:
    """The one place a digest leaves (tests replace it to simulate a failing mail server)."""
    message.send()


def send_digests(*, week: Week, user_ids: Iterable[int], report: DigestRun) -> DigestRun:
    """Serve ``user_ids`` over one mail connection; a failure for one member is logged and
    recorded, and the others are still served."""
    user_ids = list(user_ids)
    members = week.members(user_ids)
    sent: list[int] = []
    with get_connection() as connection:
        for user_id in user_ids:
            if user_id not in members:
                continue  # no longer a subscribed, active member
            try:
                claim_id = digest_send(
                    week=week, user_id=user_id, connection=connection, member=members[user_id]
                )
            except Exception:
                logger.exception(
                    "Learning digest for user %s in %s failed", user_id, week.organization.slug
                )
                report.failed.append(user_id)
                continue
            if claim_id is not None:
                sent.append(claim_id)
    deliveries_stamp(sent)
    report.sent += len(sent)
    return report


def run_digest(organization: Organization, now: datetime | None = None) -> DigestRun:
    """Send every digest due at ``now`` in ``organization``, in this process. Safe to run
    again at once: the second run sends nothing."""
    started = time.perf_counter()
    week_start = digest_week(organization, now or timezone.now())
    report = DigestRun(organization=organization.slug, week_start=week_start)
    with scope(organization=organization):
        user_ids = subscribers_due(organization=organization, week_start=week_start)
        report.subscribers = len(user_ids)
        if user_ids:
            week = Week(organization, week_start)
            report.postmortems = len(week.entries)
            send_digests(week=week, user_ids=user_ids, report=report)
    report.seconds = time.perf_counter() - started
    return report
