"""allauth adapters: where allauth asks Hindsight what it needs to know.

``SocialAccountAdapter.list_apps`` turns each organization's identity provider into the
``SocialApp`` allauth expects, built in memory (the client secret stays encrypted in our own
table, and nothing is written to allauth's ``SocialApp`` table)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import HttpRequest, HttpResponse

from . import rules, selectors, services_policy, sessions
from .middleware import sso_required_response
from .models import IdentityProvider, Protocol
from .selectors import SAML_PROVIDER_PREFIX, TESTING_PROVIDER_SESSION_KEY

OIDC = "openid_connect"
SAML = "saml"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Nobody signs up with a password: people join by invitation or company sign-in."""
        return False

    def pre_login(self, request: HttpRequest, user, **kwargs) -> HttpResponse | None:
        """A password is refused when every organization of the person requires company
        sign-in (and they are the break-glass admin of none): they get a page naming each
        organization's provider, and nothing signs in."""
        if (kwargs.get("signal_kwargs") or {}).get("sociallogin") is None:
            refusals = rules.password_refusals(user)
            if refusals:
                clear_login(request)
                services_policy.password_refused_record(user=user, refusals=refusals)
                return sso_required_response(request, refusals)
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request: HttpRequest, user, **kwargs) -> HttpResponse:
        """Every sign-in (password, two-factor or SSO) ends here, once it has succeeded."""
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        organization = None
        if sociallogin is not None:
            organization = selectors.organization_of_provider_key(sociallogin.account.provider)
        sessions.record_sign_in(request, user, organization=organization)
        return super().post_login(request, user, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        """An organization's identity provider may bring in people Hindsight has not met."""
        return True

    def list_apps(self, request: HttpRequest, provider=None, client_id=None) -> list[SocialApp]:
        testing = request.session.get(TESTING_PROVIDER_SESSION_KEY) if request else None
        protocol, slug = _wanted(provider, client_id)
        if protocol is None and provider is not None:
            return super().list_apps(request, provider=provider, client_id=client_id)
        providers = selectors.usable_providers(
            testing_provider_id=testing, protocol=protocol, slug=slug
        )
        apps = [social_app(identity_provider) for identity_provider in providers]
        if protocol == Protocol.OIDC and client_id and provider == OIDC:
            apps = [app for app in apps if app.client_id == client_id]
        return apps


def _wanted(provider: str | None, client_id: str | None) -> tuple[str | None, str | None]:
    """Which of our providers allauth asks for: (protocol, organization slug)."""
    if provider is None:
        return None, None
    if provider == SAML:
        return Protocol.SAML, client_id
    if provider.startswith(SAML_PROVIDER_PREFIX):
        return Protocol.SAML, provider.removeprefix(SAML_PROVIDER_PREFIX)
    if provider == OIDC:
        return Protocol.OIDC, None
    if "_" in provider:  # allauth's own providers are named with underscores (google, ...)
        return None, None
    return Protocol.OIDC, provider


def social_app(provider: IdentityProvider) -> SocialApp:
    """The allauth app for one organization's identity provider (never saved)."""
    key = selectors.allauth_provider_key(provider)
    if provider.protocol == Protocol.OIDC:
        return SocialApp(
            provider=OIDC,
            provider_id=key,
            name=provider.name,
            client_id=provider.client_id,
            secret=provider.client_secret,
            settings={
                "server_url": provider.issuer_url,
                "oauth_pkce_enabled": True,
                "scope": provider.scopes.split(),
            },
        )
    return SocialApp(
        provider=SAML,
        provider_id=key,
        name=provider.name,
        client_id=provider.organization.slug,
        settings=saml_settings(provider),
    )


def saml_settings(provider: IdentityProvider) -> dict:
    """allauth's SAML settings for the provider: the IdP by its metadata URL, or by entity id,
    SSO URL and certificate (pasted metadata XML is read into those three when saved); the
    attributes Hindsight reads."""
    idp: dict = {"entity_id": provider.idp_entity_id}
    if provider.idp_metadata_url:
        idp["metadata_url"] = provider.idp_metadata_url
    else:
        idp.update(sso_url=provider.idp_sso_url, x509cert=provider.idp_certificate)
    return {
        "idp": idp,
        "attribute_mapping": {
            "uid": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
            "email": "email",
            "email_verified": "email_verified",
            "first_name": "firstName",
            "last_name": "lastName",
        },
        "advanced": {
            "want_assertion_signed": True,
            "reject_idp_initiated_sso": True,
        },
    }
