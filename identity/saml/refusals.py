"""A refused SAML sign-in: the sign-in error page saying why, and an entry in the organization's
audit log (``services_sso.sign_in_refused``).

Refusals happen before allauth signs anyone in: no user, social account or membership exists
from a refused answer."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import services_sso, sso_login
from ..models import IdentityProvider
from ..selectors import TESTING_PROVIDER_SESSION_KEY


@dataclass(frozen=True)
class Reason:
    title: str
    message: str


REASONS = {
    "expired": Reason(
        "This sign-in has expired",
        "The answer from your identity provider is no longer valid (it is too old, or your "
        "clocks disagree). Start the sign-in again.",
    ),
    "replayed": Reason(
        "This sign-in was already used",
        "This answer from your identity provider has already signed someone in once, and an "
        "answer counts only once. Start the sign-in again.",
    ),
    "signature": Reason(
        "This sign-in is not signed by your identity provider",
        "The answer is not signed with the certificate Hindsight has for {organization}'s "
        "identity provider. An administrator should check the certificate (or the metadata) "
        "in the sign-in settings.",
    ),
    "audience": Reason(
        "This sign-in was meant for another service",
        "Your identity provider made this answer for another service provider, not for "
        "{organization}'s sign-in to Hindsight. An administrator should check the entity id "
        "and ACS URL configured at the identity provider.",
    ),
    "unsolicited": Reason(
        "Start the sign-in from Hindsight",
        "Hindsight accepts only sign-ins it started itself; sign-ins started at the identity "
        "provider (IdP-initiated) are refused. Open Hindsight and sign in there.",
    ),
    "unknown_request": Reason(
        "This sign-in was not started here",
        "The answer belongs to a sign-in that was not started in this browser, or that has "
        "already finished. Start the sign-in again from Hindsight.",
    ),
    "failed": Reason(
        "Your identity provider did not sign you in",
        "The identity provider answered that the sign-in failed. Try again, or ask your "
        "administrator whether you have access to Hindsight.",
    ),
    "unreachable": Reason(
        "Your identity provider cannot be reached",
        "Hindsight could not read the metadata of {organization}'s identity provider. Try "
        "again later, or ask an administrator to check the sign-in settings.",
    ),
    "misconfigured": Reason(
        "Company sign-in is not set up completely",
        "{organization}'s identity provider settings are incomplete or invalid (the sign-in URL "
        "or the certificate). An administrator should check the sign-in settings.",
    ),
    "invalid": Reason(
        "Your identity provider's answer was not accepted",
        "The answer from {organization}'s identity provider is not a valid SAML answer. Start "
        "the sign-in again; if it keeps failing, an administrator should check the sign-in "
        "settings.",
    ),
}


def classify(error_reason: str) -> str:
    """The kind of refusal for python3-saml's reason (its messages are stable text)."""
    text = (error_reason or "").lower()
    if "expired" in text or "not yet valid" in text:
        return "expired"
    if "audience" in text or "received at" in text or "destination" in text:
        return "audience"
    if "signature" in text or "signed" in text or "issuer" in text:
        return "signature"
    if "status code" in text:
        return "failed"
    return "invalid"


def refuse(
    request: HttpRequest, provider: IdentityProvider, kind: str, detail: str = ""
) -> HttpResponse:
    """Record the refusal in the provider's organization and answer with the sign-in error
    page, saying why. ``detail`` (python3-saml's reason: ids, URLs, never a secret) goes to the
    audit entry only."""
    reason = REASONS[kind]
    message = reason.message.format(organization=provider.organization.name)
    audited = f"{reason.title} ({kind}): {detail[:300]}" if detail else f"{reason.title} ({kind})"
    testing = request.session.get(TESTING_PROVIDER_SESSION_KEY) == provider.pk
    signed_in = request.user.is_authenticated
    services_sso.sign_in_refused(
        provider=provider, reason=audited, actor=request.user if signed_in else None, test=testing
    )
    context = {"reason": f"{reason.title}. {message}", "provider_name": provider.name}
    if testing and signed_in:  # an admin's test round trip: back to the settings
        context["settings_url"] = sso_login.settings_url(provider)
    return render(request, "socialaccount/authentication_error.html", context, status=400)
