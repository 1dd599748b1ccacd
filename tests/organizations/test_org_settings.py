"""Organization settings: who may open them, what the page shows, what saving changes, what
the audit log records and what the saved values change. The webhook's delivery is in
test_webhook_delivery.py."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from actionitems.reminder_rules import Cadence
from incidents import services as incident_services
from incidents.selectors import policy_requires
from organizations.models import AuditEntry, Organization, PostmortemPolicy, WebhookDelivery
from organizations.roles import Role
from organizations.selectors import policy_for
from postmortems.models import PostmortemStatus
from postmortems.review import transitions
from tests.organizations.helpers import SECRET, SLACK_URL, form_data, policy_of, url
from tests.postmortems.review.helpers import submitted

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
