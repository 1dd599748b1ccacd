"""An admin's test round trip proves the tested address's domain when the OpenID provider marks
the address verified; a domain another organization verified stays theirs."""

from django_scopes import scopes_disabled

from identity.models import DomainProof, EmailDomain, ProviderStatus
from organizations.models import AuditEntry
from tests.identity.helpers import provider_url
from tests.identity.oidc.helpers import come_back, make_provider
from tests.identity.routing.helpers import email_domain


def _test_round_trip(client, idp):
    started = client.post("/o/acme/settings/sign-in/test/")
    return come_back(client, idp.authorize(provider_url(started)))


def _domains(org):
    with scopes_disabled():
        return {d.domain: d for d in EmailDomain.objects.filter(organization=org)}


def test_a_verified_address_in_the_test_proves_its_domain(client, org, admin_user, idp):
    make_provider(org, idp, status=ProviderStatus.DRAFT)
    client.force_login(admin_user)
    response = _test_round_trip(client, idp)
    assert response.status_code == 302
    domain = _domains(org)["acme.example"]
    assert domain.verified_at is not None and domain.verified_by == DomainProof.PROVIDER
    page = client.get(response["Location"]).content.decode()
    assert "acme.example is verified for" in page


def test_an_unverified_address_proves_nothing(client, org, admin_user, idp):
    idp.set_account("ann-1", "ann@acme.example", email_verified=False, groups=["engineering"])
    make_provider(org, idp, status=ProviderStatus.DRAFT)
    client.force_login(admin_user)
    assert _test_round_trip(client, idp).status_code == 302
    assert "acme.example" not in _domains(org)


def test_a_domain_another_organization_verified_is_refused_and_audited(
    client, org, other_org, admin_user, idp
):
    email_domain(other_org, "acme.example")
    make_provider(org, idp, status=ProviderStatus.DRAFT)
    client.force_login(admin_user)
    response = _test_round_trip(client, idp)
    assert response.status_code == 302
    assert not _domains(org).get("acme.example") or not _domains(org)["acme.example"].verified_at
    with scopes_disabled():
        assert AuditEntry.objects.filter(organization=org, action="sso.domain_refused").exists()
        assert _domains(other_org)["acme.example"].verified_by == DomainProof.DNS
    page = client.get(response["Location"]).content.decode()
    assert "another organization verified it first" in page
