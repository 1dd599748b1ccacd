"""Recurring patterns: the same root-cause category, or the same service, in
three or more incidents within 90 days.

An incident's root-cause category is the one of a postmortem written for it (its primary
incident). A window is any span of at most ``WINDOW`` from its first incident's start to its
last's; a pattern is reported with its busiest window (most incidents, earliest on a tie).

The database gives two small columns per incident in the range (which key, when); the sliding
window runs over them in Python, linear in their number. What a pattern lists is then read for
the few incidents shown, in a fixed number of queries. A postmortem's title shows only to a
member who may read it (``permissions.visible_q``); otherwise the row says a postmortem exists.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import FloatField, Func, QuerySet

from incidents.models import Incident, IncidentService, format_ref
from postmortems.analytics.scope import AnalyticsScope, incidents_in_scope
from postmortems.models import Postmortem, RootCauseCategory
from postmortems.permissions import may_read
from postmortems.recurrence.rules import WINDOW as RECURRENCE_WINDOW

WINDOW = RECURRENCE_WINDOW
WINDOW_SECONDS = WINDOW.total_seconds()
THRESHOLD = 3
SHOWN_PATTERNS = 8
SHOWN_INCIDENTS = 6
CATEGORY, SERVICE = "category", "service"


class EpochSeconds(Func):
    """A timestamp as seconds since 1970 (a float: cheap to fetch, unlike ten thousand
    datetimes)."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8"
        )

    def as_sqlite(self, compiler, connection, **extra):
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template)


@dataclass(frozen=True)
class Event:
    incident_id: int
    started_at: float  # seconds since 1970 (``EpochSeconds``)

    @property
    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.started_at, UTC)


@dataclass
class PatternPostmortem:
    number: int
    title: str  # empty when the member may not read it
    readable: bool


@dataclass
class PatternIncident:
    incident_id: int
    ref: str
    title: str
    started_at: datetime
    postmortems: list[PatternPostmortem] = field(default_factory=list)


