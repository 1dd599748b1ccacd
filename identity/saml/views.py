"""The SAML pages Hindsight serves in place of allauth's (same paths and names, listed before
allauth's in the URLconf): the SP metadata, the login start, and the end of the assertion
consumer (allauth's ``acs/`` keeps the posted answer and redirects to ``acs/finish/``).

Only a live provider, or the one an admin is testing in this session, has these pages; any
other slug is a 404. A bad answer is refused with a page and an audit entry (``refusals``),
before anything is created. IdP-initiated (unsolicited) answers are refused: an answer counts
only when it answers a sign-in this browser started (allauth's stashed state), which is also
what stops login CSRF and an answer made for one organization being used at another."""

import binascii
import logging

from allauth.account.internal.decorators import login_not_required
from allauth.core.internal import httpkit
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.providers.saml import views as allauth_saml
from allauth.socialaccount.providers.saml.utils import (
    build_auth,
    build_saml_config,
    get_app_or_404,
)
from allauth.socialaccount.sessions import LoginSession
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from onelogin.saml2.errors import OneLogin_Saml2_Error
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from .. import selectors
from ..models import IdentityProvider, Protocol
from . import config, emails, replay
from .refusals import classify, refuse

logger = logging.getLogger(__name__)

# The SP metadata does not depend on the IdP: python3-saml is given an empty one to describe
# Hindsight's side (``sp_validation_only``), so the page works while the IdP is unreachable.
_NO_IDP = {"entity_id": "", "sso_url": "", "x509cert": ""}


def identity_provider_or_404(request: HttpRequest, organization_slug: str) -> IdentityProvider:
    """The SAML provider that may sign people in at this slug now (live, or being tested in
    this session)."""
    provider = selectors.usable_providers(
        testing_provider_id=request.session.get(selectors.TESTING_PROVIDER_SESSION_KEY),
        protocol=Protocol.SAML,
        slug=organization_slug,
    ).first()
    if provider is None:
        raise Http404("No company sign-in here.")
    return provider


@method_decorator(login_not_required, name="dispatch")
class MetadataView(View):
    def get(self, request: HttpRequest, organization_slug: str) -> HttpResponse:
        provider = identity_provider_or_404(request, organization_slug)
        app_settings = {**config.saml_settings(provider), "idp": _NO_IDP}
        saml_config = build_saml_config(request, app_settings, organization_slug)
        sp_settings = OneLogin_Saml2_Settings(settings=saml_config, sp_validation_only=True)
        metadata = sp_settings.get_sp_metadata()
        errors = sp_settings.validate_metadata(metadata)
        if errors:  # never for a host Django serves; say so rather than serve a bad document
            raise ValueError(f"Invalid SP metadata: {errors}")
        return HttpResponse(metadata, content_type="application/samlmetadata+xml")


@method_decorator(login_not_required, name="dispatch")
class LoginView(allauth_saml.LoginView):
    """allauth's login start, after making sure the IdP's metadata is at hand."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        provider = identity_provider_or_404(request, kwargs["organization_slug"])
        try:
            config.refresh(provider)
        except config.MetadataUnavailable as exc:
            return refuse(request, provider, "unreachable", str(exc))
        try:
            return super().dispatch(request, *args, **kwargs)
        except OneLogin_Saml2_Error as exc:
            return refuse(request, provider, "misconfigured", str(exc))


@method_decorator(login_not_required, name="dispatch")
class FinishACSView(View):
    """allauth's ``FinishACSView`` with what it leaves out: every refusal is a page and an
    audit entry, unsolicited and replayed answers are refused, and an email is trusted only
    at a domain the organization verified (``emails.trust``)."""

    def dispatch(self, request: HttpRequest, organization_slug: str) -> HttpResponse:
        identity_provider = identity_provider_or_404(request, organization_slug)
        acs_session = LoginSession(request, "saml_acs_session", "saml-acs-session")
        posted = acs_session.store.get("request")
        acs_session.delete()
        if not posted:
            return refuse(request, identity_provider, "unknown_request", "no posted answer")
        acs_request = httpkit.deserialize_request(posted, HttpRequest())
        try:
            config.refresh(identity_provider)
        except config.MetadataUnavailable as exc:
            return refuse(request, identity_provider, "unreachable", str(exc))
        provider = get_app_or_404(request, organization_slug).get_provider(request)
        try:
            auth = build_auth(acs_request, provider)
            auth.process_response(request_id=None)
        except binascii.Error:
            return refuse(request, identity_provider, "invalid", "not base64")
        except OneLogin_Saml2_Error as exc:
            return refuse(request, identity_provider, "invalid", str(exc))
        if auth.get_errors():
            reason = auth.get_last_error_reason() or ", ".join(auth.get_errors())
            logger.info("SAML answer refused for %s: %s", organization_slug, reason)
            return refuse(request, identity_provider, classify(reason), reason)
        if not auth.is_authenticated():
            return refuse(request, identity_provider, "failed", "not authenticated")
        return self._accept(request, identity_provider, provider, auth)

    def _accept(self, request, identity_provider, provider, auth) -> HttpResponse:
        """A valid, signed answer: make sure it answers a sign-in started here, once."""
        state_id = auth.get_last_response_in_response_to()
        if not state_id:
            return refuse(request, identity_provider, "unsolicited", "no InResponseTo")
        ids = [auth.get_last_message_id(), auth.get_last_assertion_id()]
        not_on_or_after = auth.get_last_assertion_not_on_or_after()
        if not replay.first_use(identity_provider.organization.slug, ids, not_on_or_after):
            return refuse(request, identity_provider, "replayed", f"ids {ids}")
        try:
            state = provider.unstash_redirect_state(request, state_id)
        except PermissionDenied:
            return refuse(request, identity_provider, "unknown_request", "no matching state")
        try:
            login = provider.sociallogin_from_response(request, auth)
        except ValueError as exc:  # no uid: neither a uid attribute nor a NameID
            return refuse(request, identity_provider, "invalid", str(exc))
        login.state = state
        emails.trust(login, identity_provider)
        return complete_social_login(request, login)


metadata = MetadataView.as_view()
login = LoginView.as_view()
finish_acs = FinishACSView.as_view()
