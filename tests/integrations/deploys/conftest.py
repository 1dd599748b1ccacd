"""Fixtures of the deploy sources' tests: ``org``'s release and GitHub endpoints (with their
plain secrets), GitHub's documented ``deployment_status`` example with its times moved to now,
and helpers that post as GitHub does (body signed with ``X-Hub-Signature-256``) and as a deploy
job does (``Authorization: Bearer``)."""

import copy
import hashlib
import hmac
import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from incidents.models import Service
from incidents.services import incident_declare
from integrations.deploys.models import Release, ReleaseSource
from integrations.intake.models import SourceKind
from tests.integrations.conftest import make_endpoint

PAYLOADS = Path(__file__).parent / "payloads"
# When the ``incident``'s impact began.
IMPACT = timezone.now().replace(microsecond=0) - timedelta(hours=1)


def github_payload(*, minutes_ago: int = 5, state: str = "success", **deployment) -> dict:
    """GitHub's example ``deployment_status`` event (its webhook docs' shape), created
    ``minutes_ago``; ``deployment`` overrides the deployment's fields."""
    payload = json.loads((PAYLOADS / "github_deployment_status.json").read_text())
    payload = copy.deepcopy(payload)
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


def release_before(organization, service, version: str, before: timedelta, url: str = ""):
    """A release of ``service`` that went out ``before`` the ``incident``'s impact."""
    return Release.objects.create(
        organization=organization,
        service=service,
        version=version,
        url=url,
        deployed_at=IMPACT - before,
        source=ReleaseSource.RELEASE,
        external_id=f"build-{version}",
    )


@pytest.fixture
def incident(org, engineer, services):
    """The engineer's incident of "checkout", impact an hour ago."""
    return incident_declare(
        organization=org,
        actor=engineer,
        title="Checkout errors",
        severity="SEV2",
        started_at=IMPACT,
        services=["checkout"],
        commander=engineer,
    )
