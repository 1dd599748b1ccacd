"""What is due: the reminder rules, as querysets over one organization at a moment ``now``.

"Today" is the organization's time zone; the cadence is its ``PostmortemPolicy``; a cadence of
0 days turns that reminder off.

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

What is already recorded is left out (``NOT EXISTS`` on ``Reminder``; for drafts, the recorded
periods), so each answers what is *new*; ``actionitems.reminders`` claims and sends it, once.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
from django.utils import timezone
from django_scopes import scopes_disabled

from organizations.models import Membership, Organization
from organizations.roles import Action, can
from organizations.selectors import policy_for
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.permissions import readable_by_q, visible_q

from .models import ActionItem, ItemStatus, Reminder, ReminderKind

OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
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
    return readable_by(items, organization, membership)


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


def new_draft_reminders(
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


def readable_by(items: QuerySet, organization: Organization, membership: Membership):
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


def managers(organization: Organization) -> list[Membership]:
    return [
        m
        for m in Membership.objects.filter(organization=organization, user__is_active=True)
        if can(m, MANAGER_ACTION)
    ]
