"""Organization settings refused: webhook addresses Hindsight would not post to, values out of
range, targets that leave no time, more approvals than approvers."""

import pytest

from organizations.models import AuditEntry, PostmortemPolicy
from organizations.roles import Role
from tests.organizations.helpers import form_data, policy_of, url


def errors(response) -> dict:
    return response.context["form"].errors


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
