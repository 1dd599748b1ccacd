"""The notices: on the later incident's page and draft, on the earlier postmortem's read view;
bounded queries; who may mark a recurrence as unrelated, and the tenant boundary."""

import re

import pytest
from django.urls import reverse

from organizations.roles import Role
from postmortems.models import RecurrenceDismissal, Visibility
from tests.factories import MembershipFactory
from tests.postmortems.recurrence.helpers import Maker, add_items, at, set_status

SAID = "Recurred 23 days after all 4 action items"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def incident_url(incident) -> str:
    return reverse(
        "incident_detail", kwargs={"org_slug": incident.organization.slug, "ref": incident.ref}
    )


def read_url(postmortem) -> str:
    return reverse(
        "postmortem_detail",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )


def dismiss_url(world, incident, action="dismiss") -> str:
    return reverse(
        f"recurrence_{action}",
        kwargs={
            "org_slug": world.organization.slug,
            "number": world.postmortem.number,
            "ref": incident.ref,
        },
    )


def test_the_new_incident_page_says_the_fix_did_not_hold(client, world):
    client.force_login(world.author)
    page = text(client.get(incident_url(world.incidents["recurred"])))
    assert f"{SAID} of PM-1 Checkout pool exhausted were completed" in page
    assert "Same service checkout" in page
    assert "Not related?" not in page  # an engineer may not dismiss
    assert SAID not in text(client.get(incident_url(world.incidents["unrelated"])))


def _draft_url(world) -> str:
    draft = Maker(world.organization)
    draft.numbers["postmortem"] = 1
    postmortem = draft.postmortem(world.incidents["recurred"], world.author)
    return reverse(
        "postmortem_edit", kwargs={"org_slug": world.organization.slug, "number": postmortem.number}
    )


def test_the_draft_of_the_new_incident_says_so_too(client, world):
    client.force_login(world.author)
    response = client.get(_draft_url(world))
    assert response.status_code == 200
    assert f"{SAID} of PM-1 Checkout pool exhausted were completed" in text(response)


def test_the_earlier_postmortem_links_to_the_recurrence(client, world):
    client.force_login(world.author)
    response = client.get(read_url(world.postmortem))
    incident = world.incidents["recurred"]
    assert f"{SAID} were completed: {incident.ref} Checkout timeouts again" in text(response)
    assert f'href="{incident_url(incident)}"' in response.content.decode()


def test_a_postmortem_the_viewer_may_not_read_stays_unnamed(client, world, member_factory):
    world.postmortem.visibility = Visibility.PRIVATE
    world.postmortem.save(update_fields=["visibility"])
    viewer = member_factory(Role.VIEWER, username="vic")
    client.force_login(viewer)
    page = text(client.get(incident_url(world.incidents["recurred"])))
    assert "of the postmortem of " + world.incidents["first"].ref in page
    assert "Checkout pool exhausted" not in page


def test_incomplete_or_wont_do_items_show_nothing(client, world):
    set_status(world.items[0], world.author, "WONT_DO", wont_do_reason="Out of scope")
    client.force_login(world.author)
    assert "Recurred" not in text(client.get(incident_url(world.incidents["recurred"])))
    assert "Recurred" not in text(client.get(read_url(world.postmortem)))


def _more_fixes_and_recurrences(world, n: int) -> None:
    make = Maker(world.organization)
    make.numbers = {"incident": 100, "postmortem": 100}
    checkout = world.services["checkout"]
    for i in range(n):
        earlier = make.incident(at(f"2026-01-0{1 + i % 5}T08:00"), [checkout])
        postmortem = make.postmortem(earlier, world.author)
        for item in add_items(postmortem, world.author, 2):
            set_status(item, world.author, "COMPLETED", at("2026-01-26T08:00"))
        make.incident(at(f"2026-02-0{1 + i % 9}T08:00"), [checkout])


