"""The audit log page (stub: being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organizations.decorators import require_action
from organizations.roles import Action


@require_action(Action.MANAGE_ORGANIZATION)
def audit_log(request: HttpRequest, org_slug: str) -> HttpResponse:
    return render(request, "organizations/settings/_layout.html", {})
