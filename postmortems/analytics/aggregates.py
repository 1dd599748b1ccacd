"""Medians and p90 for the analytics, on either database.

PostgreSQL groups them in the database with ``percentile_cont`` (``PercentileCont``). SQLite
has no ordered-set aggregates: there the same queries fetch only the duration numbers
(``values_list``) and ``percentile`` interpolates exactly as ``percentile_cont`` does, so both
databases give the same answers.
"""

from datetime import timedelta

from django.db import connections
from django.db.models import Aggregate, DurationField, ExpressionWrapper, QuerySet

from postmortems.analytics.scope import DAY


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


def as_days(span: timedelta | None) -> float | None:
    return None if span is None else span / DAY


def as_duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())
