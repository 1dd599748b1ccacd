"""What Hindsight asks of a Jira site, Cloud and Data Center: the connection check, tickets
created as the project's Task with the fields the project requires, read one by one or 100
per search, and Hindsight's later edits written over them; Jira's refusals told plainly,
without the credential."""

import base64
from datetime import date, timedelta

import pytest
from django.test import override_settings

from integrations.trackers.jira import JiraTracker, tracker_for
from integrations.trackers.jira_issues import wiki
from integrations.trackers.models import TrackerConnection, TrackerKind
from integrations.trackers.remote import DONE, OPEN, WONT_DO, TicketDraft, TrackerError
from tests.integrations.trackers.jira.conftest import tracker_of

DRAFT = TicketDraft(
    title="Add a circuit breaker in front of the payments provider",
    body="From the [postmortem of INC-7](https://hindsight.example/acme/postmortems/7).",
    labels=("hindsight", "action item", "SEV 1"),
    due_date=date(2026, 12, 24),
    priority="HIGH",
    assignee_email="ann@example.com",
)


def created_fields(site) -> dict:
    return next(r for r in site.requests if r["method"] == "POST")["body"]["fields"]


def test_check_names_the_project_and_its_statuses(jira, cloud):
    assert (
        jira.check("ops") == "Connected: found OPS (Operations), statuses To Do, In Progress, Done."
    )
    assert cloud.problems == []


def test_check_of_an_unknown_project_names_it(jira):
    with pytest.raises(TrackerError) as refused:
        jira.check("NOPE")
    assert "NOPE" in str(refused.value)
    assert refused.value.field == "target"


def test_cloud_signs_in_with_the_email_and_api_token(jira, cloud):
    jira.check("OPS")
    pair = base64.b64encode(f"{cloud.email}:{cloud.token}".encode()).decode()
    assert {r["headers"]["authorization"] for r in cloud.requests} == {f"Basic {pair}"}
    # no server-info call: the project and its statuses, nothing else
    assert [r["path"] for r in cloud.requests] == [
        "/rest/api/2/project/OPS",
        "/rest/api/2/project/OPS/statuses",
    ]


def test_data_center_signs_in_with_the_personal_access_token(jira_dc, datacenter):
    jira_dc.check("OPS")
    assert {r["headers"]["authorization"] for r in datacenter.requests} == {
        f"Bearer {datacenter.token}"
    }


@pytest.mark.parametrize("site_name", ["cloud", "datacenter"])
def test_create_makes_a_task_with_hindsight_s_fields(site_name, request):
    site = request.getfixturevalue(site_name)
    ticket = tracker_of(site).create("OPS", DRAFT)

    assert site.problems == []
    fields = created_fields(site)
    assert fields["project"] == {"key": "OPS"}
    assert fields["issuetype"] == {"id": "10002"}  # the project's Task
    assert fields["summary"] == DRAFT.title
    assert fields["description"] == (
        "From the [postmortem of INC-7|https://hindsight.example/acme/postmortems/7]."
    )
    assert fields["labels"] == ["hindsight", "action-item", "SEV-1"]
    assert fields["duedate"] == "2026-12-24"
    assert fields["priority"] == {"name": "High"}
    if site_name == "cloud":
        assert fields["assignee"] == {"accountId": "5b10ac8d82e05b22cc7d4ef5"}
    else:
        assert fields["assignee"] == {"name": "ann"}
    assert ticket.key == "OPS-1"
    assert ticket.url == f"{site.url}/browse/OPS-1"
    assert ticket.title == DRAFT.title
    assert ticket.status == "To Do"
    assert ticket.outcome == OPEN
    assert ticket.assignee_email == "ann@example.com"
    assert ticket.due_date == date(2026, 12, 24)
    assert ticket.updated_at.tzinfo is not None
    assert ticket.remote_id == site.issues["OPS-1"]["id"]


def test_an_owner_jira_does_not_know_leaves_the_ticket_unassigned(jira, cloud):
    draft = TicketDraft(title="Rotate the keys", body="", assignee_email="carol@example.com")
    ticket = jira.create("OPS", draft)
    assert "assignee" not in created_fields(cloud)
    assert ticket.assignee_email == ""
    assert cloud.problems == []


def test_priorities_map_to_jira_s(jira, cloud):
    for priority, name in [("CRITICAL", "Highest"), ("MEDIUM", "Medium"), ("LOW", "Low")]:
        jira.create("OPS", TicketDraft(title="t", body="", priority=priority))
        assert [r for r in cloud.requests if r["method"] == "POST"][-1]["body"]["fields"][
            "priority"
        ] == {"name": name}


