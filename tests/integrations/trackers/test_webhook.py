"""GitHub's ``issues`` webhook brings a linked ticket's changes back to its action item:
closed as completed completes it, closed as not planned marks it won't do, reopened opens it,
a new title renames it. Hindsight's own changes are not applied back; when both sides changed,
the newer wins and the other is written in the item's sync history."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from actionitems.models import ItemStatus
from actionitems.services import action_item_update
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from integrations.trackers.models import SyncNote
from tests.counterparts.vendor_payloads import github_examples, github_schema_errors
from tests.integrations.conftest import make_endpoint
from tests.integrations.deploys.conftest import sign
from tests.integrations.trackers.conftest import ticket_url


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issue_event(
    action: str,
    *,
    number: int = 1,
    repository: str = "acme/api",
    state_reason: str | None = None,
    updated_at: datetime | None = None,
    title: str | None = None,
) -> dict:
    """GitHub's documented ``issues`` example (the "reopened" one, which conforms to GitHub's
    published schema), made the event ``action`` of issue ``repository#number``."""
    payload = next(e for e in github_examples("issues") if e["action"] == "reopened")
    payload["action"] = action
    owner, name = repository.split("/")
    payload["repository"].update(full_name=repository, name=name)
    payload["repository"]["owner"]["login"] = owner
    issue = payload["issue"]
    issue["number"] = number
    issue["updated_at"] = iso(updated_at or datetime.now(UTC) + timedelta(minutes=1))
    if action == "closed":
        issue.update(state="closed", state_reason=state_reason or "completed")
        issue["closed_at"] = issue["updated_at"]
    else:
        issue.update(state="open", state_reason="reopened" if action == "reopened" else None)
        issue["closed_at"] = None
    if title is not None:
        payload["changes"] = {"title": {"from": issue["title"]}}
        issue["title"] = title
    return payload


@pytest.fixture
def hook(org, admin_user):
    return make_endpoint(org, admin_user, kind=SourceKind.GITHUB_ISSUES, name="GitHub issues")


@pytest.fixture
def deliver(send):
    """POST an event as GitHub does, signed with the endpoint's secret (or ``secret``)."""

    def post(hook, payload, *, secret, delivery=None, event="issues"):
        endpoint, plain = hook
        body = json.dumps(payload).encode()
        headers = {
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery or str(uuid.uuid4()),
            "HTTP_X_HUB_SIGNATURE_256": sign(secret if secret is not None else plain, body),
        }
        return send(endpoint, body, secret=False, headers=headers)

    return post


def outcome() -> str:
    with scopes_disabled():
        delivery = InboundDelivery.objects.latest("pk")
    assert delivery.status == DeliveryStatus.PROCESSED, delivery.outcome
    return delivery.outcome


def test_closed_as_completed_completes_the_item(hook, linked, item, deliver, client, author):
    payload = issue_event("closed", state_reason="completed")
    assert github_schema_errors(payload, "issues$closed") == []
    assert deliver(hook, payload, secret=None).status_code == 202
    item.refresh_from_db()
    assert item.status == ItemStatus.COMPLETED and item.completed_at is not None
    assert outcome() == f"AI-{item.number} updated from acme/api#1: status"
    linked.refresh_from_db()
    assert linked.remote_status == "closed (completed)"
    client.force_login(author)
    page = client.get(ticket_url(item)).content.decode()
    assert "closed (completed)" in page and "Last sync" in page


def test_closed_as_not_planned_is_wont_do_with_the_reason(hook, linked, item, deliver):
    payload = issue_event("closed", state_reason="not_planned")
    assert github_schema_errors(payload, "issues$closed") == []
    deliver(hook, payload, secret=None)
    item.refresh_from_db()
    assert item.status == ItemStatus.WONT_DO
    assert item.wont_do_reason == "Closed as not planned on GitHub"


def test_reopened_opens_the_item_again(hook, linked, item, deliver):
    deliver(hook, issue_event("closed"), secret=None)
    payload = issue_event("reopened", updated_at=datetime.now(UTC) + timedelta(minutes=2))
    assert github_schema_errors(payload, "issues$reopened") == []
    deliver(hook, payload, secret=None)
    item.refresh_from_db()
    assert (item.status, item.completed_at) == (ItemStatus.OPEN, None)


def test_a_new_title_renames_the_item(hook, linked, item, deliver):
    deliver(hook, issue_event("edited", title="Put a circuit breaker before the PSP"), secret=None)
    item.refresh_from_db()
    assert item.description == "Put a circuit breaker before the PSP"


