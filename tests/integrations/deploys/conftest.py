"""Fixtures of the deploy sources' tests: ``org``'s release and GitHub endpoints (with their
plain secrets), GitHub's documented ``deployment_status`` examples with their times moved to now,
and helpers that post as GitHub does (body signed with ``X-Hub-Signature-256``) and as a deploy
job does (``Authorization: Bearer``)."""

import hashlib
import hmac
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Service
from integrations.intake.models import SourceKind
from tests.counterparts.vendor_payloads import github_examples
from tests.integrations.conftest import make_endpoint

# The documented example the tests send by default: a success that conforms to GitHub's
# published schema (the oldest example predates repository fields the schema now requires).
CONFORMING_EXAMPLE = 2


def github_payload(
    *, minutes_ago: int = 5, state: str = "success", example: int = CONFORMING_EXAMPLE, **deployment
) -> dict:
    """GitHub's documented example ``deployment_status`` event (as octokit publishes GitHub's
    examples), created ``minutes_ago``; ``deployment`` overrides the deployment's fields."""
    payload = github_examples("deployment_status")[example]
    at = (timezone.now() - timedelta(minutes=minutes_ago)).replace(microsecond=0)
    payload["deployment_status"]["state"] = state
    payload["deployment_status"]["created_at"] = at.isoformat().replace("+00:00", "Z")
    payload["deployment"].update(deployment)
    return payload


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def services(org):
    """``org``'s services "Hello-World" (the example's repository) and "checkout"."""
    return [
        Service.objects.create(organization=org, name="Hello-World"),
        Service.objects.create(organization=org, name="checkout"),
    ]


@pytest.fixture
def github_endpoint(org, admin_user, services):
    return make_endpoint(org, admin_user, kind=SourceKind.GITHUB_DEPLOYMENTS, name="GitHub")


@pytest.fixture
def release_endpoint(org, admin_user, services):
    return make_endpoint(org, admin_user, kind=SourceKind.RELEASE, name="Deploy job")


@pytest.fixture
def github(send):
    """POST an event as GitHub does; queued tasks run before it returns. ``secret`` signs the
    body (None: unsigned); ``delivery`` is the X-GitHub-Delivery (a new one by default)."""

    def post(endpoint, payload, *, secret, event="deployment_status", delivery=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery or str(uuid.uuid4()),
            "HTTP_USER_AGENT": "GitHub-Hookshot/044aadd",
        }
        if secret is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = sign(secret, body)
        return send(endpoint, body, secret=False, headers=headers)

    return post
