"""The "Sign-in" settings tab (admins): the organization's identity provider, its group → role
mapping, the test round trip, and turning it on and off."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.roles import Action, Role

from . import selectors, services_provider, sso_login
from .forms_provider import MappingFormSet, ProviderForm
from .models import IdentityProvider, Protocol, ProviderStatus
from .provider_redirect import continue_page


def _addresses(slug: str) -> dict:
    """What the admin pastes into their provider."""
    site = settings.SITE_URL.rstrip("/")
    return {
        "redirect_uri": site + f"/accounts/oidc/{slug}/login/callback/",
        "acs_url": site + f"/accounts/saml/{slug}/acs/",
        "sp_entity_id": site + f"/accounts/saml/{slug}/metadata/",
        "sp_metadata_url": site + f"/accounts/saml/{slug}/metadata/",
    }


def _forms(request: HttpRequest, provider: IdentityProvider | None):
    data = request.POST if request.method == "POST" else None
    instance = IdentityProvider(organization=request.organization)
    if provider is not None:
        instance = IdentityProvider.objects.get(pk=provider.pk)  # the form writes into it
    form = ProviderForm(
        data,
        instance=instance,
        has_secret=bool(provider and provider.client_secret),
        initial=None if provider else {"protocol": Protocol.OIDC},
    )
    mappings = selectors.group_mappings(provider) if provider else []
    formset = MappingFormSet(
        data,
        prefix="mappings",
        initial=[{"group": m.group, "role": m.role} for m in mappings],
    )
    return form, formset


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def settings_sign_in(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    provider = selectors.provider_for(organization)
    form, formset = _forms(request, provider)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            provider, changed = services_provider.provider_save(
                organization=organization, actor=request.user, values=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            mapped = services_provider.mappings_save(
                provider=provider, actor=request.user, rows=formset.rows()
            )
            if changed or mapped:
                note = (
                    " Test the connection before it signs anyone in."
                    if (provider.status == ProviderStatus.DRAFT)
                    else ""
                )
                messages.success(request, "Sign-in settings saved." + note)
            else:
                messages.info(request, "Nothing changed.")
            return redirect("settings_sign_in", org_slug=org_slug)
    context = {
        "form": form,
        "formset": formset,
        "provider": provider,
        "roles": Role.choices,
        "addresses": _addresses(organization.slug),
        "test_claims": selectors.test_claims(provider),
    }
    status = 400 if form.errors or any(formset.errors) or formset.non_form_errors() else 200
    return render(request, "identity/settings_sign_in.html", context, status=status)


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def settings_sign_in_test(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Start a login round trip through the saved provider; it comes back to the settings page
    with what the provider sent."""
    provider = selectors.provider_for(request.organization)
    if provider is None:
        messages.error(request, "Save the provider's settings first, then test them.")
        return redirect("settings_sign_in", org_slug=org_slug)
    started = sso_login.begin_test(request, provider)
    return continue_page(request, started, provider_name=provider.name, testing=True)


TURNS = {
    "on": (services_provider.provider_turn_on, "Company sign-in through {name} is on."),
    "off": (services_provider.provider_turn_off, "Company sign-in through {name} is off."),
}


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def settings_sign_in_turn(request: HttpRequest, org_slug: str, turn: str) -> HttpResponse:
    """Turn the tested provider on (LIVE) or off (back to TESTED)."""
    change, done = TURNS[turn]
    provider = selectors.provider_for(request.organization)
    if provider is None:
        messages.error(request, "Save the provider's settings first.")
    else:
        try:
            change(provider=provider, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done.format(name=provider.name))
    return redirect(reverse("settings_sign_in", kwargs={"org_slug": org_slug}) + "#status")