def test_a_required_field_nobody_fills_is_named_before_anything_is_created(cloud):
    cloud.required = {"OPS": {"customfield_10010": "Team"}}
    with pytest.raises(TrackerError) as refused:
        tracker_of(cloud).create("OPS", DRAFT)
    assert str(refused.value) == (
        "Jira project OPS requires “Team” (customfield_10010): add it to the field mapping."
    )
    assert refused.value.field == "customfield_10010"
    assert not [r for r in cloud.requests if r["method"] == "POST"]


def test_the_field_mapping_fills_the_project_s_required_fields(cloud):
    cloud.required = {"OPS": {"customfield_10010": "Team"}}
    jira = tracker_of(cloud, field_map={"OPS": {"customfield_10010": {"value": "SRE"}}})
    ticket = jira.create("OPS", DRAFT)
    assert created_fields(cloud)["customfield_10010"] == {"value": "SRE"}
    assert ticket.key == "OPS-1"
    assert cloud.problems == []


def test_validate_field_map_names_unknown_and_missing_fields(cloud):
    cloud.required = {"OPS": {"customfield_10010": "Team", "customfield_10011": "Service"}}
    jira = tracker_of(cloud)
    assert jira.validate_field_map("OPS", {"customfield_99999": "x", "customfield_10010": "y"}) == [
        "Jira project OPS has no field “customfield_99999” on its Task create screen.",
        "Jira project OPS requires “Service” (customfield_10011): add it to the field mapping.",
    ]
    complete = {"customfield_10010": "y", "customfield_10011": "z"}
    assert jira.validate_field_map("OPS", complete) == []


def test_read_answers_the_ticket_and_gone_for_a_deleted_issue(jira, cloud):
    cloud.add_issue("OPS-7", summary="Fix the pager", status="In Progress", duedate="2027-01-02")
    ticket = jira.read("OPS-7")
    assert (ticket.key, ticket.title, ticket.status, ticket.outcome) == (
        "OPS-7",
        "Fix the pager",
        "In Progress",
        OPEN,
    )
    assert ticket.due_date == date(2027, 1, 2)
    with pytest.raises(TrackerError) as refused:
        jira.read("OPS-8")
    assert refused.value.gone


@pytest.mark.parametrize("site_name", ["cloud", "datacenter"])
def test_read_many_asks_once_per_hundred_keys_and_leaves_deleted_ones_out(site_name, request):
    site = request.getfixturevalue(site_name)
    keys = [f"OPS-{n}" for n in range(1, 251)]
    for key in keys:
        if key != "OPS-42":  # deleted
            site.add_issue(key)
    site.requests.clear()

    tickets = tracker_of(site).read_many(keys)

    assert len(tickets) == 249
    assert "OPS-42" not in tickets
    assert tickets["OPS-250"].title == "An existing issue"
    searches = [r for r in site.requests if r["path"].startswith("/rest/api/2/search")]
    if site_name == "datacenter":
        assert len(site.requests) == len(searches) == 3
        assert {r["query"]["validateQuery"][0] for r in searches} == {"warn"}
    else:
        # Cloud refuses the search naming the deleted key; it is asked again without it
        assert len(site.requests) == len(searches) == 4
    assert site.problems == []


def test_read_many_of_nothing_asks_nothing(jira, cloud):
    assert jira.read_many([]) == {}
    assert cloud.requests == []


def test_update_writes_hindsight_s_edits_over_the_ticket(jira, cloud):
    cloud.add_issue("OPS-3", summary="Old title")
    draft = TicketDraft(
        title="New title",
        body="ignored",
        due_date=date(2027, 2, 1),
        priority="LOW",
        assignee_email="bob@example.com",
    )
    ticket = jira.update("OPS-3", draft)
    put = next(r for r in cloud.requests if r["method"] == "PUT")
    assert put["body"]["fields"] == {
        "summary": "New title",
        "duedate": "2027-02-01",
        "priority": {"name": "Low"},
        "assignee": {"accountId": "5b10a2844c20165700ede21g"},
    }
    assert (ticket.title, ticket.assignee_name, ticket.due_date) == (
        "New title",
        "Bob Builder",
        date(2027, 2, 1),
    )
    assert cloud.problems == []


def test_update_of_a_deleted_issue_is_gone(jira):
    with pytest.raises(TrackerError) as refused:
        jira.update("OPS-404", DRAFT)
    assert refused.value.gone


def test_revoked_credentials_are_told_without_the_token(cloud):
    jira = JiraTracker(
        cloud.url, token="ATATT-revoked-token-value", username=cloud.email, deployment="cloud"
    )
    with pytest.raises(TrackerError) as refused:
        jira.check("OPS")
    assert "401" in str(refused.value)
    assert "revoked" in str(refused.value)
    assert "ATATT-revoked-token-value" not in str(refused.value)
    assert refused.value.retry_after is None


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_asks_to_come_back_after_retry_after(jira, cloud, status):
    cloud.refuse_next.append((status, {"Retry-After": "7"}))
    with pytest.raises(TrackerError) as refused:
        jira.read("OPS-1")
    assert refused.value.retry_after == 7
    assert len(cloud.requests) == 1  # the library did not retry on its own


