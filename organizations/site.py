"""The public address of this Hindsight, for links that leave the browser (emails, calendar
invitations, chat messages), and the pages of this site a form may send the browser back to."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def absolute_url(path: str) -> str:
    """``path`` (``/o/acme/…``) on the site's public address (``SITE_URL``)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def posted_next(request: HttpRequest, *, within: str) -> str | None:
    """The form's ``next`` when it is a page of this site under the path ``within`` (the
    organization's ``/o/acme/``, say), else None: never another site, never another tenant."""
    return page_within(request, request.POST.get("next", ""), within=within)


def page_within(request: HttpRequest, wanted: str, *, within: str) -> str | None:
    """``wanted`` when it is a page of this site under the path ``within``, else None."""
    if wanted.startswith(within) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return None
