from django.utils.functional import SimpleLazyObject

from . import selectors
from .models import Notification


class UnreadNotificationCount:
    """The member's unread notifications in this organization, counted on first use in a
    template (one query at most per render; none when no template asks)."""

    def __init__(self, membership):
        self.membership = membership
        self._count: int | None = None

    def __call__(self) -> int:
        if self._count is None:
            self._count = Notification.objects.filter(
                organization_id=self.membership.organization_id,
                recipient_id=self.membership.user_id,
                read_at__isnull=True,
            ).count()
        return self._count


def tenant(request):
    """The current organization and membership, and (lazily) the user's organizations and
    unread notification count."""
    user = getattr(request, "user", None)
    htmx = getattr(request, "htmx", False)
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    return {
        "organization": organization,
        "membership": membership,
        "my_memberships": SimpleLazyObject(
            lambda: selectors.memberships_for_user(user) if user is not None else []
        ),
        "notification_unread_count": (
            UnreadNotificationCount(membership) if membership is not None else 0
        ),
        "base_template": "_fragment.html" if htmx else "base.html",
    }
