"""``services_sso.admit``, the protocol-neutral just-in-time membership both sign-ins end in
(the round trips through real providers are in tests/identity/oidc)."""

from identity.models import GroupRoleMapping, IdentityProvider, Protocol
from identity.services_sso import admit
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.factories import UserFactory


def _provider(org) -> IdentityProvider:
    provider = IdentityProvider.objects.create(
        organization=org, protocol=Protocol.SAML, name="Acme IdP", default_role=Role.VIEWER
    )
    GroupRoleMapping.objects.create(
        organization=org, provider=provider, group="reviewers", role=Role.REVIEWER
    )
    return provider


def test_admit_makes_a_member_with_the_mapped_role_once(org):
    provider = _provider(org)
    dee = UserFactory(username="dee")
    membership = admit(provider=provider, user=dee, email="dee@acme.example", groups=["reviewers"])
    assert membership.role == Role.REVIEWER
    again = admit(provider=provider, user=dee, email="dee@acme.example", groups=["reviewers"])
    assert again.pk == membership.pk and again.role == Role.REVIEWER
    [joined] = AuditEntry.objects.filter(action__startswith="sso.")
    assert joined.action == "sso.member_joined"
    assert joined.details == {
        "provider": "Acme IdP",
        "groups": ["reviewers"],
        "role": Role.REVIEWER,
        "email": "dee@acme.example",
    }


def test_admit_without_a_mapped_group_gives_the_default_role(org, admin_user):
    provider = _provider(org)
    dee = UserFactory(username="dee")
    assert admit(provider=provider, user=dee, email="", groups=[]).role == Role.VIEWER
    assert admit(provider=provider, user=dee, email="", groups=["reviewers"]).role == Role.REVIEWER
    changed = AuditEntry.objects.get(action="sso.role_changed")
    assert changed.actor == dee and changed.details["role"] == [Role.VIEWER, Role.REVIEWER]
