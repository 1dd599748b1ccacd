"""GitHub's deployment statuses: a signed ``success`` records a release of the service named
by the repository (or the deployment's payload), once; anything unsigned is refused."""

import json

from django.db import connection
from django_scopes import scopes_disabled

from integrations.deploys.models import Release, ReleaseSource
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from tests.counterparts.vendor_payloads import github_examples, github_schema_errors
from tests.integrations.conftest import make_endpoint
from tests.integrations.deploys.conftest import github_payload, sign


def test_a_successful_deployment_records_a_release(github_endpoint, github):
    hook, secret = github_endpoint
    payload = github_payload()
    response = github(hook, payload, secret=secret)
    assert response.status_code == 202
    release = Release.objects.get()
    assert release.service.name == "Hello-World"
    assert release.version == "master (f95f852)"
    assert release.url == (
        "https://github.com/Codertocat/Hello-World/commit/f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    )
    assert release.deployed_at.isoformat().startswith(
        payload["deployment_status"]["created_at"].removesuffix("Z")
    )
    assert release.source == ReleaseSource.GITHUB
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert delivery.outcome == "Release master (f95f852) of Hello-World recorded"
    assert delivery.event_id == delivery.headers["X-Github-Delivery"]
    assert "X-Hub-Signature-256" not in delivery.headers


def test_the_deployment_payload_may_name_the_service(github_endpoint, github):
    hook, secret = github_endpoint
    payload = github_payload(payload={"service": "checkout"})
    payload["deployment_status"]["environment_url"] = "https://checkout.example.com"
    github(hook, payload, secret=secret)
    release = Release.objects.get()
    assert (release.service.name, release.url) == ("checkout", "https://checkout.example.com")


def test_a_bad_or_missing_signature_is_401_and_nothing_is_stored(github_endpoint, github):
    hook, secret = github_endpoint
    assert github(hook, github_payload(), secret=secret + "x").status_code == 401
    assert github(hook, github_payload(), secret=None).status_code == 401
    # A body changed after signing: the signature no longer matches.
    response = github(hook, b'{"tampered": true}', secret=None)
    assert response.status_code == 401
    assert "X-Hub-Signature-256" in response.json()["error"]
    assert not InboundDelivery.objects.exists() and not Release.objects.exists()


def test_a_bearer_secret_does_not_pass_for_a_signature(github_endpoint, client):
    hook, secret = github_endpoint
    response = client.post(
        f"/hooks/{hook.public_id}/",
        data=json.dumps(github_payload()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_X_GITHUB_EVENT="deployment_status",
        HTTP_X_GITHUB_DELIVERY="d-1",
    )
    assert response.status_code == 401
    assert not InboundDelivery.objects.exists()


def test_another_organizations_secret_is_401(github_endpoint, github, other_org):
    hook, _ = github_endpoint
    with scopes_disabled():
        _, theirs = make_endpoint(other_org, kind=SourceKind.GITHUB_DEPLOYMENTS, name="Theirs")
    assert github(hook, github_payload(), secret=theirs).status_code == 401
    with scopes_disabled():
        assert not InboundDelivery.objects.exists() and not Release.objects.exists()


def test_the_same_delivery_twice_records_one_release(github_endpoint, github):
    hook, secret = github_endpoint
    payload = github_payload()
    first = github(hook, payload, secret=secret, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    again = github(hook, payload, secret=secret, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["duplicate"] is True
    # GitHub's "Redeliver" sends a new delivery id: still one release per deployment.
    github(hook, payload, secret=secret)
    assert Release.objects.count() == 1
    assert InboundDelivery.objects.order_by("id").last().outcome == (
        "master (f95f852) of Hello-World already recorded"
    )


def test_an_unknown_service_is_quarantined(github_endpoint, github):
    hook, secret = github_endpoint
    payload = github_payload()
    payload["repository"]["name"] = "billing"
    github(hook, payload, secret=secret)
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert "Unknown service “billing”" in delivery.outcome
    assert not Release.objects.exists()


def test_other_states_are_ignored_and_ping_is_processed(github_endpoint, github):
    hook, secret = github_endpoint
    github(hook, github_payload(state="failure"), secret=secret)
    github(hook, {"zen": "Design for failure.", "hook_id": 1}, secret=secret, event="ping")
    outcomes = list(InboundDelivery.objects.order_by("id").values_list("status", "outcome"))
    assert outcomes == [
        (DeliveryStatus.PROCESSED, "ignored: state failure"),
        (DeliveryStatus.PROCESSED, "ping"),
    ]
    assert not Release.objects.exists()


def test_other_events_are_quarantined_with_the_reason(github_endpoint, github):
    hook, secret = github_endpoint
    response = github(hook, {"ref": "refs/heads/main"}, secret=secret, event="push")
    assert response.status_code == 202
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert "GitHub event “push” is not taken here" in delivery.outcome


def test_a_malformed_success_is_quarantined(github_endpoint, github):
    hook, secret = github_endpoint
    payload = github_payload(minutes_ago=60 * 24 * 40)
    github(hook, payload, secret=secret)
    assert "more than 30 days in the past" in InboundDelivery.objects.get().outcome
    bad = github_payload()
    del bad["deployment"]
    github(hook, bad, secret=secret)
    assert InboundDelivery.objects.filter(outcome__contains="“deployment” is missing").exists()
    assert not Release.objects.exists()


def test_the_secret_is_kept_encrypted_for_github_only(github_endpoint, release_endpoint):
    hook, secret = github_endpoint
    bearer, _ = release_endpoint
    assert hook.secret_encrypted == secret
    assert bearer.secret_encrypted == ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_encrypted FROM integrations_webhookendpoint WHERE id = %s", [hook.pk]
        )
        stored = cursor.fetchone()[0]
    assert stored and secret not in stored
    assert sign(secret, b"x") != sign(stored, b"x")


def test_every_documented_example_is_read(github_endpoint, github):
    """GitHub's published examples of the event: a successful one records a release, one in
    progress is processed and records nothing."""
    hook, secret = github_endpoint
    examples = github_examples("deployment_status")
    for number, example in enumerate(examples):
        state = example["deployment_status"]["state"]
        response = github(hook, github_payload(example=number, state=state), secret=secret)
        assert response.status_code == 202

    with scopes_disabled():
        outcomes = list(InboundDelivery.objects.values_list("status", "outcome"))
    assert {status for status, _ in outcomes} == {DeliveryStatus.PROCESSED}
    successes = sum(e["deployment_status"]["state"] == "success" for e in examples)
    assert successes and Release.objects.count() >= 1
    assert any(outcome.startswith("ignored: state in_progress") for _, outcome in outcomes)


def test_the_payloads_these_tests_send_conform_to_githubs_schema():
    """The schema is GitHub's (octokit's ``webhooks-schemas``), not ours: the parser is
    tested on what GitHub sends."""
    assert github_schema_errors(github_payload(), "deployment_status$created") == []
    named = github_payload(payload={"service": "checkout"})
    assert github_schema_errors(named, "deployment_status$created") == []
