"""API tokens: each member's own, admins' view of all (stub: being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organizations.decorators import require_action
from organizations.roles import Action


@require_action(Action.VIEW)
def token_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    return render(request, "organizations/settings/_layout.html", {})
