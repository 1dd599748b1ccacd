"""Hindsight's Linear client against the Linear stand-in, which validates every query against
Linear's published schema: a connection is checked, tickets are created, read (one by one and
a hundred a request), and written over; Linear's workflow states become open, done or won't
do; refusals say what to do, and the API key never shows."""

from datetime import UTC, date, datetime

import httpx
import pytest

from integrations.trackers.linear import LinearTracker, reference, ticket_from_issue
from integrations.trackers.remote import DONE, OPEN, WONT_DO, TicketDraft, TrackerError


def draft(**fields) -> TicketDraft:
    defaults = {
        "title": "Add a circuit breaker in front of the payments provider",
        "body": "From the postmortem of **INC-7**.",
        "labels": ("postmortem", "Bug", "no-such-label"),
        "due_date": date(2026, 12, 24),
        "priority": "HIGH",
        "assignee_email": "ann@example.com",
    }
    return TicketDraft(**(defaults | fields))


def test_check_names_the_team_and_its_states(linear, workspace):
    said = linear.check("ENG")

    assert (
        said
        == "Connected: found ENG (Engineering), states Backlog, Todo, In Progress, Done, Canceled."
    )
    # A personal API key goes as it is, without "Bearer".
    assert workspace.requests[0]["authorization"] == workspace.key
    assert workspace.schema_errors == []


def test_the_team_key_is_found_in_any_case(linear):
    assert linear.check("eng").startswith("Connected: found ENG (Engineering)")


def test_check_of_an_unknown_team_is_about_the_target(linear):
    with pytest.raises(TrackerError) as refused:
        linear.check("NOPE")

    assert refused.value.field == "target"
    assert "NOPE" in str(refused.value)


def test_create_sends_the_ticket_in_linear_terms(linear, workspace):
    ticket = linear.create("ENG", draft())

    assert workspace.schema_errors == []
    sent = workspace.requests[-1]
    assert sent["operation"] == "Create"
    fields = sent["variables"]["input"]
    labels = {label["name"]: label["id"] for label in workspace.labels}
    assert fields == {
        "teamId": workspace.teams["ENG"]["id"],
        "title": "Add a circuit breaker in front of the payments provider",
        "description": "From the postmortem of **INC-7**.",
        "dueDate": "2026-12-24",
        "priority": 2,
        "labelIds": [labels["postmortem"], labels["Bug"]],  # a label Linear lacks is left out
        "assigneeId": workspace.user("ann@example.com")["id"],
    }
    assert ticket.key == "ENG-1"
    assert ticket.url.startswith("https://linear.app/acme/issue/ENG-1/")
    assert ticket.remote_id == workspace.issues["ENG-1"]["id"]
    assert (ticket.status, ticket.outcome) == ("Backlog", OPEN)
    assert (ticket.assignee_email, ticket.assignee_name) == ("ann@example.com", "Ann Author")
    assert ticket.due_date == date(2026, 12, 24)
    assert ticket.updated_at.tzinfo is not None
    # Two requests: what the ticket needs (team, labels, assignee), then the ticket.
    assert [r["operation"] for r in workspace.requests] == ["Prepare", "Create"]


def test_another_teams_labels_are_not_used(linear, workspace):
    linear.create("ENG", draft(labels=("reliability",)))  # OPS's label

    assert workspace.requests[-1]["variables"]["input"]["labelIds"] == []


@pytest.mark.parametrize(
    ("priority", "linear_priority"),
    [("CRITICAL", 1), ("HIGH", 2), ("MEDIUM", 3), ("LOW", 4)],
)
def test_priorities_map_to_linears(linear, workspace, priority, linear_priority):
    linear.create("ENG", draft(priority=priority))

    assert workspace.requests[-1]["variables"]["input"]["priority"] == linear_priority
    assert workspace.issues["ENG-1"]["priority"] == linear_priority


def test_an_owner_linear_does_not_know_leaves_the_issue_unassigned(linear, workspace):
    ticket = linear.create("ENG", draft(assignee_email="nobody@example.com", priority=""))

    fields = workspace.requests[-1]["variables"]["input"]
    assert "assigneeId" not in fields and "priority" not in fields
    assert ticket.assignee_email == ""


def test_no_owner_asks_for_no_user(linear, workspace):
    linear.create("ENG", draft(assignee_email=""))

    assert workspace.requests[0]["variables"]["withEmail"] is False
    assert workspace.schema_errors == []


