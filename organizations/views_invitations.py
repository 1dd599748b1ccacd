"""Accepting an invitation (stub: being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404("No such invitation.")
