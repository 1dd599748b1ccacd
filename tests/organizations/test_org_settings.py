"""Organization settings: who may open them, what they validate, what saving changes
and what the audit log records. The webhook's delivery is in test_webhooks.py."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from actionitems.reminder_rules import Cadence
from incidents import services as incident_services
from incidents.selectors import policy_requires
from organizations.models import (
    AuditEntry,
    Organization,
    PostmortemPolicy,
    WebhookDelivery,
    WebhookStatus,
)
from organizations.roles import Role
from organizations.selectors import policy_for
from postmortems.models import PostmortemStatus
from postmortems.review import transitions
from tests.postmortems.review.helpers import submitted

SECRET = "T0001/B0001/abcdefghijklmnopqrstuvwx"
SLACK_URL = f"https://hooks.slack.com/services/{SECRET}"


def url(name="settings_general", slug="acme"):
    return reverse(name, kwargs={"org_slug": slug})


def form_data(**overrides) -> dict:
    """Every field, as the page posts it (the defaults of a new organization)."""
    data = {
        "name": "Acme Corporation",
        "time_zone": "Europe/Paris",
        "severities": ["SEV1", "SEV2"],
        "min_duration_minutes": "60",
        "customer_impact": "on",
        "data_loss": "on",
        "security": "on",
        "auto_generate": "on",
        "required_approvals": "1",
        "draft_target_days": "5",
        "review_target_days": "3",
        "publish_target_days": "14",
        "remind_days_before_due": "3",
        "overdue_repeat_days": "7",
        "escalate_after_days": "14",
        "webhook_url": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def policy_of(org) -> PostmortemPolicy:
    return policy_for(org)


def errors(response) -> dict:
    return response.context["form"].errors


# --- Who may open the page -------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER, Role.REVIEWER, Role.MANAGER])
def test_members_below_admin_are_refused_every_settings_page(client, member_factory, org, role):
    client.force_login(member_factory(role))
    assert client.get(url()).status_code == 403
    assert client.post(url(), form_data(name="Hijacked")).status_code == 403
    assert client.post(url("settings_webhook_test")).status_code == 403
    org.refresh_from_db()
    assert org.name == "Acme Corporation"
    assert not AuditEntry.objects.exists() and not WebhookDelivery.objects.exists()


def test_an_admin_opens_and_saves_the_settings(client, admin_user, org):
    client.force_login(admin_user)
    page = client.get(url())
    assert page.status_code == 200
    assert b"Organization settings" in page.content
    response = client.post(url(), form_data(name="Acme Inc."))
    assert response.status_code == 302 and response["Location"] == url()
    org.refresh_from_db()
    assert org.name == "Acme Inc."


def test_the_webhook_test_page_answers_only_to_post(client, admin_user, org):
    client.force_login(admin_user)
    assert client.get(url("settings_webhook_test")).status_code == 405


def test_non_members_and_other_organizations_get_404(client, org, other_org, member_factory):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="grace")
    client.force_login(outsider)
    for name in ("settings_general", "settings_webhook_test"):
        assert client.get(url(name)).status_code == 404
        assert client.post(url(name), form_data(name="Taken over")).status_code == 404
    org.refresh_from_db()
    assert org.name == "Acme Corporation"


def test_anonymous_visitors_are_sent_to_the_login_page(client, org):
    response = client.get(url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- What the page shows ---------------------------------------------------------------------


def test_the_page_shows_the_saved_values_and_the_policy_in_plain_words(client, admin_user, org):
    PostmortemPolicy.objects.create(
        organization=org,
        severities=["SEV1"],
        min_duration_minutes=None,
        customer_impact=False,
        data_loss=True,
        security=False,
        auto_generate=False,
        required_approvals=2,
    )
    client.force_login(admin_user)
    page = client.get(url())
    text = page.content.decode()
    assert "A postmortem is required for SEV1 or data loss." in text
    assert "Drafts are not generated automatically." in text
    assert "Publishing takes 2 approvals." in text
    form = page.context["form"]
    assert form["severities"].value() == ["SEV1"]
    assert form["required_approvals"].value() == 2
    assert form["min_duration_minutes"].value() is None


def test_the_default_policy_reads_as_the_issue_says(client, admin_user, org):
    client.force_login(admin_user)
    text = client.get(url()).content.decode()
    assert (
        "A postmortem is required for SEV1 and SEV2, incidents over 60 minutes (1h), customer "
        "impact, data loss or security incidents." in text
    )


def test_the_page_runs_a_bounded_number_of_queries(
    client, admin_user, org, other_org, count_queries
):
    client.force_login(admin_user)
    org.webhook_url = SLACK_URL
    org.save()
    client.get(url())  # warm caches (sessions, content types)
    few = count_queries(lambda: client.get(url()))
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(organization=org, event="test", url=SLACK_URL, payload={"text": str(i)})
        for i in range(60)
    )
    many = count_queries(lambda: client.get(url()))
    assert many == few
    page = client.get(url())
    assert len(page.context["deliveries"]) == 20  # the latest only


# --- Saving ----------------------------------------------------------------------------------


def test_saving_changes_the_organization_and_its_policy(client, admin_user, org):
    client.force_login(admin_user)
    response = client.post(
        url(),
        form_data(
            name="  Acme   Rockets ",
            time_zone="America/New_York",
            severities=["SEV3", "SEV1"],
            min_duration_minutes="",
            customer_impact=None,
            auto_generate=None,
            required_approvals="1",
            draft_target_days="2",
            review_target_days="2",
            publish_target_days="10",
            remind_days_before_due="0",
            overdue_repeat_days="3",
            escalate_after_days="21",
            webhook_url=SLACK_URL,
        ),
        follow=True,
    )
    assert response.status_code == 200
    assert b"Settings saved" in response.content
    org.refresh_from_db()
    assert (org.name, org.time_zone, org.webhook_url) == (
        "Acme Rockets",
        "America/New_York",
        SLACK_URL,
    )
    policy = policy_of(org)
    assert policy.pk is not None
    assert policy.severities == ["SEV1", "SEV3"]
    assert policy.min_duration_minutes is None
    assert (policy.customer_impact, policy.data_loss, policy.auto_generate) == (False, True, False)
    assert (policy.draft_target_days, policy.review_target_days, policy.publish_target_days) == (
        2,
        2,
        10,
    )
    assert (
        policy.remind_days_before_due,
        policy.overdue_repeat_days,
        policy.escalate_after_days,
    ) == (0, 3, 21)


def test_saving_unchanged_settings_writes_nothing(client, admin_user, org):
    client.force_login(admin_user)
    response = client.post(url(), form_data(), follow=True)
    assert b"Nothing changed." in response.content
    assert not AuditEntry.objects.exists()
    assert not PostmortemPolicy.objects.filter(organization=org).exists()


def test_the_audit_entry_lists_only_what_changed_and_masks_the_webhook(client, admin_user, org):
    client.force_login(admin_user)
    client.post(
        url(),
        form_data(severities=["SEV1"], escalate_after_days="30", webhook_url=SLACK_URL),
    )
    [entry] = AuditEntry.objects.filter(organization=org)
    assert entry.action == "settings.updated"
    assert entry.actor == admin_user
    assert set(entry.details) == {"severities", "escalate_after_days", "webhook_url"}
    assert entry.details["severities"] == {"from": ["SEV1", "SEV2"], "to": ["SEV1"]}
    assert entry.details["escalate_after_days"] == {"from": 14, "to": 30}
    assert entry.details["webhook_url"] == {"from": "", "to": "hooks.slack.com/…uvwx"}
    assert SECRET not in str(entry.details) and "T0001" not in str(entry.details)


def test_a_blank_webhook_turns_it_off(client, admin_user, org):
    org.webhook_url = SLACK_URL
    org.save()
    client.force_login(admin_user)
    client.post(url(), form_data(webhook_url=""))
    org.refresh_from_db()
    assert org.webhook_url == ""
    [entry] = AuditEntry.objects.filter(organization=org)
    assert entry.details == {"webhook_url": {"from": "hooks.slack.com/…uvwx", "to": ""}}


# --- Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://hooks.slack.com/services/x", "Use an https:// address"),
        ("ftp://hooks.slack.com/x", "Use an https:// address"),
        ("https://user:pw@hooks.example.com/x", "Leave the user name and password out"),
        ("https://127.0.0.1/hook", "Use a public address"),
        ("https://10.1.2.3/hook", "Use a public address"),
        ("https://[::1]/hook", "Use a public address"),
        ("https://localhost/hook", "Use a public address"),
        ("https://metadata.internal/hook", "Use a public address"),
        ("not a url", "Enter a full https:// address"),
    ],
)
def test_webhook_addresses_hindsight_would_not_post_to_are_refused(
    client, admin_user, org, address, message
):
    client.force_login(admin_user)
    response = client.post(url(), form_data(webhook_url=address, name="Typed name"))
    assert response.status_code == 400
    assert any(message in error for error in errors(response)["webhook_url"])
    assert b"Nothing was saved." in response.content
    # what the admin typed is still in the form
    assert b'value="Typed name"' in response.content
    org.refresh_from_db()
    assert org.name == "Acme Corporation" and org.webhook_url == ""
    assert not AuditEntry.objects.exists()


def test_a_webhook_without_scheme_is_taken_as_https(client, admin_user, org):
    client.force_login(admin_user)
    client.post(url(), form_data(webhook_url="hooks.slack.com/services/abc"))
    org.refresh_from_db()
    assert org.webhook_url == "https://hooks.slack.com/services/abc"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("required_approvals", "0", "Enter a number from 1 to 5."),
        ("required_approvals", "6", "Enter a number from 1 to 5."),
        ("draft_target_days", "0", "Enter a number from 1 to 365."),
        ("review_target_days", "366", "Enter a number from 1 to 365."),
        ("publish_target_days", "", "Enter a number of days (1 to 365)."),
        ("escalate_after_days", "0", "Enter a number from 1 to 365."),
        ("remind_days_before_due", "-1", "Enter a number from 0 to 30."),
        ("overdue_repeat_days", "91", "Enter a number from 0 to 90."),
        ("overdue_repeat_days", "weekly", "Enter a whole number of days."),
        ("min_duration_minutes", "0", "Enter a number of minutes from 1 to 10080"),
        ("min_duration_minutes", "1.5", "Enter a whole number of minutes"),
        ("name", "   ", "Give the organization a name."),
        ("time_zone", "Mars/Olympus_Mons", "Select a valid choice."),
        ("severities", ["SEV9"], "Select a valid choice."),
    ],
)
def test_values_out_of_range_are_refused_with_a_field_message(
    client, admin_user, org, field, value, message
):
    client.force_login(admin_user)
    response = client.post(url(), form_data(**{field: value}))
    assert response.status_code == 400
    assert any(message in error for error in errors(response)[field])
    assert set(errors(response)) == {field}
    assert not PostmortemPolicy.objects.filter(organization=org).exists()


def test_targets_that_leave_no_time_to_write_and_review_are_refused(client, admin_user, org):
    client.force_login(admin_user)
    response = client.post(
        url(), form_data(draft_target_days="10", review_target_days="7", publish_target_days="14")
    )
    assert response.status_code == 400
    assert errors(response)["publish_target_days"] == [
        "Leave time to write and review: at least 17 days (draft 10 + review 7)."
    ]


def test_more_approvals_than_members_who_may_approve_are_refused(
    client, admin_user, member_factory, org
):
    member_factory(Role.REVIEWER)  # with the admin: two members may approve
    member_factory(Role.ENGINEER)
    client.force_login(admin_user)
    response = client.post(url(), form_data(required_approvals="3"))
    assert response.status_code == 400
    assert "Only 2 members may approve postmortems" in errors(response)["required_approvals"][0]
    assert client.post(url(), form_data(required_approvals="2")).status_code == 302
    assert policy_of(org).required_approvals == 2


def test_an_unchanged_approval_count_is_kept_even_when_reviewers_left(client, admin_user, org):
    PostmortemPolicy.objects.create(organization=org, severities=["SEV1"], required_approvals=3)
    client.force_login(admin_user)
    response = client.post(url(), form_data(severities=["SEV1"], required_approvals="3", name="X"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "X"


# --- Saved values change what Hindsight does ----------------------------------------------------


def _resolved_incident(org, *, severity, minutes):
    started = timezone.now() - timedelta(hours=5)
    with scope(organization=org):
        incident = incident_services.incident_declare(
            organization=org,
            actor=None,
            title="Checkout slow",
            severity=severity,
            started_at=started,
        )
        incident.resolved_at = started + timedelta(minutes=minutes)
        incident.status = "RESOLVED"
        incident.save()
    return incident


def test_the_saved_policy_decides_which_incidents_require_a_postmortem(client, admin_user, org):
    sev3_short = _resolved_incident(org, severity="SEV3", minutes=20)
    sev4_long = _resolved_incident(org, severity="SEV4", minutes=90)
    assert not policy_requires(policy_for(org), sev3_short)
    assert policy_requires(policy_for(org), sev4_long)  # over 60 minutes

    client.force_login(admin_user)
    client.post(url(), form_data(severities=["SEV3"], min_duration_minutes=""))

    assert policy_requires(policy_for(org), sev3_short)
    assert not policy_requires(policy_for(org), sev4_long)  # no duration rule any more


def test_the_saved_approval_count_is_what_publishing_takes(
    client, admin_user, org, draft, author, reviewer, second_reviewer
):
    client.force_login(admin_user)
    assert client.post(url(), form_data(required_approvals="2")).status_code == 302
    pm = submitted(draft, author, reviewer, second_reviewer)
    pm = transitions.postmortem_approve(postmortem=pm, actor=reviewer)
    assert pm.status == PostmortemStatus.IN_REVIEW
    pm = transitions.postmortem_approve(postmortem=pm, actor=second_reviewer)
    assert pm.status == PostmortemStatus.PUBLISHED


def test_the_saved_cadence_is_what_reminders_follow(client, admin_user, org):
    client.force_login(admin_user)
    client.post(
        url(),
        form_data(remind_days_before_due="1", overdue_repeat_days="2", escalate_after_days="5"),
    )
    org = Organization.objects.get(pk=org.pk)
    assert Cadence.of(org) == Cadence(
        remind_days_before_due=1, overdue_repeat_days=2, escalate_after_days=5, draft_target_days=5
    )


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


def test_a_policy_without_any_rule_says_so(client, admin_user, org):
    client.force_login(admin_user)
    client.post(
        url(),
        form_data(
            severities=[],
            min_duration_minutes="",
            customer_impact=None,
            data_loss=None,
            security=None,
        ),
    )
    text = client.get(url()).content.decode()
    assert "No incident requires a postmortem" in text
    policy = policy_of(org)
    assert policy.severities == [] and not policy.security
