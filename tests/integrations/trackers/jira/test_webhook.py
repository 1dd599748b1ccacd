"""Jira's issue webhook: the endpoint's secret in the address (or Jira Cloud's signature)
lets a delivery in; an issue created, updated or deleted becomes the ticket's event, with its
outcome through the organization's Jira status mapping; other events change nothing; a body
that cannot be read is quarantined, never a server error."""

import copy
import json

import pytest
from django_scopes import scopes_disabled

from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from integrations.trackers import jira_webhook
from integrations.trackers.jira_issues import reference, ticket_from_issue
from integrations.trackers.models import TrackerConnection, TrackerKind
from integrations.trackers.remote import DONE, OPEN, WONT_DO
from tests.integrations.conftest import make_endpoint
from tests.integrations.deploys.conftest import sign

# The example of Jira's webhook documentation ("Webhooks", Jira Data Center / Server:
# https://developer.atlassian.com/server/jira/platform/webhooks/ , "Example callback for an
# issue-related event"; Jira Cloud's page shows the same shape:
# https://developer.atlassian.com/cloud/jira/platform/webhooks/).
DOCUMENTED = {
    "id": 2,
    "timestamp": 1525698237764,
    "issue": {
        "id": "99291",
        "self": "https://jira.atlassian.com/rest/api/2/issue/99291",
        "key": "JRA-20002",
        "fields": {
            "summary": "I feel the need for speed",
            "created": "2009-12-16T23:46:10.612-0600",
            "description": "Make the issue nav load 10x faster",
            "labels": ["UI", "dialogue", "move"],
            "priority": "Minor",
        },
    },
    "user": {
        "self": "https://jira.atlassian.com/rest/api/2/user?username=brollins",
        "name": "brollins",
        "key": "brollins",
        "emailAddress": "bryansemail at atlassian dot com",
        "avatarUrls": {
            "16x16": "https://jira.atlassian.com/secure/useravatar?size=small&avatarId=10605",
            "48x48": "https://jira.atlassian.com/secure/useravatar?avatarId=10605",
        },
        "displayName": "Bryan Rollins [Atlassian]",
        "active": "true",
    },
    "changelog": {
        "items": [
            {
                "toString": "A new summary.",
                "to": None,
                "fromString": "What is going on here?????",
                "from": None,
                "fieldtype": "jira",
                "field": "summary",
            },
            {
                "toString": "New Feature",
                "to": "2",
                "fromString": "Improvement",
                "from": "4",
                "fieldtype": "jira",
                "field": "issuetype",
            },
        ],
        "id": 10124,
    },
    "comment": {
        "self": "https://jira.atlassian.com/rest/api/2/issue/10148/comment/252789",
        "id": "252789",
        "body": "Just in time for AtlasCamp!",
        "created": "2011-06-07T10:31:26.805-0500",
        "updated": "2011-06-07T10:31:26.805-0500",
    },
    "webhookEvent": "jira:issue_updated",
}

# an issue's status as Jira writes it in a delivery ("Get status" of the REST API v2,
# https://developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-workflow-statuses/);
# the documentation's example leaves the issue's other fields out
IN_PROGRESS = {
    "self": "https://jira.atlassian.com/rest/api/2/status/3",
    "name": "In Progress",
    "id": "3",
    "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
}
DONE_STATUS = {
    "self": "https://jira.atlassian.com/rest/api/2/status/10001",
    "name": "Done",
    "id": "10001",
    "statusCategory": {"id": 3, "key": "done", "name": "Done"},
}


def event(name: str = "jira:issue_updated", *, status=IN_PROGRESS, resolution=None) -> dict:
    payload = copy.deepcopy(DOCUMENTED)
    payload["webhookEvent"] = name
    fields = payload["issue"]["fields"]
    fields["status"] = status
    fields["resolution"] = {"name": resolution} if resolution else None
    fields["updated"] = "2026-12-06T18:30:00.000+0000"
    return payload


@pytest.fixture
def hook(org, admin_user):
    return make_endpoint(org, admin_user, kind=SourceKind.JIRA, name="Jira")


@pytest.fixture
def connection(org):
    return TrackerConnection.objects.create(
        organization=org,
        kind=TrackerKind.JIRA_CLOUD,
        base_url="https://acme.atlassian.net",
        username="ann@example.com",
        token="ATATT-token",
        target="JRA",
        status_map={"in review": "done"},
    )


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """POST a body to an address as Jira does; queued tasks run before it returns."""

    def post(url, body, headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data=body, content_type="application/json", **headers)

    return post


