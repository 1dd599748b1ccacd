"""The analytics page's report: every metric of a scope, and each chart's numbers as a table
(the page's tables and the CSV downloads)."""

from dataclasses import dataclass
from datetime import timedelta

from organizations.models import PostmortemPolicy
from organizations.selectors import policy_for
from postmortems.analytics.headlines import Headlines, headlines
from postmortems.analytics.items import (
    CategoryCount,
    ItemTrendPoint,
    OnTime,
    item_metrics,
    items_by_category,
    on_time,
    open_overdue_trend,
)
from postmortems.analytics.metrics import (
    Completion,
    DetectResolve,
    LeadTime,
    MonthCount,
    RankedCount,
    affected_services,
    completion,
    created_per_month,
    detect_resolve,
    lead_times,
    root_causes,
)
from postmortems.analytics.scope import AnalyticsScope

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
    headlines: Headlines

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
        headlines=headlines(scope),
    )
