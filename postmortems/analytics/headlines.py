"""The analytics page's headlines: the numbers a manager asks first, for the range and for the
previous period of equal length, so the page can say which way each moved.

* MTTD: mean time from the start of impact to detection, of the incidents started in the period;
* MTTR: mean time from the start of impact to resolution, of those incidents resolved;
* action-item completion: of the items due in the period (won't-do left out), the share done.

Two queries whatever the data size: ``metrics.mean_detect_resolve`` over the incidents of both
periods, ``items.items_done_by_period`` over the items (conditional aggregates split them).
"""

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from postmortems.analytics.items import items_done_by_period
from postmortems.analytics.metrics import mean_detect_resolve
from postmortems.analytics.scope import DAY, AnalyticsScope

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


def _rate(done: int, due: int) -> float | None:
    return done / due if due else None


def headlines(scope: AnalyticsScope) -> Headlines:
    previous = previous_scope(scope)
    times = mean_detect_resolve(scope, previous)
    items = items_done_by_period(scope, previous)
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
