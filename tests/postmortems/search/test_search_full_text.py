"""Ranking and keeping the index current: substring fallback on SQLite, full text on PostgreSQL."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from organizations.roles import Role
from postmortems import services
from postmortems.models import PostmortemSearchDocument
from postmortems.search.indexing import is_postgres
from tests.postmortems.read.helpers import resolved_incident
from tests.postmortems.search.helpers import T0, hit_titles, page, write

# --- SQLite fallback -----------------------------------------------------------------------------


def test_substring_fallback_puts_title_matches_first(org, engineer, settings):
    if is_postgres():
        pytest.skip("the substring fallback is SQLite's")
    write(org, engineer, "Body only", root_cause="the okapiware job", published_at=T0)
    write(org, engineer, "Okapiware in the title", published_at=T0 - timedelta(days=9))
    assert hit_titles(org, engineer, "okapiware") == ["Okapiware in the title", "Body only"]
    assert hit_titles(org, engineer, "OKAPI") == ["Okapiware in the title", "Body only"]


# --- PostgreSQL full text ------------------------------------------------------------------------


@pytest.mark.postgres
def test_ranking_title_then_summary_and_root_cause_then_the_rest(org, engineer):
    write(org, engineer, "Elsewhere", other="the zebracorn appeared in passing", published_at=T0)
    write(org, engineer, "Cause", root_cause="a zebracorn failed", published_at=T0)
    write(org, engineer, "Zebracorn failure", published_at=T0 - timedelta(days=300))
    write(org, engineer, "Unrelated", other="nothing to see", published_at=T0)
    assert hit_titles(org, engineer, "zebracorn") == ["Zebracorn failure", "Cause", "Elsewhere"]


@pytest.mark.postgres
def test_ties_go_to_the_most_recent(org, engineer):
    for days, title in ((10, "Older"), (0, "Newest"), (20, "Oldest")):
        write(org, engineer, f"{title} lynxmoor", published_at=T0 - timedelta(days=days))
    titles = hit_titles(org, engineer, "lynxmoor")
    assert titles == ["Newest lynxmoor", "Older lynxmoor", "Oldest lynxmoor"]


@pytest.mark.postgres
def test_words_are_stemmed_and_websearch_syntax_works(org, engineer):
    write(org, engineer, "Pool", root_cause="The database connection pool was exhausted.")
    write(org, engineer, "Redis", root_cause="The redis connection dropped; pool untouched.")
    assert set(hit_titles(org, engineer, "databases exhausting")) == {"Pool"}
    assert set(hit_titles(org, engineer, '"connection pool"')) == {"Pool"}
    assert set(hit_titles(org, engineer, "connection -redis")) == {"Pool"}
    assert set(hit_titles(org, engineer, "exhausted or dropped")) == {"Pool", "Redis"}


@pytest.mark.postgres
def test_structured_sections_and_the_incident_are_searchable(org, engineer):
    incident = resolved_incident(org, engineer, title="Checkout down", links=0, services=["kafka"])
    postmortem = write(org, engineer, "Structured", incident=incident)
    with scope(organization=org):
        services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            section_data={
                "five-whys": {"whys": [{"why": "Why?", "because": "The marmotrix retried."}]}
            },
        )
    assert hit_titles(org, engineer, "marmotrix") == ["Structured"]
    assert hit_titles(org, engineer, "kafka") == ["Structured"]
    assert hit_titles(org, engineer, incident.ref) == ["Structured"]


@pytest.mark.postgres
def test_renaming_the_incident_or_its_services_reindexes_its_postmortems(org, engineer):
    from incidents import services as incident_services

    incident = resolved_incident(org, engineer, title="Checkout down", links=0, services=["kafka"])
    write(org, engineer, "Structured", incident=incident)
    assert hit_titles(org, engineer, "quokkaflux") == []
    with scope(organization=org):
        incident_services.incident_update(
            incident=incident, actor=engineer, title="Quokkaflux outage", services=["zookeeper"]
        )
    assert hit_titles(org, engineer, "quokkaflux") == ["Structured"]
    assert hit_titles(org, engineer, "zookeeper") == ["Structured"]
    assert hit_titles(org, engineer, "kafka") == []


@pytest.mark.postgres
def test_a_burst_of_autosaves_is_indexed_at_once_then_by_the_sweeper(org, engineer):
    from postmortems.search import tasks

    postmortem = write(org, engineer, "Burst", summary="first words")
    with scope(organization=org):
        services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            sections={"executive-summary": "the wombatrix stalled"},
        )
    # Moments after the last refresh, the coalesced autosave does not rebuild the vector…
    assert hit_titles(org, engineer, "wombatrix") == []
    # …the beat sweeper does, for every postmortem changed since its vector was written.
    assert tasks.refresh_stale_search_documents() >= 1
    assert hit_titles(org, engineer, "wombatrix") == ["Burst"]
    assert tasks.refresh_stale_search_documents() == 0


@pytest.mark.postgres
def test_other_scripts_are_found(org, engineer):
    write(org, engineer, "数据库故障复盘")
    write(org, engineer, "Отказ базы", root_cause="Сервер базы данных перегружен")
    assert hit_titles(org, engineer, "故障") == ["数据库故障复盘"]
    assert hit_titles(org, engineer, "перегружен") == ["Отказ базы"]


@pytest.mark.postgres
def test_stop_words_alone_ask_for_a_word(eng_client, org, engineer):
    write(org, engineer, "The review")
    html = page(eng_client, org, q="the and of")
    assert "Type a word to search for" in html


@pytest.mark.postgres
def test_the_index_follows_edits_and_restores(org, engineer):
    postmortem = write(org, engineer, "Moving target", root_cause="the original gerbilon fault")
    with scope(organization=org):
        first = postmortem.revisions.order_by("-number").first()
        postmortem = services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            sections={"root-cause": "a different hamsterix fault"},
            title="Moved target",
        )
    assert hit_titles(org, engineer, "gerbilon") == []
    assert hit_titles(org, engineer, "hamsterix") == ["Moved target"]
    with scope(organization=org):
        services.revision_restore(postmortem=postmortem, revision=first, actor=engineer)
    assert hit_titles(org, engineer, "gerbilon") == ["Moving target"]
    assert hit_titles(org, engineer, "hamsterix") == []


@pytest.mark.postgres
def test_search_reindex_rebuilds_one_organization_or_all(org, other_org, engineer, member_factory):
    foreigner = member_factory(Role.ADMIN, organization=other_org, username="foreigner")
    write(org, engineer, "Acme dingofax")
    write(other_org, foreigner, "Globex dingofax")
    with scopes_disabled():  # both organizations'
        PostmortemSearchDocument.objects.all().delete()
    assert hit_titles(org, engineer, "dingofax") == []
    call_command("search_reindex", "globex")
    with scope(organization=other_org):
        assert PostmortemSearchDocument.objects.filter(organization=other_org).count() == 1
    assert hit_titles(org, engineer, "dingofax") == []
    call_command("search_reindex")
    assert hit_titles(org, engineer, "dingofax") == ["Acme dingofax"]
    assert hit_titles(other_org, foreigner, "dingofax") == ["Globex dingofax"]
