"""Fixtures of the OpenID Connect sign-in tests: Acme's provider configured against the real
node-oidc-provider on loopback, and a person who may sign in through it."""

import pytest

from identity.models import GroupRoleMapping
from organizations.roles import Role
from tests.identity.oidc.helpers import CALLBACK, CLIENT_ID, CLIENT_SECRET, make_provider


@pytest.fixture
def idp(oidc_provider):
    """The provider with Hindsight's client registered and Ann, an engineer at the provider."""
    oidc_provider.add_client(CLIENT_ID, CLIENT_SECRET, [CALLBACK])
    oidc_provider.set_account(
        "ann-1",
        "ann@acme.example",
        name="Ann Lee",
        given_name="Ann",
        family_name="Lee",
        groups=["engineering"],
    )
    oidc_provider.next_login("ann-1")
    return oidc_provider


@pytest.fixture
def live_provider(org, idp):
    """Acme's provider, live, mapping the provider's groups to roles."""
    provider = make_provider(org, idp)
    for group, role in (("engineering", Role.ENGINEER), ("sre", Role.MANAGER), ("it", Role.ADMIN)):
        GroupRoleMapping.objects.create(organization=org, provider=provider, group=group, role=role)
    return provider
