"""The window of plausible times around now that a webhook's event times must fall in."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .errors import Quarantine

# Event times outside this window around now are refused (a replayed capture, a sender's broken
# clock). Imports of past incidents do not go through webhooks and are not bound by it.
MAX_PAST = timedelta(days=30)
MAX_FUTURE = timedelta(hours=1)


def check_window(value: datetime, name: str, now: datetime | None = None) -> datetime:
    """``value``, or Quarantine naming the field when it is too far from now."""
    now = now or timezone.now()
    if value < now - MAX_PAST:
        raise Quarantine(f"“{name}” ({value.isoformat()}) is more than 30 days in the past.")
    if value > now + MAX_FUTURE:
        raise Quarantine(f"“{name}” ({value.isoformat()}) is more than an hour in the future.")
    return value


def aware_time(raw: str) -> datetime | None:
    """An ISO 8601 time with its zone; None for anything else: no zone, not a time, or a
    well-formed one that does not exist (a 13th month, which ``parse_datetime`` raises for)."""
    try:
        value = parse_datetime(raw)
    except ValueError:
        return None
    return value if value is not None and value.tzinfo is not None else None
