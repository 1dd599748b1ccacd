"""Linear's webhook: an issue event, signed with the signing secret the admin pasted and sent
within a minute, becomes a ticket event for the tracker core, its outcome through the
organization's Linear status mapping; a wrong, missing or stale signature is refused and
nothing is kept; a body Hindsight cannot read is quarantined, never a server error."""

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, date, datetime

import pytest

from integrations.intake.errors import Quarantine
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from integrations.trackers import linear_webhook
from integrations.trackers.models import TrackerConnection, TrackerKind
from integrations.trackers.remote import DONE, OPEN, WONT_DO
from tests.integrations.conftest import make_endpoint
from tests.integrations.trackers.linear.webhook_examples import (
    DOCUMENTED,
    comment_event,
    conforms,
    issue_event,
)

SIGNING_SECRET = "lin_wh_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"  # noqa: S105
ANN = {
    "id": "5f4b1a3e-6c1d-4a51-9c3b-0b7f2f0e9a01",
    "name": "Ann Author",
    "email": "ann@example.com",
    "url": "https://linear.app/acme/profiles/ann",
}


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def hook(org, admin_user):
    endpoint, shown = make_endpoint(
        org, admin_user, kind=SourceKind.LINEAR, name="Linear", signing_secret=SIGNING_SECRET
    )
    assert shown is None  # Linear made the secret; the admin pasted it
    return endpoint


@pytest.fixture
def connection(org):
    return TrackerConnection.objects.create(
        organization=org,
        kind=TrackerKind.LINEAR,
        base_url="https://api.linear.app/graphql",
        token="lin_api_0123456789abcdefghijklmnopqrstuvwxyzABCD",  # noqa: S106
        target="ENG",
        status_map={"in review": "done", "todo": "wont_do"},
    )


@pytest.fixture
def applied(monkeypatch):
    """The tracker core's ``apply_ticket_event``, recording what it is given."""
    calls = []

    def apply_ticket_event(organization, event, *, kinds):
        calls.append((organization, event, kinds))
        return f"applied to {event.key}"

    monkeypatch.setattr(linear_webhook, "apply_ticket_event", apply_ticket_event)
    return calls


@pytest.fixture
def deliver(send):
    """POST a payload as Linear does: ``Linear-Delivery``, ``Linear-Event`` and
    ``Linear-Signature`` (with ``secret``; None: unsigned)."""

    def post(endpoint, payload, *, secret=SIGNING_SECRET, delivery=None, signature=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "HTTP_LINEAR_DELIVERY": delivery or str(uuid.uuid4()),
            "HTTP_LINEAR_EVENT": "Issue",
            "HTTP_USER_AGENT": "Linear-Webhook",
        }
        if signature is not None or secret is not None:
            headers["HTTP_LINEAR_SIGNATURE"] = signature or sign(secret, body)
        return send(endpoint, body, secret=False, headers=headers)

    return post


def outcomes():
    return list(InboundDelivery.objects.order_by("pk").values_list("status", "outcome"))


# The payloads are Linear's


@pytest.mark.parametrize(
    "payload",
    [
        issue_event(),
        issue_event("update", updated_from={"stateId": "x"}, assignee=ANN),
        issue_event("remove", state="Canceled"),
    ],
)
def test_the_example_payloads_conform_to_linears_published_types(payload):
    assert conforms(payload) == []


# Reading an event


