"""Reminders: one digest per recipient per run, and never the same reminder twice.

What is due, for one organization at a moment ``now`` ("today" is the organization's time zone;
the cadence is its ``PostmortemPolicy``; a cadence of 0 days turns that reminder off):

* **Owners** of open items (OPEN or IN_PROGRESS) with a due date: ``DUE_SOON`` once per item and
  due date when it falls within ``remind_days_before_due`` days; ``DUE_TODAY`` once on the due
  date; ``OVERDUE`` every ``overdue_repeat_days`` days after it (period ``<due date>/<n>``, the
  n-th repeat: days 1–7 are repeat 1, days 8–14 repeat 2 with a 7-day cadence; a 0-day cadence
  sends repeat 1 only). Rescheduling an item starts its reminders afresh for the new date.
* **Escalation** (``ESCALATION``, period ``<due date>``): items overdue by ``escalate_after_days``
  days or more go once to the postmortem's author and to the organization's managers (members
  whose role may reassign action items: managers and admins). Items **without an owner** get no
  owner reminder: they appear in the managers' escalation digest instead, as soon as they come
  due (within ``remind_days_before_due`` days; period ``unowned/<due date>``), and again with the
  others once long overdue. Nobody is told about their own item twice: the owner is left out of
  its escalation.
* **Drafts** never submitted (status DRAFT, ``review_round == 0``) older than
  ``draft_target_days``: ``DRAFT_STALE`` to their author, again every ``draft_target_days``
  (period ``<n>``, the n-th target missed).
* COMPLETED and WONT_DO items get nothing. A recipient hears only of postmortems they may read
  (the tracker's rule), and only while they are an active member of the organization.

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
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from organizations.models import Membership, Notification, NotificationKind, Organization
from organizations.notifications import email_wanted
from organizations.roles import Action, can
from organizations.selectors import policy_for
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
)
from postmortems.permissions import readable_by_q, visible_q

from .models import ActionItem, ItemStatus, Reminder, ReminderKind
from .reminder_digest import DigestContent
from .webhook_messages import overdue_items_queue

logger = logging.getLogger(__name__)

OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
BATCH = 1000  # rows per INSERT / UPDATE / DELETE
MANAGER_ACTION = Action.REASSIGN_ACTION_ITEMS


# --- Cadence and "today" -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    remind_days_before_due: int
    overdue_repeat_days: int
    escalate_after_days: int
    draft_target_days: int

    @classmethod
    def of(cls, organization: Organization) -> "Cadence":
        policy = policy_for(organization)
        return cls(
            remind_days_before_due=policy.remind_days_before_due,
            overdue_repeat_days=policy.overdue_repeat_days,
            escalate_after_days=policy.escalate_after_days,
            draft_target_days=policy.draft_target_days,
        )


def local_today(organization: Organization, now: datetime) -> date:
    """The date at ``now`` in the organization's time zone."""
    return timezone.localtime(now, zoneinfo.ZoneInfo(organization.time_zone or "UTC")).date()


# --- SQL helpers ---------------------------------------------------------------------------------


class IsoDate(Func):
    """A date column as ``YYYY-MM-DD`` text (how periods name a due date)."""

    arity = 1
    output_field = CharField()
    template = "%(expressions)s"  # SQLite stores dates as ISO text already

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM-DD')", **extra
        )


