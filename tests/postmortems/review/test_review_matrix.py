"""Who may do what, in which status (DESIGN §3): every ROLE × STATUS × ACTION cell, checked
through three layers — the services, the pages and the API — against ONE table.

The world is built once for the module by driving the real workflow: four postmortems by the
same author, each with an invited editor and an assigned reviewer, taken to DRAFT, IN_REVIEW,
PUBLISHED and ARCHIVED. It lives in a transaction that is rolled back at the end of the module;
each cell runs in its own savepoint, so a cell that changes something (a submit, an archive)
leaves the next cell the world as it was.

A cell is ``ok`` (it happens, and its effect is seen), 403 (the person never has this right:
judged before the status), 409 (they have the right, but not in this status) or 404 (not a
member: the postmortem does not exist for them). Every refusal changes nothing.
"""

from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from organizations.models import Membership, Organization
from organizations.roles import Role
from organizations.services import api_token_create
from postmortems import creation, selectors, services
from postmortems.comments import services as services_comments
from postmortems.models import (
    Comment,
    Postmortem,
    PostmortemStatus,
    Review,
    Section,
    Template,
    Visibility,
)
from postmortems.permissions import Access
from postmortems.review import people as services_people
from postmortems.review import transitions
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

OK = "ok"

# --- THE table ---------------------------------------------------------------------------------
# Rows: action × status. Columns: who. From DESIGN §3:
#   read      any member, every status (visibility ORGANIZATION); non-members 404.
#   edit      DRAFT: author, invited editor, admin · IN_REVIEW: those and the assigned reviewer ·
#             PUBLISHED / ARCHIVED: admin only. No 409: outside these, 403.
#   comment   engineer or higher, invited editors, assigned reviewers; DRAFT / IN_REVIEW else 409.
#   submit    author, invited editor, admin; DRAFT else 409.
#   approve / request_changes   the assigned reviewer (not the author); IN_REVIEW else 409.
#   archive   admin; PUBLISHED else 409.
# "reviewer" has the reviewer role but is not assigned; "editor" is an engineer invited to edit;
# "assigned" has the reviewer role and is assigned; "author" is an engineer; "outsider" is an
# admin of another organization only.

TABLE = """
action           status     viewer engineer reviewer manager admin editor assigned author outsider
read             DRAFT      ok     ok       ok       ok      ok    ok     ok       ok     404
read             IN_REVIEW  ok     ok       ok       ok      ok    ok     ok       ok     404
read             PUBLISHED  ok     ok       ok       ok      ok    ok     ok       ok     404
read             ARCHIVED   ok     ok       ok       ok      ok    ok     ok       ok     404
edit             DRAFT      403    403      403      403     ok    ok     403      ok     404
edit             IN_REVIEW  403    403      403      403     ok    ok     ok       ok     404
edit             PUBLISHED  403    403      403      403     ok    403    403      403    404
edit             ARCHIVED   403    403      403      403     ok    403    403      403    404
comment          DRAFT      403    ok       ok       ok      ok    ok     ok       ok     404
comment          IN_REVIEW  403    ok       ok       ok      ok    ok     ok       ok     404
comment          PUBLISHED  403    409      409      409     409   409    409      409    404
comment          ARCHIVED   403    409      409      409     409   409    409      409    404
submit           DRAFT      403    403      403      403     ok    ok     403      ok     404
submit           IN_REVIEW  403    403      403      403     409   409    403      409    404
submit           PUBLISHED  403    403      403      403     409   409    403      409    404
submit           ARCHIVED   403    403      403      403     409   409    403      409    404
approve          DRAFT      403    403      403      403     403   403    409      403    404
approve          IN_REVIEW  403    403      403      403     403   403    ok       403    404
approve          PUBLISHED  403    403      403      403     403   403    409      403    404
approve          ARCHIVED   403    403      403      403     403   403    409      403    404
request_changes  DRAFT      403    403      403      403     403   403    409      403    404
request_changes  IN_REVIEW  403    403      403      403     403   403    ok       403    404
request_changes  PUBLISHED  403    403      403      403     403   403    409      403    404
request_changes  ARCHIVED   403    403      403      403     403   403    409      403    404
archive          DRAFT      403    403      403      403     409   403    403      403    404
archive          IN_REVIEW  403    403      403      403     409   403    403      403    404
archive          PUBLISHED  403    403      403      403     ok    403    403      403    404
archive          ARCHIVED   403    403      403      403     409   403    403      403    404
"""


