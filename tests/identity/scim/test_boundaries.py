"""The door and the walls: the token decides the organization, another organization's
resources are 404, bad input is a 400 SCIM error naming what is wrong, and a list costs a
fixed number of queries."""

import pytest
from django.utils import timezone

from identity.models import ScimToken, ScimUser
from organizations.models import Membership
from tests.identity.scim.conftest import GROUP_SCHEMA, Scim, is_scim_error, okta_user


@pytest.fixture
def ada_id(scim) -> str:
    return scim.post("Users", okta_user("ada@acme.test")).json()["id"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer hs_scim_unknown", "Basic YWRhOnB3"])
def test_without_a_usable_token_every_endpoint_is_a_401(scim, ada_id, header):
    stranger = Scim(None)
    if header:
        stranger.headers = {"Authorization": header}
    for response in (
        stranger.get("Users"),
        stranger.get(f"Users/{ada_id}"),
        stranger.post("Users", okta_user("eve@acme.test")),
        stranger.patch(f"Users/{ada_id}", {"op": "replace", "value": {"active": False}}),
        stranger.delete(f"Users/{ada_id}"),
        stranger.get("ServiceProviderConfig"),
    ):
        assert is_scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert ScimUser.objects.count() == 1


def test_a_revoked_token_is_a_401(scim, org):
    ScimToken.objects.filter(organization=org).update(revoked_at=timezone.now())
    assert is_scim_error(scim.get("Users"), 401)


def test_a_signed_in_session_is_not_enough(client, admin_user, org):
    client.force_login(admin_user)
    assert is_scim_error(client.get("/scim/v2/Users"), 401)


def test_another_organizations_token_sees_and_changes_nothing(scim, globex_scim, org, ada_id):
    group_id = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "SRE"}).json()["id"]
    assert globex_scim.get("Users").json()["totalResults"] == 0
    assert globex_scim.get("Users", filter='userName eq "ada@acme.test"').json()["Resources"] == []
    assert globex_scim.get("Groups").json()["totalResults"] == 0
    for response in (
        globex_scim.get(f"Users/{ada_id}"),
        globex_scim.put(f"Users/{ada_id}", okta_user("ada@acme.test", active=False)),
        globex_scim.patch(f"Users/{ada_id}", {"op": "replace", "value": {"active": False}}),
        globex_scim.delete(f"Users/{ada_id}"),
        globex_scim.get(f"Groups/{group_id}"),
        globex_scim.delete(f"Groups/{group_id}"),
    ):
        assert is_scim_error(response, 404)
    mine = globex_scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Ops"}).json()
    response = globex_scim.patch(
        f"Groups/{mine['id']}", {"op": "add", "path": "members", "value": [{"value": ada_id}]}
    )
    assert is_scim_error(response, 400)
    assert Membership.objects.filter(organization=org, user__email="ada@acme.test").exists()
    assert scim.get(f"Users/{ada_id}").json()["active"] is True


@pytest.mark.parametrize("resource_id", ["abc", "1; drop table", "99999999999999999999999"])
def test_an_id_that_is_not_ours_is_a_404(scim, resource_id):
    assert is_scim_error(scim.get(f"Users/{resource_id}"), 404)
    assert is_scim_error(scim.get(f"Groups/{resource_id}"), 404)


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ('{"userName": "ada@acme.test",', "JSON"),
        ("[1, 2]", "object"),
        ('{"name": {"givenName": "Ada"}, "emails": [{"value": "ada@acme.test"}]}', "userName"),
        ('{"userName": "ada@acme.test", "favouriteColour": "blue"}', "favouriteColour"),
        ('{"userName": "ada@acme.test", "emails": "ada"}', "emails"),
        ('{"userName": "ada@acme.test", "emails": [{"value": "not-an-email"}]}', "emails"),
        ('{"userName": "ada@acme.test", "active": "maybe"}', "active"),
        ('{"userName": 42}', "userName"),
        ('{"userName": "%s@acme.test"}' % ("a" * 250), "userName"),
        ("{}", "empty"),
    ],
)
def test_a_bad_user_is_a_400_naming_the_field(scim, raw, named):
    response = scim.post("Users", raw=raw)
    assert is_scim_error(response, 400), response.content
    assert named.lower() in response.json()["detail"].lower()
    assert ScimUser.objects.count() == 0


@pytest.mark.parametrize(
    ("operation", "named"),
    [
        ({"op": "explode", "path": "active", "value": False}, "op"),
        ({"op": "replace", "path": "active", "value": "maybe"}, "active"),
        ({"op": "replace", "path": "shoeSize", "value": 42}, "shoeSize"),
        ({"op": "replace", "value": "not an object"}, "value"),
        ({"op": "remove"}, "path"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field(scim, ada_id, operation, named):
    response = scim.patch(f"Users/{ada_id}", operation)
    assert is_scim_error(response, 400), response.content
    assert named.lower() in response.json()["detail"].lower()
    assert scim.get(f"Users/{ada_id}").json()["active"] is True


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ('userName eq "ada', "filter"),
        ("userName eq", "filter"),
        ('emails.value eq "ada@acme.test"', "emails"),
        ('userName eq "ada@acme.test" or shoeSize eq "42"', "shoeSize"),
    ],
)
def test_a_bad_filter_is_a_400(scim, ada_id, query, named):
    response = scim.get("Users", filter=query)
    assert is_scim_error(response, 400), response.content
    assert named.lower() in response.json()["detail"].lower()


@pytest.mark.parametrize("params", [{"startIndex": "zero"}, {"startIndex": "0"}, {"count": "-3"}])
def test_bad_pagination_is_a_400(scim, ada_id, params):
    assert is_scim_error(scim.get("Users", **params), 400)


@pytest.mark.parametrize("people", [2, 12])
def test_a_list_page_costs_the_same_queries_whatever_the_number_of_people(
    scim, people, django_assert_max_num_queries
):
    ids = [scim.post("Users", okta_user(f"u{n}@acme.test")).json()["id"] for n in range(people)]
    scim.post(
        "Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "SRE", "members": [{"value": i} for i in ids]},
    )
    with django_assert_max_num_queries(8):
        users = scim.get("Users", count=100)
    assert users.json()["totalResults"] == people
    assert all(user["groups"] for user in users.json()["Resources"])
    with django_assert_max_num_queries(8):
        found = scim.get("Users", filter='userName sw "u"')
    assert found.json()["totalResults"] == people
    with django_assert_max_num_queries(8):
        groups = scim.get("Groups")
    assert len(groups.json()["Resources"][0]["members"]) == people