def test_a_ticket_we_do_not_link_is_ignored(hook, linked, item, deliver):
    deliver(hook, issue_event("closed", number=99), secret=None)
    assert outcome() == "ignored: not linked"
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_our_own_change_is_not_applied_back(hook, linked, item, deliver):
    """The event of the issue as Hindsight created it (GitHub's ``updated_at`` is the one it
    answered to our write) changes nothing."""
    deliver(hook, issue_event("closed", updated_at=linked.remote_updated_at), secret=None)
    assert outcome() == "ignored: acme/api#1 not newer than the last sync"
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_a_redelivery_acts_once(hook, linked, item, deliver):
    delivery = str(uuid.uuid4())
    deliver(hook, issue_event("closed"), secret=None, delivery=delivery)
    deliver(hook, issue_event("closed"), secret=None, delivery=delivery)
    with scopes_disabled():
        assert InboundDelivery.objects.count() == 1


def test_a_bad_signature_is_refused_and_nothing_is_stored(hook, linked, item, deliver):
    response = deliver(hook, issue_event("closed"), secret="not-the-secret")
    assert response.status_code == 401
    assert "X-Hub-Signature-256" in response.json()["error"]
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    with scopes_disabled():
        assert not InboundDelivery.objects.exists()


def test_another_event_is_quarantined(hook, linked, deliver):
    deliver(hook, {"zen": "Keep it logically awesome."}, secret=None, event="push")
    with scopes_disabled():
        delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert "choose only “Issues”" in delivery.outcome


def test_the_same_number_in_another_repository_is_not_linked(hook, item, linked, deliver):
    deliver(hook, issue_event("closed", number=1, repository="globex/api"), secret=None)
    assert outcome() == "ignored: not linked"


def test_conflict_newer_hindsight_change_wins_and_githubs_is_noted(
    hook, linked, item, author, deliver
):
    with scope(organization=item.organization):
        action_item_update(item=item, actor=author, changes={"status": ItemStatus.IN_PROGRESS})
    older = datetime.now(UTC) - timedelta(seconds=30)
    linked.remote_updated_at = older - timedelta(minutes=5)
    linked.last_synced_at = older - timedelta(minutes=5)
    linked.save()
    deliver(hook, issue_event("closed", updated_at=older), secret=None)
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    with scopes_disabled():
        note = SyncNote.objects.filter(link=linked).first()
    assert note.text.startswith("Conflict on status: kept Hindsight's change")
    assert "COMPLETED" in note.text


def test_conflict_newer_github_change_wins_and_hindsights_is_noted(
    hook, linked, item, author, deliver
):
    with scope(organization=item.organization):
        action_item_update(item=item, actor=author, changes={"status": ItemStatus.IN_PROGRESS})
    deliver(hook, issue_event("closed"), secret=None)
    item.refresh_from_db()
    assert item.status == ItemStatus.COMPLETED
    with scopes_disabled():
        note = SyncNote.objects.filter(link=linked).first()
    assert note.text.startswith("Conflict on status: GitHub's change")
    assert "IN_PROGRESS" in note.text


def test_a_deleted_issue_unlinks_and_the_item_stays(hook, linked, item, deliver):
    deliver(hook, issue_event("deleted"), secret=None)
    linked.refresh_from_db()
    assert linked.key == "" and "deleted on GitHub" in linked.last_error
    item.refresh_from_db()
    assert item.pk


def test_the_intake_offers_the_github_issues_source():
    assert SourceKind("github_issues").label.startswith("GitHub issues")
    assert reverse("settings_integrations", kwargs={"org_slug": "acme"})


def test_a_linked_item_untouched_since_has_no_conflict(hook, linked, item, deliver):
    deliver(hook, issue_event("closed"), secret=None)
    with scopes_disabled():
        assert not SyncNote.objects.filter(link=linked, text__startswith="Conflict").exists()


def test_a_change_of_another_field_in_hindsight_is_no_conflict(hook, linked, item, author, deliver):
    """Hindsight changed the priority after GitHub closed the issue (the webhook came late):
    GitHub's status still applies, as nobody changed the status in Hindsight."""
    older = datetime.now(UTC) - timedelta(seconds=30)
    linked.remote_updated_at = older - timedelta(minutes=5)
    linked.save()
    with scope(organization=item.organization):
        action_item_update(item=item, actor=author, changes={"priority": "HIGH"})
    deliver(hook, issue_event("closed", updated_at=older), secret=None)
    item.refresh_from_db()
    assert (item.status, item.priority) == (ItemStatus.COMPLETED, "HIGH")
    with scopes_disabled():
        assert not SyncNote.objects.filter(link=linked, text__startswith="Conflict").exists()