def parse_table(text: str) -> dict[tuple[str, str, str], str | int]:
    header, *rows = [line.split() for line in text.strip().splitlines()]
    people = header[2:]
    expected = {}
    for action, status, *outcomes in rows:
        assert len(outcomes) == len(people), f"{action} {status}: {len(outcomes)} columns"
        for person, outcome in zip(people, outcomes, strict=True):
            expected[action, status, person] = OK if outcome == OK else int(outcome)
    return expected


EXPECTED = parse_table(TABLE)
PEOPLE = TABLE.strip().splitlines()[0].split()[2:]
STATUSES = [s.value for s in PostmortemStatus]  # DRAFT, IN_REVIEW, PUBLISHED, ARCHIVED
ACTIONS = list(dict.fromkeys(action for action, _, _ in EXPECTED))
ROLES = {
    "viewer": Role.VIEWER,
    "engineer": Role.ENGINEER,
    "reviewer": Role.REVIEWER,
    "manager": Role.MANAGER,
    "admin": Role.ADMIN,
    "editor": Role.ENGINEER,
    "assigned": Role.REVIEWER,
    "author": Role.ENGINEER,
}
NO_API = {"comment"}  # there is no comment API


def cells(actions=ACTIONS):
    return [
        pytest.param(action, status, person, id=f"{action}-{status.lower()}-{person}")
        for action in actions
        for status in STATUSES
        for person in PEOPLE
    ]


def test_the_table_is_complete():
    assert set(PEOPLE) == {*ROLES, "outsider"}
    assert len(EXPECTED) == len(ACTIONS) * len(STATUSES) * len(PEOPLE) == 7 * 4 * 9
    assert set(EXPECTED.values()) == {OK, 403, 404, 409}


# --- The world ---------------------------------------------------------------------------------

FILLED = {
    "summary": "Checkouts failed for 40 minutes.",
    "timeline": "14:02 deploy · 14:05 alert · 14:40 rollback.",
    "what-happened-and-why": "A migration locked the orders table.",
    "action-items": "Add a lint rule for locking migrations.",
}
EDITED = "Rewritten by whoever holds the pen."


@dataclass
class World:
    org: Organization
    people: dict[str, object]  # person -> user
    tokens: dict[str, str]  # person -> plain API token
    postmortems: dict[str, int] = field(default_factory=dict)  # status -> pk

    def postmortem(self, status: str) -> Postmortem:
        """Read afresh for every cell: transitions change the instance they are given."""
        return Postmortem.objects.select_related("organization", "author").get(
            pk=self.postmortems[status]
        )

    def membership(self, person: str) -> Membership | None:
        return Membership.objects.filter(organization=self.org, user=self.people[person]).first()


