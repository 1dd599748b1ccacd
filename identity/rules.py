"""Reads of the sign-in rules: who must use company sign-in, who must add a second factor.

"Require SSO" takes effect while the organization's identity provider is live (a provider taken
off line does not lock every member out). The organization's break-glass admin keeps a password
while they are an admin of it."""

from dataclasses import dataclass

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import HttpRequest
from django_scopes import scopes_disabled

from organizations.models import Membership, Organization
from organizations.roles import Role

from .models import IdentityProvider, ProviderStatus, SignIn, SignInMethod, SignInPolicy

# The session's answer, kept on the request so a page asks the database once at most.
REQUEST_CACHE_ATTRIBUTE = "_identity_rule"


@dataclass(frozen=True)
class SsoRequirement:
    """An organization that admits its members through its identity provider only."""

    organization: Organization
    provider_name: str


@dataclass(frozen=True)
class RequestRule:
    """What the organization's rules say of the request's session."""

    sso_required: SsoRequirement | None = None  # set when the session is not admitted
    mfa_required: bool = False  # the person must set up a second factor first


ADMITTED = RequestRule()


def _live_provider_name(organization_ref) -> Subquery:
    return Subquery(
        IdentityProvider.objects.filter(
            organization=organization_ref, status=ProviderStatus.LIVE
        ).values("name")[:1]
    )


def is_break_glass(policy: SignInPolicy, membership: Membership) -> bool:
    return (
        policy.break_glass_user_id is not None
        and policy.break_glass_user_id == membership.user_id
        and membership.role == Role.ADMIN
    )


def password_refusals(user: AbstractBaseUser) -> list[SsoRequirement]:
    """The organizations that refuse this person's password, when every organization they
    belong to does (otherwise none: the password still opens the others, and each
    organization's pages are guarded per request)."""
    with scopes_disabled():
        memberships = list(
            Membership.objects.filter(user=user)
            .select_related("organization")
            .annotate(provider_name=_live_provider_name(OuterRef("organization")))
        )
        policies = {
            policy.organization_id: policy
            for policy in SignInPolicy.objects.filter(
                organization__in=[m.organization_id for m in memberships], require_sso=True
            )
        }
    refusals = []
    for membership in memberships:
        policy = policies.get(membership.organization_id)
        if policy is None or membership.provider_name is None or is_break_glass(policy, membership):
            return []
        refusals.append(SsoRequirement(membership.organization, membership.provider_name))
    return refusals


def _records_show_sso_through(request: HttpRequest, organization: Organization) -> bool:
    keys = {organization.slug, f"saml-{organization.slug}"}
    return any(
        record.get("method") == "socialaccount" and record.get("provider") in keys
        for record in get_authentication_records(request, request.user)
    )


def _records_show(request: HttpRequest, method: str) -> bool:
    return any(
        record.get("method") == method
        for record in get_authentication_records(request, request.user)
    )


def request_rule(request: HttpRequest) -> RequestRule:
    """The rules of ``request.organization`` applied to the signed-in session: one query at
    most per request (none while the organization has no rule on)."""
    cached = getattr(request, REQUEST_CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = _request_rule(request)
        setattr(request, REQUEST_CACHE_ATTRIBUTE, cached)
    return cached


def _request_rule(request: HttpRequest) -> RequestRule:
    organization, membership = request.organization, request.membership
    session_key = request.session.session_key or ""
    policy = (
        SignInPolicy.objects.filter(organization=organization)
        .filter(Q(require_sso=True) | Q(require_mfa=True))
        .annotate(
            provider_name=_live_provider_name(OuterRef("organization")),
            through_own_provider=Exists(
                SignIn.objects.filter(
                    session_key=session_key,
                    method=SignInMethod.SSO,
                    organization=OuterRef("organization"),
                )
            ),
            through_any_provider=Exists(
                SignIn.objects.filter(session_key=session_key, method=SignInMethod.SSO)
            ),
            has_authenticator=Exists(
                Authenticator.objects.filter(
                    user_id=membership.user_id, type=Authenticator.Type.TOTP
                )
            ),
        )
        .first()
    )
    if policy is None:
        return ADMITTED
    through_own = policy.through_own_provider or _records_show_sso_through(request, organization)
    if (
        policy.require_sso
        and policy.provider_name
        and not through_own
        and not is_break_glass(policy, membership)
    ):
        return RequestRule(sso_required=SsoRequirement(organization, policy.provider_name))
    through_sso = (
        through_own or policy.through_any_provider or _records_show(request, "socialaccount")
    )
    if policy.require_mfa and not through_sso and not policy.has_authenticator:
        return RequestRule(mfa_required=True)
    return ADMITTED


def sessions_not_admitted(organization: Organization, policy: SignInPolicy):
    """The sign-ins of the organization's members that "require SSO" no longer admits: not
    through its identity provider, and not its break-glass admin's."""
    with scopes_disabled():
        members = Membership.objects.filter(organization=organization).values("user_id")
    sign_ins = SignIn.objects.filter(user_id__in=members).exclude(
        method=SignInMethod.SSO, organization=organization
    )
    if policy.break_glass_user_id is not None:
        sign_ins = sign_ins.exclude(user_id=policy.break_glass_user_id)
    return sign_ins


def session_admitted_by_sso(
    request: HttpRequest, organization: Organization, break_glass_user_id: int | None
) -> bool:
    """Whether the request's own session would survive "require SSO" turned on."""
    if break_glass_user_id is not None and break_glass_user_id == request.user.pk:
        return True
    if _records_show_sso_through(request, organization):
        return True
    return SignIn.objects.filter(
        session_key=request.session.session_key or "",
        method=SignInMethod.SSO,
        organization=organization,
    ).exists()
