"""The isolation sweep: every URL pattern of the project, aimed at another organization.

Each pattern is either tenant-scoped (it takes ``org_slug``) and swept, or listed in
``EXEMPT`` with the reason it is not. A new URL is swept without anyone remembering to: a
pattern that is neither swept nor exempt fails, and so does one whose parameters the sweep
does not know how to fill (add a filler to ``FILLERS``).
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_scopes import scope

from actionitems.models import ActionItem
from identity.models import EmailDomain
from incidents import services as incident_services
from incidents.models import Service
from integrations.models import InboundDelivery, MetricQuery, Release, WebhookEndpoint
from integrations.pagerduty_import.models import ImportStatus, PagerDutyImport
from integrations.trackers.models import TrackerConnection, TrackerTarget
from organizations.models import Invitation, Notification
from organizations.roles import Role
from organizations.services import api_token_create, hash_token
from postmortems.models import (
    Comment,
    ExportJob,
    Postmortem,
    ReviewMeeting,
    Revision,
    Section,
    ShareLink,
)
from postmortems.services import templates_install_builtins
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory

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
    "share_public": "public share link: the token names its organization (test_public_share)",
    "share_public_pdf": "public share link: the token names its organization (test_public_share)",
    "share_public_json": "public share link: the token names its organization (test_public_share)",
    "invitation_accept": "by single-use token, which names its organization (test_invitations)",
    "oidc_login_start": "starts the OIDC sign-in of the organization named by its slug "
    "(tests/identity/routing)",
    "saml_login": "starts the SAML sign-in of the organization named by its slug (tests/identity)",
    "saml_finish_acs": "finishes a SAML sign-in this browser started (tests/identity/saml)",
    "saml_metadata": "the SP metadata of a live provider: public by design (tests/identity/saml)",
    "organization_login": "starts the organization's SSO for anyone, before sign-in; an unknown "
    "organization and one without SSO answer alike (tests/identity/routing)",
    "inbound_hook": "a source's webhook: the endpoint's id and secret name its organization "
    "(tests/integrations/intake/test_receive)",
    "tracker_oauth_callback": "an OAuth provider's redirect: only a state this session started "
    "names its organization, whose own finish page (swept) checks the admin "
    "(tests/integrations/trackers/oauth)",
}
# Views of the sign-in library (allauth: password and two-factor sign-in, an organization's
# OIDC or SAML sign-in by its slug, which starts or finishes a sign-in and reads no tenant data
# until it has verified the provider's answer: tests/identity).
EXEMPT_MODULES = {
    "allauth.": "allauth's account, two-factor and social sign-in pages (tests/identity)",
}
EXEMPT_NAMESPACES = {
    "admin": "Django admin: superusers only, unscoped by design",
    "api": "API v1: organization from the bearer token; swept by tests/test_api_isolation_sweep.py",
    "scim": "SCIM: organization from its provisioning token; tests/identity/scim/test_boundaries",
}


@dataclass
class Route:
    name: str
    namespaces: tuple[str, ...]
    params: tuple[str, ...]
    module: str = ""  # the URL configuration that declares it


def walk(patterns, namespaces=(), params=(), urlconf=""):
    for entry in patterns:
        entry_params = tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            module = getattr(entry.urlconf_module, "__name__", urlconf)
            yield from walk(entry.url_patterns, ns, params + entry_params, module)
        elif isinstance(entry, URLPattern):
            yield Route(entry.name, namespaces, params + entry_params, urlconf)


def all_routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


def swept_routes() -> list[Route]:
    return [r for r in all_routes() if ORG_KWARG in r.params]


@dataclass
class World:
    """The user's own organization and a foreign one, each with real objects in it."""

    user: object
    home: object
    foreign: object
    objects: dict  # {"home": {...}, "foreign": {...}}


