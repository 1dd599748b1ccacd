"""The analytics page's headlines: the numbers a manager asks first, for the range and for the
previous period of equal length, so the page can say which way each moved.

* MTTD: mean time from the start of impact to detection, of the incidents started in the period;
* MTTR: mean time from the start of impact to resolution, of those incidents resolved;
* action-item completion: of the items due in the period (won't-do left out), the share done.

Two queries whatever the data size: one over the incidents of both periods, one over the items
(conditional aggregates split them by period).
"""

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Avg, Count, DurationField, F, Q

from actionitems.models import ItemStatus
from incidents.models import duration_expression
from postmortems.analytics.aggregates import as_duration
from postmortems.analytics.scope import DAY, AnalyticsScope, incidents_in_scope, items_in_scope

SAME_TIME = timedelta(minutes=1)  # closer than this reads as "about the same"
SAME_RATE = 0.005  # half a percentage point


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def previous_scope(scope: AnalyticsScope) -> AnalyticsScope:
    """The period of equal length that ends the day before ``scope`` starts."""
    span = scope.date_to - scope.date_from
    date_to = scope.date_from - DAY
    return dataclasses.replace(scope, date_from=date_to - span, date_to=date_to)


@dataclass
class Headline:
    key: str
    label: str
    current: timedelta | float | None  # None: nothing to measure in the period
    previous: timedelta | float | None
    count: int  # incidents or items the current figure covers
    previous_count: int
    lower_is_better: bool
    is_rate: bool = False  # a share (0–1), compared in percentage points; else a timedelta

    @property
    def current_percent(self) -> str:
        return _percent(self.current)

    @property
    def previous_percent(self) -> str:
        return _percent(self.previous)

    @property
    def comparable(self) -> bool:
        return self.current is not None and self.previous is not None

    @property
    def change(self):
        """``current - previous`` (a timedelta, or a rate in percentage points)."""
        if not self.comparable:
            return None
        if self.is_rate:
            return round((self.current - self.previous) * 100, 1)
        return self.current - self.previous

    @property
    def change_size(self):
        change = self.change
        return None if change is None else abs(change)

    @property
    def direction(self) -> str | None:
        """ "up", "down" or "same"; None when there is nothing to compare."""
        change = self.change
        if change is None:
            return None
        same = SAME_RATE * 100 if self.is_rate else SAME_TIME
        if abs(change) < same:
            return "same"
        return "up" if change > (0 if self.is_rate else timedelta(0)) else "down"

    @property
    def verdict(self) -> str | None:
        """ "better", "worse" or "same"; None when there is nothing to compare."""
        direction = self.direction
        if direction in (None, "same"):
            return direction
        return "better" if (direction == "down") == self.lower_is_better else "worse"


@dataclass
class Headlines:
    previous: AnalyticsScope
    mttd: Headline
    mttr: Headline
    completion: Headline

    @property
    def days(self) -> int:
        return (self.previous.date_to - self.previous.date_from).days + 1

    def __iter__(self):
        return iter((self.mttd, self.mttr, self.completion))


def _time_figures(scope: AnalyticsScope, previous: AnalyticsScope) -> dict:
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


def _item_figures(scope: AnalyticsScope, previous: AnalyticsScope) -> dict:
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


def _rate(done: int, due: int) -> float | None:
    return done / due if due else None


def headlines(scope: AnalyticsScope) -> Headlines:
    previous = previous_scope(scope)
    times = _time_figures(scope, previous)
    items = _item_figures(scope, previous)
    return Headlines(
        previous=previous,
        mttd=Headline(
            "mttd",
            "Mean time to detect",
            times["ttd"],
            times["ttd_before"],
            times["ttd_n"],
            times["ttd_before_n"],
            lower_is_better=True,
        ),
        mttr=Headline(
            "mttr",
            "Mean time to resolve",
            times["ttr"],
            times["ttr_before"],
            times["ttr_n"],
            times["ttr_before_n"],
            lower_is_better=True,
        ),
        completion=Headline(
            "completion",
            "Action items completed",
            _rate(items["done"], items["due"]),
            _rate(items["done_before"], items["due_before"]),
            items["due"],
            items["due_before"],
            lower_is_better=False,
            is_rate=True,
        ),
    )