class DaysSince(Func):
    """Whole days from a date column to ``day`` (``day - column``), as an integer."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, column: str, day: date):
        super().__init__(Value(day, output_field=DateField()), F(column))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _not_recorded(recipient_ref, kind_ref, period_ref="r_period") -> Exists:
    """``NOT EXISTS`` a Reminder for (this item, kind, period, recipient): a probe of the
    unique index per candidate. Correlated on the item, which the outer query has already
    scoped to the organization; the scope's own ``organization_id`` filter is left out on
    purpose, as it lets the planner scan every reminder the organization ever recorded."""
    with scopes_disabled():
        recorded = Reminder.objects.filter(
            action_item=OuterRef("pk"),
            recipient=recipient_ref,
            kind=kind_ref,
            period=OuterRef(period_ref),
        )
    return ~Exists(recorded)


# --- What is due ---------------------------------------------------------------------------------


def owner_items(organization: Organization, today: date, cadence: Cadence) -> QuerySet[ActionItem]:
    """Open owned items due soon, today or overdue whose current reminder is not recorded,
    annotated with ``r_kind`` and ``r_period``. One range scan on (organization, status,
    due_date) with an index probe on the Reminder constraint per candidate."""
    horizon = today + timedelta(days=cadence.remind_days_before_due)
    repeat = Value(1)
    if cadence.overdue_repeat_days:
        repeat = (DaysSince("due_date", today) - 1) / cadence.overdue_repeat_days + 1
    iso = IsoDate("due_date")
    return (
        ActionItem.objects.filter(
            organization=organization,
            status__in=OPEN_STATUSES,
            owner__isnull=False,
            due_date__lte=horizon,
        )
        .annotate(
            r_kind=Case(
                When(due_date__gt=today, then=Value(ReminderKind.DUE_SOON)),
                When(due_date=today, then=Value(ReminderKind.DUE_TODAY)),
                default=Value(ReminderKind.OVERDUE),
                output_field=CharField(),
            ),
            r_period=Case(
                When(
                    due_date__lt=today,
                    then=Concat(iso, Value("/"), Cast(repeat, CharField())),
                ),
                default=iso,
                output_field=CharField(),
            ),
        )
        .filter(_not_recorded(OuterRef("owner"), OuterRef("r_kind")))
    )


def _escalation_limit(today: date, cadence: Cadence) -> date | None:
    days = cadence.escalate_after_days
    return today - timedelta(days=days) if days else None


def author_escalations(
    organization: Organization, today: date, cadence: Cadence
) -> QuerySet[ActionItem]:
    """Long-overdue items not yet escalated to their postmortem's author (unless the author
    owns them), annotated with ``r_period``."""
    limit = _escalation_limit(today, cadence)
    if limit is None:
        return ActionItem.objects.none()
    return (
        ActionItem.objects.filter(
            organization=organization,
            status__in=OPEN_STATUSES,
            due_date__lte=limit,
            postmortem__author__isnull=False,
        )
        .exclude(owner_id=F("postmortem__author_id"))
        .annotate(r_period=IsoDate("due_date"))
        .filter(_not_recorded(OuterRef("postmortem__author"), ReminderKind.ESCALATION))
    )


def manager_escalations(
    organization: Organization, today: date, cadence: Cadence, membership: Membership
) -> QuerySet[ActionItem]:
    """For one manager: long-overdue items, and unowned items coming due, that they may read,
    do not own and have not been told of (``r_period``)."""
    limit = _escalation_limit(today, cadence)
    horizon = today + timedelta(days=cadence.remind_days_before_due)
    wanted = Q(owner__isnull=True, due_date__lte=horizon)
    period = Concat(Value("unowned/"), IsoDate("due_date"))
    if limit is not None:
        wanted |= Q(due_date__lte=limit)
        period = Case(
            When(due_date__lte=limit, then=IsoDate("due_date")),
            default=period,
            output_field=CharField(),
        )
    items = (
        ActionItem.objects.filter(organization=organization, status__in=OPEN_STATUSES)
        .filter(wanted)
        .exclude(owner_id=membership.user_id)
        .annotate(r_period=period)
        .filter(_not_recorded(membership.user_id, ReminderKind.ESCALATION))
    )
    return _readable_by(items, organization, membership)


def stale_drafts(organization: Organization, now: datetime, cadence: Cadence) -> QuerySet:
    """Drafts never submitted, older than the target (few: read whole, periods in Python)."""
    if not cadence.draft_target_days:
        return Postmortem.objects.none()
    return Postmortem.objects.filter(
        organization=organization,
        status=PostmortemStatus.DRAFT,
        review_round=0,
        author__isnull=False,
        created_at__lte=now - timedelta(days=cadence.draft_target_days),
    )


def draft_period(postmortem: Postmortem, now: datetime, cadence: Cadence) -> str:
    """The n-th target missed: "1" from the target, "2" from twice the target, …"""
    return str((now - postmortem.created_at) // timedelta(days=cadence.draft_target_days))


def _new_draft_reminders(
    organization: Organization, now: datetime, cadence: Cadence, author_id: int | None = None
) -> list[tuple[Postmortem, str]]:
    drafts = stale_drafts(organization, now, cadence)
    if author_id is not None:
        drafts = drafts.filter(author_id=author_id)
    drafts = list(drafts.only("pk", "number", "title", "author_id", "created_at"))
    if not drafts:
        return []
    sent = set(
        Reminder.objects.filter(
            organization=organization,
            postmortem_id__in=[d.pk for d in drafts],
            kind=ReminderKind.DRAFT_STALE,
        ).values_list("postmortem_id", "period", "recipient_id")
    )
    return [
        (draft, period)
        for draft in drafts
        if (draft.pk, period := draft_period(draft, now, cadence), draft.author_id) not in sent
    ]


def _readable_by(items: QuerySet, organization: Organization, membership: Membership):
    visible = visible_q(membership)
    if not visible:  # admins read everything: no filter
        return items
    return items.filter(
        postmortem__in=Postmortem.objects.filter(organization=organization)
        .filter(visible)
        .values("pk")
    )


def owner_may_read_q() -> Q:
    """Items whose owner may read their postmortem (``permissions.readable_by_q``)."""
    return readable_by_q(user="owner", postmortem="postmortem")


def _managers(organization: Organization) -> list[Membership]:
    return [
        m
        for m in Membership.objects.filter(organization=organization, user__is_active=True)
        if can(m, MANAGER_ACTION)
    ]


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
    for manager in _managers(organization):
        if manager_escalations(organization, today, cadence, manager).exists():
            ids.add(manager.user_id)
    ids.update(draft.author_id for draft, _ in _new_draft_reminders(organization, now, cadence))
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
    owned = _readable_by(owned, organization, membership).order_by("due_date", "number")
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

    for draft, period in _new_draft_reminders(organization, now, cadence, author_id=user_id):
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
