"""Linear's webhook payloads for the tests, made from the example of Linear's documentation
("Webhooks" → "The Webhook Payload", developers.linear.app/docs/graphql/webhooks): an
``Issue`` ``create`` event of issue ``2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9``, its actor, its
``url``, ``organizationId``, ``webhookTimestamp`` (epoch milliseconds) and ``webhookId``; an
update carries ``updatedFrom``, the previous values of what changed, and a ``Comment`` event
the comment as ``data``. The documented example is older than Linear's current payload type:
its ``data`` is completed here with the fields the SDK's ``IssueWebhookPayload`` requires
(identifier, state, labels, team…) and loses ``boardOrder``, which that type no longer has;
``conforms`` checks each payload against ``EntityWebhookPayload`` as ``@linear/sdk`` publishes
it."""

import copy
import time

from tests.counterparts.linear_schema import shape_errors

ORGANIZATION_ID = "a4ef2e12-8e26-4f3a-9b1b-6f44c1d7d0b2"
TEAM = {"id": "72b2a2dc-6f4f-4ae4-8d5c-0e2a6f7a4a11", "key": "ENG", "name": "Engineering"}
STATES = {
    "Todo": {"id": "8c7dbc9d-0ef0-4a5c-8e5b-2d6f7d5d2a01", "color": "#e2e2e2", "type": "unstarted"},
    "In Progress": {
        "id": "8c7dbc9d-0ef0-4a5c-8e5b-2d6f7d5d2a02",
        "color": "#f2c94c",
        "type": "started",
    },
    "Done": {"id": "8c7dbc9d-0ef0-4a5c-8e5b-2d6f7d5d2a03", "color": "#5e6ad2", "type": "completed"},
    "Canceled": {
        "id": "8c7dbc9d-0ef0-4a5c-8e5b-2d6f7d5d2a04",
        "color": "#95a2b3",
        "type": "canceled",
    },
}
ACTOR = {
    "id": "2e6eea91-1111-0000-9486-acea0603064c",
    "type": "user",
    "name": "Linear User",
    "email": "user@linear.app",
    "url": "https://linear.app/linear/profiles/user",
}
DOCUMENTED = {
    "action": "create",
    "actor": ACTOR,
    "createdAt": "2020-01-23T12:53:18.084Z",
    "data": {
        "id": "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9",
        "createdAt": "2020-01-23T12:53:18.084Z",
        "updatedAt": "2020-01-23T12:53:18.084Z",
        "archivedAt": None,
        "number": 2,
        "title": "New issue",
        "description": None,
        "priority": 0,
        "cycleId": None,
        "stateId": STATES["Todo"]["id"],
        "creatorId": ACTOR["id"],
        "teamId": TEAM["id"],
        "previousIdentifiers": [],
        "labelIds": [],
    },
    "url": "https://linear.app/issue/LIN-1778/foo-bar",
    "type": "Issue",
    "organizationId": ORGANIZATION_ID,
    "webhookTimestamp": 1676056940508,
    "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
}


def issue_event(
    action: str = "create",
    *,
    number: int = 2,
    state: str = "Todo",
    title: str = "New issue",
    updated_at: str = "2026-12-01T09:30:00.000Z",
    updated_from: dict | None = None,
    assignee: dict | None = None,
    due_date: str | None = None,
    now: bool = True,
) -> dict:
    """Linear's documented ``Issue`` event, made ``action`` of issue ENG-``number``, in
    ``state``, sent now (``webhookTimestamp``)."""
    payload = copy.deepcopy(DOCUMENTED)
    identifier = f"ENG-{number}"
    url = f"https://linear.app/acme/issue/{identifier}/{'-'.join(title.lower().split())}"
    payload["action"] = action
    payload["url"] = url
    payload["data"].update(
        number=number,
        identifier=identifier,
        title=title,
        url=url,
        updatedAt=updated_at,
        dueDate=due_date,
        stateId=STATES[state]["id"],
        state={"name": state, **STATES[state]},
        team=TEAM,
        labels=[],
        priorityLabel="No priority",
        prioritySortOrder=-1160.0,
        sortOrder=-1022.0,
        subscriberIds=[ACTOR["id"]],
        reactionData={},
        releases=[],
        assigneeId=assignee["id"] if assignee else None,
        assignee=assignee,
    )
    if updated_from is not None:
        payload["updatedFrom"] = updated_from
    if now:
        payload["webhookTimestamp"] = int(time.time() * 1000)
    return payload


def comment_event() -> dict:
    """A ``Comment`` ``create`` event: the same envelope, a comment as ``data``."""
    payload = copy.deepcopy(DOCUMENTED)
    payload["type"] = "Comment"
    payload["data"] = {
        "id": "8f0b3c44-3a8e-4e2c-a2c1-6f1d5b7a0c55",
        "body": "Is this still happening?",
        "createdAt": "2026-12-01T09:30:00.000Z",
        "updatedAt": "2026-12-01T09:30:00.000Z",
        "issueId": DOCUMENTED["data"]["id"],
        "userId": ACTOR["id"],
    }
    payload["webhookTimestamp"] = int(time.time() * 1000)
    return payload


def conforms(payload: dict) -> list[str]:
    """Where an ``Issue`` event departs from the SDK's ``EntityWebhookPayload`` with an
    ``IssueWebhookPayload`` as ``data``."""
    envelope = {key: value for key, value in payload.items() if key != "data"}
    errors = shape_errors({**envelope, "data": None}, "EntityWebhookPayload")
    errors = [error for error in errors if not error.startswith(".data:")]
    return errors + shape_errors(payload["data"], "IssueWebhookPayload")
