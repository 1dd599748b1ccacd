"""Analytics: does the organization learn from its incidents?

Every figure is an aggregation in the database (``Count``, conditional ``Count(filter=…)``,
``TruncMonth`` groups); a page costs the same dozen queries whatever the data size.

Medians and p90 come from ``aggregates`` and every figure covers one ``AnalyticsScope``
(``scope``). Which rows fall in the range: postmortems by ``created_at``; incidents by
``started_at`` (time to detect / resolve, services) or by ``resolved_at`` (the completion rate
and the lead times, whose clock starts at resolution). The action items' figures are in
``items``, the page's report and tables in ``report``.

Counts include every postmortem, private ones too; nothing here returns a title.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Avg, Count, DurationField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth

from incidents.models import (
    Incident,
    IncidentService,
    Severity,
    duration_expression,
)
from incidents.selectors import _policy_q, with_duration
from organizations.models import Organization, PostmortemPolicy
from postmortems.analytics.aggregates import (
    PercentileCont,
    as_days,
    as_duration,
    native_percentiles,
    percentile,
)
from postmortems.analytics.scope import (
    AnalyticsScope,
    incidents_in_scope,
    month_key,
    postmortems_in_scope,
)
from postmortems.models import Postmortem, Review, RootCauseCategory

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
    counts = {month_key(row["month"]): row["count"] for row in rows}
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
        "draft": as_duration(F("created_at") - resolved),
        "review": as_duration(submitted - resolved),
        "published": as_duration(F("published_at") - resolved),
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
        medians = {key: as_days(totals[f"{key}_median"]) for key in expressions}
        counts = {key: totals[f"{key}_count"] for key in expressions}
    else:
        rows = list(queryset.annotate(**expressions).values_list(*expressions))
        columns = dict(zip(expressions, zip(*rows, strict=True), strict=True)) if rows else {}
        medians = {key: as_days(percentile(list(columns.get(key, ())), 0.5)) for key in expressions}
        counts = {key: sum(v is not None for v in columns.get(key, ())) for key in expressions}
    targets = lead_targets(policy)
    return [
        LeadTime(key, label, medians[key], targets[key], counts[key]) for key, label in LEAD_STAGES
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
    ttd = as_duration(F("detected_at") - F("started_at"))
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
            SeverityTimes(**{**row, "month": month_key(row["month"])}) for row in monthly.order_by()
        ]
        whole = [SeverityTimes(month=None, **row) for row in overall.order_by()]
    else:
        rows = list(
            queryset.annotate(month=month, ttd=ttd, ttr=ttr).values_list(
                "month", "severity", "ttd", "ttr"
            )
        )
        by_month = _group_times(((month_key(m), s), d, r) for m, s, d, r in rows)
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


# --- Mean times, against the previous period (the page's headlines) ----------------------------


def mean_detect_resolve(scope: AnalyticsScope, previous: AnalyticsScope) -> dict:
    """Mean time to detect and to resolve (with how many incidents each covers) of the
    incidents started in ``scope`` and in ``previous`` (the period just before it), in one
    query: ``ttd``, ``ttd_n``, ``ttd_before``, ``ttd_before_n`` and the same for ``ttr``."""
    now = Q(started_at__gte=scope.start)
    before = Q(started_at__lt=scope.start)
    ttd = as_duration(F("detected_at") - F("started_at"))
    ttr = duration_expression()
    detected = Q(detected_at__isnull=False)
    resolved = Q(resolved_at__isnull=False)
    return (
        incidents_in_scope(scope)
        .filter(started_at__gte=previous.start, started_at__lt=scope.end)
        .aggregate(
            ttd=Avg(ttd, filter=now & detected, output_field=DurationField()),
            ttd_before=Avg(ttd, filter=before & detected, output_field=DurationField()),
            ttd_n=Count("pk", filter=now & detected),
            ttd_before_n=Count("pk", filter=before & detected),
            ttr=Avg(ttr, filter=now & resolved, output_field=DurationField()),
            ttr_before=Avg(ttr, filter=before & resolved, output_field=DurationField()),
            ttr_n=Count("pk", filter=now & resolved),
            ttr_before_n=Count("pk", filter=before & resolved),
        )
    )


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
