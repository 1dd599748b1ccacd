"""Search tasks: the beat entry point that re-indexes postmortems changed since their vectors
were built. Task names keep the ``postmortems.tasks.`` prefix that schedules and queued
messages use."""

from celery import shared_task

from organizations.scoping import across_organizations
from postmortems.tasks import RETRY


@shared_task(name="postmortems.tasks.refresh_stale_search_documents", max_retries=3, **RETRY)
@across_organizations
def refresh_stale_search_documents() -> int:
    """Beat entry point: rebuild the search vectors older than their postmortem's last change
    (the last autosaves of a writing burst are indexed by this, within a minute)."""
    from postmortems.search.indexing import search_documents_refresh_stale

    return search_documents_refresh_stale()