@pytest.mark.parametrize(
    ("state", "status_map", "outcome", "reason"),
    [
        ("Todo", {}, OPEN, ""),
        ("In Progress", {}, OPEN, ""),
        ("Done", {}, DONE, ""),
        ("Canceled", {}, WONT_DO, "Canceled in Linear"),
        # the admin's mapping, by state name in any case, over Linear's state types
        ("In Progress", {"in progress": "done"}, DONE, ""),
        ("Canceled", {"CANCELED": "open"}, OPEN, ""),
        ("Backlog", {"backlog": "wont_do"}, WONT_DO, "Backlog in Linear"),
        ("Done", {"done": "nonsense"}, DONE, ""),
    ],
)
def test_read_maps_the_workflow_state(linear_api, workspace, state, status_map, outcome, reason):
    workspace.add_issue("ENG-12", state=state, title="Rotate the keys", dueDate="2026-11-30")
    linear = LinearTracker(linear_api.url, token=workspace.key, status_map=status_map)

    ticket = linear.read("ENG-12")

    assert (ticket.key, ticket.status, ticket.outcome, ticket.reason) == (
        "ENG-12",
        state,
        outcome,
        reason,
    )
    assert ticket.title == "Rotate the keys"
    assert ticket.due_date == date(2026, 11, 30)
    assert workspace.requests[-1]["variables"] == {"id": "ENG-12"}
    assert workspace.schema_errors == []


def test_an_unknown_issue_is_gone(linear, workspace):
    with pytest.raises(TrackerError) as refused:
        linear.read("ENG-404")

    assert refused.value.gone is True
    assert workspace.schema_errors == []


def test_read_many_asks_a_hundred_keys_a_request(linear, workspace):
    for number in range(1, 241):
        workspace.add_issue(f"ENG-{number}", state="Done" if number % 2 else "Todo")
    for number in range(1, 11):
        workspace.add_issue(f"OPS-{number}")
    keys = [f"ENG-{n}" for n in range(1, 241)] + [f"OPS-{n}" for n in range(1, 11)]
    keys[5] = "ENG-999"  # no longer exists
    workspace.issues["ENG-8"]["archivedAt"] = "2026-06-01T00:00:00.000Z"  # archived by Linear
    workspace.issues["ENG-9"]["trashed"] = True  # deleted, in the trash

    tickets = linear.read_many(keys)

    assert len(workspace.requests) == 3  # 250 keys
    assert workspace.schema_errors == []
    assert set(tickets) == set(keys) - {"ENG-999", "ENG-9"}
    assert tickets["ENG-1"].outcome == DONE and tickets["ENG-2"].outcome == OPEN
    assert tickets["OPS-10"].key == "OPS-10"


def test_an_issue_in_the_trash_is_gone(linear, workspace):
    workspace.add_issue("ENG-5", trashed=True)

    with pytest.raises(TrackerError) as refused:
        linear.read("ENG-5")

    assert refused.value.gone is True


def test_read_many_of_nothing_asks_nothing(linear, workspace):
    assert linear.read_many([]) == {}
    assert workspace.requests == []


def test_update_writes_hindsights_fields_over_linears(linear, workspace):
    workspace.add_issue("ENG-3", title="Old title", priority=4)

    ticket = linear.update(
        "ENG-3",
        draft(title="New title", due_date=date(2027, 1, 15), assignee_email="ben@example.com"),
    )

    assert workspace.schema_errors == []
    sent = workspace.requests[-1]
    assert sent["operation"] == "Update" and sent["variables"]["id"] == "ENG-3"
    assert sent["variables"]["input"] == {
        "title": "New title",
        "dueDate": "2027-01-15",
        "priority": 2,
        "assigneeId": workspace.user("ben@example.com")["id"],
    }
    assert (ticket.title, ticket.due_date, ticket.assignee_email) == (
        "New title",
        date(2027, 1, 15),
        "ben@example.com",
    )


def test_update_keeps_the_assignee_when_the_owner_is_not_in_linear(linear, workspace):
    ben = workspace.user("ben@example.com")["id"]
    workspace.add_issue("ENG-3", assigneeId=ben)

    ticket = linear.update("ENG-3", draft(assignee_email="nobody@example.com", due_date=None))

    assert "assigneeId" not in workspace.requests[-1]["variables"]["input"]
    assert workspace.requests[-1]["variables"]["input"]["dueDate"] is None  # cleared
    assert ticket.assignee_email == "ben@example.com"


@pytest.mark.parametrize(
    ("outcome", "state"), [(DONE, "Done"), (WONT_DO, "Canceled"), (OPEN, "Todo")]
)
def test_update_moves_the_issue_to_the_items_state(linear, workspace, outcome, state):
    workspace.add_issue("ENG-3", state="In Progress")

    ticket = linear.update("ENG-3", draft(outcome=outcome))

    assert workspace.schema_errors == []
    assert ticket.status == state and ticket.outcome == outcome


def test_update_of_an_unknown_issue_is_gone(linear):
    with pytest.raises(TrackerError) as refused:
        linear.update("ENG-404", draft(assignee_email=""))

    assert refused.value.gone is True