@dataclass
class Pattern:
    kind: str  # CATEGORY or SERVICE
    key: str  # the category value or the service name
    label: str
    events: list[Event]  # the busiest window, oldest first
    incidents: list[PatternIncident] = field(default_factory=list)  # the ones shown, newest first

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def first(self) -> datetime:
        return self.events[0].moment

    @property
    def last(self) -> datetime:
        return self.events[-1].moment

    @property
    def span_days(self) -> int:
        return int((self.events[-1].started_at - self.events[0].started_at) // 86400)

    @property
    def hidden_count(self) -> int:
        return max(self.count - len(self.incidents), 0)

    @property
    def kind_label(self) -> str:
        return "Root cause" if self.kind == CATEGORY else "Service"

    @property
    def anchor(self) -> str:
        return f"pattern-{self.kind}-{self.key}".lower().replace(" ", "-")


# --- The window --------------------------------------------------------------------------------


def busiest_window(events: list[Event], *, containing: int | None = None) -> list[Event]:
    """The window of at most ``WINDOW`` holding the most events (earliest on a tie), if it
    holds ``THRESHOLD`` or more; with ``containing``, only windows holding that incident.
    Two pointers: linear in the number of events once they are sorted."""
    ordered = sorted(set(events), key=lambda e: (e.started_at, e.incident_id))
    target = next((i for i, e in enumerate(ordered) if e.incident_id == containing), None)
    if containing is not None and target is None:
        return []
    best_start, best_size, end = 0, 0, 0
    for start, first in enumerate(ordered):
        end = max(end, start)
        while (
            end + 1 < len(ordered)
            and ordered[end + 1].started_at - first.started_at <= WINDOW_SECONDS
        ):
            end += 1
        if target is not None and not start <= target <= end:
            continue
        if end - start + 1 > best_size:
            best_start, best_size = start, end - start + 1
    return ordered[best_start : best_start + best_size] if best_size >= THRESHOLD else []


def find_patterns(groups: dict[tuple[str, str, str], list[Event]]) -> list[Pattern]:
    """``groups``: (kind, key, label) → events. The recurring ones, the busiest first."""
    patterns = []
    for (kind, key, label), events in groups.items():
        window = busiest_window(events)
        if window:
            patterns.append(Pattern(kind=kind, key=key, label=label, events=window))
    patterns.sort(key=lambda p: (-p.count, p.span_days, p.kind, p.label))
    return patterns


# --- Reading the events ------------------------------------------------------------------------


def _service_events(rows) -> dict:
    groups: dict[tuple, list[Event]] = defaultdict(list)
    for name, incident_id, started_at in rows:
        groups[(SERVICE, name, name)].append(Event(incident_id, started_at))
    return groups


def _category_events(rows) -> dict:
    labels = dict(RootCauseCategory.choices)
    groups: dict[tuple, list[Event]] = defaultdict(list)
    for category, incident_id, started_at in rows:
        if category in labels:
            groups[(CATEGORY, category, labels[category])].append(Event(incident_id, started_at))
    return groups


def _events(organization, incidents: QuerySet[Incident], *, services=None, category=None) -> dict:
    """Service and category events of ``incidents`` (restricted to some services, or to one
    category, when given): two queries, one when the category given is none ("")."""
    service_rows = IncidentService.objects.filter(
        organization=organization, incident__in=incidents.values("pk")
    )
    if services is not None:
        service_rows = service_rows.filter(service_id__in=services)
    groups = _service_events(
        service_rows.order_by().values_list(
            "service__name", "incident_id", EpochSeconds("incident__started_at")
        )
    )
    if category == "":
        return groups  # a document without a root-cause category is in no category pattern
    category_rows = Postmortem.objects.filter(
        organization=organization, incident__in=incidents.values("pk")
    ).exclude(root_cause_category="")
    if category is not None:
        category_rows = category_rows.filter(root_cause_category=category)
    groups.update(
        _category_events(
            category_rows.order_by().values_list(
                "root_cause_category", "incident_id", EpochSeconds("incident__started_at")
            )
        )
    )
    return groups


def describe(
    patterns: list[Pattern], *, organization, membership, also: int | None = None
) -> list[Pattern]:
    """Fill ``incidents`` (the newest ``SHOWN_INCIDENTS`` of each window) with references,
    titles and the postmortems written for them: two queries for all the patterns. With
    ``also`` (an incident id) the queries run even when no pattern was found, so a page
    costs the same whether or not its document is in a pattern."""
    wanted = {e.incident_id for p in patterns for e in p.events[-SHOWN_INCIDENTS:]}
    if also is not None:
        wanted.add(also)
    if not wanted:
        return patterns
    incidents = {
        row["pk"]: row
        for row in Incident.objects.filter(organization=organization, pk__in=wanted).values(
            "pk", "year", "number", "title", "started_at"
        )
    }
    postmortems = Postmortem.objects.filter(organization=organization, incident_id__in=wanted)
    written: dict[int, list[PatternPostmortem]] = defaultdict(list)
    for incident_id, number, title, shown in (
        postmortems.annotate(shown=may_read(membership))
        .order_by("number")
        .values_list("incident_id", "number", "title", "shown")
    ):
        written[incident_id].append(PatternPostmortem(number, title if shown else "", shown))
    for pattern in patterns:
        pattern.incidents = [
            PatternIncident(
                incident_id=e.incident_id,
                ref=format_ref(
                    incidents[e.incident_id]["year"], incidents[e.incident_id]["number"]
                ),
                title=incidents[e.incident_id]["title"],
                started_at=incidents[e.incident_id]["started_at"],
                postmortems=written.get(e.incident_id, []),
            )
            for e in reversed(pattern.events[-SHOWN_INCIDENTS:])
            if e.incident_id in incidents
        ]
    return patterns


# --- Entry points ------------------------------------------------------------------------------


@dataclass
class PatternReport:
    patterns: list[Pattern]  # the ones shown
    total: int  # every recurring pattern found


def patterns_in_scope(
    scope: AnalyticsScope, *, membership, limit: int = SHOWN_PATTERNS
) -> PatternReport:
    """The recurring patterns among the incidents that started in the analytics range."""
    incidents = incidents_in_scope(scope).filter(
        started_at__gte=scope.start, started_at__lt=scope.end
    )
    found = find_patterns(_events(scope.organization, incidents))
    shown = describe(found[:limit], organization=scope.organization, membership=membership)
    return PatternReport(patterns=shown, total=len(found))


def patterns_for_postmortem(postmortem: Postmortem, *, membership) -> list[Pattern]:
    """The recurring patterns the postmortem's primary incident belongs to (by its services or
    the postmortem's root-cause category), over the 90 days either side of it. Four queries
    whether or not it is in a pattern (three while it has no root-cause category); none
    without an incident."""
    incident = postmortem.incident
    if incident is None:
        return []
    organization = postmortem.organization
    services = IncidentService.objects.filter(organization=organization, incident=incident).values(
        "service_id"
    )
    nearby = Incident.objects.filter(
        organization=organization,
        started_at__gte=incident.started_at - WINDOW,
        started_at__lte=incident.started_at + WINDOW,
    )
    groups = _events(
        organization, nearby, services=services, category=postmortem.root_cause_category
    )
    patterns = []
    for (kind, key, label), events in groups.items():
        window = busiest_window(events, containing=incident.pk)
        if window:
            patterns.append(Pattern(kind=kind, key=key, label=label, events=window))
    patterns.sort(key=lambda p: (-p.count, p.kind, p.label))
    return describe(patterns, organization=organization, membership=membership, also=incident.pk)
