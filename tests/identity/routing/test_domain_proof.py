"""Proving a domain: "Check now" asks a real DNS server (on loopback) for the TXT record; the
identity provider's verified email proves it too. A domain has one verified owner."""

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from identity import dns_txt
from identity.models import DomainProof, EmailDomain
from identity.services_domains import verify_domain_from_provider
from organizations.models import AuditEntry

from .helpers import email_domain

DOMAINS = "/o/acme/settings/domains/"


def record_of(domain: EmailDomain) -> str:
    return f"hindsight-verification={domain.verification_token}"


def check(client, domain: EmailDomain):
    return client.post(f"{DOMAINS}{domain.pk}/check/", follow=True)


def reloaded(domain: EmailDomain) -> EmailDomain:
    with scopes_disabled():
        return EmailDomain.objects.get(pk=domain.pk)


# --- DNS -----------------------------------------------------------------------------------------


def test_check_now_finds_the_txt_record_and_verifies_the_domain(
    admin_client, org, admin_user, name_server
):
    domain = email_domain(org, "acme.example", verified=False)
    name_server.records["acme.example"] = ["v=spf1 -all", record_of(domain)]
    page = check(admin_client, domain).content.decode()
    assert "acme.example is verified." in page
    assert ("acme.example", "TXT") in name_server.questions
    domain = reloaded(domain)
    assert domain.verified_at is not None and domain.verified_by == DomainProof.DNS
    assert "DNS TXT record" in page and "Check now" not in page
    entry = AuditEntry.objects.get(action="sso.domain_verified")
    assert entry.actor == admin_user and entry.details == {"proof": "DNS TXT record"}


def test_a_record_split_into_several_strings_counts_as_one(admin_client, org, name_server):
    domain = email_domain(org, "acme.example", verified=False)
    value = record_of(domain)
    name_server.records["acme.example"] = [(value[:20], value[20:])]
    assert "acme.example is verified." in check(admin_client, domain).content.decode()


@pytest.mark.parametrize(
    "records",
    [
        {"acme.example": ["v=spf1 -all"]},  # the domain exists, without our record
        {"acme.example": []},  # no TXT records at all
        {},  # no such domain (NXDOMAIN)
        {"acme.example": ["hindsight-verification=someone-elses-token"]},
    ],
)
def test_without_the_record_the_domain_stays_unverified(admin_client, org, name_server, records):
    domain = email_domain(org, "acme.example", verified=False)
    name_server.records.update(records)
    page = check(admin_client, domain).content.decode()
    assert f"No TXT record “{record_of(domain)}” at acme.example yet." in page
    assert reloaded(domain).verified_at is None
    assert not AuditEntry.objects.filter(action="sso.domain_verified").exists()


def test_a_failing_name_server_is_reported_not_taken_for_an_absent_record(
    admin_client, org, name_server
):
    domain = email_domain(org, "acme.example", verified=False)
    name_server.failing = True
    page = check(admin_client, domain).content.decode()
    assert "Hindsight could not read the TXT records of acme.example." in page
    assert reloaded(domain).verified_at is None


def test_txt_records_reads_the_configured_name_server(name_server):
    name_server.records["acme.example"] = ["one", "two"]
    assert sorted(dns_txt.txt_records("acme.example")) == ["one", "two"]
    assert dns_txt.txt_records("absent.example") == []


def test_a_silent_name_server_times_out_with_an_error(settings, monkeypatch):
    """A port where nobody answers: the look-up gives up within its time limit."""
    import socket

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    settings.DNS_RESOLVER_NAMESERVERS = [f"127.0.0.1:{silent.getsockname()[1]}"]
    monkeypatch.setattr(dns_txt, "LOOKUP_LIFETIME_SECONDS", 0.5)
    started = timezone.now()
    with pytest.raises(dns_txt.DnsLookupError):
        dns_txt.txt_records("acme.example")
    assert (timezone.now() - started).total_seconds() < 3
    silent.close()


