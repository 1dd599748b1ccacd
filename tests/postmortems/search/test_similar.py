"""Similar incidents: ranking, the reasons shown, action-item progress, visibility, the SQLite
fallback, and the incident page, the editor and the search page showing them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from actionitems import services as item_services
from actionitems.models import ItemStatus
from organizations.roles import Role
from postmortems.models import RootCauseCategory, Visibility
from postmortems.search import similar, similar_unwritten
from postmortems.search.indexing import is_postgres
from postmortems.search.similar import readable_candidates, similar_incidents
from postmortems.search.similar_fallback import Candidate, fallback_score, similar_fallback
from postmortems.search.similar_probes import Probe, incident_probe, postmortem_probe
from tests.postmortems.read.helpers import resolved_incident
from tests.postmortems.search.helpers import T0, page, write

CONFIG = RootCauseCategory.CONFIGURATION_ERROR
CAPACITY = RootCauseCategory.CAPACITY


def earlier_incident(org, actor, title, services, days_before):
    return resolved_incident(
        org,
        actor,
        title=title,
        services=services,
        started_at=T0 - timedelta(days=days_before),
        links=0,
    )


@pytest.fixture
def world(org, engineer):
    """Three earlier postmortems and a new incident resembling the first most."""
    pool = earlier_incident(org, engineer, "Checkout connection pool exhausted", ["checkout"], 30)
    dns = earlier_incident(org, engineer, "DNS resolver timeouts in the EU", ["gateway"], 20)
    cdn = earlier_incident(org, engineer, "CDN certificate expired", ["cdn"], 10)
    found = {
        "pool": write(
            org,
            engineer,
            "Checkout connection pool exhausted",
            incident=pool,
            summary="Checkout ran out of database connections during the sale.",
            root_cause="The connection pool was sized for last year's traffic.",
            root_cause_category=CAPACITY,
        ),
        "dns": write(
            org,
            engineer,
            "DNS resolver timeouts",
            incident=dns,
            summary="Lookups timed out for twenty minutes.",
            root_cause="A resolver configuration change dropped the cache.",
            root_cause_category=CONFIG,
        ),
        "cdn": write(
            org,
            engineer,
            "CDN certificate expired",
            incident=cdn,
            summary="Browsers refused the edge certificate.",
            root_cause="Renewal was manual and forgotten by the rota.",
            root_cause_category=RootCauseCategory.PROCESS_GAP,
        ),
    }
    found["incident"] = resolved_incident(
        org,
        engineer,
        title="Checkout database pool exhausted again",
        services=["checkout"],
        description="Connections ran out at peak.",
        links=0,
    )
    return found


def titles(hits) -> list[str]:
    return [(hit.postmortem or hit.incident).title for hit in hits]


def similar_for(org, user, probe):
    with scope(organization=org):
        return similar_incidents(
            organization=org, membership=user.memberships.get(organization=org), probe=probe
        )


# --- Ranking and reasons -------------------------------------------------------------------------


def test_the_closest_earlier_incident_comes_first_with_its_reasons(org, engineer, world):
    hits = similar_for(org, engineer, incident_probe(world["incident"]))
    assert titles(hits)[0] == "Checkout connection pool exhausted"
    reasons = dict(hits[0].reasons)
    assert reasons["Same service"] == ["checkout"]
    assert {"pool", "exhausted"} <= set(reasons["Shared words"])


def test_a_shared_root_cause_category_is_a_reason(org, engineer, world):
    draft = write(
        org,
        engineer,
        "Resolver cache flushed",
        summary="Name lookups failed.",
        root_cause_category=CONFIG,
    )
    hits = similar_for(org, engineer, postmortem_probe(draft))
    dns = next(hit for hit in hits if hit.postmortem == world["dns"])
    assert ("Same root cause", ["Configuration error"]) in dns.reasons
    assert titles(hits)[0] == "DNS resolver timeouts"
    assert draft.title not in titles(hits)


def test_unrelated_postmortems_are_not_listed(org, engineer, world):
    hits = similar_for(org, engineer, Probe(title="Zebracorn stampede"))
    assert hits == []


def test_only_earlier_incidents_are_listed(org, engineer, world):
    probe = incident_probe(world["incident"])
    later = earlier_incident(org, engineer, "Checkout pool exhausted", ["checkout"], -400)
    write(org, engineer, "Checkout pool exhausted later", incident=later)
    probe = Probe(**{**probe.__dict__, "before": T0 - timedelta(days=15)})
    assert "Checkout pool exhausted later" not in titles(similar_for(org, engineer, probe))
    assert "CDN certificate expired" not in titles(similar_for(org, engineer, probe))


def add_items(org, postmortem, actor, *statuses):
    """Items of a published postmortem (an admin may still add them), in these statuses."""
    with scope(organization=org):
        for n, status in enumerate(statuses):
            item = item_services.action_item_create(
                postmortem=postmortem,
                actor=actor,
                description=f"Follow-up {n}",
                section_key="actions-short-term",
            )
            changes = {"status": status}
            if status == ItemStatus.WONT_DO:
                changes["wont_do_reason"] = "Superseded by the new pooler"
            if status != ItemStatus.OPEN:
                item_services.action_item_update(item=item, actor=actor, changes=changes)


def test_action_item_progress_is_shown(org, engineer, admin_user, world):
    done, wont, still_open = ItemStatus.COMPLETED, ItemStatus.WONT_DO, ItemStatus.OPEN
    add_items(org, world["pool"], admin_user, done, done, still_open, wont)
    hit = similar_for(org, engineer, incident_probe(world["incident"]))[0]
    assert (hit.items_done, hit.items_total) == (2, 4)


# --- Incidents nobody has written up ------------------------------------------------------------


def unwritten(org, actor, title, services, days_before, description=""):
    """An earlier incident left without a postmortem."""
    incident = earlier_incident(org, actor, title, services, days_before)
    if description:
        with scope(organization=org):
            type(incident).objects.filter(pk=incident.pk).update(description=description)
    with scope(organization=org):
        assert not incident.postmortems.exists()
    return incident


def test_an_earlier_incident_without_a_postmortem_is_listed_with_its_reasons(org, engineer, world):
    lonely = unwritten(
        org,
        engineer,
        "Checkout pool exhausted during sale",
        ["checkout"],
        12,
        description="The database connection pool ran dry.",
    )
    hits = similar_for(org, engineer, incident_probe(world["incident"]))
    hit = next(hit for hit in hits if hit.incident == lonely)
    assert hit.postmortem is None
    reasons = dict(hit.reasons)
    assert reasons["Same service"] == ["checkout"]
    assert {"pool", "exhausted", "database"} <= set(reasons["Shared words"])
    # The postmortems it resembles are still listed beside it.
    assert "Checkout connection pool exhausted" in titles(hits)


def test_unrelated_later_and_own_incidents_are_not_listed(org, engineer, world):
    unwritten(org, engineer, "Zebracorn stampede", ["zoo"], 12)
    unwritten(org, engineer, "Checkout pool exhausted tomorrow", ["checkout"], -400)
    shown = titles(similar_for(org, engineer, incident_probe(world["incident"])))
    assert "Zebracorn stampede" not in shown
    assert "Checkout pool exhausted tomorrow" not in shown
    assert world["incident"].title not in shown


def test_an_incident_whose_postmortem_is_private_is_not_listed_as_unwritten(
    org, engineer, member_factory, world
):
    other = member_factory(Role.ENGINEER, username="other-writer")
    secret = earlier_incident(org, other, "Checkout pool exhausted, quietly", ["checkout"], 5)
    write(org, other, "Private review", incident=secret, visibility=Visibility.PRIVATE)
    shown = titles(similar_for(org, engineer, incident_probe(world["incident"])))
    assert "Checkout pool exhausted, quietly" not in shown
    assert "Private review" not in shown


def test_another_organizations_unwritten_incidents_never_show(
    org, other_org, engineer, member_factory, world
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    with scopes_disabled():
        earlier_incident(other_org, outsider, "Checkout database pool exhausted", ["checkout"], 3)
    shown = titles(similar_for(org, engineer, incident_probe(world["incident"])))
    assert "Checkout database pool exhausted" not in shown


def test_the_fallback_finds_unwritten_incidents_as_postgresql_does(
    org, engineer, world, monkeypatch
):
    lonely = unwritten(org, engineer, "Checkout pool exhausted during sale", ["checkout"], 12)
    unwritten(org, engineer, "Zebracorn stampede", ["zoo"], 13)
    probe = incident_probe(world["incident"])
    on_postgres = similar_for(org, engineer, probe)
    monkeypatch.setattr(similar, "is_postgres", lambda: False)
    monkeypatch.setattr(similar_unwritten, "is_postgres", lambda: False)
    fallback = similar_for(org, engineer, probe)
    assert titles(fallback)[:2] == titles(on_postgres)[:2]
    hit = next(hit for hit in fallback if hit.incident == lonely)
    assert dict(hit.reasons)["Same service"] == ["checkout"]
    assert "Zebracorn stampede" not in titles(fallback)


# --- Visibility ----------------------------------------------------------------------------------


def test_private_and_team_postmortems_of_others_are_not_shown(org, engineer, member_factory, world):
    other = member_factory(Role.ENGINEER, username="other-writer")
    secret = earlier_incident(org, other, "Checkout pool exhausted, secret", ["checkout"], 5)
    write(
        org,
        other,
        "Checkout pool exhausted, private",
        incident=secret,
        visibility=Visibility.PRIVATE,
    )
    write(org, other, "Checkout pool exhausted, team", visibility=Visibility.TEAM)
    shown = titles(similar_for(org, engineer, incident_probe(world["incident"])))
    assert "Checkout connection pool exhausted" in shown
    assert not [t for t in shown if "private" in t or "team" in t]
    assert "Checkout pool exhausted, private" in titles(
        similar_for(org, other, incident_probe(world["incident"]))
    )


def test_another_organizations_postmortems_never_show(
    org, other_org, engineer, member_factory, world
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    with scopes_disabled():
        write(other_org, outsider, "Checkout database pool exhausted again and again")
    shown = titles(similar_for(org, engineer, incident_probe(world["incident"])))
    assert "Checkout database pool exhausted again and again" not in shown


# --- The SQLite fallback (called directly: the suite runs on PostgreSQL) -------------------------


def test_the_fallback_ranks_like_the_full_text_search(org, engineer, world):
    probe = incident_probe(world["incident"])
    with scope(organization=org):
        candidates = readable_candidates(
            organization=org, membership=engineer.memberships.get(), probe=probe
        )
        ranked = similar_fallback(candidates, probe, 5)
    assert ranked[0][0] == world["pool"].pk
    assert world["cdn"].pk not in [pk for pk, _ in ranked]


def test_the_fallback_score_weighs_services_category_and_words():
    probe = Probe(title="Checkout pool exhausted", service_ids=(1,), category=CAPACITY)
    nothing = Candidate(1, "CDN certificate expired", "", frozenset({2}))
    words = Candidate(2, "Database pools exhausted", "", frozenset())
    everything = Candidate(3, "Checkout pool exhausted", CAPACITY, frozenset({1}))
    scores = [fallback_score(probe, c) for c in (nothing, words, everything)]
    assert scores[0] == 0 < scores[1] < scores[2]


def test_the_fallback_respects_visibility(org, engineer, member_factory, world):
    other = member_factory(Role.ENGINEER, username="other-writer")
    write(org, other, "Checkout pool exhausted, private", visibility=Visibility.PRIVATE)
    probe = Probe(title="Checkout pool exhausted")
    with scope(organization=org):
        candidates = readable_candidates(
            organization=org, membership=engineer.memberships.get(), probe=probe
        )
        ranked = similar_fallback(candidates, probe, 5)
    assert ranked and all(pk != world["cdn"].pk for pk, _ in ranked)
    with scope(organization=org):
        from postmortems.models import Postmortem

        shown = set(
            Postmortem.objects.filter(pk__in=[pk for pk, _ in ranked]).values_list(
                "title", flat=True
            )
        )
    assert "Checkout pool exhausted, private" not in shown


# --- The pages -----------------------------------------------------------------------------------


def incident_page(client, incident):
    url = reverse(
        "incident_detail", kwargs={"org_slug": incident.organization.slug, "ref": incident.ref}
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def similar_card(html: str) -> str:
    found = re.search(r'<section class="(card )?similar[ "].*?</section>', html, re.S)
    assert found, "no similar-incidents card"
    return found.group(0)


def incident_card(client, incident) -> str:
    """The incident page names its card's URL; the card is loaded from it after the page."""
    url = reverse("incident_similar", kwargs={"org_slug": "acme", "ref": incident.ref})
    assert url in incident_page(client, incident)
    response = client.get(url)
    assert response.status_code == 200
    return similar_card(response.content.decode())