def test_server_errors_are_retried_later(jira, cloud):
    cloud.refuse_next.append((502, {}))
    with pytest.raises(TrackerError) as refused:
        jira.read("OPS-1")
    assert refused.value.retry_after
    assert len(cloud.requests) == 1


def test_forbidden_is_not_retried(jira, cloud):
    cloud.refuse_next.append((403, {}))
    with pytest.raises(TrackerError) as refused:
        jira.check("OPS")
    assert "403" in str(refused.value)
    assert refused.value.retry_after is None
    assert not refused.value.gone


@pytest.mark.parametrize(
    "address",
    ["http://jira.example.com", "https://10.0.0.5", "https://localhost:8080"],
)
def test_private_or_plain_addresses_are_refused_before_any_request(address):
    jira = JiraTracker(address, token="secret-token-1234", username="a@example.com")
    with override_settings(INTEGRATIONS_INSECURE_HOSTS=[]), pytest.raises(TrackerError) as refused:
        jira.check("OPS")
    assert refused.value.field == "base_url"
    assert "secret-token-1234" not in str(refused.value)


def test_a_redirect_is_not_followed(jira, cloud):
    cloud.refuse_next.append((302, {"Location": "http://10.0.0.5/rest/api/2/issue/OPS-1"}))
    with pytest.raises(TrackerError) as refused:
        jira.read("OPS-1")
    assert refused.value.field == "base_url"
    assert len(cloud.requests) == 1


def test_a_site_that_does_not_answer_is_retried_later(cloud):
    jira = JiraTracker("http://127.0.0.1:9", token="secret-token-1234", username="a@example.com")
    with pytest.raises(TrackerError) as refused:
        jira.read("OPS-1")
    assert refused.value.retry_after
    assert "secret-token-1234" not in str(refused.value)


def test_cloud_needs_the_account_s_email(cloud):
    with pytest.raises(TrackerError) as refused:
        JiraTracker(cloud.url, token=cloud.token, deployment="cloud").check("OPS")
    assert refused.value.field == "username"
    assert cloud.requests == []


def test_done_and_won_t_do_come_from_jira_s_status_and_resolution(jira, cloud):
    cloud.add_issue("OPS-1", status="Done", resolution="Done")
    cloud.add_issue("OPS-2", status="Done", resolution="Won't Do")
    cloud.add_issue("OPS-3", status="Done", resolution="Duplicate")
    tickets = jira.read_many(["OPS-1", "OPS-2", "OPS-3"])
    assert tickets["OPS-1"].outcome == DONE
    assert tickets["OPS-2"].outcome == WONT_DO
    assert tickets["OPS-2"].reason == "Won't Do (Jira resolution)"
    assert tickets["OPS-2"].status == "Done (Won't Do)"
    assert tickets["OPS-3"].outcome == WONT_DO


def test_the_status_mapping_overrides_jira_s_meaning(cloud):
    cloud.add_issue("OPS-1", status="In Progress")
    jira = tracker_of(cloud, status_map={"in progress": "done"})
    assert jira.read("OPS-1").outcome == DONE


def test_due_dates_cross_over_as_dates(jira, cloud):
    due = date.today() + timedelta(days=3)
    ticket = jira.create("OPS", TicketDraft(title="t", body="", due_date=due))
    assert ticket.due_date == due


def test_a_connection_makes_its_client(org, cloud):
    connection = TrackerConnection(
        organization=org,
        kind=TrackerKind.JIRA_DC,
        base_url=cloud.url,
        token="pat",
        target="OPS",
        status_map={"in review": "done"},
        field_map={"OPS": {"customfield_10010": "SRE"}},
    )
    jira = tracker_for(connection)
    assert (jira.deployment, jira.token, jira.status_map, jira.field_map) == (
        "datacenter",
        "pat",
        {"in review": "done"},
        {"OPS": {"customfield_10010": "SRE"}},
    )
    connection.kind, connection.username = TrackerKind.JIRA_CLOUD, "ann@example.com"
    assert (tracker_for(connection).deployment, tracker_for(connection).username) == (
        "cloud",
        "ann@example.com",
    )


def test_headings_and_links_become_jira_s_wiki_markup():
    assert wiki("## Why\nSee [the incident](https://h.example/i/7) and [x](javascript:1)") == (
        "h2. Why\nSee [the incident|https://h.example/i/7] and [x](javascript:1)"
    )
