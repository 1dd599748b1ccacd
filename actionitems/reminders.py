"""Reminders: one digest per recipient per run, and never the same reminder twice.

What is due is decided by the rules in ``actionitems.reminder_rules``; what a digest says by
``actionitems.reminder_digest``. This module finds who has something new to hear, and claims
and sends each recipient's reminders.

Delivery: one digest per recipient per run (one email with text and HTML parts when the member
wants reminder emails and has an address, and one in-app notification of kind ``REMINDER``).

Exactly what is sent — **at most once** per (item, kind, period, recipient):

1. In the recipient's transaction, with their membership row locked (two workers serving the same
   recipient queue one behind the other), what is due is read *excluding what is recorded*
   (``NOT EXISTS`` on ``Reminder``) and one ``Reminder`` row per reminder is inserted; the unique
   constraints refuse a second row for the same (item | draft, kind, period, recipient) should
   anything ever bypass the lock. The transaction commits: the reminders are claimed.
2. The digest is sent. If sending raises, the claimed rows are deleted again, so the next run
   (or the task's retry) sends that digest; the recipients already served are not sent again.
3. The rows are stamped ``sent_at`` and the in-app notification is written.

So beat firing twice sends once, and a run that fails half-way sends the rest exactly once on
the next run. The price of never doubling is the rare loss: a worker killed between step 1 and
the end of step 2 leaves rows with ``sent_at`` NULL that are never sent (the failure we chose
over sending a reminder twice); an SMTP server that accepted a message but answered with an
error gets it once more. Send-then-record would flip that: nothing lost, duplicates on crash.

Entry points: ``run_reminders(organization, now=None) -> RunReport`` runs everything in process
(the benchmark, the shell); ``actionitems.tasks`` fans out the same work per organization and
per chunk of recipients (``recipients_due`` then ``digest_send``).
"""

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scope

from organizations.models import Membership, Notification, NotificationKind, Organization
from organizations.notifications import email_wanted
from organizations.roles import can
from postmortems.models import Postmortem

from .models import Reminder, ReminderKind
from .reminder_digest import DigestContent
from .reminder_rules import (
    MANAGER_ACTION,
    Cadence,
    author_escalations,
    local_today,
    manager_escalations,
    managers,
    new_draft_reminders,
    owner_items,
    owner_may_read_q,
    readable_by,
)
from .webhook_messages import overdue_items_queue

logger = logging.getLogger(__name__)

BATCH = 1000  # rows per INSERT / UPDATE / DELETE


# --- Who has something new to hear ---------------------------------------------------------------


