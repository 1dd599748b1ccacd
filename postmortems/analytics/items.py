"""Analytics of the action items: completed on time, open and overdue per month, by category.

Items fall in the range by ``created_at`` (categories) or ``completed_at`` (on time); the open
/ overdue trend is the state at each month's end. ``item_metrics`` caches the three together.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Case, Count, DateField, F, Q, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from actionitems.models import Category, ItemStatus
from organizations.selectors import ACTION_ITEMS_VERSION, counter_value
from postmortems.analytics.scope import DAY, AnalyticsScope, items_in_scope, month_key, next_month


@dataclass
class OnTime:
    completed: int  # completed in the range, with a due date
    on_time: int
    undated: int  # completed in the range without a due date: not counted either way

    @property
    def rate(self) -> float | None:
        return self.on_time / self.completed if self.completed else None


def on_time(scope: AnalyticsScope) -> OnTime:
    """Items completed in the range: on time when completed on or before the due date (the
    completion's day in the organization's time zone)."""
    totals = (
        items_in_scope(scope)
        .filter(
            status=ItemStatus.COMPLETED,
            completed_at__gte=scope.start,
            completed_at__lt=scope.end,
        )
        .annotate(completed_day=TruncDate("completed_at", tzinfo=scope.zone))
        .aggregate(
            completed=Count("pk", filter=Q(due_date__isnull=False)),
            on_time=Count("pk", filter=Q(completed_day__lte=F("due_date"))),
            undated=Count("pk", filter=Q(due_date__isnull=True)),
        )
    )
    return OnTime(**totals)


@dataclass
class ItemTrendPoint:
    month: date
    as_of: date  # the day whose end the figures describe (today for the current month)
    open: int | None  # None: the month has not ended… nor begun
    overdue: int | None


def open_overdue_trend(
    scope: AnalyticsScope, *, now: datetime | None = None
) -> list[ItemTrendPoint]:
    """Open and overdue items at the end of each month of the range (now, for the current
    month), in one grouped query.

    Each item is reduced to three months: created, closed (completed; won't-do at its last
    change) and due (only if due before today: a later due date is overdue at no month's end
    so far). At the end of month m an item is open when created by m and not closed by m, and
    overdue when open and due by m; month boundaries are the moments, so this is exact. The
    rows are those groups (a few per month of history), whatever the number of items.
    """
    now = now or timezone.now()
    today = timezone.localtime(now, scope.zone).date()
    zone = scope.zone
    closed_at = Case(
        When(status=ItemStatus.COMPLETED, then=F("completed_at")),
        When(status=ItemStatus.WONT_DO, then=F("updated_at")),
        default=None,
    )
    rows = (
        items_in_scope(scope)
        .annotate(closed_at=closed_at)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=scope.start), created_at__lt=now)
        .annotate(
            created_month=TruncMonth("created_at", tzinfo=zone),
            closed_month=TruncMonth("closed_at", tzinfo=zone),
            due_month=Case(
                When(due_date__lt=today, then=TruncMonth("due_date")),
                default=None,
                output_field=DateField(),
            ),
        )
        .values_list("created_month", "closed_month", "due_month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    groups = [
        (month_key(c), month_key(x) if x else None, month_key(d) if d else None, n)
        for c, x, d, n in rows
    ]
    points = []
    for month in scope.months:
        if month > today:
            points.append(ItemTrendPoint(month, month, None, None))
            continue
        open_ = [(d, n) for c, x, d, n in groups if c <= month and (x is None or x > month)]
        overdue = sum(n for d, n in open_ if d is not None and d <= month)
        as_of = min(next_month(month) - DAY, today)
        points.append(ItemTrendPoint(month, as_of, sum(n for _, n in open_), overdue))
    return points


@dataclass
class CategoryCount:
    key: str
    label: str
    total: int
    completed: int

    @property
    def open(self) -> int:
        return self.total - self.completed


def items_by_category(scope: AnalyticsScope) -> list[CategoryCount]:
    """Items created in the range by category (detect, prevent, mitigate, respond, none)."""
    rows = (
        items_in_scope(scope)
        .filter(created_at__gte=scope.start, created_at__lt=scope.end)
        .values("category")
        .annotate(total=Count("pk"), completed=Count("pk", filter=Q(status=ItemStatus.COMPLETED)))
        .order_by()
    )
    found = {row["category"]: row for row in rows}
    labels = [*Category.choices, ("", "No category")]
    return [
        CategoryCount(key, label, found[key]["total"], found[key]["completed"])
        if key in found
        else CategoryCount(key, label, 0, 0)
        for key, label in labels
        if key or key in found
    ]


def items_done_by_period(scope: AnalyticsScope, previous: AnalyticsScope) -> dict:
    """Action items due in ``scope`` and in ``previous`` (won't-do left out), and how many of
    each are completed, in one query: ``due``, ``done``, ``due_before``, ``done_before``."""
    now = Q(due_date__gte=scope.date_from)
    before = Q(due_date__lt=scope.date_from)
    done = Q(status=ItemStatus.COMPLETED)
    return (
        items_in_scope(scope)
        .exclude(status=ItemStatus.WONT_DO)
        .filter(due_date__gte=previous.date_from, due_date__lte=scope.date_to)
        .aggregate(
            due=Count("pk", filter=now),
            done=Count("pk", filter=now & done),
            due_before=Count("pk", filter=before),
            done_before=Count("pk", filter=before & done),
        )
    )


ITEMS_TTL = 300


def item_metrics(scope: AnalyticsScope) -> tuple[OnTime, list[ItemTrendPoint], list]:
    """The three action-item metrics (each a scan of the organization's items), cached like
    the tracker's counts (``actionitems.tracker_cache``): the key holds the organization's
    action-item version, which every item write bumps in its transaction, and today's date;
    entries expire after ``ITEMS_TTL`` seconds, which bounds how long a change made elsewhere
    (a team's members, a postmortem's author) takes to show in a team's figures."""
    organization = scope.organization
    today = timezone.localtime(timezone.now(), scope.zone).date()
    parts = [
        organization.pk,
        organization.created_at.isoformat() if organization.created_at else "",
        counter_value(organization=organization, name=ACTION_ITEMS_VERSION),
        today.isoformat(),
        scope.date_from.isoformat(),
        scope.date_to.isoformat(),
        scope.team.pk if scope.team else "",
    ]
    key = "analytics-items:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = (on_time(scope), open_overdue_trend(scope), items_by_category(scope))
        cache.set(key, found, ITEMS_TTL)
    return found