# How to fill each URL parameter from a side's objects ("home" or "foreign").
# Issues that add object URLs add their parameter here.
FILLERS = {
    ORG_KWARG: lambda side: side["organization"].slug,
    "ref": lambda side: side["incident"].ref,
    "entry_id": lambda side: side["entry"].pk,
    "link_id": lambda side: side["link"].pk,
    "metric": lambda side: side["metric"].key,
    "number": lambda side: side["postmortem"].number,
    "revision": lambda side: side["revision"].number,
    "section_key": lambda side: side["section"].key,
    "comment_id": lambda side: side["comment"].pk,
    "notification_id": lambda side: side["notification"].pk,
    "role": lambda side: "editors",
    "item": lambda side: side["action_item"].number,
    "token_id": lambda side: side["token"].pk,
    "team_id": lambda side: side["team"].pk,
    "username": lambda side: side["member"].username,
    "invitation_id": lambda side: side["invitation"].pk,
    "share_link_id": lambda side: side["share_link"].pk,
    "template_id": lambda side: side["template"].pk,
    "section_id": lambda side: side["template_section"].pk,
    "fmt": lambda side: "md",
    "job_id": lambda side: side["export_job"].pk,
    "chart": lambda side: "created",
    "turn": lambda side: "off",
    "domain_id": lambda side: side["email_domain"].pk,
    "endpoint_id": lambda side: side["webhook_endpoint"].pk,
    "delivery_id": lambda side: side["inbound_delivery"].pk,
    "metric_query_id": lambda side: side["metric_query"].pk,
    "release_id": lambda side: side["release"].pk,
    "run_id": lambda side: side["pagerduty_import"].pk,
    "target_id": lambda side: side["tracker_target"].pk,
    "connection_id": lambda side: side["tracker_connection"].pk,
}
# Parameters that name no object (a fixed word of the URL): nothing to take from elsewhere.
WORDS = {"role", "fmt", "chart", "turn"}


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


def _objects_of(organization, *, incidents: int) -> dict:
    """Real objects of every kind the URLs name. The foreign side gets more incidents so that
    its reference numbers do not exist at home."""
    with scope(organization=organization):
        for _ in range(incidents):
            incident = incident_services.incident_declare(
                organization=organization,
                actor=None,
                title=f"{organization.slug} outage",
                severity="SEV2",
                started_at=timezone.now() - timedelta(hours=2),
            )
        entry = incident_services.timeline_entry_add(
            incident=incident, actor=None, occurred_at=timezone.now(), description="entry"
        )
        link = incident_services.link_add(
            incident=incident, type="ALERT", title="alert", url="https://alerts.example.com/1"
        )
        metric = incident_services.metric_series_set(
            incident=incident,
            key=f"errorRate{organization.pk}",
            name="Error rate",
            unit="%",
            points=[(timezone.now(), 1.0)],
        )
    postmortem, section, revision, comment = _postmortem_of(organization, incident, count=incidents)
    for number in range(1, incidents + 1):  # the foreign numbers do not exist at home
        action_item = ActionItem.objects.create(
            organization=organization,
            number=number,
            postmortem=postmortem,
            section_key=section.key,
            description=f"Follow-up {number} in {organization.slug}",
        )
    with scope(organization=organization):
        share_link = ShareLink.objects.create(
            organization=organization,
            postmortem=postmortem,
            token_hash=hash_token(f"sweep-{organization.slug}"),
            prefix="sweep",
        )
        ReviewMeeting.objects.create(
            organization=organization,
            postmortem=postmortem,
            starts_at=timezone.now() + timedelta(days=1),
            uid=f"sweep-{organization.slug}",
        )
    template = templates_install_builtins(organization=organization)[0]
    return {
        "template": template,
        "template_section": template.sections.first(),
        "share_link": share_link,
        "organization": organization,
        "incident": incident,
        "entry": entry,
        "link": link,
        "metric": metric,
        "postmortem": postmortem,
        "section": section,
        "revision": revision,
        "comment": comment,
        "action_item": action_item,
    }


def _postmortem_of(organization, incident, *, count: int):
    """``count`` postmortems, each with ``count`` revisions; the last one's section key is
    unique to the organization, so foreign numbers, revisions and keys do not exist at home.
    The last one reviews the incident (an incident has one postmortem at most)."""
    for number in range(1, count + 1):
        postmortem = Postmortem.objects.create(
            organization=organization,
            number=number,
            title=f"Review {number}",
            incident=incident if number == count else None,
        )
        section = Section.objects.create(
            organization=organization,
            postmortem=postmortem,
            key=f"summary-{organization.slug}",
            title="Summary",
        )
        for revision_number in range(1, count + 1):
            revision = Revision.objects.create(
                organization=organization,
                postmortem=postmortem,
                number=revision_number,
                snapshot={"title": postmortem.title, "sections": []},
            )
    comment = Comment.objects.create(
        organization=organization,
        postmortem=postmortem,
        section_key=section.key,
        body=f"A question on {organization.slug}",
    )
    return postmortem, section, revision, comment