def build_world() -> World:
    org = OrganizationFactory(slug="matrix", name="Matrix Inc")
    elsewhere = OrganizationFactory(slug="elsewhere", name="Elsewhere Ltd")
    people, tokens = {}, {}
    for person, role in ROLES.items():
        people[person] = UserFactory(username=f"m-{person}")
        MembershipFactory(user=people[person], organization=org, role=role)
        tokens[person] = api_token_create(organization=org, user=people[person], name="matrix")[1]
    people["outsider"] = UserFactory(username="m-outsider")
    MembershipFactory(user=people["outsider"], organization=elsewhere, role=Role.ADMIN)
    tokens["outsider"] = api_token_create(
        organization=elsewhere, user=people["outsider"], name="matrix"
    )[1]
    world = World(org, people, tokens)

    services.templates_install_builtins(organization=org)
    template = Template.objects.get(organization=org, builtin_key="lightweight")
    author, assigned, admin = people["author"], people["assigned"], people["admin"]
    for status in STATUSES:
        postmortem = creation.postmortem_create(
            organization=org, actor=author, template=template, title=f"Outage ({status})"
        )
        postmortem = services.postmortem_save(
            postmortem=postmortem, actor=author, base_version=postmortem.version, sections=FILLED
        )
        services_people.editor_invite(postmortem=postmortem, actor=author, user=people["editor"])
        services_people.reviewer_assign(postmortem=postmortem, actor=author, user=assigned)
        if status != PostmortemStatus.DRAFT:
            transitions.postmortem_submit(postmortem=postmortem, actor=author)
        if status in (PostmortemStatus.PUBLISHED, PostmortemStatus.ARCHIVED):
            transitions.postmortem_approve(postmortem=postmortem, actor=assigned)
        if status == PostmortemStatus.ARCHIVED:
            transitions.postmortem_archive(postmortem=postmortem, actor=admin)
        world.postmortems[status] = postmortem.pk
        made = world.postmortem(status)
        assert made.status == status and made.visibility == Visibility.ORGANIZATION
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once, in a transaction rolled back after the module (as ``setUpTestData``)."""
    with django_db_blocker.unblock(), scopes_disabled():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def org(world):
    """The matrix's organization: each cell's body runs in its scope (``tests/conftest.py``),
    as a request of one of its members would."""
    return world.org


@pytest.fixture
def cell_world(world, org, db):
    """The module's world, inside this test's savepoint."""
    return world


# --- What a cell changes -----------------------------------------------------------------------


def fingerprint(postmortem: Postmortem) -> dict:
    row = Postmortem.objects.filter(pk=postmortem.pk).values(
        "status", "version", "title", "review_round", "archived_at", "published_at"
    )[0]
    return {
        **row,
        "bodies": dict(
            Section.objects.filter(postmortem=postmortem).values_list("key", "body").order_by("key")
        ),
        "comments": Comment.objects.filter(postmortem=postmortem).count(),
        "reviews": sorted(
            Review.objects.filter(postmortem=postmortem).values_list(
                "reviewer_id", "round", "decision"
            )
        ),
    }


def assert_effect(action: str, before: dict, after: dict) -> None:
    """An allowed action did what it says; a read changed nothing."""
    expected_status = {
        "submit": PostmortemStatus.IN_REVIEW,
        "approve": PostmortemStatus.PUBLISHED,  # one approval is the default requirement
        "request_changes": PostmortemStatus.DRAFT,
        "archive": PostmortemStatus.ARCHIVED,
    }
    if action == "read":
        assert after == before
    elif action == "edit":
        assert after["bodies"]["summary"] == EDITED and after["version"] == before["version"] + 1
    elif action == "comment":
        assert after["comments"] == before["comments"] + 1
    else:
        assert after["status"] == expected_status[action], after["status"]


def check(world: World, action: str, status: str, person: str, run) -> None:
    """Run one cell through ``run`` (which answers an outcome) and hold it to the table."""
    postmortem = world.postmortem(status)
    before = fingerprint(postmortem)
    outcome = run(world, postmortem, person, action)
    after = fingerprint(postmortem)
    expected = EXPECTED[action, status, person]
    assert outcome == expected, f"{action} on {status} by {person}: {outcome}, not {expected}"
    if outcome == OK:
        assert_effect(action, before, after)
    else:
        assert after == before, f"a refused {action} changed the postmortem"


# --- Layer 1: services -------------------------------------------------------------------------


def service_call(world: World, postmortem: Postmortem, person: str, action: str):
    """The service a view or the API would call, called directly."""
    user = world.people[person]
    if action == "read":
        return lambda: Access(user, world.membership(person), postmortem).can_read or deny()
    if action == "edit":
        return lambda: (
            (
                Access(user, world.membership(person), postmortem).can_edit
                and services.postmortem_save(
                    postmortem=postmortem,
                    actor=user,
                    base_version=postmortem.version,
                    sections={"summary": EDITED},
                )
            )
            or deny()
        )
    if action == "comment":
        return lambda: services_comments.comment_add(
            postmortem=postmortem, actor=user, body="Is the 14:05 alert the first signal?"
        )
    if action == "submit":
        return lambda: transitions.postmortem_submit(postmortem=postmortem, actor=user)
    if action == "approve":
        return lambda: transitions.postmortem_approve(
            postmortem=postmortem, actor=user, comment="Clear and blameless."
        )
    if action == "request_changes":
        return lambda: transitions.postmortem_request_changes(
            postmortem=postmortem, actor=user, comment="Say why the alert was late."
        )
    if action == "archive":
        return lambda: transitions.postmortem_archive(postmortem=postmortem, actor=user)
    raise AssertionError(action)


def deny():
    raise PermissionDenied("refused by permissions.Access")


def outcome_of(call) -> str | int:
    try:
        with transaction.atomic():
            call()
    except PermissionDenied:
        return 403
    except (transitions.TransitionError, services_comments.CommentsClosed):
        return 409
    except ValidationError as error:
        return f"400 {error}"
    return OK


def through_services(world: World, postmortem: Postmortem, person: str, action: str):
    found = selectors.postmortem_by_number(
        organization=world.org, number=postmortem.number, membership=world.membership(person)
    )
    call = service_call(world, postmortem, person, action)
    if found is None:
        # The lookup every view and the API go through hides it (404); called anyway, the
        # service still refuses on its own.
        assert outcome_of(call) == 403, f"{action} by a non-member was not refused"
        return 404
    return outcome_of(call)


@pytest.mark.parametrize(("action", "status", "person"), cells())
def test_services(cell_world, action, status, person):
    check(cell_world, action, status, person, through_services)


# --- Layer 2: pages ----------------------------------------------------------------------------

PAGE_SUCCESS = {200, 201, 204, 302, 303}


def page_request(world: World, postmortem: Postmortem, action: str):
    """(method, URL name, extra URL kwargs, POST data) of the page endpoint for ``action``."""
    if action == "read":
        return "get", "postmortem_detail", {}, None
    if action == "edit":
        current = Section.objects.get(postmortem=postmortem, key="summary").body
        data = {
            "body": EDITED,
            "version": postmortem.version,
            "base_digest": services.content_digest(current),
        }
        return "post", "postmortem_section_save", {"section_key": "summary"}, data
    if action == "comment":
        return "post", "postmortem_comments", {}, {"body": "Is this the first signal?"}
    names = {
        "submit": ("postmortem_submit", {"confirm": "1"}),
        "approve": ("postmortem_approve", {"comment": "Clear and blameless."}),
        "request_changes": ("postmortem_request_changes", {"comment": "Say why it was late."}),
        "archive": ("postmortem_archive", {"confirm": "1"}),
    }
    name, data = names[action]
    return "post", name, {}, data


def through_pages(world: World, postmortem: Postmortem, person: str, action: str):
    client = Client()
    client.force_login(world.people[person])
    method, name, kwargs, data = page_request(world, postmortem, action)
    path = reverse(name, kwargs={"org_slug": "matrix", "number": postmortem.number, **kwargs})
    response = getattr(client, method)(path, data) if data is not None else client.get(path)
    code = response.status_code
    return OK if code in PAGE_SUCCESS else code


@pytest.mark.parametrize(("action", "status", "person"), cells())
def test_pages(cell_world, action, status, person):
    check(cell_world, action, status, person, through_pages)


# --- Layer 3: API ------------------------------------------------------------------------------


def through_api(world: World, postmortem: Postmortem, person: str, action: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.tokens[person]}")
    base = f"/api/v1/postmortems/{postmortem.number}"
    if action == "read":
        response = client.get(base)
    elif action == "edit":
        body = {"version": postmortem.version, "sections": {"summary": EDITED}}
        response = client.patch(base, body, format="json")
    elif action == "submit":
        response = client.post(f"{base}/submit", {}, format="json")
    elif action in ("approve", "request_changes"):
        body = {"decision": action, "comment": "Say why the alert was late."}
        response = client.post(f"{base}/reviews", body, format="json")
    elif action == "archive":
        response = client.post(f"{base}/archive", format="json")
    else:
        raise AssertionError(action)
    code = response.status_code
    return OK if code == 200 else code


@pytest.mark.parametrize(
    ("action", "status", "person"), cells([a for a in ACTIONS if a not in NO_API])
)
def test_api(cell_world, action, status, person):
    check(cell_world, action, status, person, through_api)