def test_a_wrong_key_is_refused_without_showing_it(linear_api, workspace):
    wrong = "lin_api_wrongwrongwrongwrongwrongwrongwrong"
    linear = LinearTracker(linear_api.url, token=wrong)

    with pytest.raises(TrackerError) as refused:
        linear.check("ENG")

    assert "refused the API key" in str(refused.value)
    assert wrong not in str(refused.value) and refused.value.retry_after is None


@pytest.mark.parametrize("status", [400, 429])
def test_rate_limited_retries_after_linears_reset(linear, workspace, status):
    workspace.add_issue("ENG-1")
    workspace.throttle_once, workspace.throttle_status, workspace.reset_in = True, status, 30

    with pytest.raises(TrackerError) as refused:
        linear.read("ENG-1")

    assert "rate limit" in str(refused.value)
    assert 25 <= refused.value.retry_after <= 31
    assert linear.read("ENG-1").key == "ENG-1"  # the next request passes


def test_a_server_error_is_retried_later(linear, workspace):
    workspace.fail_once = True

    with pytest.raises(TrackerError) as refused:
        linear.check("ENG")

    assert refused.value.retry_after == 60
    assert workspace.key not in str(refused.value)


def test_an_unreachable_linear_is_retried_later(workspace):
    linear = LinearTracker("http://127.0.0.1:9/graphql", token=workspace.key)

    with pytest.raises(TrackerError) as refused:
        linear.check("ENG")

    assert refused.value.retry_after == 60
    assert workspace.key not in str(refused.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:{port}/graphql", "https://10.0.0.1/graphql", "ftp://linear.app/"]
)
def test_a_private_or_plain_address_is_refused_before_asking(linear_api, workspace, settings, url):
    settings.INTEGRATIONS_INSECURE_HOSTS = []
    linear = LinearTracker(url.format(port=linear_api.server_address[1]), token=workspace.key)

    with pytest.raises(TrackerError) as refused:
        linear.check("ENG")

    assert workspace.requests == []
    assert workspace.key not in str(refused.value)


def test_an_oauth_token_goes_as_a_bearer(linear_api, workspace):
    workspace.key = "lin_oauth_0123456789abcdef0123456789abcdef"
    LinearTracker(linear_api.url, token=workspace.key).check("ENG")

    assert workspace.requests[0]["authorization"] == f"Bearer {workspace.key}"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ENG-12", "ENG-12"),
        ("  ENG-12 ", "ENG-12"),
        ("https://linear.app/acme/issue/ENG-12/rotate-the-keys", "ENG-12"),
        ("https://linear.app/acme/issue/eng-12", "ENG-12"),
        ("eng-12", None),
        ("ENG-0", None),
        ("https://example.com/acme/issue/ENG-12/", None),
        ("acme/api#12", None),
        ("", None),
    ],
)
def test_reference_finds_the_identifier(text, key):
    assert reference(text) == key


def test_ticket_from_issue_reads_what_the_api_and_webhooks_send():
    ticket = ticket_from_issue(
        {
            "id": "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9",
            "identifier": "ENG-7",
            "url": "https://linear.app/acme/issue/ENG-7/slug",
            "title": "Rotate the keys",
            "updatedAt": "2026-12-01T09:30:00.000Z",
            "dueDate": "2026-12-24",
            "state": {"name": "Duplicate", "type": "canceled"},
            "assignee": None,
        },
        status_map={},
    )

    assert ticket.updated_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert (ticket.outcome, ticket.reason) == (WONT_DO, "Duplicate in Linear")
    assert ticket.assignee_email == "" and ticket.due_date == date(2026, 12, 24)


@pytest.mark.parametrize(
    "broken",
    [{}, {"identifier": "ENG-7"}, {"identifier": "ENG-7", "updatedAt": "yesterday"}],
)
def test_ticket_from_an_unreadable_issue_is_refused(broken):
    with pytest.raises(TrackerError):
        ticket_from_issue(broken, status_map={})


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('query { issue(id: "ENG-1") { identifier status } }', {}),  # no such field
        ("query { issues(filter: {identifier: {in: []}}) { nodes { id } } }", {}),
        (
            "mutation($input: IssueCreateInput!) { issueCreate(input: $input) { success } }",
            {"input": {"teamId": "t", "title": "x", "labels": ["Bug"]}},  # not an input field
        ),
        (
            "mutation($input: IssueCreateInput!) { issueCreate(input: $input) { success } }",
            {"input": {"title": "no team"}},
        ),
    ],
)
def test_the_stand_in_refuses_what_linears_schema_does_not_have(
    linear_api, workspace, query, variables
):
    answer = httpx.post(
        linear_api.url,
        json={"query": query, "variables": variables},
        headers={"Authorization": workspace.key},
    )

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert workspace.schema_errors