@pytest.fixture
def world(db):
    home = OrganizationFactory(slug="home-org")
    foreign = OrganizationFactory(slug="foreign-org", name="Foreign Organization")
    user = UserFactory(username="sweeper")
    MembershipFactory(user=user, organization=home, role=Role.ADMIN)
    foreign_admin = UserFactory(username="foreign-admin")
    MembershipFactory(user=foreign_admin, organization=foreign, role=Role.ADMIN)
    TeamFactory(organization=foreign, name="Foreign team")
    objects = {
        "home": _objects_of(home, incidents=1),
        "foreign": _objects_of(foreign, incidents=2),
    }
    for side, organization, recipient in (
        ("home", home, user),
        ("foreign", foreign, foreign_admin),
    ):
        objects[side]["notification"] = Notification.objects.create(
            organization=organization,
            recipient=recipient,
            kind="MENTIONED",
            title=f"A note in {organization.slug}",
            url=f"/o/{organization.slug}/",
        )
        objects[side]["token"] = api_token_create(
            organization=organization, user=recipient, name=f"token of {organization.slug}"
        )[0]
        objects[side]["member"] = recipient
        objects[side]["export_job"] = ExportJob.objects.create(
            organization=organization, requested_by=recipient
        )
        objects[side]["team"] = TeamFactory(organization=organization, name=f"Team of {side}")
        objects[side]["invitation"] = Invitation.objects.create(
            organization=organization,
            email=f"invitee@{organization.slug}.example",
            token_hash=hash_token(f"invitation of {organization.slug}"),
            expires_at=timezone.now() + timedelta(days=7),
        )
        objects[side]["email_domain"] = EmailDomain.objects.create(
            organization=organization,
            domain=f"{organization.slug}.example",
            verification_token=f"sweep-{organization.slug}",
        )
        endpoint = objects[side]["webhook_endpoint"] = WebhookEndpoint.objects.create(
            organization=organization,
            kind="alertmanager",
            name=f"Alertmanager of {side}",
            public_id=f"sweep-{organization.slug}",
            secret_hash=hash_token(f"hook of {organization.slug}"),
        )
        objects[side]["inbound_delivery"] = InboundDelivery.objects.create(
            organization=organization, endpoint=endpoint, event_id="sweep", body="{}"
        )
        objects[side]["metric_query"] = MetricQuery.objects.create(
            organization=organization,
            service=Service.objects.create(organization=organization, name=f"svc-{side}"),
            key="errorRate",
            name="Error rate",
            promql="up",
        )
        objects[side]["release"] = Release.objects.create(
            organization=organization,
            service=objects[side]["metric_query"].service,
            version="v1",
            deployed_at=timezone.now() - timedelta(hours=3),
            source="release",
            external_id=f"sweep-{side}",
        )
        now = timezone.now()
        objects[side]["pagerduty_import"] = PagerDutyImport.objects.create(
            organization=organization,
            status=ImportStatus.FAILED,
            since=now - timedelta(days=30),
            until=now,
            window_since=now - timedelta(days=30),
        )
        tracker = TrackerConnection.objects.create(
            organization=organization,
            kind="github",
            base_url="https://api.github.com",
            token=f"token of {side}",
            target=f"{organization.slug}/api",
        )
        objects[side]["tracker_connection"] = tracker
        objects[side]["tracker_target"] = TrackerTarget.objects.create(
            organization=organization,
            connection=tracker,
            team=objects[side]["team"],
            target=f"{organization.slug}/ops",
        )
    return World(user=user, home=home, foreign=foreign, objects=objects)


def test_every_route_is_swept_or_exempt_with_a_reason():
    unaccounted = []
    for route in all_routes():
        if set(route.namespaces) & set(EXEMPT_NAMESPACES):
            continue
        if route.module.startswith(tuple(EXEMPT_MODULES)):
            continue
        if route.name is None:
            unaccounted.append(f"unnamed route with params {route.params}")
        elif ORG_KWARG in route.params:
            unknown = set(route.params) - set(FILLERS)
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


def _fill(route: Route, world: World, foreign_params: set[str]) -> dict:
    return {
        param: FILLERS[param](world.objects["foreign" if param in foreign_params else "home"])
        for param in route.params
    }


def _targets(route: Route, world: World):
    """URLs aimed outside the user's organization: the foreign organization with its objects,
    a slug that does not exist, and, for each object parameter, the user's own organization
    and objects with that one object taken from the foreign organization."""
    everything_foreign = _fill(route, world, set(route.params))
    yield "foreign organization", _url(route, everything_foreign)
    yield "no such organization", _url(route, {**everything_foreign, ORG_KWARG: "no-such-org"})
    for param in route.params:
        if param != ORG_KWARG and param not in WORDS:
            yield f"own organization, foreign {param}", _url(route, _fill(route, world, {param}))


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
    client.force_login(world.user)
    response = client.get(_url(route, _fill(route, world, set())))
    assert response.status_code in (200, 302, 405)
