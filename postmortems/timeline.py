"""Rows of a timeline section (``data["rows"]``: ``{"time", "event", "actor", "key"}``) in time
order: the one rule the services store them by and every view and export draws them by."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from .models import SectionKind

_LAST = datetime.max.replace(tzinfo=UTC)


def row_time(row: dict) -> datetime | None:
    """The row's moment (aware; a time without an offset is UTC), or None when unreadable."""
    try:
        moment = parse_datetime(str(row.get("time") or ""))
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rows_in_time_order(rows: list) -> list:
    """``rows`` sorted by time, oldest first. The sort is stable, so rows at the same time keep
    the order the writer gave them; rows whose time cannot be read go last."""
    return sorted(rows, key=lambda row: (row_time(row) if isinstance(row, dict) else None) or _LAST)


def section_data_in_order(kind: str, data):
    """A section's data as it is stored: a timeline's rows in time order, anything else as is."""
    if kind != SectionKind.TIMELINE or not isinstance(data, dict):
        return data
    rows = data.get("rows")
    if not isinstance(rows, list):
        return data
    return {**data, "rows": rows_in_time_order(rows)}
