"""The window of plausible times around now that a webhook's event times must fall in."""

from datetime import datetime, timedelta

from django.utils import timezone

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