def recipients_due(*, organization: Organization, now: datetime | None = None) -> list[int]:
    """Ids of the active members with something new to hear at ``now`` (a few queries: one
    per kind of recipient, one ``EXISTS`` per manager). Must run inside the organization's
    scope. ``digest_send`` decides again, exactly, under the recipient's lock."""
    now = now or timezone.now()
    today = local_today(organization, now)
    cadence = Cadence.of(organization)
    ids: set[int] = set()
    ids.update(
        owner_items(organization, today, cadence)
        .filter(owner_may_read_q())
        .order_by()
        .values_list("owner_id", flat=True)
        .distinct()
    )
    ids.update(
        author_escalations(organization, today, cadence)
        .order_by()
        .values_list("postmortem__author_id", flat=True)
        .distinct()
    )
    for manager in managers(organization):
        if manager_escalations(organization, today, cadence, manager).exists():
            ids.add(manager.user_id)
    ids.update(draft.author_id for draft, _ in new_draft_reminders(organization, now, cadence))
    members = set(
        Membership.objects.filter(
            organization=organization, user__is_active=True, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    return sorted(ids & members)


# --- One recipient's reminders -------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One reminder for one recipient: an item (by id: a digest shows only its first lines,
    loaded apart) or a draft, the kind and the period."""

    kind: str
    period: str
    item_id: int | None = None
    draft: Postmortem | None = None
    days: int = 0  # overdue (> 0) or until due (< 0) for items; waiting for drafts

    @property
    def when(self) -> str:
        if self.draft is not None:
            return f"a draft for {self.days} days"
        if self.days > 0:
            return f"{self.days} day{'s' if self.days != 1 else ''} overdue"
        if self.days == 0:
            return "due today"
        if self.days == -1:
            return "due tomorrow"
        return f"due in {-self.days} days"

    def record(self, organization: Organization, recipient_id: int) -> Reminder:
        return Reminder(
            organization=organization,
            action_item_id=self.item_id,
            postmortem=self.draft,
            kind=self.kind,
            period=self.period,
            recipient_id=recipient_id,
        )


def reminders_for(
    *,
    organization: Organization,
    membership: Membership,
    now: datetime,
    cadence: Cadence | None = None,
) -> list[Due]:
    """Everything ``membership``'s member should hear at ``now`` and has not (a handful of
    queries whatever the data size)."""
    today = local_today(organization, now)
    cadence = cadence or Cadence.of(organization)
    user_id = membership.user_id
    due: list[Due] = []

    # tuples, not models: a manager's first run can escalate thousands of items
    owned = owner_items(organization, today, cadence).filter(owner_id=user_id)
    owned = readable_by(owned, organization, membership).order_by("due_date", "number")
    for pk, kind, period, due_date in owned.values_list("pk", "r_kind", "r_period", "due_date"):
        due.append(Due(kind, period, item_id=pk, days=(today - due_date).days))

    escalated: dict[int, tuple] = {}
    authored = author_escalations(organization, today, cadence).filter(
        postmortem__author_id=user_id
    )
    querysets = [authored]
    if can(membership, MANAGER_ACTION):
        querysets.append(manager_escalations(organization, today, cadence, membership))
    for queryset in querysets:
        for pk, due_date, number, period in queryset.values_list(
            "pk", "due_date", "number", "r_period"
        ):
            escalated.setdefault(pk, (due_date, number, period))
    for pk, (due_date, _, period) in sorted(escalated.items(), key=lambda kv: kv[1][:2]):
        due.append(Due(ReminderKind.ESCALATION, period, item_id=pk, days=(today - due_date).days))

    for draft, period in new_draft_reminders(organization, now, cadence, author_id=user_id):
        days = (now - draft.created_at).days
        due.append(Due(ReminderKind.DRAFT_STALE, period, draft=draft, days=days))
    return due


# --- Delivery ------------------------------------------------------------------------------------


@dataclass
class Digest:
    """What one recipient was sent."""

    recipient_id: int
    reminders: int
    emailed: bool
    by_kind: Counter
    overdue_item_ids: list[int] = field(default_factory=list)


def digest_send(
    *,
    organization: Organization,
    user_id: int,
    now: datetime,
    connection=None,
    cadence: Cadence | None = None,
) -> Digest | None:
    """Record, then send, one recipient's digest (see the module docstring for the guarantee).
    ``None`` when there is nothing new for them (or they are no longer an active member).
    Raises when sending fails, after releasing what it recorded. Runs inside the
    organization's scope."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(organization=organization, user_id=user_id, user__is_active=True)
            .first()
        )
        if membership is None:
            return None
        due = reminders_for(
            organization=organization, membership=membership, now=now, cadence=cadence
        )
        if not due:
            return None
        rows = Reminder.objects.bulk_create(
            [d.record(organization, user_id) for d in due], batch_size=BATCH
        )
    # Under the lock nobody else records for this member, and ids only grow: this member's
    # unsent rows between the first and last new id are exactly the ones just recorded.
    ids = [row.pk for row in rows]
    mine = Reminder.objects.filter(
        recipient_id=user_id, sent_at__isnull=True, pk__gte=min(ids), pk__lte=max(ids)
    )
    user = membership.user
    content = DigestContent(
        organization, user, due, now, is_manager=can(membership, MANAGER_ACTION)
    )
    try:
        emailed = _deliver(content, connection)
    except Exception:
        mine.delete()  # released: the next run sends this digest
        raise
    with transaction.atomic():
        sent_at = timezone.now()
        mine.update(sent_at=sent_at)
        Notification.objects.create(
            organization=organization,
            recipient=user,
            kind=NotificationKind.REMINDER,
            actor=None,
            title=content.title[:200],
            body=content.notification_body(),
            url=content.primary_path,
            # the digest is its email: the generic notification email must never send it again
            emailed_at=sent_at,
        )
    return Digest(
        recipient_id=user_id,
        reminders=len(ids),
        emailed=emailed,
        by_kind=Counter(str(d.kind) for d in due),
        overdue_item_ids=[d.item_id for d in due if d.kind == ReminderKind.OVERDUE],
    )


