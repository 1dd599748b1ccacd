"""Finding the right way in: the sign-in page asks who is signing in first when company sign-in
exists anywhere, and sends an address at a verified domain straight to its organization's
identity provider; ``/o/<slug>/login/`` goes straight to that organization's provider."""

import logging
from urllib.parse import urlencode

from allauth.account import views as allauth_views
from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect import views as allauth_oidc_views
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from onelogin.saml2.errors import OneLogin_Saml2_Error

from . import selectors_domains
from .forms_routing import IdentifyForm
from .models import IdentityProvider, Protocol
from .provider_redirect import continue_page
from .saml import config as saml_config
from .selectors import allauth_provider_key

logger = logging.getLogger(__name__)

STEP_FIELD = "step"
IDENTIFY = "identify"  # one field: email or username, and "Continue"
CREDENTIALS = "credentials"  # the password form, the typed name kept
ONE_STEP = "one_step"  # no company sign-in anywhere: name and password together
SKIP_FIRST_STEP_PARAM = "use_password"  # ?use_password=1: the password form straight away

# What starting a provider's sign-in may raise when the provider cannot be reached or read:
# requests' and urllib's errors are OSErrors; a discovery document that is not JSON or lacks
# an endpoint; allauth's and python3-saml's own errors.
PROVIDER_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    OAuth2Error,
    OneLogin_Saml2_Error,
    ImproperlyConfigured,
    SocialApp.DoesNotExist,
    saml_config.MetadataUnavailable,
)


class LoginView(allauth_views.LoginView):
    """allauth's sign-in page with a first step when any organization has a live provider."""

    @cached_property
    def sso_anywhere(self) -> bool:
        return selectors_domains.sso_anywhere()

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.GET.get(SKIP_FIRST_STEP_PARAM) or not self.sso_anywhere:
            return super().get(request, *args, **kwargs)
        return self._identify_step(IdentifyForm())

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.POST.get(STEP_FIELD) != IDENTIFY:
            return super().post(request, *args, **kwargs)
        form = IdentifyForm(request.POST)
        if not form.is_valid():
            return self._identify_step(form, status=400)
        login = form.cleaned_data["login"]
        provider = selectors_domains.provider_for_email(login)
        if provider is not None:
            return _continue_to(request, provider, next_url=self.get_next_url())
        password_form = _autofocused(
            self.get_form_class()(initial={"login": login}, request=request)
        )
        return self.render_to_response(
            self.get_context_data(form=password_form, step=CREDENTIALS, email_first=True)
        )

    def get_form(self, form_class=None):
        return _autofocused(super().get_form(form_class))

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        if "step" not in context:
            # A GET without SSO anywhere, or a password post (its errors shown again): the
            # password form; "use another email" is offered when the first step exists.
            email_first = self.sso_anywhere
            context.update(step=CREDENTIALS if email_first else ONE_STEP, email_first=email_first)
        context["login_url"] = _with_next(reverse("login"), self.get_next_url())
        context["password_url"] = _with_next(
            reverse("login") + f"?{SKIP_FIRST_STEP_PARAM}=1", self.get_next_url()
        )
        return context

    def _identify_step(self, form: IdentifyForm, status: int = 200) -> HttpResponse:
        context = self.get_context_data(form=form, step=IDENTIFY, email_first=True)
        return self.render_to_response(context, status=status)


@never_cache
@require_GET
def organization_login(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """``/o/<slug>/login/``: straight to the organization's identity provider. An unknown
    organization and one without a live provider get the same page (a 404 offering the
    password sign-in), so the address tells no more than the sign-in page does."""
    provider = selectors_domains.live_provider_of(organization_slug)
    next_url = get_next_redirect_url(request)
    if provider is None:
        return render(
            request,
            "identity/organization_login_unavailable.html",
            {"login_url": _with_next(reverse("login"), next_url)},
            status=404,
        )
    next_url = next_url or reverse("dashboard", kwargs={"org_slug": organization_slug})
    return start_provider_login(request, provider, next_url=next_url)


@require_http_methods(["GET", "POST"])
def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's ``/accounts/oidc/<slug>/login/``. A GET would show allauth's own confirmation
    form, whose redirect to the provider the CSP's ``form-action`` stops: it goes to
    ``/o/<slug>/login/`` instead, which starts the sign-in at once. A POST is allauth's."""
    if request.method == "POST":
        return allauth_oidc_views.login(request, provider_id)
    organization_login_url = reverse(
        "organization_login", kwargs={"organization_slug": provider_id}
    )
    return redirect(_with_next(organization_login_url, get_next_redirect_url(request)))


def start_provider_login(
    request: HttpRequest, provider: IdentityProvider, *, next_url: str | None
) -> HttpResponse:
    """Redirect to the provider's sign-in (allauth keeps the state and ``next_url``); when the
    provider cannot be reached, a page saying so and offering the password sign-in."""
    key = allauth_provider_key(provider)
    try:
        if provider.protocol == Protocol.SAML:
            saml_config.refresh(provider)  # the IdP's metadata URL, read again when due
        allauth_provider = get_social_adapter().get_provider(request, key)
        return allauth_provider.redirect(request, AuthProcess.LOGIN, next_url=next_url)
    except PROVIDER_ERRORS as exc:
        logger.warning(
            "Could not start the sign-in with the identity provider of %s: %s",
            provider.organization.slug,
            type(exc).__name__,
        )
        return render(
            request,
            "identity/provider_unavailable.html",
            {
                "provider_name": provider.name,
                "password_url": _with_next(
                    reverse("login") + f"?{SKIP_FIRST_STEP_PARAM}=1", next_url
                ),
            },
            status=502,
        )


def _continue_to(
    request: HttpRequest, provider: IdentityProvider, *, next_url: str | None
) -> HttpResponse:
    response = start_provider_login(request, provider, next_url=next_url)
    return continue_page(request, response, provider_name=provider.name)


def _autofocused(form):
    """The password form with the cursor where typing goes on: the password once a name is
    there, else the name."""
    field = "password" if form["login"].value() else "login"
    form.fields[field].widget.attrs["autofocus"] = True
    return form


def _with_next(url: str, next_url: str | None) -> str:
    if not next_url:
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'next': next_url})}"
