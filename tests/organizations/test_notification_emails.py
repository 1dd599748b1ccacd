"""Notification emails: the email settings, the emails themselves and the generated-draft
notification."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django_scopes import scope

from organizations.models import Notification, NotificationKind, NotificationSetting
from organizations.notifications import notify
from organizations.roles import Role
from organizations.tasks import send_notification_emails
from postmortems import creation
from postmortems import services as postmortem_services
from postmortems.models import Postmortem
from tests.factories import MembershipFactory
from tests.organizations.helpers import settings_url, unread
from tests.postmortems.helpers import resolved_incident

SITE = "https://hindsight.example.com"


# --- Email settings ----------------------------------------------------------------------------


class TestSettings:
    def test_every_kind_is_on_by_default(self, client, org, bob):
        client.force_login(bob)
        response = client.get(settings_url(org))
        page = response.content.decode()
        assert response.status_code == 200
        assert "Email me when" in page
        for kind in NotificationKind.values:
            assert re.search(
                rf'<input type="checkbox" name="email_kinds" value="{kind}"[^>]*checked', page
            )
        assert "bob@example.com" in page

    def test_saving_turns_off_the_unchecked_kinds(self, client, org, bob):
        client.force_login(bob)
        response = client.post(
            settings_url(org),
            {"email_kinds": [NotificationKind.REVIEW_REQUESTED, NotificationKind.MENTIONED]},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == settings_url(org)
        assert "saved" in response.content.decode()
        emailed = dict(
            NotificationSetting.objects.filter(organization=org, user=bob).values_list(
                "kind", "email"
            )
        )
        assert {k for k, on in emailed.items() if on} == {"REVIEW_REQUESTED", "MENTIONED"}
        assert len(emailed) == len(NotificationKind.values)
        page = client.get(settings_url(org)).content.decode()
        assert re.search(r'value="MENTIONED"[^>]*checked', page)
        assert not re.search(r'value="APPROVED"[^>]*checked', page)

    def test_unknown_kinds_are_refused_with_a_field_error(self, client, org, bob):
        client.force_login(bob)
        response = client.post(settings_url(org), {"email_kinds": ["MENTIONED", "SPAM"]})
        assert response.status_code == 400
        page = response.content.decode()
        assert "SPAM is not one of the available choices" in page
        assert 'id="email-kinds-errors"' in page
        assert not NotificationSetting.objects.exists()

    def test_settings_are_per_organization(self, client, org, other_org, bob):
        MembershipFactory(user=bob, organization=other_org, role=Role.ENGINEER)
        client.force_login(bob)
        client.post(settings_url(org), {"email_kinds": []})
        assert NotificationSetting.objects.filter(organization=org, email=False).count() == len(
            NotificationKind.values
        )
        with scope(organization=other_org):
            assert not NotificationSetting.objects.filter(organization=other_org).exists()

    def test_warns_when_the_account_has_no_email(self, client, org, member_factory):
        nomail = member_factory(Role.VIEWER, username="nomail", email="")
        client.force_login(nomail)
        page = client.get(settings_url(org)).content.decode()
        assert "no email address" in page


# --- Emails ------------------------------------------------------------------------------------


class TestEmails:
    @pytest.fixture(autouse=True)
    def _site(self, settings):
        settings.SITE_URL = SITE

    def send(self, django_capture_on_commit_callbacks, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(**kwargs)

    def test_one_email_per_recipient_with_text_html_and_absolute_links(
        self, org, bob, carol, engineer, django_capture_on_commit_callbacks
    ):
        url = f"/o/{org.slug}/postmortems/3/review/"
        self.send(
            django_capture_on_commit_callbacks,
            organization=org,
            kind=NotificationKind.REVIEW_REQUESTED,
            recipients=[carol, engineer, carol],
            actor=bob,
            title="Review requested: PM-3 Payments outage",
            url=url,
            body="Bob asked for your review.",
        )
        assert sorted(m.to[0] for m in mail.outbox) == ["carol@example.com", "engineer@example.com"]
        message = next(m for m in mail.outbox if m.to == ["carol@example.com"])
        assert message.subject == "[Acme Corporation] Review requested: PM-3 Payments outage"
        assert f"{SITE}{url}" in message.body
        assert "Bob asked for your review." in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'href="{SITE}{url}"' in html
        assert f"{SITE}/o/{org.slug}/notifications/settings/" in message.body
        assert f"{SITE}/o/{org.slug}/notifications/settings/" in html
        assert Notification.objects.filter(emailed_at__isnull=False).count() == 2

    def test_the_settings_link_in_the_email_is_the_settings_page(self, org):
        assert settings_url(org) == f"/o/{org.slug}/notifications/settings/"

    def test_the_html_part_escapes_the_title(
        self, org, bob, carol, django_capture_on_commit_callbacks
    ):
        self.send(
            django_capture_on_commit_callbacks,
            organization=org,
            kind=NotificationKind.COMMENTED,
            recipients=[carol],
            actor=bob,
            title="<b>bold</b> move",
            url="/o/acme/",
            body="<script>x</script>",
        )
        html = mail.outbox[0].alternatives[0][0]
        assert "<b>bold</b>" not in html and "<script>x" not in html
        assert "&lt;b&gt;bold" in html

    def test_no_email_when_that_kind_is_turned_off(
        self, org, bob, carol, django_capture_on_commit_callbacks
    ):
        from organizations.notifications import email_settings_set

        email_settings_set(
            organization=org, user=carol, email_kinds=[NotificationKind.REVIEW_REQUESTED]
        )
        self.send(
            django_capture_on_commit_callbacks,
            organization=org,
            kind=NotificationKind.MENTIONED,
            recipients=[carol],
            actor=bob,
            title="Bob mentioned you",
            url="/o/acme/",
        )
        assert mail.outbox == []
        assert unread(carol).count() == 1  # still under the bell

    def test_no_email_when_the_recipient_has_no_address(
        self, org, bob, member_factory, django_capture_on_commit_callbacks
    ):
        nomail = member_factory(Role.ENGINEER, username="nomail", email="")
        self.send(
            django_capture_on_commit_callbacks,
            organization=org,
            kind=NotificationKind.MENTIONED,
            recipients=[nomail],
            actor=bob,
            title="Bob mentioned you",
            url="/o/acme/",
        )
        assert mail.outbox == []
        assert unread(nomail).count() == 1

    def test_the_actor_is_never_notified(self, org, bob, django_capture_on_commit_callbacks):
        created = self.send(
            django_capture_on_commit_callbacks,
            organization=org,
            kind=NotificationKind.COMMENTED,
            recipients=[bob],
            actor=bob,
            title="Bob commented",
            url="/o/acme/",
        )
        assert created == []
        assert mail.outbox == [] and not Notification.objects.exists()

    def test_running_the_task_twice_sends_once(
        self, org, bob, carol, django_capture_on_commit_callbacks
    ):
        created = self.send(
            django_capture_on_commit_callbacks,
            organization=org,
            kind=NotificationKind.APPROVED,
            recipients=[carol],
            actor=bob,
            title="Bob approved PM-1",
            url="/o/acme/",
        )
        assert len(mail.outbox) == 1
        assert send_notification_emails([n.pk for n in created]) == 0
        assert send_notification_emails.delay([n.pk for n in created]).get() == 0
        assert len(mail.outbox) == 1

    def test_nothing_is_emailed_before_commit(self, org, bob, carol):
        notify(
            organization=org,
            kind=NotificationKind.APPROVED,
            recipients=[carol],
            actor=bob,
            title="Bob approved PM-1",
            url="/o/acme/",
        )
        assert mail.outbox == []  # the test transaction never commits


@pytest.mark.django_db(transaction=True)
def test_emails_follow_the_transaction(org, bob, carol):
    """A real commit sends the email; a rollback leaves neither row nor email."""
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(
            organization=org,
            kind=NotificationKind.MENTIONED,
            recipients=[carol],
            actor=bob,
            title="Rolled back",
            url="/o/acme/",
        )
        raise RuntimeError("boom")
    assert mail.outbox == [] and not Notification.objects.exists()

    with transaction.atomic():
        notify(
            organization=org,
            kind=NotificationKind.MENTIONED,
            recipients=[carol],
            actor=bob,
            title="Committed",
            url="/o/acme/",
        )
        assert mail.outbox == []
    assert [m.subject for m in mail.outbox] == ["[Acme Corporation] Committed"]


# --- The generated draft -----------------------------------------------------------------------


def test_a_generated_draft_notifies_its_author_and_editors(
    org, member_factory, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = SITE
    postmortem_services.templates_install_builtins(organization=org)
    commander = member_factory(Role.ENGINEER, username="cmdr")
    helper = member_factory(Role.ENGINEER, username="helper")
    quiet = member_factory(Role.ENGINEER, username="quiet", email="")
    with django_capture_on_commit_callbacks(execute=True):
        incident = resolved_incident(org, commander=commander, participants=[helper, quiet])
        creation.postmortem_generate_for_incident(incident=incident)
    postmortem = Postmortem.objects.get(incident=incident)
    edit_path = reverse(
        "postmortem_edit", kwargs={"org_slug": org.slug, "number": postmortem.number}
    )
    notifications = Notification.objects.filter(kind=NotificationKind.DRAFT_GENERATED)
    assert {n.recipient.username for n in notifications} == {"cmdr", "helper", "quiet"}
    assert {n.url for n in notifications} == {edit_path}
    assert all(n.actor is None for n in notifications)
    assert all("analysis sections are waiting for you" in n.body for n in notifications)
    assert sorted(m.to[0] for m in mail.outbox) == ["cmdr@example.com", "helper@example.com"]
    message = mail.outbox[0]
    assert message.subject.startswith("[Acme Corporation] Postmortem draft ready: PM-")
    assert f"{SITE}{edit_path}" in message.body
    assert f"{SITE}{edit_path}" in message.alternatives[0][0]


def test_a_generated_draft_respects_the_email_setting(
    org, member_factory, django_capture_on_commit_callbacks
):
    from organizations.notifications import email_settings_set

    postmortem_services.templates_install_builtins(organization=org)
    commander = member_factory(Role.ENGINEER, username="cmdr")
    email_settings_set(organization=org, user=commander, email_kinds=[])
    with django_capture_on_commit_callbacks(execute=True):
        incident = resolved_incident(org, commander=commander)
        creation.postmortem_generate_for_incident(incident=incident)
    assert mail.outbox == []
    assert unread(commander).filter(kind=NotificationKind.DRAFT_GENERATED).count() == 1