def read(hook, payload, headers=None):
    endpoint, _ = hook
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return jira_webhook.parse(endpoint, body, headers or {})


def test_an_update_becomes_the_ticket_s_event(hook, connection):
    parsed = read(hook, event(), {"X-Atlassian-Webhook-Identifier": "5f6c9d6e-delivery"})
    assert parsed.delivery == "5f6c9d6e-delivery"
    assert parsed.key == "JRA-20002"
    assert parsed.changed == {"title", "other"}  # summary, and the issue type
    ticket = parsed.ticket
    assert ticket.url == "https://acme.atlassian.net/browse/JRA-20002"
    assert (ticket.title, ticket.status, ticket.outcome) == (
        "I feel the need for speed",
        "In Progress",
        OPEN,
    )
    assert ticket.remote_id == "99291"
    assert ticket.updated_at.isoformat() == "2026-12-06T18:30:00+00:00"


def test_without_jira_cloud_s_identifier_the_event_id_is_made_of_the_event(hook, connection):
    parsed = read(hook, event())
    assert parsed.delivery == "1525698237764:99291:10124:jira:issue_updated"
    assert parsed.delivery == read(hook, event()).delivery


def test_the_outcome_goes_through_the_connection_s_status_mapping(hook, connection):
    done = read(hook, event(status=DONE_STATUS, resolution="Done")).ticket
    assert done.outcome == DONE
    wont = read(hook, event(status=DONE_STATUS, resolution="Won't Fix")).ticket
    assert (wont.outcome, wont.reason) == (WONT_DO, "Won't Fix (Jira resolution)")
    review = dict(IN_PROGRESS, name="In Review")
    assert read(hook, event(status=review)).ticket.outcome == DONE


def test_without_a_jira_connection_jira_s_meaning_stands(hook):
    parsed = read(hook, event(status=dict(IN_PROGRESS, name="In Review")))
    assert parsed.ticket.outcome == OPEN
    assert parsed.ticket.url == "https://jira.atlassian.com/browse/JRA-20002"


def test_another_organization_s_mapping_is_not_used(hook, other_org):
    with scopes_disabled():
        TrackerConnection.objects.create(
            organization=other_org,
            kind=TrackerKind.JIRA_DC,
            base_url="https://jira.other.example",
            token="pat",
            target="JRA",
            status_map={"in progress": "done"},
        )
    ticket = read(hook, event()).ticket
    assert ticket.outcome == OPEN
    assert ticket.url == "https://jira.atlassian.com/browse/JRA-20002"


def test_a_deleted_issue_and_a_created_one(hook, connection):
    deleted = read(hook, event("jira:issue_deleted"))
    assert (deleted.key, deleted.deleted, deleted.ticket) == ("JRA-20002", True, None)
    created = read(hook, {**event("jira:issue_created"), "changelog": None})
    assert created.ticket.key == "JRA-20002"
    assert created.changed == frozenset()  # every field is compared


def test_status_and_due_date_changes_are_named(hook, connection):
    payload = event()
    payload["changelog"]["items"] = [
        {"field": "status", "fieldtype": "jira", "fromString": "To Do", "toString": "Done"},
        {"field": "resolution", "fieldtype": "jira", "fromString": None, "toString": "Done"},
        {"field": "duedate", "fieldtype": "jira", "fromString": None, "toString": "2027-01-01"},
        {"field": "assignee", "fieldtype": "jira", "fromString": None, "toString": "Ann"},
    ]
    assert read(hook, payload).changed == {"status", "due_date", "assignee"}


@pytest.mark.parametrize(
    "payload",
    [
        {"webhookEvent": "comment_created", "timestamp": 1525698237764, "comment": {}},
        {"webhookEvent": "jira:worklog_updated", "timestamp": 1525698237764},
        {"timestamp": 1525698237764},  # a test delivery
    ],
)
def test_other_events_change_nothing(hook, connection, payload):
    parsed = read(hook, payload)
    assert parsed.key == ""
    assert parsed.ticket is None


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({**DOCUMENTED, "issue": "JRA-1"}).encode(), "“issue”"),
        (json.dumps({**DOCUMENTED, "issue": {"key": "not a key"}}).encode(), "“issue.key”"),
        (json.dumps(DOCUMENTED).encode(), "not readable"),  # no status
        (json.dumps({"webhookEvent": "jira:issue_updated"}).encode(), "timestamp"),
    ],
    ids=["not-json", "not-object", "issue-not-object", "bad-key", "no-status", "no-id"],
)
def test_a_body_that_cannot_be_read_is_quarantined(hook, connection, send, body, reason):
    endpoint, plain = hook
    response = send(f"/hooks/{endpoint.public_id}/?secret={plain}", body, {})
    assert response.status_code == 202
    with scopes_disabled():
        delivery = InboundDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert reason in delivery.outcome


