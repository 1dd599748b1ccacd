"""Connecting a tracker with OAuth (admins): the form's POST answers with a page of our own
that goes on to the provider (the Content-Security-Policy's ``form-action 'self'`` stops a
redirect to another origin after a form), the provider comes back to one callback address
for every organization, which hands over to the organization's own finish page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from organizations.decorators import require_action
from organizations.models import Organization
from organizations.roles import Action

from . import oauth
from .forms_oauth import OAuthConnectForm

CONNECT = "integrations/trackers/oauth_connect.html"
CALLBACK_PARAMETERS = ("code", "state", "error")


@never_cache
@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def tracker_oauth_start(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = OAuthConnectForm(request.POST)
    provider = oauth.PROVIDERS.get(str(request.POST.get("kind", "")))
    if form.is_valid():
        try:
            url = oauth.oauth_start(request, request.organization, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, CONNECT, {"provider": provider, "provider_url": url})
    return render(request, CONNECT, {"provider": provider, "form": form}, status=400)


@never_cache
@require_GET
def tracker_oauth_callback(request: HttpRequest) -> HttpResponse:
    """The provider's redirect: on to the finish page of the organization this session
    started the flow for; without one, the attempt is over."""
    organization_id = oauth.pending_organization(request, request.GET.get("state", ""))
    slug = (
        Organization.objects.filter(pk=organization_id).values_list("slug", flat=True).first()
        if organization_id
        else None
    )
    if slug is None:
        messages.error(
            request,
            "That connection attempt expired or was not started here: connect again from the "
            "issue trackers' settings.",
        )
        return redirect("home")
    query = urlencode(
        {name: request.GET[name][:2000] for name in CALLBACK_PARAMETERS if name in request.GET}
    )
    return redirect(f"{reverse('tracker_oauth_finish', kwargs={'org_slug': slug})}?{query}")


@never_cache
@require_GET
@require_action(Action.MANAGE_ORGANIZATION)
def tracker_oauth_finish(request: HttpRequest, org_slug: str) -> HttpResponse:
    try:
        connection = oauth.oauth_finish(
            request,
            request.organization,
            request.GET.get("code", ""),
            request.GET.get("state", ""),
            error=request.GET.get("error", ""),
        )
    except oauth.OAuthRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"{connection.get_kind_display()} connected with OAuth: tickets go to "
            f"{connection.target}. Test the connection to check it.",
        )
    return redirect("settings_trackers", org_slug=org_slug)
