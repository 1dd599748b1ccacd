"""The public address of this Hindsight, for links that leave the browser (emails, calendar
invitations, chat messages)."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (``/o/acme/…``) on the site's public address (``SITE_URL``)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"
