""" "Require SSO" with a real company sign-in (node-oidc-provider on loopback): the provider's
session opens the organization's pages, an admin who came through it may require it, and the
password sessions of the other members end."""

from django.contrib.auth import get_user_model
from django.test import Client

from organizations.roles import Role
from tests.identity.helpers import password_sign_in, policy, security_url
from tests.identity.oidc.helpers import sign_in

User = get_user_model()


def test_a_session_through_the_provider_opens_an_organization_that_requires_it(
    client, org, live_provider, idp
):
    policy(org, require_sso=True)
    assert sign_in(client, idp).status_code == 302
    assert client.get("/o/acme/").status_code == 200


def test_an_admin_who_came_through_the_provider_requires_it_and_password_sessions_end(
    client, org, live_provider, idp, engineer
):
    idp.set_account("ann-1", "ann@acme.example", name="Ann Lee", groups=["it"])
    sign_in(client, idp)
    ann = User.objects.get(email="ann@acme.example")
    assert ann.memberships.get().role == Role.ADMIN
    colleague = Client()
    password_sign_in(colleague, "engineer")

    response = client.post(security_url(), {"require_sso": "on", "break_glass_user": ""})
    assert response.status_code == 302
    assert client.get("/o/acme/").status_code == 200
    assert colleague.get("/o/acme/")["Location"].startswith("/accounts/login/")
    refused = password_sign_in(colleague, "engineer")
    assert refused.status_code == 403 and b"Acme Corporation signs in through Acme SSO" in (
        refused.content
    )
