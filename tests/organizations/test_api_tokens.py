"""API tokens: bearer authentication, the token's organization, and ``create_api_token``."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.models import ApiToken, Membership
from organizations.roles import Role
from organizations.services import TOKEN_PREFIX, api_token_create, api_token_revoke
from tests.factories import MembershipFactory
from tests.incidents.helpers import declare

LIST = "/api/v1/incidents"


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def token(org, engineer) -> tuple[ApiToken, str]:
    return api_token_create(organization=org, user=engineer, name="ci")


def test_a_valid_token_reads_the_api(client, token):
    response = client.get(LIST, headers=bearer(token[1]))
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_no_token_is_a_401_with_a_bearer_challenge(client, org):
    response = client.get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        f"Bearer {TOKEN_PREFIX}not-a-real-token",
        "Bearer two words",
        "Token abc",
        "Basic ZW5naW5lZXI6Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5",  # engineer's real password
    ],
)
def test_a_malformed_or_unknown_token_is_a_401(client, token, header):
    response = client.get(LIST, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_scheme_is_case_insensitive(client, token):
    assert client.get(LIST, headers={"Authorization": f"bearer {token[1]}"}).status_code == 200


def test_an_expired_token_is_a_401(client, org, engineer):
    _, plain = api_token_create(
        organization=org, user=engineer, name="old", expires_at=timezone.now() - timedelta(1)
    )
    response = client.get(LIST, headers=bearer(plain))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_before_its_expiry_works(client, org, engineer):
    _, plain = api_token_create(
        organization=org, user=engineer, name="new", expires_at=timezone.now() + timedelta(1)
    )
    assert client.get(LIST, headers=bearer(plain)).status_code == 200


def test_a_revoked_token_is_a_401(client, token):
    api_token_revoke(token=token[0])
    assert client.get(LIST, headers=bearer(token[1])).status_code == 401


def test_a_token_of_a_removed_member_is_a_401(client, token, org, engineer):
    Membership.objects.filter(organization=org, user=engineer).delete()
    assert client.get(LIST, headers=bearer(token[1])).status_code == 401


def test_a_token_of_a_deactivated_user_is_a_401(client, token, engineer):
    engineer.is_active = False
    engineer.save()
    assert client.get(LIST, headers=bearer(token[1])).status_code == 401


def test_every_endpoint_refuses_a_bad_token_even_on_writes(client, org, token):
    incident = declare(org)
    api_token_revoke(token=token[0])
    for method, path in [
        ("post", LIST),
        ("patch", f"{LIST}/{incident.ref}"),
        ("post", f"{LIST}/{incident.ref}/resolve"),
    ]:
        response = getattr(client, method)(
            path, {}, content_type="application/json", headers=bearer(token[1])
        )
        assert response.status_code == 401, path
    incident.refresh_from_db()
    assert incident.status == "OPEN"


def test_a_signed_in_browser_session_is_not_enough(client, engineer, org):
    client.force_login(engineer)
    assert client.get(LIST).status_code == 401


def test_only_the_hash_of_the_token_is_stored(token):
    row, plain = token
    assert plain.startswith(TOKEN_PREFIX)
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert row.prefix == plain[: len(TOKEN_PREFIX) + 6]
    stored = ApiToken.objects.filter(pk=row.pk).values().get()
    assert plain not in [str(value) for value in stored.values()]


def test_last_used_is_recorded_at_most_once_a_minute(client, token):
    row, plain = token
    assert row.last_used_at is None
    client.get(LIST, headers=bearer(plain))
    row.refresh_from_db()
    first_use = row.last_used_at
    assert first_use is not None
    client.get(LIST, headers=bearer(plain))
    row.refresh_from_db()
    assert row.last_used_at == first_use  # within the minute: no write
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get(LIST, headers=bearer(plain))
    row.refresh_from_db()
    assert row.last_used_at > first_use


def test_no_write_for_a_token_used_within_the_minute(client, token):
    plain = token[1]
    client.get(LIST, headers=bearer(plain))
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST, headers=bearer(plain))
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_the_token_sees_only_its_own_organization(client, org, other_org, engineer):
    MembershipFactory(user=engineer, organization=other_org, role=Role.ADMIN)
    declare(org, title="Acme outage")
    declare(other_org, title="Globex outage")
    _, acme = api_token_create(organization=org, user=engineer, name="acme")
    _, globex = api_token_create(organization=other_org, user=engineer, name="globex")
    titles = {
        name: [row["title"] for row in client.get(LIST, headers=bearer(plain)).json()["results"]]
        for name, plain in (("acme", acme), ("globex", globex))
    }
    assert titles == {"acme": ["Acme outage"], "globex": ["Globex outage"]}


def test_the_token_acts_with_the_users_current_role(client, org, engineer, token):
    body = {"title": "X", "severity": "SEV1", "started_at": "2026-03-10T14:00:00Z"}
    Membership.objects.filter(organization=org, user=engineer).update(role=Role.VIEWER)
    response = client.post(LIST, body, content_type="application/json", headers=bearer(token[1]))
    assert response.status_code == 403


def test_drf_test_client_credentials_work_too(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    assert client.get(LIST).status_code == 200


def test_schema_and_docs_need_no_token(client, db):
    assert client.get("/api/v1/schema").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


# --- create_api_token --------------------------------------------------------------------------


def run_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_command_prints_a_working_token_once(client, org, engineer):
    plain, message = run_command("acme", "engineer", "--name", "deploy bot")
    assert plain.startswith(TOKEN_PREFIX)
    assert "shown once" in message
    stored = ApiToken.objects.get()
    assert (stored.name, stored.user, stored.organization, stored.expires_at) == (
        "deploy bot",
        engineer,
        org,
        None,
    )
    assert client.get(LIST, headers=bearer(plain)).status_code == 200


def test_command_sets_an_expiry(org, engineer):
    run_command("acme", "engineer", "--expires-days", "30")
    expires_at = ApiToken.objects.get().expires_at
    assert timedelta(days=29) < expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nowhere", "engineer"), "No organization with the slug “nowhere”."),
        (("acme", "nobody"), "No user with the username “nobody”."),
        (("globex", "engineer"), "engineer is not a member of globex."),
    ],
)
def test_command_explains_what_is_wrong(org, other_org, engineer, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert not ApiToken.objects.exists()


def test_command_refuses_a_non_positive_expiry(org, engineer):
    with pytest.raises(CommandError):
        run_command("acme", "engineer", "--expires-days", "0")
