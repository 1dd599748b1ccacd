"""Provisioning and company sign-in together, against the real OpenID Connect provider: a
person provisioned by SCIM signs in through Acme's provider as the same account, and their
deactivation ends that session."""

from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from identity.models import SignIn, SignInMethod
from organizations.models import Membership
from tests.identity.oidc.conftest import idp, live_provider  # noqa: F401 (fixtures)
from tests.identity.oidc.helpers import sign_in
from tests.identity.scim.conftest import okta_user

User = get_user_model()


def test_a_provisioned_person_signs_in_as_themselves_and_deactivation_signs_them_out(
    client,
    org,
    scim,
    live_provider,  # noqa: F811
    idp,  # noqa: F811
):
    created = scim.post("Users", okta_user("ann@acme.example", given="Ann", family="Lee"))
    assert created.status_code == 201
    ann = User.objects.get(email="ann@acme.example")

    assert sign_in(client, idp).status_code == 302
    assert User.objects.filter(email__iexact="ann@acme.example").count() == 1
    sign_in_row = SignIn.objects.get(user=ann)
    assert (sign_in_row.method, sign_in_row.organization) == (SignInMethod.SSO, org)
    assert client.get("/o/acme/").status_code == 200

    deactivate = {"op": "replace", "value": {"active": False}}
    assert scim.patch(f"Users/{created.json()['id']}", deactivate).status_code == 200

    with scopes_disabled():
        assert not Membership.objects.filter(user=ann).exists()
    response = client.get("/o/acme/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not SignIn.objects.filter(user=ann).exists()
