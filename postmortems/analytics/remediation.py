"""Did the fixes hold? The repeat rate after remediation, overall, per period, per root-cause
category and per service.

A fix is a postmortem whose action items were all completed (``Postmortem.remediated_at``; a
won't-do item is not done) within the range, for an incident. It *recurred* when a later
incident matches it by the recurrence rule (``postmortems.recurrence``: a shared service or the
same root-cause category, starting within ``WINDOW`` after the remediation), leaving out the
pairs a manager marked as unrelated; it *held* when the window has passed without one; it is
*being watched* while the window is still open. The rate is recurred / (recurred + held), so a
fix completed last week does not count as held yet.

Five queries whatever the data: the fixes, their services, the later incidents by service and
by category (two columns each, the window run in Python with a binary search per key) and the
dismissals.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import IncidentService
from postmortems.analytics.patterns import EpochSeconds
from postmortems.analytics.report import Table
from postmortems.analytics.scope import AnalyticsScope, postmortems_in_scope
from postmortems.models import Postmortem, RecurrenceDismissal, RootCauseCategory
from postmortems.recurrence.rules import WINDOW

WINDOW_SECONDS = WINDOW.total_seconds()
SHOWN_SERVICES = 8
MONTHLY_UP_TO = 13  # a longer range is shown by quarter


@dataclass
class RateRow:
    label: str
    recurred: int = 0
    held: int = 0
    watching: int = 0

    @property
    def fixes(self) -> int:
        return self.recurred + self.held + self.watching

    @property
    def rate(self) -> int | None:
        """Percent of the judged fixes that recurred (None before any is judged)."""
        judged = self.recurred + self.held
        return round(100 * self.recurred / judged) if judged else None

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class RemediationReport:
    overall: RateRow
    periods: list[RateRow]
    categories: list[RateRow]
    services: list[RateRow]
    dismissed: int
    more_services: int = 0
    tables: dict[str, Table] = field(default_factory=dict)


@dataclass(frozen=True)
class Fix:
    postmortem_id: int
    incident_id: int
    category: str
    remediated: float  # seconds since 1970


def _fixes(scope: AnalyticsScope) -> QuerySet[Postmortem]:
    return postmortems_in_scope(scope).filter(
        incident__isnull=False, remediated_at__gte=scope.start, remediated_at__lt=scope.end
    )


def _later(rows) -> dict:
    """key → (sorted start times, incident ids in that order)."""
    grouped: dict = defaultdict(list)
    for key, incident_id, started in rows:
        grouped[key].append((started, incident_id))
    return {
        key: ([s for s, _ in sorted(pairs)], [i for _, i in sorted(pairs)])
        for key, pairs in grouped.items()
    }


def _recurred(fix: Fix, later: list[tuple], dismissed: set) -> bool:
    """True when an incident of ``later`` (per key: sorted start times and incident ids)
    starts within the window after the fix, other than the fix's own and not dismissed."""
    for starts, incidents in later:
        index = bisect_right(starts, fix.remediated)
        while index < len(starts) and starts[index] <= fix.remediated + WINDOW_SECONDS:
            incident_id = incidents[index]
            if incident_id != fix.incident_id and (fix.postmortem_id, incident_id) not in dismissed:
                return True
            index += 1
    return False


def _period(moment: datetime, scope: AnalyticsScope, quarterly: bool) -> str:
    local = moment.astimezone(scope.zone)
    if quarterly:
        return f"{local.year} Q{(local.month - 1) // 3 + 1}"
    return local.strftime("%Y-%m")


def _period_labels(scope: AnalyticsScope, quarterly: bool) -> list[str]:
    labels = []
    for month in scope.months:
        label = (
            f"{month.year} Q{(month.month - 1) // 3 + 1}" if quarterly else month.strftime("%Y-%m")
        )
        if label not in labels:
            labels.append(label)
    return labels


def remediation_report(scope: AnalyticsScope) -> RemediationReport:
    organization = scope.organization
    fixes = [
        Fix(*row)
        for row in _fixes(scope).values_list(
            "pk", "incident_id", "root_cause_category", EpochSeconds("remediated_at")
        )
    ]
    services: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for incident_id, service_id, name in IncidentService.objects.filter(
        organization=organization, incident__in=_fixes(scope).values("incident_id")
    ).values_list("incident_id", "service_id", "service__name"):
        services[incident_id].append(service_id)
        names[service_id] = name
    window = {
        "incident__started_at__gt": scope.start,
        "incident__started_at__lte": scope.end + WINDOW,
    }
    by_service = _later(
        IncidentService.objects.filter(organization=organization, service_id__in=names, **window)
        .values_list("service_id", "incident_id", EpochSeconds("incident__started_at"))
        .iterator()
    )
    categories = {f.category for f in fixes} - {""}
    by_category = _later(
        Postmortem.objects.filter(
            organization=organization, root_cause_category__in=categories, **window
        )
        .values_list("root_cause_category", "incident_id", EpochSeconds("incident__started_at"))
        .iterator()
    )
    dismissed = set(
        RecurrenceDismissal.objects.filter(
            organization=organization, postmortem__in=_fixes(scope).values("pk")
        ).values_list("postmortem_id", "incident_id")
    )
    return _report(scope, fixes, services, names, by_service, by_category, dismissed)


def _report(scope, fixes, services, names, by_service, by_category, dismissed):
    now = timezone.now().timestamp()
    quarterly = len(scope.months) > MONTHLY_UP_TO
    overall = RateRow("All fixes")
    periods = {label: RateRow(label) for label in _period_labels(scope, quarterly)}
    labels = dict(RootCauseCategory.choices)
    per_category: dict[str, RateRow] = {}
    per_service: dict[int, RateRow] = {}
    for fix in fixes:
        later = [by_service.get(s, ((), ())) for s in services[fix.incident_id]]
        if fix.category:
            later.append(by_category.get(fix.category, ((), ())))
        if _recurred(fix, later, dismissed):
            outcome = "recurred"
        elif fix.remediated + WINDOW_SECONDS <= now:
            outcome = "held"
        else:
            outcome = "watching"
        overall.add(outcome)
        moment = datetime.fromtimestamp(fix.remediated, UTC)
        periods.setdefault(_period(moment, scope, quarterly), RateRow("")).add(outcome)
        if fix.category:
            label = labels.get(fix.category, fix.category)
            per_category.setdefault(fix.category, RateRow(label)).add(outcome)
        for service_id in services[fix.incident_id]:
            per_service.setdefault(service_id, RateRow(names[service_id])).add(outcome)
    ranked = sorted(per_service.values(), key=lambda r: (-r.recurred, -r.fixes, r.label))
    report = RemediationReport(
        overall=overall,
        periods=[row for row in periods.values() if row.label],
        categories=sorted(per_category.values(), key=lambda r: (-r.recurred, -r.fixes, r.label)),
        services=ranked[:SHOWN_SERVICES],
        more_services=max(len(ranked) - SHOWN_SERVICES, 0),
        dismissed=len(dismissed),
    )
    report.tables = {
        "periods": _table("Remediated in", report.periods),
        "categories": _table("Root cause", report.categories),
        "services": _table("Service", ranked),
    }
    return report


def _table(first: str, rows: list[RateRow]) -> Table:
    return Table(
        [first, "Fixes", "Recurred", "Held", "Being watched", "Repeat rate %"],
        [[r.label, r.fixes, r.recurred, r.held, r.watching, r.rate] for r in rows],
    )
