"""The add form's near-repeat suggestion: an open item elsewhere in the organization that a new
item nearly repeats is offered (a link to it and a way not to add the new one), never a closed
one, one of the same postmortem, one the writer may not read, or another organization's."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from actionitems.models import ItemStatus
from actionitems.selectors import visible_items
from actionitems.selectors_repeats import near_repeats_fallback
from organizations.roles import Role
from postmortems.models import Postmortem, Visibility
from tests.actionitems.helpers import incident, item
from tests.postmortems.editor.helpers import make_postmortem

EXISTING = "Alert when checkout p99 latency exceeds 800 ms for five minutes"
NEW = "Alert when the checkout p99 latency exceeds 800ms for 5 minutes"


@pytest.fixture
def earlier(org, templates, author):
    return make_postmortem(org, author, incident(org, author))


@pytest.fixture
def current(org, templates, author):
    return make_postmortem(org, author, incident(org, author, services=["checkout"]))


def repeats_url(postmortem, org_slug="acme") -> str:
    kwargs = {"org_slug": org_slug, "number": postmortem.number}
    return reverse("postmortem_action_item_repeats", kwargs=kwargs)


def suggestion(client, postmortem, description: str) -> str:
    response = client.get(repeats_url(postmortem), {"description": description})
    assert response.status_code == 200
    return response.content.decode()


def test_an_open_item_elsewhere_that_is_nearly_repeated_is_offered(
    ann, org, author, earlier, current
):
    existing = item(earlier, author, EXISTING)
    html = suggestion(ann, current, NEW)
    assert f"AI-{existing.number}" in html
    assert f"#action-item-{existing.number}" in html  # the link to it
    assert 'type="reset"' in html  # and "don't add mine"
    assert 'role="status"' in html  # announced, not blocking


def test_different_items_are_not_offered(ann, org, author, earlier, current):
    item(earlier, author, EXISTING)
    assert "AI-" not in suggestion(ann, current, "Write a runbook for the DNS failover")
    assert "AI-" not in suggestion(ann, current, "Alert")  # too short to compare


def test_closed_items_and_items_of_the_same_postmortem_are_not_offered(
    ann, org, author, earlier, current
):
    done = item(earlier, author, EXISTING)
    with scope(organization=org):
        from actionitems import services

        services.action_item_update(
            item=done, actor=author, changes={"status": ItemStatus.COMPLETED}
        )
    item(current, author, EXISTING)
    assert "AI-" not in suggestion(ann, current, NEW)


def test_items_of_a_postmortem_the_writer_may_not_read_are_not_offered(
    ann, org, templates, member_factory, current
):
    ben = member_factory(Role.ENGINEER, username="ben")
    private = make_postmortem(org, ben, incident(org, ben))
    item(private, ben, EXISTING)
    Postmortem.objects.filter(pk=private.pk).update(visibility=Visibility.PRIVATE)
    assert "AI-" not in suggestion(ann, current, NEW)


def test_another_organizations_items_are_never_offered(
    ann, org, other_org, member_factory, current
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    with scopes_disabled():
        from postmortems.services import templates_install_builtins

        templates_install_builtins(organization=other_org)
        theirs = make_postmortem(other_org, outsider, incident(other_org, outsider))
        item(theirs, outsider, EXISTING)
    assert "AI-" not in suggestion(ann, current, NEW)


def test_the_lookup_of_another_organizations_postmortem_is_404(
    client, org, other_org, member_factory, current
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    client.force_login(outsider)
    assert client.get(repeats_url(current), {"description": NEW}).status_code == 404


def test_the_add_form_looks_up_repeats_as_the_writer_types(ann, org, current):
    url = reverse("postmortem_edit", kwargs={"org_slug": "acme", "number": current.number})
    html = ann.get(url).content.decode()
    assert f'hx-get="{repeats_url(current)}"' in html


def test_the_fallback_finds_the_same_repeats(org, author, earlier, current):
    existing = item(earlier, author, EXISTING)
    item(earlier, author, "Write a runbook for the DNS failover")
    with scope(organization=org):
        items = visible_items(organization=org, membership=author.memberships.get()).exclude(
            postmortem=current
        )
        found = near_repeats_fallback(items, NEW, 3)
    assert [i.pk for i in found] == [existing.pk]