@pytest.mark.parametrize("page", ["incident", "read", "draft"])
def test_the_pages_run_a_bounded_number_of_queries(client, world, count_queries, page):
    client.force_login(world.author)
    targets = {
        "incident": lambda: incident_url(world.incidents["recurred"]),
        "read": lambda: read_url(world.postmortem),
        "draft": lambda: _draft_url(world),
    }
    target = targets[page]()
    client.get(target)  # warm the session
    small = count_queries(lambda: client.get(target))
    _more_fixes_and_recurrences(world, 6)
    large_page = client.get(target)
    assert text(large_page).count("Recurred") >= 6
    assert count_queries(lambda: client.get(target)) == small


# --- Marking as unrelated -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, False),
        (Role.ENGINEER, False),
        (Role.REVIEWER, False),
        (Role.MANAGER, True),
        (Role.ADMIN, True),
    ],
)
def test_who_may_mark_a_recurrence_as_unrelated(client, world, member_factory, role, allowed):
    user = member_factory(role, username=f"u-{role.lower()}")
    client.force_login(user)
    incident = world.incidents["recurred"]
    response = client.post(dismiss_url(world, incident), {"reason": "A network blip"})
    assert response.status_code == (302 if allowed else 403)
    assert RecurrenceDismissal.objects.exists() is allowed
    if not allowed:
        RecurrenceDismissal.objects.create(
            organization=world.organization,
            postmortem=world.postmortem,
            incident=incident,
            reason="Set up",
        )
    undo = client.post(dismiss_url(world, incident, "restore"))
    assert undo.status_code == (302 if allowed else 403)
    assert RecurrenceDismissal.objects.exists() is not allowed


def test_a_dismissal_leaves_the_notices_and_undo_brings_it_back(client, world):
    client.force_login(world.manager)
    incident = world.incidents["recurred"]
    back = incident_url(incident)
    response = client.post(
        dismiss_url(world, incident), {"reason": "Card network outage", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    page = text(client.get(back))
    assert SAID not in page
    assert "1 marked as unrelated" in page and "Card network outage" in page
    assert SAID not in text(client.get(read_url(world.postmortem)))
    client.post(dismiss_url(world, incident, "restore"), {"next": back})
    assert SAID in text(client.get(back))


@pytest.mark.parametrize("data", [{}, {"reason": "   "}])
def test_a_missing_reason_is_a_400_naming_the_field(client, world, data):
    client.force_login(world.manager)
    response = client.post(dismiss_url(world, world.incidents["recurred"]), data)
    assert response.status_code == 400
    assert "Say why this incident is not a recurrence." in text(response)
    assert 'name="reason"' in response.content.decode()
    assert not RecurrenceDismissal.objects.exists()


def test_an_incident_that_is_no_recurrence_is_a_400(client, world):
    client.force_login(world.manager)
    response = client.post(dismiss_url(world, world.incidents["unrelated"]), {"reason": "x"})
    assert response.status_code == 400
    assert "is not a recurrence of PM-1" in text(response)


def test_the_form_alone_without_javascript(client, world):
    client.force_login(world.manager)
    response = client.get(dismiss_url(world, world.incidents["recurred"]))
    assert response.status_code == 200
    assert "Why is this not a recurrence?" in text(response)


def test_another_organization_answers_404(client, world, other_org, member_factory):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="olga")
    client.force_login(outsider)
    incident = world.incidents["recurred"]
    assert client.post(dismiss_url(world, incident), {"reason": "x"}).status_code == 404
    assert client.get(incident_url(incident)).status_code == 404
    MembershipFactory(user=outsider, organization=world.organization, role=Role.MANAGER)
    wrong_ref = reverse(
        "recurrence_dismiss",
        kwargs={"org_slug": world.organization.slug, "number": 1, "ref": "INC-1999-0001"},
    )
    assert client.post(wrong_ref, {"reason": "x"}).status_code == 404
    assert not RecurrenceDismissal.objects.exists()
