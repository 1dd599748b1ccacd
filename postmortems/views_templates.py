"""The template designer (stub: being built)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organizations.decorators import require_action
from organizations.roles import Action


@require_action(Action.MANAGE_TEMPLATES)
def template_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    return render(request, "organizations/settings/_layout.html", {})