def test_the_incident_page_lists_similar_incidents(client, org, engineer, admin_user, world):
    add_items(org, world["pool"], admin_user, ItemStatus.COMPLETED, ItemStatus.OPEN)
    client.force_login(engineer)
    card = incident_card(client, world["incident"])
    assert "Checkout connection pool exhausted" in card
    assert "Same service" in card and "checkout" in card
    assert "1 of 2 action items done" in card


def test_the_incident_card_links_an_unwritten_incident_to_its_page(client, org, engineer, world):
    lonely = unwritten(org, engineer, "Checkout pool exhausted during sale", ["checkout"], 12)
    client.force_login(engineer)
    card = incident_card(client, world["incident"])
    page_url = reverse("incident_detail", kwargs={"org_slug": "acme", "ref": lonely.ref})
    assert f'href="{page_url}"' in card
    assert "No postmortem written" in card


def test_the_incident_card_adds_no_query_per_result(
    client, org, engineer, admin_user, world, count_queries
):
    unwritten(org, engineer, "Checkout pool ran dry", ["checkout"], 35)  # results of both kinds
    client.force_login(engineer)
    incident_card(client, world["incident"])  # the session's first request writes it
    url = reverse("incident_similar", kwargs={"org_slug": "acme", "ref": world["incident"].ref})
    few = count_queries(lambda: client.get(url))
    for n in range(6):
        past = earlier_incident(org, engineer, f"Checkout pool exhausted {n}", ["checkout"], 40 + n)
        postmortem = write(org, engineer, f"Checkout pool exhausted {n}", incident=past)
        add_items(org, postmortem, admin_user, ItemStatus.COMPLETED, ItemStatus.OPEN)
        unwritten(org, engineer, f"Checkout database pool exhausted {n}", ["checkout"], 50 + n)
    many = count_queries(lambda: client.get(url))
    card = client.get(url).content.decode()
    assert card.count('class="similar__item"') == 5
    assert "No postmortem written" in card
    assert many == few


