"""Fixtures of the SAML sign-in tests: Acme's provider configured against the real pysaml2 IdP
on loopback, mapping the IdP's groups to roles."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from identity.models import GroupRoleMapping
from organizations.roles import Role
from tests.identity.saml.helpers import HOST, make_provider


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def idp(saml_idp):
    """The IdP, signing Ann in (an engineer at the IdP)."""
    saml_idp.next_login(
        "ann@acme.example", first_name="Ann", last_name="Lee", groups=["engineering"]
    )
    return saml_idp


@pytest.fixture
def live_provider(org, idp):
    """Acme's provider, live; default role Viewer; groups engineering, sre and it mapped."""
    provider = make_provider(org, idp, default_role=Role.VIEWER)
    with scopes_disabled():
        for group, role in (
            ("engineering", Role.ENGINEER),
            ("sre", Role.MANAGER),
            ("it", Role.ADMIN),
        ):
            GroupRoleMapping.objects.create(
                organization=org, provider=provider, group=group, role=role
            )
    return provider
