"""What happens around an organization's company sign-in, called from allauth's hooks
(``identity.adapters``), for OpenID Connect and SAML alike:

- ``begin_test``: an admin's "Test connection" starts a login round trip through the provider;
- ``before_login`` (allauth's ``pre_social_login``): the nonce is checked, a test round trip
  ends by keeping what the provider sent, and an unverified email that matches an existing
  account is refused;
- ``after_login`` (``post_login``): the person is admitted into the organization
  (``services_sso.admit``);
- ``refused_page``: every refusal (allauth's authentication errors, ours) with a clear reason and
  an audit entry in the provider's organization.
"""

from http import HTTPStatus

import jwt
import requests
from allauth.account.utils import filter_users_by_email
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.base.constants import AuthError, AuthProcess
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from . import selectors, services_domains, services_sso
from .claims import claims_of, email_of, groups_in
from .models import IdentityProvider, Protocol
from .oidc import NonceMismatch, nonce_matches
from .selectors import TESTING_PROVIDER_SESSION_KEY

TEST_STATE_KEY = "hindsight_test_provider"


def settings_url(provider: IdentityProvider) -> str:
    return reverse("settings_sign_in", kwargs={"org_slug": provider.organization.slug})


def begin_test(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    """Start the admin's test round trip: the session names the provider being tested (so it
    may sign in before it is live), and so does the round trip's own state."""
    from allauth.socialaccount.adapter import get_adapter

    request.session[TESTING_PROVIDER_SESSION_KEY] = provider.pk
    allauth_provider = get_adapter(request).get_provider(
        request, selectors.allauth_provider_key(provider)
    )
    return allauth_provider.redirect(
        request,
        AuthProcess.LOGIN,
        next_url=settings_url(provider),
        **{TEST_STATE_KEY: provider.pk},
    )


def _provider_of(request: HttpRequest, key: str) -> IdentityProvider | None:
    return selectors.provider_of_key(
        key, testing_provider_id=request.session.get(TESTING_PROVIDER_SESSION_KEY)
    )


def _testing(request: HttpRequest, provider: IdentityProvider, state: dict | None) -> bool:
    return (
        request.user.is_authenticated
        and request.session.get(TESTING_PROVIDER_SESSION_KEY) == provider.pk
        and (state or {}).get(TEST_STATE_KEY) == provider.pk
    )


def before_login(request: HttpRequest, sociallogin) -> None:
    """allauth's ``pre_social_login``: raises ``ImmediateHttpResponse`` to end the sign-in here
    (a test round trip's end, or a refusal); returns to let it go on."""
    provider = _provider_of(request, sociallogin.account.provider)
    if provider is None:
        return
    allauth_provider = sociallogin.account.get_provider()
    if provider.protocol == Protocol.OIDC and not nonce_matches(sociallogin):
        raise ImmediateHttpResponse(
            render_authentication_error(
                request, allauth_provider, exception=NonceMismatch("nonce mismatch")
            )
        )
    claims = claims_of(provider, sociallogin.account.extra_data)
    if _testing(request, provider, sociallogin.state):
        request.session.pop(TESTING_PROVIDER_SESSION_KEY, None)
        services_sso.test_record(
            provider=provider,
            actor=request.user,
            claims=claims,
            groups=groups_in(claims, provider.groups_claim),
        )
        messages.success(request, f"The test sign-in through {provider.name} worked.")
        _prove_domain(request, provider, sociallogin, email_of(claims))
        raise ImmediateHttpResponse(HttpResponseRedirect(settings_url(provider)))
    if sociallogin.is_existing:
        if sociallogin.account.pk is None:  # found by its verified email: linked now
            services_sso.email_confirm(user=sociallogin.user, email=email_of(claims))
        return
    email = email_of(claims)
    if not email:
        _refuse(request, provider, "The identity provider sent no email address for you.", "")
    verified = any(address.verified for address in sociallogin.email_addresses)
    if not verified and filter_users_by_email(email):
        _refuse(
            request,
            provider,
            "An account with your email address exists, but the identity provider did not "
            "confirm that the address is verified, so Hindsight cannot link you to it.",
            email,
        )


def _prove_domain(
    request: HttpRequest, provider: IdentityProvider, sociallogin, email: str
) -> None:
    """An OpenID provider that marks the tested address verified proves its domain for the
    organization (SAML has no such statement: its domains are proven by DNS only)."""
    verified = any(
        address.verified and address.email.lower() == email.lower()
        for address in sociallogin.email_addresses
    )
    if provider.protocol != Protocol.OIDC or not email or not verified:
        return
    domain = services_domains.verify_domain_from_provider(
        organization=provider.organization, email=email
    )
    if domain is not None:
        messages.info(
            request,
            f"{domain.domain} is verified for {provider.organization.name}: people who type an "
            f"address there on the sign-in page go to {provider.name}.",
        )
    elif "@" in email:
        messages.warning(
            request,
            f"{email.rsplit('@', 1)[1]} was not verified for {provider.organization.name}: it is "
            "a public mail domain, or another organization verified it first.",
        )


def _refuse(request: HttpRequest, provider: IdentityProvider, reason: str, email: str) -> None:
    services_sso.sign_in_refused(provider=provider, reason=reason, email=email)
    raise ImmediateHttpResponse(
        render(
            request,
            "socialaccount/authentication_error.html",
            {"reason": reason, "provider_name": provider.name},
            status=HTTPStatus.FORBIDDEN,
        )
    )


def after_login(request: HttpRequest, user, sociallogin) -> IdentityProvider | None:
    """allauth's ``post_login`` of a company sign-in: admit the person into the provider's
    organization. Returns the provider (None for a social login that is not ours)."""
    provider = _provider_of(request, sociallogin.account.provider)
    if provider is None:
        return None
    claims = claims_of(provider, sociallogin.account.extra_data)
    services_sso.admit(
        provider=provider,
        user=user,
        email=email_of(claims),
        groups=groups_in(claims, provider.groups_claim),
    )
    return provider


def _reason(error, exception, extra_context: dict) -> str:
    """The refusal in plain words (never the exception's own text: it may quote a response)."""
    if isinstance(exception, NonceMismatch):
        return "The provider's answer does not belong to this sign-in (nonce mismatch)."
    if isinstance(exception, requests.RequestException):
        return "Hindsight could not reach the identity provider."
    if exception is not None and isinstance(exception.__cause__, jwt.InvalidAudienceError):
        return "The provider's ID token was issued for another application (audience)."
    if exception is not None and "invalid_client" in str(exception):
        return (
            "The identity provider refused Hindsight's client credentials: "
            "the client ID or secret is wrong."
        )
    if exception is not None:
        return "The provider's answer could not be verified."
    if error == AuthError.CANCELLED:
        return "The sign-in was cancelled at the identity provider."
    if "callback_view" in extra_context and "state" not in extra_context:
        return (
            "This sign-in does not match one started here (state mismatch): "
            "it may have expired or been opened in another browser."
        )
    return "The identity provider did not sign you in."


def authentication_failed(
    request: HttpRequest, provider, error, exception, extra_context: dict
) -> None:
    """allauth's ``on_authentication_error``: audit the refusal in the provider's organization
    and give the error page its reason."""
    reason = _reason(error, exception, extra_context)
    extra_context["reason"] = reason
    if provider is None or getattr(provider, "app", None) is None:
        return
    ours = _provider_of(request, provider.app.provider_id)
    if ours is None:
        return
    extra_context["provider_name"] = ours.name
    testing = request.session.get(TESTING_PROVIDER_SESSION_KEY) == ours.pk
    if testing:  # the test is over: the untested provider signs nobody in any more
        request.session.pop(TESTING_PROVIDER_SESSION_KEY, None)
        extra_context["settings_url"] = settings_url(ours)
    services_sso.sign_in_refused(
        provider=ours,
        reason=reason,
        actor=request.user if request.user.is_authenticated else None,
        test=testing,
    )
