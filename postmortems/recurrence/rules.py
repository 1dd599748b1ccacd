"""The recurrence rule as plain functions over small values: which keys an incident is matched
on, and how long after remediation a match counts."""

from dataclasses import dataclass
from datetime import datetime, timedelta

# The recurring-pattern window: a recurrence starts at most this long after remediation.
WINDOW = timedelta(days=90)
DAY_SECONDS = 86400


@dataclass(frozen=True)
class Keys:
    """What an incident is matched on: its services (ids) and root-cause categories."""

    services: frozenset[int]
    categories: frozenset[str]

    def shared(self, other: "Keys") -> "Keys":
        return Keys(self.services & other.services, self.categories & other.categories)

    def __bool__(self) -> bool:
        return bool(self.services or self.categories)


def within_window(remediated_at: datetime, started_at: datetime) -> bool:
    """True when an incident that started at ``started_at`` comes after the remediation and
    inside the window."""
    return remediated_at < started_at <= remediated_at + WINDOW


def days_after(remediated_at: datetime, started_at: datetime) -> int:
    return int((started_at - remediated_at).total_seconds() // DAY_SECONDS)
