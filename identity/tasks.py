"""Company sign-in tasks."""

from celery import shared_task

from organizations.scoping import across_organizations

from . import sessions


@shared_task
@across_organizations
def forget_ended_sessions() -> int:
    """Hourly: expired sessions and the records of sessions that ended go (sign-in records
    belong to people, not to one organization)."""
    return sessions.forget_ended_sessions()