def _deliver(content: DigestContent, connection) -> bool:
    """Email the digest when the member wants reminder emails; answers whether it was sent."""
    user = content.user
    if not user.email or not email_wanted(
        organization=content.organization, user=user, kind=NotificationKind.REMINDER
    ):
        return False
    message = EmailMultiAlternatives(
        subject=content.subject,
        body=render_to_string("actionitems/email/digest.txt", content.context),
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("actionitems/email/digest.html", content.context), "text/html"
    )
    send_digest_email(message)
    return True


def send_digest_email(message: EmailMultiAlternatives) -> None:
    """The one place a digest leaves (tests replace it to simulate a failing mail server)."""
    message.send()


# --- A whole run, in process ---------------------------------------------------------------------


@dataclass
class RunReport:
    """What one run did for one organization."""

    organization: str
    recipients: int = 0  # members found with something new to hear
    digests: int = 0  # digests delivered (in-app, and by email when wanted)
    emails: int = 0  # emails sent (one per digest at most)
    reminders: int = 0  # Reminder rows recorded
    by_kind: Counter = field(default_factory=Counter)
    failed: list[int] = field(default_factory=list)  # user ids whose digest failed
    overdue_item_ids: list[int] = field(default_factory=list)  # got an OVERDUE reminder
    seconds: float = 0.0

    def add(self, digest: Digest | None) -> None:
        if digest is None:
            return
        self.digests += 1
        self.emails += digest.emailed
        self.reminders += digest.reminders
        self.by_kind.update(digest.by_kind)
        self.overdue_item_ids += digest.overdue_item_ids


def send_digests(
    *, organization: Organization, user_ids: Iterable[int], now: datetime, report: RunReport
) -> RunReport:
    """Serve ``user_ids`` one after the other over one mail connection; a failure for one
    recipient is logged and recorded in the report, and the others are still served. Runs
    inside the organization's scope."""
    cadence = Cadence.of(organization)
    with get_connection() as connection:
        for user_id in user_ids:
            try:
                report.add(
                    digest_send(
                        organization=organization,
                        user_id=user_id,
                        now=now,
                        connection=connection,
                        cadence=cadence,
                    )
                )
            except Exception:
                logger.exception(
                    "Reminder digest for user %s in %s failed", user_id, organization.slug
                )
                report.failed.append(user_id)
    # one chat message per run for the items that just got an overdue reminder
    overdue_items_queue(organization=organization, item_ids=report.overdue_item_ids, now=now)
    return report


def run_reminders(organization: Organization, now: datetime | None = None) -> RunReport:
    """Send every reminder due at ``now`` (default: the present) in ``organization``, in this
    process: the benchmark's and the shell's entry point (Celery fans the same work out per
    recipient chunk). Safe to run again at once: the second run sends nothing. Digests that
    failed are listed in ``report.failed`` and go out on the next run."""
    started = time.perf_counter()
    now = now or timezone.now()
    report = RunReport(organization=organization.slug)
    with scope(organization=organization):
        user_ids = recipients_due(organization=organization, now=now)
        report.recipients = len(user_ids)
        send_digests(organization=organization, user_ids=user_ids, now=now, report=report)
    report.seconds = time.perf_counter() - started
    return report
