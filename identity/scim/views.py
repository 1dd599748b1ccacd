"""Settings → Provisioning: the SCIM address and the organization's bearer token (admins)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.roles import Action

from . import tokens


def scim_base_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("scim:root")


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def provisioning(request: HttpRequest, org_slug: str) -> HttpResponse:
    """GET: the page; POST: a new token (replacing the current one), shown once."""
    new_token = None
    if request.method == "POST":
        token, plain = tokens.token_issue(organization=request.organization, actor=request.user)
        new_token = {"token": token, "plain": plain}
    response = render(
        request,
        "identity/scim/provisioning.html",
        {
            "base_url": scim_base_url(),
            "token": tokens.active_token(request.organization),
            "new_token": new_token,
        },
    )
    add_never_cache_headers(response)  # the new token is in this page, once
    return response


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def provisioning_revoke(request: HttpRequest, org_slug: str) -> HttpResponse:
    if tokens.token_revoke(organization=request.organization, actor=request.user):
        messages.success(request, "The provisioning token is revoked: its requests now get 401.")
    else:
        messages.info(request, "There was no provisioning token to revoke.")
    return redirect("settings_provisioning", org_slug=request.organization.slug)
