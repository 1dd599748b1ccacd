"""The Integrations tab's create form shows what the chosen tool needs: PagerDuty's signing
secret, a pager's severity table, Alertmanager's rule; and creates a PagerDuty endpoint."""

from playwright.sync_api import expect

from integrations.intake.models import SourceKind, WebhookEndpoint
from organizations.roles import Role
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def test_the_create_form_follows_the_chosen_tool(page, transactional_db):
    organization = OrganizationFactory(slug="acme", name="Acme Corporation")
    MembershipFactory(user=UserFactory(username="ann"), organization=organization, role=Role.ADMIN)
    log_in(page, "ann")
    page.goto("/o/acme/settings/integrations/")
    tool = page.get_by_label("Tool")
    secret = page.get_by_label("Signing secret (PagerDuty, Linear)")
    rule = page.get_by_label("When the alert's service has no open incident")
    table = page.get_by_label("Severity table")

    expect(secret).to_be_hidden()
    expect(rule).to_be_visible()
    tool.select_option(SourceKind.PAGERDUTY)
    expect(secret).to_be_visible()
    expect(rule).to_be_hidden()
    expect(table).to_be_visible()
    tool.select_option(SourceKind.RELEASE)
    expect(table).to_be_hidden()
    tool.select_option(SourceKind.OPSGENIE)
    expect(secret).to_be_hidden()
    expect(table).to_be_visible()

    tool.select_option(SourceKind.PAGERDUTY)
    page.get_by_label("Name").fill("PagerDuty")
    secret.fill("pasted-signing-secret")
    table.fill("P1 = SEV1")
    page.get_by_role("button", name="Create endpoint").click()
    expect(page.get_by_text("“PagerDuty” is ready")).to_be_visible()
    expect(page.get_by_text("pasted-signing-secret")).to_have_count(0)
    hook = WebhookEndpoint.objects.get()
    assert (hook.secret_encrypted, hook.severity_map) == ("pasted-signing-secret", {"p1": "SEV1"})
    assert page.console_errors == []
