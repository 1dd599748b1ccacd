"""The tracker's counts, cached until an action item of the organization changes.

Counting 100,000 items for the summary cards and the paginator takes tens of milliseconds on
every request. The counts are cached under a key that includes a per-organization version
number kept in the database (an ``organizations`` counter, ``counter_bump``), so

- every write that changes action items bumps it **inside its transaction** by calling
  ``tracker_changed(organization=…)``: readers see the new version exactly when the change is
  committed, in every process (a per-process cache such as locmem cannot serve a stale count);
- the key also holds "today" in the organization's time zone (the overdue and due-this-week
  buckets move at midnight), the reader's visibility scope, and the filters;
- entries expire after ``COUNTS_TTL`` seconds, which bounds how long a change that does not go
  through the action-item services (a postmortem's visibility, team membership, a grant, an
  incident's severity) may take to show in the counts.
"""

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.cache import cache

from organizations.models import Organization
from organizations.roles import visibility_scope
from organizations.selectors import ACTION_ITEMS_VERSION, counter_value
from organizations.services import counter_bump

COUNTS_TTL = 300


def tracker_changed(*, organization: Organization | int) -> None:
    """Make every cached tracker count of ``organization`` obsolete. Call it inside the
    transaction of any write that creates, changes or deletes action items (one call per
    transaction is enough; the row lock it takes is held until the transaction ends)."""
    counter_bump(organization=organization, name=ACTION_ITEMS_VERSION)


def tracker_version(organization: Organization) -> int:
    return counter_value(organization=organization, name=ACTION_ITEMS_VERSION)


def cached_counts(
    *,
    organization: Organization,
    membership,
    today: date,
    name: str,
    parameters: Any,
    compute: Callable[[], Any],
) -> Any:
    """The count (or counts) called ``name`` for these parameters: read from the cache, or
    computed and stored."""
    shared = (
        organization.pk,
        organization.created_at.isoformat(),  # ids are reused by a rolled-back test database
        tracker_version(organization),
        today.isoformat(),
        visibility_scope(membership),
    )
    key = "tracker-counts:" + hashlib.sha256(repr((name, shared, parameters)).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, COUNTS_TTL)
    return value
