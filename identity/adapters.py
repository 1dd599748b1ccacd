"""allauth adapters: where allauth asks Hindsight what it needs to know.

``SocialAccountAdapter.list_apps`` turns each organization's identity provider into the
``SocialApp`` allauth expects, built in memory (the client secret stays encrypted in our own
table, and nothing is written to allauth's ``SocialApp`` table)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.stagekit import clear_login
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from . import rules, selectors, services_policy, sessions, sso_login
from .middleware import sso_required_response
from .models import IdentityProvider, Protocol
from .oidc import OrganizationOIDCProvider
from .outbound import ProviderSession
from .saml.config import saml_settings
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
            # company sign-in: just-in-time membership, then into the organization
            provider = sso_login.after_login(request, user, sociallogin)
            if provider is not None:
                organization = provider.organization
                if not kwargs.get("redirect_url"):
                    kwargs["redirect_url"] = reverse(
                        "dashboard", kwargs={"org_slug": organization.slug}
                    )
        sessions.record_sign_in(request, user, organization=organization)
        return super().post_login(request, user, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        """An organization's identity provider may bring in people Hindsight has not met."""
        return True

    def get_requests_session(self) -> ProviderSession:
        """allauth's calls to a provider (discovery, token, claims, metadata) go through ours:
        allowed addresses only, a timeout, the discovery document remembered."""
        return ProviderSession()

    def get_provider(self, request: HttpRequest, provider, client_id=None):
        found = super().get_provider(request, provider, client_id=client_id)
        if type(found) is OpenIDConnectProvider:  # an organization's: with a nonce
            return OrganizationOIDCProvider(request, app=found.app)
        return found

    def populate_user(self, request: HttpRequest, sociallogin, data):
        """A new person's username comes from their email address (the free one nearest it)."""
        user = super().populate_user(request, sociallogin, data)
        email = user.email or ""
        user.username = get_account_adapter(request).generate_unique_username(
            [email.split("@", 1)[0], user.username, "user"]
        )
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        sso_login.before_login(request, sociallogin)

    def on_authentication_error(
        self, request: HttpRequest, provider, error=None, exception=None, extra_context=None
    ) -> None:
        context = extra_context if extra_context is not None else {}
        sso_login.authentication_failed(request, provider, error, exception, context)

    def list_apps(self, request: HttpRequest, provider=None, client_id=None) -> list[SocialApp]:
        testing = request.session.get(TESTING_PROVIDER_SESSION_KEY) if request else None
        protocol, slug = _wanted(provider, client_id)
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
    return Protocol.OIDC, provider  # an organization's slug (only these two providers exist)


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
                "server_url": provider.issuer_url.rstrip("/"),
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