def test_the_secret_in_the_address_lets_a_delivery_in(hook, connection, send):
    endpoint, plain = hook
    body = json.dumps(event()).encode()
    headers = {"HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER": "delivery-1"}
    response = send(f"/hooks/{endpoint.public_id}/?secret={plain}", body, headers)
    assert response.status_code == 202
    with scopes_disabled():
        delivery = InboundDelivery.objects.get(endpoint=endpoint)
    assert delivery.event_id == "delivery-1"
    assert delivery.status != DeliveryStatus.QUARANTINED


@pytest.mark.parametrize("query", ["?secret=wrong", "", "?secret="])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(hook, send, query):
    endpoint, _ = hook
    response = send(f"/hooks/{endpoint.public_id}/{query}", json.dumps(event()).encode(), {})
    assert response.status_code == 401
    assert "secret" in response.json()["error"]
    with scopes_disabled():
        assert not InboundDelivery.objects.filter(endpoint=endpoint).exists()


def test_jira_cloud_s_signature_lets_a_delivery_in(hook, send):
    endpoint, plain = hook
    body = json.dumps(event()).encode()
    signed = {"HTTP_X_HUB_SIGNATURE": sign(plain, body)}
    assert send(f"/hooks/{endpoint.public_id}/", body, signed).status_code == 202
    forged = {"HTTP_X_HUB_SIGNATURE": sign("another secret", body)}
    # a wrong signature is refused even with the right secret in the address
    url = f"/hooks/{endpoint.public_id}/?secret={plain}"
    assert send(url, body, forged).status_code == 401


# -- the shared reading of an issue -------------------------------------------------------


def issue(status=IN_PROGRESS, resolution=None, **fields) -> dict:
    data = copy.deepcopy(DOCUMENTED["issue"])
    data["fields"].update(status=status, updated="2026-12-06T18:30:00.000+0000", **fields)
    data["fields"]["resolution"] = {"name": resolution} if resolution else None
    return data


@pytest.mark.parametrize(
    "resolution, outcome",
    [
        ("Done", DONE),
        ("Fixed", DONE),
        ("Won't Do", WONT_DO),
        ("Won't Fix", WONT_DO),
        ("Duplicate", WONT_DO),
        ("Cannot Reproduce", WONT_DO),
        ("Declined", WONT_DO),
    ],
)
def test_a_done_issue_is_done_unless_its_resolution_says_otherwise(resolution, outcome):
    ticket = ticket_from_issue(issue(DONE_STATUS, resolution), base_url="", status_map={})
    assert ticket.outcome == outcome


def test_the_mapping_by_status_name_overrides_in_any_case():
    ticket = ticket_from_issue(
        issue(DONE_STATUS, "Done"), base_url="", status_map={"done": "wont_do"}
    )
    assert ticket.outcome == WONT_DO
    assert ticket.reason
    reopened = ticket_from_issue(issue(DONE_STATUS), base_url="", status_map={"done": "open"})
    assert reopened.outcome == OPEN


def test_assignee_and_due_date_are_read():
    ticket = ticket_from_issue(
        issue(
            assignee={"emailAddress": "ann@example.com", "displayName": "Ann Author"},
            duedate="2027-01-31",
        ),
        base_url="https://acme.atlassian.net/",
        status_map={},
    )
    assert (ticket.assignee_email, ticket.assignee_name, str(ticket.due_date)) == (
        "ann@example.com",
        "Ann Author",
        "2027-01-31",
    )
    assert ticket.url == "https://acme.atlassian.net/browse/JRA-20002"


@pytest.mark.parametrize(
    "text, key",
    [
        ("OPS-12", "OPS-12"),
        (" ops-12 ", "OPS-12"),
        ("https://acme.atlassian.net/browse/OPS-12", "OPS-12"),
        ("https://jira.example.com/jira/browse/AB_2-7?focusedCommentId=1", "AB_2-7"),
        ("OPS", None),
        ("OPS-0", None),
        ("https://acme.atlassian.net/projects/OPS", None),
        ("acme/api#12", None),
        ("", None),
    ],
)
def test_reference_finds_the_key(text, key):
    assert reference(text) == key
