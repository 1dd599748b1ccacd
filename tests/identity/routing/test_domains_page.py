"""The Domains settings page: admins add a domain, see the TXT record that proves it, remove it;
bad input names the field; a domain another organization verified is refused; other roles and
other organizations do not get in."""

import pytest
from django_scopes import scopes_disabled

from identity.models import EmailDomain
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.factories import MembershipFactory

from .helpers import email_domain

DOMAINS = "/o/acme/settings/domains/"


def test_an_admin_adds_a_domain_and_sees_the_txt_record_to_create(admin_client, org, admin_user):
    response = admin_client.post(DOMAINS, {"domain": "  Acme.Example. "})
    assert response.status_code == 302
    added = EmailDomain.objects.get(organization=org)
    assert added.domain == "acme.example" and added.verified_at is None
    page = admin_client.get(DOMAINS).content.decode()
    assert f"hindsight-verification={added.verification_token}" in page
    assert "Not verified" in page and "Check now" in page
    entry = AuditEntry.objects.get(action="sso.domain_added")
    assert entry.actor == admin_user and entry.target == "acme.example"


def test_the_domains_tab_is_in_the_settings_navigation_of_admins_only(
    client, org, admin_user, viewer
):
    client.force_login(admin_user)
    assert f'href="{DOMAINS}"' in client.get("/o/acme/settings/").content.decode()
    client.force_login(viewer)
    assert f'href="{DOMAINS}"' not in client.get("/o/acme/settings/tokens/").content.decode()


def test_an_international_domain_is_kept_in_punycode(admin_client, org):
    assert admin_client.post(DOMAINS, {"domain": "Bücher.example"}).status_code == 302
    assert EmailDomain.objects.get(organization=org).domain == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a domain, such as example.com."),
        ("not a domain", "Enter a domain name, such as example.com"),
        ("jane@acme.example", "Enter the domain only"),
        ("https://acme.example/", "Enter a domain name"),
        ("localhost", "Enter a domain name"),
        ("10.0.0.1", "Enter a domain name"),
        ("-acme.example", "Enter a domain name"),
        ("a" * 64 + ".example", "Enter a domain name"),
        (".".join(["abcdefghij"] * 25) + ".example", "at most 253 characters"),
        ("x" * 5000, "at most 253 characters"),
        ("gmail.com", "gmail.com is a public mail domain"),
        ("Outlook.com", "outlook.com is a public mail domain"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_created(
    admin_client, org, typed, message
):
    response = admin_client.post(DOMAINS, {"domain": typed})
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "field--invalid" in page and 'for="id_domain">Domain' in page
    assert not EmailDomain.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="sso.").exists()


def test_a_nul_byte_is_refused_naming_the_field(admin_client, org):
    response = admin_client.post(DOMAINS, {"domain": "acme\x00.example"})
    assert response.status_code == 400
    assert response.content.decode().startswith("domain:")
    assert not EmailDomain.objects.exists()


def test_a_domain_already_on_the_list_is_refused(admin_client, org):
    email_domain(org, "acme.example", verified=False)
    response = admin_client.post(DOMAINS, {"domain": "ACME.example"})
    assert response.status_code == 400
    assert "acme.example is already on the list." in response.content.decode()
    assert EmailDomain.objects.filter(organization=org).count() == 1


def test_a_domain_verified_by_another_organization_is_refused_and_audited_here(
    admin_client, org, other_org, admin_user
):
    email_domain(other_org, "globex.example")
    response = admin_client.post(DOMAINS, {"domain": "globex.example"})
    assert response.status_code == 400
    assert "globex.example is verified by another organization." in response.content.decode()
    assert not EmailDomain.objects.filter(organization=org).exists()
    entry = AuditEntry.objects.get(organization=org, action="sso.domain_refused")
    assert entry.actor == admin_user and entry.target == "globex.example"
    assert "Globex" not in str(entry.details)
    with scopes_disabled():
        assert not AuditEntry.objects.filter(organization=other_org).exists()


