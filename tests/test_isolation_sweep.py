"""The isolation sweep: every URL pattern of the project, aimed at another organization.

Each pattern is either tenant-scoped (it takes ``org_slug``) and swept, or listed in
``EXEMPT`` with the reason it is not. A new URL is swept without anyone remembering to: a
pattern that is neither swept nor exempt fails, and so does one whose parameters the sweep
does not know how to fill (add a filler to ``FOREIGN_OBJECT_FILLERS``).
"""

import hashlib
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from organizations.roles import Role

from .factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory

ORG_KWARG = "org_slug"

EXEMPT = {
    "home": "lists the signed-in user's own organizations; takes no tenant",
    "healthz": "container health check; reads no tenant data",
    "organization_create": "creates a new organization; names no existing tenant",
    "login": "account page, before any organization",
    "logout": "account page, before any organization",
    "password_change": "account page, the user's own password",
    "password_change_done": "account page, the user's own password",
    "password_reset": "account page, by email address",
    "password_reset_done": "account page, by email address",
    "password_reset_confirm": "account page, by signed one-time token",
    "password_reset_complete": "account page, by email address",
}
EXEMPT_NAMESPACES = {
    "admin": "Django admin: superusers only, unscoped by design",
}


@dataclass
class Route:
    name: str
    namespaces: tuple[str, ...]
    params: tuple[str, ...]


def walk(patterns, namespaces=(), params=()):
    for entry in patterns:
        entry_params = tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, ns, params + entry_params)
        elif isinstance(entry, URLPattern):
            yield Route(entry.name, namespaces, params + entry_params)


def all_routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


def swept_routes() -> list[Route]:
    return [r for r in all_routes() if ORG_KWARG in r.params]


@dataclass
class World:
    """The user's own organization and a foreign one with real objects in it."""

    user: object
    home: object
    foreign: object


# How to fill each URL parameter with the foreign organization's real objects.
# Issues that add object URLs add their parameter here.
FOREIGN_OBJECT_FILLERS = {
    ORG_KWARG: lambda world: world.foreign.slug,
}


def database_fingerprint() -> str:
    """A digest of every row of every model (sessions aside): any write changes it."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model is Session:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest.update(model._meta.label.encode())
        digest.update(repr(list(rows)).encode())
    return digest.hexdigest()


@pytest.fixture
def world(db):
    home = OrganizationFactory(slug="home-org")
    foreign = OrganizationFactory(slug="foreign-org")
    user = UserFactory(username="sweeper")
    MembershipFactory(user=user, organization=home, role=Role.ADMIN)
    foreign_admin = UserFactory(username="foreign-admin")
    MembershipFactory(user=foreign_admin, organization=foreign, role=Role.ADMIN)
    TeamFactory(organization=foreign, name="Foreign team")
    return World(user=user, home=home, foreign=foreign)


def test_every_route_is_swept_or_exempt_with_a_reason():
    unaccounted = []
    for route in all_routes():
        if set(route.namespaces) & set(EXEMPT_NAMESPACES):
            continue
        if route.name is None:
            unaccounted.append(f"unnamed route with params {route.params}")
        elif ORG_KWARG in route.params:
            unknown = set(route.params) - set(FOREIGN_OBJECT_FILLERS)
            if unknown:
                unaccounted.append(f"{route.name}: no sweep filler for {sorted(unknown)}")
        elif route.name not in EXEMPT:
            unaccounted.append(f"{route.name}: not tenant-scoped and not listed in EXEMPT")
    assert not unaccounted, "Routes the isolation sweep does not cover:\n" + "\n".join(unaccounted)


def test_exemptions_name_existing_routes():
    names = {route.name for route in all_routes()}
    assert not set(EXEMPT) - names, "stale entries in EXEMPT"


def test_sweep_covers_the_known_tenant_pages():
    names = {route.name for route in swept_routes()}
    assert {"dashboard", "member_list"} <= names


def _url(route: Route, kwargs: dict) -> str:
    name = ":".join((*route.namespaces, route.name))
    return reverse(name, kwargs={param: kwargs[param] for param in route.params})


def _targets(route: Route, world: World):
    """URLs aimed outside the user's organization: the foreign organization with its objects,
    a slug that does not exist, and (for object URLs) the user's own slug with foreign objects."""
    foreign = {param: FOREIGN_OBJECT_FILLERS[param](world) for param in route.params}
    yield "foreign organization", _url(route, foreign)
    yield "no such organization", _url(route, {**foreign, ORG_KWARG: "no-such-org"})
    if len(route.params) > 1:
        yield "own slug, foreign objects", _url(route, {**foreign, ORG_KWARG: world.home.slug})


@pytest.mark.parametrize("route", swept_routes(), ids=lambda r: r.name)
def test_route_answers_404_outside_the_users_organization(route, world, client):
    client.force_login(world.user)
    before = database_fingerprint()
    for label, url in _targets(route, world):
        for method in ("get", "post"):
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                response = getattr(client, method)(url, headers=headers)
                assert response.status_code == 404, (
                    f"{method.upper()} {url} ({label}, htmx={htmx}) answered "
                    f"{response.status_code}, not 404"
                )
                assert world.foreign.name.encode() not in response.content
    assert database_fingerprint() == before, f"{route.name}: a refused request changed data"


@pytest.mark.parametrize("route", swept_routes(), ids=lambda r: r.name)
def test_route_is_reachable_by_a_member(route, world, client):
    """The sweep's 404s mean something only if the same route works for a member at home."""
    if len(route.params) > 1:
        pytest.skip("object routes are checked by their own feature tests")
    client.force_login(world.user)
    response = client.get(_url(route, {ORG_KWARG: world.home.slug}))
    assert response.status_code in (200, 302, 405)
