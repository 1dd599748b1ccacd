"""The settings page's webhook deliveries (failed ones highlighted, the list refreshing itself)
and its test button."""

from organizations.models import AuditEntry, WebhookDelivery, WebhookStatus
from tests.organizations.helpers import SECRET, SLACK_URL, url

# --- Deliveries and the test message -------------------------------------------------------------


def test_failed_deliveries_are_shown_highlighted_and_other_organizations_are_not(
    client, admin_user, org, other_org
):
    WebhookDelivery.objects.create(
        organization=org,
        event="postmortem.published",
        url=SLACK_URL,
        status=WebhookStatus.FAILED,
        attempts=5,
        last_error="HTTP 404: no_service",
    )
    WebhookDelivery.objects.create(
        organization=other_org,
        event="postmortem.published",
        url="https://hooks.slack.com/services/globex-secret-path-0123456789",
        last_error="Globex-only error",
    )
    client.force_login(admin_user)
    text = client.get(url()).content.decode()
    assert "os-delivery--failed" in text
    assert "HTTP 404: no_service" in text and "Postmortem published" in text
    assert "1 failed" in text
    assert "Globex-only error" not in text
    assert SECRET not in text.replace(f'value="{SLACK_URL}"', "")


def test_the_deliveries_list_refreshes_itself_as_a_fragment(client, admin_user, org):
    WebhookDelivery.objects.create(organization=org, event="test", url=SLACK_URL)
    client.force_login(admin_user)
    page = client.get(url()).content.decode()
    assert 'hx-trigger="every 3s"' in page  # something is pending: the list polls
    fragment = client.get(
        url(), headers={"HX-Request": "true", "HX-Target": "webhook-deliveries"}
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="webhook-deliveries"')
    assert "<form" not in fragment and "Pending" in fragment


def test_the_test_button_needs_a_saved_webhook(client, admin_user, org):
    client.force_login(admin_user)
    response = client.post(url("settings_webhook_test"), follow=True)
    assert b"Save a webhook URL first" in response.content
    assert not WebhookDelivery.objects.exists()


def test_the_test_button_queues_a_message_without_waiting_for_it(client, admin_user, org):
    org.webhook_url = SLACK_URL
    org.save()
    client.force_login(admin_user)
    response = client.post(url("settings_webhook_test"))
    assert response.status_code == 302 and response["Location"].endswith("#webhook")
    [delivery] = WebhookDelivery.objects.all()
    # sent by the task after commit, not by the request
    assert (delivery.event, delivery.status, delivery.attempts) == ("test", "PENDING", 0)
    assert "Hindsight test message from Acme Corporation" in delivery.payload["text"]
    [entry] = AuditEntry.objects.filter(organization=org)
    assert entry.action == "settings.webhook_tested"
    assert entry.details == {"webhook_url": "hooks.slack.com/…uvwx"}
