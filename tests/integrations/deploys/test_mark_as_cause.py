"""A suspect change marked as the incident's cause: from the incident page (htmx and without
JavaScript) and the postmortem editor, once, by members who may edit the incident; the draft
generated at resolution lists it as a cause."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from incidents import services as incident_services
from incidents import transitions
from incidents.models import IncidentLink, LinkType, Relationship, Service
from organizations.models import PostmortemPolicy
from organizations.roles import Role
from postmortems.models import Postmortem
from postmortems.services import templates_install_builtins
from tests.incidents.page_helpers import HTMX, url
from tests.integrations.deploys.conftest import release_before


@pytest.fixture
def release(incident, services):
    return _release(incident.organization, services[1])


def _release(organization, service, version="v1.42.0", before=timedelta(minutes=10)):
    return release_before(
        organization, service, version, before, url=f"https://ci.example.com/builds/{version}"
    )


def mark_url(incident, release) -> str:
    return url("release_mark_as_cause", incident, release_id=release.pk)


def cause_links(incident):
    return list(IncidentLink.objects.filter(incident=incident, type=LinkType.RELEASE))


def test_marking_links_the_release_as_a_cause_once(client, engineer, incident, release):
    client.force_login(engineer)
    page = client.get(url("incident_detail", incident)).content.decode()
    assert page.count(">Mark as cause</button>") == 1 and "Linked as cause" not in page

    response = client.post(mark_url(incident, release))
    assert response.status_code == 302
    assert response["Location"] == url("incident_detail", incident) + "#suspect-changes"
    client.post(mark_url(incident, release))  # pressed again: nothing more

    [link] = cause_links(incident)
    assert (link.title, link.url, link.relationship) == (
        "checkout v1.42.0",
        "https://ci.example.com/builds/v1.42.0",
        Relationship.CAUSED_BY,
    )
    assert link.external_id == "release:build-v1.42.0"
    assert link.occurred_at == release.deployed_at
    assert "Version: v1.42.0" in link.details

    page = client.get(url("incident_detail", incident)).content.decode()
    assert "Mark as cause" not in page
    assert "Linked as cause" in page
    assert "linked as a cause" in page  # the flash message
    assert 'class="badge rel rel--caused_by">Caused by</span>' in page  # in linked evidence


def test_htmx_answers_the_panel_and_the_evidence_out_of_band(client, engineer, incident, release):
    client.force_login(engineer)
    html = client.post(mark_url(incident, release), headers=HTMX).content.decode()
    assert html.lstrip().startswith('<section class="card suspects" id="suspect-changes"')
    assert "Linked as cause" in html and "Mark as cause" not in html
    assert '<section id="links" class="card" aria-labelledby="links-title" hx-swap-oob="true">' in (
        html
    )
    assert "checkout v1.42.0" in html


def test_a_release_linked_as_related_becomes_the_cause(client, engineer, incident, release):
    incident_services.link_add(
        incident=incident,
        type=LinkType.RELEASE,
        title="checkout v1.42.0 (by hand)",
        external_id="release:build-v1.42.0",
    )
    client.force_login(engineer)
    client.post(mark_url(incident, release))
    [link] = cause_links(incident)
    assert link.relationship == Relationship.CAUSED_BY
    assert link.title == "checkout v1.42.0 (by hand)"


def test_viewers_see_no_button_and_are_refused(client, member_factory, incident, release):
    client.force_login(member_factory(Role.VIEWER))
    page = client.get(url("incident_detail", incident)).content.decode()
    assert "v1.42.0" in page and "Mark as cause" not in page
    assert client.post(mark_url(incident, release)).status_code == 403
    assert cause_links(incident) == []


def test_another_organizations_release_or_incident_answers_404(
    client, engineer, incident, release, other_org, member_factory
):
    with scopes_disabled():
        theirs = Service.objects.create(organization=other_org, name="checkout")
        their_release = _release(other_org, theirs, "v9")
        their_incident = incident_services.incident_declare(
            organization=other_org,
            actor=None,
            title="Theirs",
            severity="SEV2",
            started_at=incident.started_at,
            services=["checkout"],
        )
    client.force_login(engineer)
    assert client.post(mark_url(incident, their_release)).status_code == 404
    foreign = reverse(
        "release_mark_as_cause",
        kwargs={"org_slug": "globex", "ref": their_incident.ref, "release_id": release.pk},
    )
    assert client.post(foreign).status_code == 404
    client.force_login(member_factory(Role.ADMIN, organization=other_org))
    assert client.post(mark_url(incident, release)).status_code == 404
    assert cause_links(incident) == []


def test_a_release_of_another_service_is_refused_naming_it(client, engineer, incident, services):
    other = _release(incident.organization, services[0], "v7")  # Hello-World's
    client.force_login(engineer)
    response = client.post(mark_url(incident, other))
    assert response.status_code == 400
    assert "Hello-World is not one of" in response.content.decode()
    htmx = client.post(mark_url(incident, other), headers=HTMX)
    assert htmx.status_code == 400 and htmx["HX-Retarget"] == "#messages"
    assert cause_links(incident) == []


def test_get_is_not_allowed_and_a_foreign_next_is_ignored(client, engineer, incident, release):
    client.force_login(engineer)
    assert client.get(mark_url(incident, release)).status_code == 405
    response = client.post(mark_url(incident, release), {"next": "https://evil.example/o/acme/"})
    assert response["Location"] == url("incident_detail", incident) + "#suspect-changes"


def test_the_generated_draft_shows_the_release_as_a_cause(
    client, org, engineer, incident, release, django_capture_on_commit_callbacks
):
    templates_install_builtins(organization=org)
    PostmortemPolicy.objects.update_or_create(organization=org, defaults={"severities": ["SEV2"]})
    client.force_login(engineer)
    client.post(mark_url(incident, release))
    with django_capture_on_commit_callbacks(execute=True):
        transitions.incident_resolve(incident=incident, actor=engineer)
    draft = Postmortem.objects.get(incident=incident, generated=True)
    releases = draft.sections.get(key="linked-evidence").body
    assert "[checkout v1.42.0](https://ci.example.com/builds/v1.42.0) — caused by" in releases

    editor = reverse("postmortem_edit", kwargs={"org_slug": org.slug, "number": draft.number})
    html = client.get(editor).content.decode()
    evidence = html[html.index('class="pm-evidence"') :]
    assert "checkout v1.42.0" in evidence
    assert 'rel--caused_by">Caused by</span>' in evidence
    assert "Linked as cause" in client.get(panel_url(evidence)).content.decode()


def test_the_editor_offers_the_suspects_and_returns_there(client, org, engineer, incident, release):
    templates_install_builtins(organization=org)
    from postmortems.creation import postmortem_create

    draft = postmortem_create(organization=org, actor=engineer, incident=incident)
    editor = reverse("postmortem_edit", kwargs={"org_slug": org.slug, "number": draft.number})
    client.force_login(engineer)
    html = client.get(editor).content.decode()
    evidence = html[html.index('class="pm-evidence"') :]
    panel = client.get(panel_url(evidence)).content.decode()
    assert ">Mark as cause</button>" in panel
    assert 'class="pm-evidence__group suspects suspects--embedded"' in panel
    back = f"{editor}#section-linked-evidence"
    assert f'name="next" value="{back}"' in panel
    response = client.post(mark_url(incident, release), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert len(cause_links(incident)) == 1


def test_linked_suspects_cost_no_more_queries(client, engineer, incident, services, count_queries):
    client.force_login(engineer)
    page = url("incident_detail", incident)
    first = _release(incident.organization, services[1], "v0", timedelta(minutes=1))
    client.post(mark_url(incident, first))
    few = count_queries(lambda: client.get(page))
    for n in range(1, 30):
        more = _release(incident.organization, services[1], f"v{n}", timedelta(minutes=n + 1))
        if n % 2:
            client.post(mark_url(incident, more))
    assert count_queries(lambda: client.get(page)) == few


def panel_url(editor_evidence: str) -> str:
    """The address the editor's linked evidence loads its suspect changes from, once drawn."""
    loader = re.search(r'<div hx-get="([^"]+)"[^>]*data-suspect-changes-loader', editor_evidence)
    assert loader, "the editor's linked evidence loads no suspect changes"
    return html.unescape(loader.group(1))


def test_the_panel_alone_names_only_this_organizations_pages_to_return_to(
    client, org, engineer, incident, release
):
    client.force_login(engineer)
    base = reverse("incident_suspect_changes", kwargs={"org_slug": org.slug, "ref": incident.ref})
    ours = client.get(base, {"embedded": "1", "back": "/o/acme/postmortems/1/edit/"})
    assert 'name="next" value="/o/acme/postmortems/1/edit/"' in ours.content.decode()
    for foreign in ("https://evil.example/o/acme/", "/o/globex/postmortems/1/edit/"):
        panel = client.get(base, {"embedded": "1", "back": foreign}).content.decode()
        assert ">Mark as cause</button>" in panel and 'name="next"' not in panel


def test_the_panel_alone_is_empty_without_suspects_and_404_for_another_organization(
    client, org, other_org, engineer, incident, member_factory
):
    client.force_login(engineer)
    base = reverse("incident_suspect_changes", kwargs={"org_slug": org.slug, "ref": incident.ref})
    response = client.get(base)
    assert response.status_code == 200 and response.content.decode().strip() == ""
    outsider = member_factory(organization=other_org, username="outsider")
    client.force_login(outsider)
    assert client.get(base).status_code == 404