def test_an_issue_update_becomes_a_ticket_event():
    payload = issue_event(
        "update",
        number=12,
        state="Done",
        title="Rotate the keys",
        assignee=ANN,
        due_date="2026-12-24",
        updated_from={"stateId": "old", "title": "Old", "updatedAt": "2026-11-30T00:00:00Z"},
    )

    event = linear_webhook.parse(
        json.dumps(payload).encode(), {"Linear-Delivery": "d-1"}, status_map={}
    )

    assert (event.delivery, event.key, event.deleted) == ("d-1", "ENG-12", False)
    assert event.changed == frozenset({"status", "title"})
    ticket = event.ticket
    assert (ticket.key, ticket.title, ticket.status, ticket.outcome) == (
        "ENG-12",
        "Rotate the keys",
        "Done",
        DONE,
    )
    assert ticket.remote_id == DOCUMENTED["data"]["id"]
    assert ticket.url == "https://linear.app/acme/issue/ENG-12/rotate-the-keys"
    assert ticket.updated_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert (ticket.assignee_email, ticket.assignee_name) == ("ann@example.com", "Ann Author")
    assert ticket.due_date == date(2026, 12, 24)


@pytest.mark.parametrize(
    ("updated_from", "changed"),
    [
        ({"assigneeId": None}, {"assignee"}),
        ({"dueDate": "2026-12-01"}, {"due_date"}),
        ({"title": "a", "stateId": "b", "assigneeId": "c", "dueDate": None}, None),
        ({"description": "what was said", "updatedAt": "2026-11-30T00:00:00Z"}, {"other"}),
    ],
)
def test_changed_says_what_updated_from_names(updated_from, changed):
    payload = issue_event("update", updated_from=updated_from)

    event = linear_webhook.parse(json.dumps(payload).encode(), {}, status_map={})

    assert event.changed == (changed or {"title", "status", "assignee", "due_date"})


def test_a_created_issue_says_nothing_changed():
    event = linear_webhook.parse(json.dumps(issue_event()).encode(), {}, status_map={})

    assert event.changed == frozenset()
    # Without Linear-Delivery (a stored delivery keeps only some headers), the body's
    # webhook id and time name it.
    assert event.delivery.startswith(DOCUMENTED["webhookId"] + ":")


@pytest.mark.parametrize(
    ("state", "status_map", "outcome", "reason"),
    [
        ("Canceled", {}, WONT_DO, "Canceled in Linear"),
        ("In Progress", {}, OPEN, ""),
        ("In Progress", {"IN PROGRESS": "done"}, DONE, ""),
    ],
)
def test_the_outcome_goes_through_the_status_map(state, status_map, outcome, reason):
    payload = issue_event("update", state=state, updated_from={"stateId": "old"})

    ticket = linear_webhook.parse(json.dumps(payload).encode(), {}, status_map=status_map).ticket

    assert (ticket.outcome, ticket.reason) == (outcome, reason)


def test_a_removed_issue_is_deleted():
    payload = issue_event("remove", number=7)

    event = linear_webhook.parse(json.dumps(payload).encode(), {}, status_map={})

    assert (event.key, event.deleted, event.ticket) == ("ENG-7", True, None)


def test_an_issue_moved_to_the_trash_is_deleted():
    payload = issue_event("update", updated_from={"trashed": None})
    payload["data"]["trashed"] = True

    event = linear_webhook.parse(json.dumps(payload).encode(), {}, status_map={})

    assert conforms(payload) == []
    assert (event.key, event.deleted) == ("ENG-2", True)


def test_other_types_change_nothing():
    event = linear_webhook.parse(json.dumps(comment_event()).encode(), {}, status_map={})

    assert (event.key, event.ticket) == ("", None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({**issue_event(), "action": "explode"}).encode(), "create, update or remove"),
        (json.dumps({**issue_event(), "data": "ENG-2"}).encode(), "“data”"),
        (
            json.dumps({**issue_event(), "data": {**issue_event()["data"], "identifier": 7}}),
            "identifier",
        ),
        (
            json.dumps({**issue_event(), "data": {**issue_event()["data"], "updatedAt": "soon"}}),
            "not readable",
        ),
        (json.dumps({**issue_event(), "updatedFrom": ["title"]}).encode(), "updatedFrom"),
    ],
)
def test_a_body_hindsight_cannot_read_is_quarantined(body, reason):
    with pytest.raises(Quarantine) as quarantined:
        linear_webhook.parse(
            body if isinstance(body, bytes) else body.encode(),
            {"Linear-Delivery": "d-1"},
            status_map={},
        )

    assert reason in str(quarantined.value)


