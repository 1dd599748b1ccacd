"""Analytics: does the organization learn from its incidents?

Every figure is an aggregation in the database (``Count``, conditional ``Count(filter=…)``,
``TruncMonth`` groups); a page costs the same dozen queries whatever the data size.

**Medians and p90** use PostgreSQL's ``percentile_cont`` (``PercentileCont`` below), grouped in
the database. SQLite has no ordered-set aggregates: there the same queries fetch only the
duration numbers (``values_list``) and ``percentile`` interpolates exactly as
``percentile_cont`` does, so both databases give the same answers.

**The scope** of every metric is a date range (``AnalyticsScope.start`` inclusive, ``end``
exclusive, days in the organization's time zone) and optionally a team. A team's share is:

* postmortems whose author, or whose primary incident's commander, is on the team;
* incidents whose commander is on the team, or whose postmortem's author is;
* action items of the team's postmortems.

Which rows fall in the range: postmortems by ``created_at``; incidents by ``started_at``
(time to detect / resolve, services) or by ``resolved_at`` (the completion rate and the
lead times, whose clock starts at resolution); action items by ``created_at`` (categories) or
``completed_at`` (on time); the open / overdue trend is the state at each month's end.

Counts include every postmortem, private ones too; nothing here returns a title.
"""

import calendar
import hashlib
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connections
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from actionitems.models import ActionItem, Category, ItemStatus
from incidents.models import (
    Incident,
    IncidentService,
    Severity,
    duration_expression,
)
from incidents.selectors import _policy_q, with_duration
from organizations.models import Organization, PostmortemPolicy, Team, TeamMember
from organizations.selectors import ACTION_ITEMS_VERSION, counter_value, policy_for
from postmortems.models import Postmortem, Review, RootCauseCategory

DAY = timedelta(days=1)