@pytest.mark.parametrize("entry", ["not-an-address", "127.0.0.1:99999", "[::1]:x"])
def test_a_misconfigured_name_server_is_named(settings, entry):
    from django.core.exceptions import ImproperlyConfigured

    settings.DNS_RESOLVER_NAMESERVERS = [entry]
    with pytest.raises(ImproperlyConfigured, match="DNS_RESOLVER_NAMESERVERS"):
        dns_txt.txt_records("acme.example")


def test_a_domain_verified_elsewhere_meanwhile_is_refused_at_the_check(
    admin_client, org, other_org, name_server
):
    domain = email_domain(org, "shared.example", verified=False)
    email_domain(other_org, "shared.example")
    name_server.records["shared.example"] = [record_of(domain)]
    page = check(admin_client, domain).content.decode()
    assert "shared.example is verified by another organization." in page
    assert reloaded(domain).verified_at is None
    assert AuditEntry.objects.filter(action="sso.domain_refused", target="shared.example")


def test_once_verified_by_dns_the_domain_routes_sign_ins(
    admin_client, org, acme_oidc, oidc_provider, name_server
):
    from django.test import Client

    def identify():
        return Client().post("/accounts/login/", {"step": "identify", "login": "jane@acme.example"})

    domain = email_domain(org, "acme.example", verified=False)
    name_server.records["acme.example"] = [record_of(domain)]
    assert 'name="password"' in identify().content.decode()  # not yet: the password step
    check(admin_client, domain)
    after = identify().content.decode()
    assert f'content="0;url={oidc_provider.authorization_endpoint}?' in after


# --- The identity provider's verified email ----------------------------------------------------


def test_a_verified_email_from_the_provider_verifies_its_domain(org):
    domain = verify_domain_from_provider(organization=org, email="Jane@Acme.Example")
    assert domain.domain == "acme.example"
    assert domain.verified_by == DomainProof.PROVIDER and domain.verified_at is not None
    entry = AuditEntry.objects.get(action="sso.domain_verified")
    assert entry.actor is None and entry.details == {
        "proof": "Verified email from the identity provider"
    }


def test_the_provider_verifies_a_domain_already_on_the_list(org):
    waiting = email_domain(org, "acme.example", verified=False)
    assert verify_domain_from_provider(organization=org, email="jane@acme.example") == waiting
    assert reloaded(waiting).verified_by == DomainProof.PROVIDER
    assert EmailDomain.objects.count() == 1


def test_a_domain_already_verified_is_left_as_it_is(org):
    verified = email_domain(org, "acme.example")
    assert verify_domain_from_provider(organization=org, email="jane@acme.example") == verified
    assert reloaded(verified).verified_by == DomainProof.DNS
    assert not AuditEntry.objects.exists()


def test_the_provider_cannot_take_a_domain_another_organization_verified(org, other_org):
    email_domain(other_org, "globex.example")
    assert verify_domain_from_provider(organization=org, email="bob@globex.example") is None
    assert not EmailDomain.objects.filter(organization=org).exists()
    entry = AuditEntry.objects.get(action="sso.domain_refused")
    assert entry.target == "globex.example"
    assert entry.details["proof"] == "Verified email from the identity provider"


@pytest.mark.parametrize("email", ["jane@gmail.com", "jane", "", "@acme.example", "a@b@"])
def test_public_mail_and_malformed_addresses_verify_nothing(org, email):
    assert verify_domain_from_provider(organization=org, email=email) is None
    assert not EmailDomain.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_provider_proof_works_outside_any_scope(org, other_org):
    """It is called during a sign-in, where no organization's scope is active."""
    from organizations.scoping import no_scope

    with no_scope():
        domain = verify_domain_from_provider(organization=other_org, email="bob@globex.example")
    assert domain is not None
    with scope(organization=other_org):
        assert EmailDomain.objects.get().domain == "globex.example"


def test_the_test_name_server_speaks_dns(name_server):
    """The loopback server answers as a name server does (what the checks above rely on)."""
    import dns.message
    import dns.query

    name_server.records["acme.example"] = [("part one", "part two"), "single"]
    answer = dns.query.udp(
        dns.message.make_query("acme.example", "TXT"), "127.0.0.1", port=name_server.port, timeout=2
    )
    assert sorted(r.strings for r in answer.answer[0]) == [(b"part one", b"part two"), (b"single",)]
