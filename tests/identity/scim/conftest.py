"""A SCIM client for the provisioning tests: the organization's bearer token, and requests
shaped as RFC 7644, Okta and Microsoft Entra ID send them."""

import json

import pytest
from django.test import Client
from django_scopes import scope

from identity.scim.tokens import token_issue

BASE = "/scim/v2/"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scim:
    def __init__(self, plain: str | None):
        self.client = Client(enforce_csrf_checks=True)  # as a provider calls: no CSRF token
        self.headers = {"Authorization": f"Bearer {plain}"} if plain else {}

    def _send(self, method: str, path: str, body=None, raw: str | None = None, **params):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        call = getattr(self.client, method)
        if method in ("get",):
            return call(BASE + path, params, headers=self.headers)
        return call(
            BASE + path, data=data, content_type="application/scim+json", headers=self.headers
        )

    def get(self, path: str, **params):
        return self._send("get", path, **params)

    def post(self, path: str, body=None, raw: str | None = None):
        return self._send("post", path, body, raw)

    def put(self, path: str, body):
        return self._send("put", path, body)

    def patch(self, path: str, *operations, raw: str | None = None):
        return self._send(
            "patch", path, {"schemas": [PATCH_OP], "Operations": list(operations)}, raw
        )

    def delete(self, path: str):
        return self._send("delete", path)


def issue(organization, actor) -> str:
    with scope(organization=organization):
        return token_issue(organization=organization, actor=actor)[1]


@pytest.fixture
def scim(org, admin_user) -> Scim:
    return Scim(issue(org, admin_user))


@pytest.fixture
def globex_scim(other_org, member_factory) -> Scim:
    from organizations.roles import Role

    globex_admin = member_factory(Role.ADMIN, organization=other_org, username="globex-admin")
    return Scim(issue(other_org, globex_admin))


def okta_user(user_name: str, given="Ada", family="Lovelace", active=True, email=None) -> dict:
    """A create request as Okta documents it."""
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": email or user_name, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": active,
    }


def entra_user(user_name: str, external_id="0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef") -> dict:
    """A create request as Microsoft Entra ID documents it."""
    return {
        "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": external_id,
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "Jobs", "givenName": "Steve"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
    }


def is_scim_error(response, status: int) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and body["schemas"] == [ERROR_SCHEMA]
        and str(body["status"]) == str(status)
        and bool(body["detail"])
    )