# --- Percentiles ---------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: the
    continuous percentile (linear interpolation), over numbers or intervals; NULLs ignored."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile(values: list, fraction: float):
    """``percentile_cont`` in Python, for SQLite: ``values`` (numbers or timedeltas, None
    ignored) interpolated linearly between the two nearest ranks; None when empty."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def native_percentiles(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _days(span: timedelta | None) -> float | None:
    return None if span is None else span / DAY


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


# --- The scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalyticsScope:
    organization: Organization
    date_from: date
    date_to: date
    team: Team | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.organization.time_zone or "UTC")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after ``date_to``."""
        return datetime.combine(self.date_to + DAY, time.min, tzinfo=self.zone)

    @property
    def months(self) -> list[date]:
        return months_between(self.date_from, self.date_to)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s to ``last``'s."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def default_range(today: date) -> tuple[date, date]:
    """The last twelve months, whole months: the first of the month eleven months ago to today."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - DAY).replace(day=1)
    return first, today


def _team_users(team: Team):
    return TeamMember.objects.filter(team=team).values("user_id")


def postmortems_in_scope(scope: AnalyticsScope) -> QuerySet[Postmortem]:
    queryset = Postmortem.objects.filter(organization=scope.organization)
    if scope.team is not None:
        users = _team_users(scope.team)
        queryset = queryset.filter(Q(author_id__in=users) | Q(incident__commander_id__in=users))
    return queryset


def incidents_in_scope(scope: AnalyticsScope) -> QuerySet[Incident]:
    queryset = Incident.objects.filter(organization=scope.organization)
    if scope.team is not None:
        users = _team_users(scope.team)
        authored = Postmortem.objects.filter(incident=OuterRef("pk"), author_id__in=users)
        queryset = queryset.filter(Q(commander_id__in=users) | Exists(authored))
    return queryset


def items_in_scope(scope: AnalyticsScope) -> QuerySet[ActionItem]:
    queryset = ActionItem.objects.filter(organization=scope.organization)
    if scope.team is not None:
        queryset = queryset.filter(postmortem__in=postmortems_in_scope(scope).values("pk"))
    return queryset


def _month_key(value) -> date:
    """A ``TruncMonth`` result (an aware datetime in the scope's zone, or a date) as a date."""
    return value.date() if isinstance(value, datetime) else value


# --- Postmortems created per month ---------------------------------------------------------------


@dataclass
class MonthCount:
    month: date
    count: int


def created_per_month(scope: AnalyticsScope) -> list[MonthCount]:
    rows = (
        postmortems_in_scope(scope)
        .filter(created_at__gte=scope.start, created_at__lt=scope.end)
        .annotate(month=TruncMonth("created_at", tzinfo=scope.zone))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {_month_key(row["month"]): row["count"] for row in rows}
    return [MonthCount(month, counts.get(month, 0)) for month in scope.months]


# --- Completion rate ------------------------------------------------------------------------------


@dataclass
class Completion:
    required: int
    published: int

    @property
    def rate(self) -> float | None:
        return self.published / self.required if self.required else None


def completion(scope: AnalyticsScope, policy: PostmortemPolicy) -> Completion:
    """Incidents resolved in the range that the policy required a postmortem for, and how many
    of them have a published one (published or since archived)."""
    published = Postmortem.objects.filter(incident=OuterRef("pk"), published_at__isnull=False)
    totals = (
        with_duration(incidents_in_scope(scope))
        .filter(_policy_q(policy), resolved_at__gte=scope.start, resolved_at__lt=scope.end)
        .annotate(has_published=Exists(published))
        .aggregate(required=Count("pk"), published=Count("pk", filter=Q(has_published=True)))
    )
    return Completion(required=totals["required"], published=totals["published"])


# --- Lead times: resolution to draft, to review, to published -------------------------------------


@dataclass
class LeadTime:
    key: str
    label: str
    median_days: float | None
    target_days: int
    count: int

    @property
    def on_target(self) -> bool | None:
        if self.median_days is None:
            return None
        return self.median_days <= self.target_days


LEAD_STAGES = (
    ("draft", "Resolution → draft"),
    ("review", "Resolution → first review"),
    ("published", "Resolution → published"),
)


def lead_targets(policy: PostmortemPolicy) -> dict[str, int]:
    """Days from resolution, from the policy: a draft within the days allowed before its author
    is reminded; submitted in time to leave review its days before the publish target."""
    return {
        "draft": policy.draft_target_days,
        "review": max(policy.publish_target_days - policy.review_target_days, 0),
        "published": policy.publish_target_days,
    }


def _lead_expressions() -> dict:
    first_submit = (
        Review.objects.filter(postmortem=OuterRef("pk"), round=1)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    submitted = Coalesce(Subquery(first_submit), F("submitted_at"))
    resolved = F("incident__resolved_at")
    return {
        "draft": _duration(F("created_at") - resolved),
        "review": _duration(submitted - resolved),
        "published": _duration(F("published_at") - resolved),
    }


def lead_times(scope: AnalyticsScope, policy: PostmortemPolicy) -> list[LeadTime]:
    """Median days from the primary incident's resolution (in the range) to the postmortem's
    creation, first submission for review (the first round's review request, else the last
    submit) and publication."""
    queryset = postmortems_in_scope(scope).filter(
        incident__resolved_at__gte=scope.start, incident__resolved_at__lt=scope.end
    )
    expressions = _lead_expressions()
    if native_percentiles(queryset):
        aggregates = {}
        for key, expression in expressions.items():
            aggregates[f"{key}_median"] = PercentileCont(
                expression, 0.5, output_field=DurationField()
            )
            aggregates[f"{key}_count"] = Count(expression)
        totals = queryset.aggregate(**aggregates)
        medians = {key: _days(totals[f"{key}_median"]) for key in expressions}
        counts = {key: totals[f"{key}_count"] for key in expressions}
    else:
        rows = list(queryset.annotate(**expressions).values_list(*expressions))
        columns = dict(zip(expressions, zip(*rows, strict=True), strict=True)) if rows else {}
        medians = {key: _days(percentile(list(columns.get(key, ())), 0.5)) for key in expressions}
        counts = {key: sum(v is not None for v in columns.get(key, ())) for key in expressions}
    targets = lead_targets(policy)
    return [
        LeadTime(key, label, medians[key], targets[key], counts[key]) for key, label in LEAD_STAGES
    ]


# --- Action items: on time, open and overdue ------------------------------------------------------


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
        (_month_key(c), _month_key(x) if x else None, _month_key(d) if d else None, n)
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


# --- Time to detect and to resolve, by severity ------------------------------------------------


@dataclass
class SeverityTimes:
    month: date | None  # None: the whole range
    severity: str
    incidents: int
    ttd_median: timedelta | None = None
    ttd_p90: timedelta | None = None
    ttr_median: timedelta | None = None
    ttr_p90: timedelta | None = None


@dataclass
class DetectResolve:
    by_month: list[SeverityTimes] = field(default_factory=list)
    overall: list[SeverityTimes] = field(default_factory=list)

    def series(self, stat: str, severity: str, months: list[date]) -> list[timedelta | None]:
        found = {row.month: getattr(row, stat) for row in self.by_month if row.severity == severity}
        return [found.get(month) for month in months]


def detect_resolve(scope: AnalyticsScope) -> DetectResolve:
    """Median and p90 time to detect (start of impact → detection) and to resolve (start →
    resolution) of the incidents that started in the range, by severity, per month and over
    the whole range."""
    queryset = incidents_in_scope(scope).filter(
        started_at__gte=scope.start, started_at__lt=scope.end
    )
    ttd = _duration(F("detected_at") - F("started_at"))
    ttr = duration_expression()  # time to resolve is the incident's duration
    month = TruncMonth("started_at", tzinfo=scope.zone)
    if native_percentiles(queryset):
        stats = {
            "incidents": Count("pk"),
            "ttd_median": PercentileCont(ttd, 0.5, output_field=DurationField()),
            "ttd_p90": PercentileCont(ttd, 0.9, output_field=DurationField()),
            "ttr_median": PercentileCont(ttr, 0.5, output_field=DurationField()),
            "ttr_p90": PercentileCont(ttr, 0.9, output_field=DurationField()),
        }
        monthly = queryset.annotate(month=month).values("month", "severity").annotate(**stats)
        overall = queryset.values("severity").annotate(**stats)
        by_month = [
            SeverityTimes(**{**row, "month": _month_key(row["month"])})
            for row in monthly.order_by()
        ]
        whole = [SeverityTimes(month=None, **row) for row in overall.order_by()]
    else:
        rows = list(
            queryset.annotate(month=month, ttd=ttd, ttr=ttr).values_list(
                "month", "severity", "ttd", "ttr"
            )
        )
        by_month = _group_times(((_month_key(m), s), d, r) for m, s, d, r in rows)
        whole = _group_times(((None, s), d, r) for _, s, d, r in rows)
    order = {severity: rank for rank, severity in enumerate(Severity.values)}
    by_month.sort(key=lambda row: (row.month, order.get(row.severity, 9)))
    whole.sort(key=lambda row: order.get(row.severity, 9))
    return DetectResolve(by_month=by_month, overall=whole)


def _group_times(rows) -> list[SeverityTimes]:
    groups: dict[tuple, tuple[list, list]] = {}
    for key, detect, resolve in rows:
        detects, resolves = groups.setdefault(key, ([], []))
        detects.append(detect)
        resolves.append(resolve)
    return [
        SeverityTimes(
            month=month,
            severity=severity,
            incidents=len(detects),
            ttd_median=percentile(detects, 0.5),
            ttd_p90=percentile(detects, 0.9),
            ttr_median=percentile(resolves, 0.5),
            ttr_p90=percentile(resolves, 0.9),
        )
        for (month, severity), (detects, resolves) in groups.items()
    ]


# --- Root causes and services -------------------------------------------------------------------


@dataclass
class RankedCount:
    key: str
    label: str
    count: int


TOP_SERVICES = 10


def root_causes(scope: AnalyticsScope) -> tuple[list[RankedCount], int]:
    """Root-cause categories of the postmortems created in the range, most frequent first, and
    how many have none yet."""
    rows = (
        postmortems_in_scope(scope)
        .filter(created_at__gte=scope.start, created_at__lt=scope.end)
        .values("root_cause_category")
        .annotate(count=Count("pk"))
        .order_by("-count", "root_cause_category")
    )
    labels = dict(RootCauseCategory.choices)
    ranked, missing = [], 0
    for row in rows:
        key = row["root_cause_category"]
        if key in labels:
            ranked.append(RankedCount(key, labels[key], row["count"]))
        else:
            missing += row["count"]
    return ranked, missing


def affected_services(scope: AnalyticsScope, limit: int = TOP_SERVICES) -> list[RankedCount]:
    """The services with the most incidents started in the range."""
    incidents = incidents_in_scope(scope).filter(
        started_at__gte=scope.start, started_at__lt=scope.end
    )
    rows = (
        IncidentService.objects.filter(
            organization=scope.organization, incident__in=incidents.values("pk")
        )
        .values("service__name")
        .annotate(count=Count("incident_id", distinct=True))
        .order_by("-count", "service__name")[:limit]
    )
    return [RankedCount(row["service__name"], row["service__name"], row["count"]) for row in rows]


def has_any_data(organization: Organization) -> bool:
    """Has the organization recorded anything to analyse (an incident or a postmortem)?"""
    return (
        Incident.objects.filter(organization=organization).exists()
        or Postmortem.objects.filter(organization=organization).exists()
    )


# --- Tables: what each chart shows, as rows (the page's tables and the CSV downloads) -----------


def _fixed(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _minutes(span: timedelta | None) -> str:
    return "" if span is None else f"{span / timedelta(minutes=1):.1f}"


def _hours(span: timedelta | None) -> str:
    return "" if span is None else f"{span / timedelta(hours=1):.2f}"


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


@dataclass
class Table:
    header: list[str]
    rows: list[list]


def table_created(points: list[MonthCount]) -> Table:
    return Table(
        ["Month", "Postmortems created"], [[p.month.strftime("%Y-%m"), p.count] for p in points]
    )


def table_completion(result: Completion) -> Table:
    return Table(
        ["Required by policy", "Published", "Completion rate (%)"],
        [[result.required, result.published, _percent(result.rate)]],
    )


def table_lead_times(rows: list[LeadTime]) -> Table:
    return Table(
        ["Stage", "Median days", "Target days", "On target", "Postmortems"],
        [
            [
                row.label,
                _fixed(row.median_days),
                row.target_days,
                "" if row.on_target is None else ("yes" if row.on_target else "no"),
                row.count,
            ]
            for row in rows
        ],
    )


def table_on_time(result: OnTime) -> Table:
    return Table(
        ["Completed with a due date", "On time", "On time (%)", "Completed without a due date"],
        [[result.completed, result.on_time, _percent(result.rate), result.undated]],
    )


def table_open_overdue(points: list[ItemTrendPoint]) -> Table:
    return Table(
        ["Month", "As of", "Open", "Overdue"],
        [
            [p.month.strftime("%Y-%m"), p.as_of.isoformat(), p.open, p.overdue]
            for p in points
            if p.open is not None
        ],
    )


def table_detect_resolve(result: DetectResolve) -> Table:
    return Table(
        [
            "Month",
            "Severity",
            "Incidents",
            "TTD median (min)",
            "TTD p90 (min)",
            "TTR median (h)",
            "TTR p90 (h)",
        ],
        [
            [
                row.month.strftime("%Y-%m") if row.month else "All",
                row.severity,
                row.incidents,
                _minutes(row.ttd_median),
                _minutes(row.ttd_p90),
                _hours(row.ttr_median),
                _hours(row.ttr_p90),
            ]
            for row in [*result.by_month, *result.overall]
        ],
    )


def table_ranked(rows: list[RankedCount], what: str, extra: list | None = None) -> Table:
    return Table([what, "Count"], [[row.label, row.count] for row in rows] + (extra or []))


def table_categories(rows: list[CategoryCount]) -> Table:
    return Table(
        ["Category", "Action items", "Completed", "Not completed"],
        [[row.label, row.total, row.completed, row.open] for row in rows],
    )


# --- Charts by name: the CSV downloads and the page ----------------------------------------------


CHARTS = {
    "created": "Postmortems created per month",
    "completion": "Completion rate",
    "lead-times": "Days from resolution, median",
    "on-time": "Action items completed on time",
    "open-overdue": "Open and overdue action items",
    "detect-resolve": "Time to detect and to resolve by severity",
    "root-causes": "Top root-cause categories",
    "services": "Most affected services",
    "categories": "Action items by category",
}


def chart_table(slug: str, scope: AnalyticsScope) -> Table:
    """The numbers of one chart (computing only that chart); KeyError for an unknown one."""
    if slug not in CHARTS:
        raise KeyError(slug)
    policy = policy_for(scope.organization) if slug in {"completion", "lead-times"} else None
    if slug == "created":
        return table_created(created_per_month(scope))
    if slug == "completion":
        return table_completion(completion(scope, policy))
    if slug == "lead-times":
        return table_lead_times(lead_times(scope, policy))
    if slug == "on-time":
        return table_on_time(on_time(scope))
    if slug == "open-overdue":
        return table_open_overdue(open_overdue_trend(scope))
    if slug == "detect-resolve":
        return table_detect_resolve(detect_resolve(scope))
    if slug == "root-causes":
        ranked, missing = root_causes(scope)
        return table_ranked(ranked, "Root-cause category", [["No category yet", missing]])
    if slug == "services":
        return table_ranked(affected_services(scope), "Service")
    return table_categories(items_by_category(scope))


@dataclass
class Report:
    """Everything the analytics page shows, for one scope."""

    scope: AnalyticsScope
    policy: PostmortemPolicy
    created: list[MonthCount]
    completion: Completion
    lead_times: list[LeadTime]
    on_time: OnTime
    trend: list[ItemTrendPoint]
    detect_resolve: DetectResolve
    root_causes: list[RankedCount]
    root_causes_missing: int
    services: list[RankedCount]
    categories: list[CategoryCount]

    @property
    def created_total(self) -> int:
        return sum(point.count for point in self.created)

    @property
    def latest_trend(self) -> ItemTrendPoint | None:
        return next((p for p in reversed(self.trend) if p.open is not None), None)

    def tables(self) -> dict[str, Table]:
        return {
            "created": table_created(self.created),
            "completion": table_completion(self.completion),
            "lead-times": table_lead_times(self.lead_times),
            "on-time": table_on_time(self.on_time),
            "open-overdue": table_open_overdue(self.trend),
            "detect-resolve": table_detect_resolve(self.detect_resolve),
            "root-causes": table_ranked(
                self.root_causes,
                "Root-cause category",
                [["No category yet", self.root_causes_missing]],
            ),
            "services": table_ranked(self.services, "Service"),
            "categories": table_categories(self.categories),
        }


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


def analytics_report(scope: AnalyticsScope) -> Report:
    """Every metric of the page: a fixed number of queries whatever the data size."""
    policy = policy_for(scope.organization)
    ranked, missing = root_causes(scope)
    items_on_time, trend, categories = item_metrics(scope)
    return Report(
        scope=scope,
        policy=policy,
        created=created_per_month(scope),
        completion=completion(scope, policy),
        lead_times=lead_times(scope, policy),
        on_time=items_on_time,
        trend=trend,
        detect_resolve=detect_resolve(scope),
        root_causes=ranked,
        root_causes_missing=missing,
        services=affected_services(scope),
        categories=categories,
    )


def month_label(month: date) -> str:
    return f"{calendar.month_abbr[month.month]} {month.year}"
