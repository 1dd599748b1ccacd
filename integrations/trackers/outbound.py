"""Where a tracker's client may call: https only, no private or local network, except the
hosts an operator lists in ``INTEGRATIONS_INSECURE_HOSTS`` (the tests list loopback). Checked
before each request, so a name that comes to resolve to a private address is refused too."""

from collections.abc import Mapping

from django.conf import settings

from organizations import addresses


def address_problem(url: str) -> str | None:
    """Why Hindsight would not call ``url`` with a tracker's credential; None when it would."""
    allowed = list(getattr(settings, "INTEGRATIONS_INSECURE_HOSTS", ()))
    return addresses.address_problem(
        url, allowed_hosts=allowed, https_reason="the token must travel encrypted."
    ) or addresses.resolution_problem(url, allowed_hosts=allowed)


MAX_RETRY_AFTER_SECONDS = 300
DEFAULT_RETRY_SECONDS = 60


def retry_after(headers: Mapping[str, str]) -> float:
    """How long to wait before asking again, from a throttled answer's ``Retry-After``
    (seconds), within 1 second and 5 minutes; a minute when it does not say."""
    try:
        seconds = float(headers.get("Retry-After", DEFAULT_RETRY_SECONDS))
    except ValueError:
        seconds = DEFAULT_RETRY_SECONDS
    return min(max(seconds, 1.0), MAX_RETRY_AFTER_SECONDS)