# Delivered to Hindsight


def test_a_signed_event_reaches_the_tracker_core_with_the_organizations_mapping(
    hook, connection, deliver, applied, org
):
    payload = issue_event("update", state="Todo", updated_from={"stateId": "old"})

    response = deliver(hook, payload, delivery="3f1c9a7e-delivery")

    assert response.status_code == 202
    assert outcomes() == [(DeliveryStatus.PROCESSED, "applied to ENG-2")]
    organization, event, kinds = applied[0]
    assert organization == org and kinds == (TrackerKind.LINEAR,)
    assert event.ticket.outcome == WONT_DO  # "todo" → won't do, by the connection's map
    assert InboundDelivery.objects.get().event_id == "3f1c9a7e-delivery"


def test_a_redelivery_acts_once(hook, connection, deliver, applied):
    payload = issue_event("update", updated_from={"title": "Old"})

    first = deliver(hook, payload, delivery="same-delivery")
    again = deliver(hook, payload, delivery="same-delivery")

    assert (first.status_code, again.status_code) == (202, 202)
    assert len(applied) == 1


def test_without_a_linear_connection_linears_own_states_decide(hook, deliver, applied):
    deliver(hook, issue_event("update", state="Done", updated_from={"stateId": "old"}))

    assert applied[0][1].ticket.outcome == DONE


def test_a_comment_is_processed_and_changes_nothing(hook, deliver, applied):
    response = deliver(hook, comment_event())

    assert response.status_code == 202
    assert outcomes() == [(DeliveryStatus.PROCESSED, "ignored: not an issue event")]
    assert applied == []


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "another secret"},
        {"secret": None},
        {"signature": "sha256=" + "0" * 64},
        {"signature": "not hex at all"},
    ],
)
def test_a_wrong_or_missing_signature_is_refused(hook, deliver, applied, signing):
    response = deliver(hook, issue_event(), **signing)

    assert response.status_code == 401
    assert "Linear-Signature" in response.json()["error"]
    assert InboundDelivery.objects.count() == 0 and applied == []


@pytest.mark.parametrize("age_seconds", [61, 3600, -120])
def test_a_stale_or_future_timestamp_is_refused(hook, deliver, applied, age_seconds):
    payload = issue_event()
    payload["webhookTimestamp"] = int((time.time() - age_seconds) * 1000)

    response = deliver(hook, payload)

    assert response.status_code == 401
    assert InboundDelivery.objects.count() == 0


@pytest.mark.parametrize("stamp", [None, "1676056940508", True])
def test_a_missing_or_unreadable_timestamp_is_refused(hook, deliver, stamp):
    payload = issue_event()
    payload["webhookTimestamp"] = stamp

    assert deliver(hook, payload).status_code == 401


def test_a_signed_malformed_body_is_quarantined(hook, deliver, applied):
    response = deliver(hook, b"{this is not json")

    assert response.status_code == 202
    [(status, reason)] = outcomes()
    assert status == DeliveryStatus.QUARANTINED and "not JSON" in reason
    assert applied == []


def test_an_oversized_body_is_refused_before_anything(hook, deliver, applied):
    payload = issue_event()
    payload["data"]["description"] = "x" * (1024 * 1024)

    response = deliver(hook, payload)

    assert response.status_code == 413
    assert InboundDelivery.objects.count() == 0 and applied == []


def test_a_signed_unreadable_issue_is_quarantined(hook, deliver, applied):
    payload = issue_event()
    payload["data"]["identifier"] = "not an identifier"

    response = deliver(hook, payload)

    assert response.status_code == 202
    [(status, reason)] = outcomes()
    assert status == DeliveryStatus.QUARANTINED and "identifier" in reason
    assert applied == []
