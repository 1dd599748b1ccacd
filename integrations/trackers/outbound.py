"""Where a tracker's client may call: https only, no private or local network, except the
hosts an operator lists in ``INTEGRATIONS_INSECURE_HOSTS`` (the tests list loopback). Checked
before each request, so a name that comes to resolve to a private address is refused too."""

from django.conf import settings

from organizations import addresses


def address_problem(url: str) -> str | None:
    """Why Hindsight would not call ``url`` with a tracker's credential; None when it would."""
    allowed = list(getattr(settings, "INTEGRATIONS_INSECURE_HOSTS", ()))
    return addresses.address_problem(
        url, allowed_hosts=allowed, https_reason="the token must travel encrypted."
    ) or addresses.resolution_problem(url, allowed_hosts=allowed)