def test_a_domain_another_organization_only_claimed_can_be_added(admin_client, org, other_org):
    email_domain(other_org, "shared.example", verified=False)
    assert admin_client.post(DOMAINS, {"domain": "shared.example"}).status_code == 302
    assert EmailDomain.objects.filter(organization=org, domain="shared.example").exists()


def test_an_admin_removes_a_domain_and_it_is_audited(admin_client, org, admin_user):
    domain = email_domain(org, "acme.example")
    response = admin_client.post(f"{DOMAINS}{domain.pk}/remove/")
    assert response.status_code == 302
    assert not EmailDomain.objects.exists()
    entry = AuditEntry.objects.get(action="sso.domain_removed")
    assert entry.target == "acme.example" and entry.details == {"verified": True}
    assert "acme.example is removed." in admin_client.get(DOMAINS).content.decode()


def test_the_audit_log_names_the_domain_changes(admin_client, org):
    admin_client.post(DOMAINS, {"domain": "acme.example"})
    page = admin_client.get("/o/acme/settings/audit/").content.decode()
    assert "Added the email domain" in page and "acme.example" in page


def test_check_and_remove_refuse_get(admin_client, org):
    domain = email_domain(org, "acme.example", verified=False)
    assert admin_client.get(f"{DOMAINS}{domain.pk}/check/").status_code == 405
    assert admin_client.get(f"{DOMAINS}{domain.pk}/remove/").status_code == 405
    assert EmailDomain.objects.filter(pk=domain.pk).exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER, Role.REVIEWER, Role.MANAGER])
def test_only_admins_manage_domains(client, org, member_factory, role):
    client.force_login(member_factory(role))
    domain = email_domain(org, "acme.example", verified=False)
    assert client.get(DOMAINS).status_code == 403
    assert client.post(DOMAINS, {"domain": "other.example"}).status_code == 403
    assert client.post(f"{DOMAINS}{domain.pk}/check/").status_code == 403
    assert client.post(f"{DOMAINS}{domain.pk}/remove/").status_code == 403
    assert list(EmailDomain.objects.values_list("domain", flat=True)) == ["acme.example"]


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    response = client.get(DOMAINS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_organizations_domains_do_not_exist_here(admin_client, org, other_org):
    theirs = email_domain(other_org, "globex.example", verified=False)
    email_domain(org, "acme.example")
    page = admin_client.get(DOMAINS).content.decode()
    assert "acme.example" in page and "globex.example" not in page
    for action in ("check", "remove"):
        assert admin_client.post(f"{DOMAINS}{theirs.pk}/{action}/").status_code == 404
        assert admin_client.get(f"{DOMAINS}{theirs.pk}/{action}/").status_code == 404
    with scopes_disabled():
        assert EmailDomain.objects.filter(pk=theirs.pk, verified_at=None).exists()


def test_an_admin_of_one_organization_is_not_one_of_another(admin_client, org, other_org):
    assert admin_client.get("/o/globex/settings/domains/").status_code == 404


def test_an_admin_of_both_sees_each_organizations_own_domains(
    admin_client, org, other_org, admin_user
):
    MembershipFactory(user=admin_user, organization=other_org, role=Role.ADMIN)
    email_domain(org, "acme.example")
    email_domain(other_org, "globex.example")
    globex_page = admin_client.get("/o/globex/settings/domains/").content.decode()
    assert "globex.example" in globex_page and "acme.example" not in globex_page


def test_the_page_reads_a_bounded_number_of_queries(admin_client, org, count_queries):
    def add(n, start):
        for i in range(start, start + n):
            email_domain(org, f"d{i}.example", verified=bool(i % 2))

    add(2, 0)
    few = count_queries(lambda: admin_client.get(DOMAINS))
    add(10, 2)
    assert count_queries(lambda: admin_client.get(DOMAINS)) == few
