"""Sending the browser on to an identity provider after a form of ours was posted."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def continue_page(
    request: HttpRequest, response: HttpResponse, *, provider_name: str, testing: bool = False
) -> HttpResponse:
    """A redirect to an identity provider answered to a form's POST, as a page of our own
    origin that goes on to the provider at once (any other response is returned as it is).

    Browsers refuse the redirect itself: the Content-Security-Policy allows forms to send to
    ``'self'`` only (``form-action``), and Chromium holds every redirect that follows a form
    submission to it; the page's own navigation is not a form submission."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return response
    return render(
        request,
        "identity/continue_to_provider.html",
        {"provider_url": response["Location"], "provider_name": provider_name, "testing": testing},
    )