def test_another_organizations_incident_has_no_card_here(
    client, org, other_org, engineer, member_factory, world
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    with scopes_disabled():
        theirs = [
            earlier_incident(other_org, outsider, f"Their outage {n}", ["checkout"], 3 + n)
            for n in range(6)
        ]
    client.force_login(engineer)  # acme has four incidents: their sixth has no namesake here
    url = reverse("incident_similar", kwargs={"org_slug": "acme", "ref": theirs[-1].ref})
    assert client.get(url).status_code == 404


def test_the_editor_loads_similar_incidents(client, org, engineer, world):
    draft = write(org, engineer, "Checkout pool exhausted at peak", status="DRAFT")
    client.force_login(engineer)
    edit = client.get(
        reverse("postmortem_edit", kwargs={"org_slug": "acme", "number": draft.number})
    )
    url = reverse("postmortem_similar", kwargs={"org_slug": "acme", "number": draft.number})
    assert url in edit.content.decode()
    card = similar_card(client.get(url).content.decode())
    assert "Checkout connection pool exhausted" in card
    assert "Look again" in card


def test_the_editors_card_is_refused_for_another_organizations_postmortem(
    client, org, other_org, member_factory
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    with scopes_disabled():
        theirs = write(other_org, outsider, "Their review")
    client.force_login(outsider)
    url = reverse("postmortem_similar", kwargs={"org_slug": "acme", "number": theirs.number})
    assert client.get(url).status_code == 404


def test_the_search_page_lists_similar_incidents(client, org, engineer, world):
    client.force_login(engineer)
    card = similar_card(page(client, org, q="checkout pool saturation"))  # no exact match
    assert "Checkout connection pool exhausted" in card
    assert "Shared words" in card


def test_the_search_page_does_not_offer_again_what_it_lists(client, org, engineer, world):
    if not is_postgres():
        pytest.skip("SQLite's substring search does not stem: exhaustion never finds exhausted")
    client.force_login(engineer)
    html = page(client, org, q="checkout pool exhaustion")
    card = similar_card(html)
    assert "Checkout connection pool exhausted" in html.split(card)[0]  # among the results
    assert "Checkout connection pool exhausted" not in card


def test_words_every_report_says_are_no_reason():
    from postmortems.search.similar_terms import probe_terms, shared_terms

    probe = probe_terms("SEV2: checkout timeouts for 14m, impact on three regions")
    assert shared_terms(probe, ["SEV2 impact lasted 14m in three regions"]) == ["regions"]
    assert shared_terms(probe, ["Checkout timed out"]) == ["checkout"]
