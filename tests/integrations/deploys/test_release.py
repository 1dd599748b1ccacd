"""The generic release webhook: a deploy job posts service, version, time (and url, id)."""

import json
from datetime import timedelta

from django.utils import timezone

from integrations.deploys.models import Release, ReleaseSource
from integrations.intake.models import DeliveryStatus, InboundDelivery


def release(**fields) -> dict:
    at = timezone.now() - timedelta(minutes=3)
    return {
        "service": "checkout",
        "version": "v1.42.0",
        "url": "https://ci.example.com/builds/981",
        "time": at.isoformat(),
    } | fields


def test_a_release_is_recorded_once(release_endpoint, send):
    hook, secret = release_endpoint
    body = release(id="build-981")
    assert send(hook, body, secret=secret).status_code == 202
    again = send(hook, body, secret=secret)
    assert again.json()["duplicate"] is True
    recorded = Release.objects.get()
    assert (recorded.service.name, recorded.version, recorded.url, recorded.source) == (
        "checkout",
        "v1.42.0",
        "https://ci.example.com/builds/981",
        ReleaseSource.RELEASE,
    )
    assert recorded.external_id == "build-981"
    assert InboundDelivery.objects.get().outcome == "Release v1.42.0 of checkout recorded"


def test_without_an_id_service_version_and_time_identify_it(release_endpoint, send):
    hook, secret = release_endpoint
    body = release()
    body.pop("url")
    send(hook, body, secret=secret)
    send(hook, json.dumps(body, indent=2), secret=secret)  # the same release, other bytes
    assert Release.objects.count() == 1 and Release.objects.get().url == ""
    send(hook, release(version="v1.43.0"), secret=secret)
    assert Release.objects.count() == 2


def test_a_wrong_secret_is_401_and_nothing_is_stored(release_endpoint, send):
    hook, secret = release_endpoint
    assert send(hook, release(), secret=secret + "x").status_code == 401
    assert send(hook, release(), secret=False).status_code == 401
    assert not InboundDelivery.objects.exists()


def test_bad_input_is_quarantined_naming_the_field(release_endpoint, send):
    hook, secret = release_endpoint
    cases = [
        ("not json", "The body is not JSON"),
        (["a list"], "The body is not a JSON object."),
        (release(service=""), "“service” is missing."),
        (release(version=7), "“version” is not a string."),
        (release(time="yesterday"), "“time” is not a time with a zone"),
        (release(time="2026-01-01T10:00:00"), "“time” is not a time with a zone"),
        (release(time="2026-13-06T10:00:00Z"), "“time” is not a time with a zone"),
        (release(url="javascript:alert(1)"), "“url” is not an http(s) URL."),
        (release(service="billing"), "Unknown service “billing”"),
    ]
    for body, reason in cases:
        assert send(hook, body, secret=secret).status_code == 202
        delivery = InboundDelivery.objects.order_by("-id").first()
        assert delivery.status == DeliveryStatus.QUARANTINED, body
        assert reason in delivery.outcome
    assert not Release.objects.exists()
