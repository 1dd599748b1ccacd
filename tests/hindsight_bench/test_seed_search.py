"""The benchmark's search data set can be seeded into an organization that already has
postmortems (as ``make bench`` does after its main seed)."""

import pytest
from django.db.models import Count
from django_scopes import scopes_disabled

from hindsight_bench.seed_search import seed_search
from incidents.models import Incident
from postmortems.models import Postmortem, PostmortemStatus
from tests.postmortems.editor.helpers import make_incident, make_postmortem


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_search_postmortems_never_give_an_incident_a_second_postmortem(org, engineer):
    with_postmortem = make_incident(org, commander=engineer)
    make_postmortem(org, engineer, with_postmortem)
    free = [make_incident(org, commander=engineer) for _ in range(2)]

    assert seed_search(org, count=5) == 5

    with scopes_disabled():
        published = Postmortem.objects.filter(organization=org, status=PostmortemStatus.PUBLISHED)
        assert published.count() == 5
        assert set(published.exclude(incident=None).values_list("incident_id", flat=True)) == {
            incident.pk for incident in free
        }
        per_incident = Incident.objects.filter(organization=org).annotate(n=Count("postmortems"))
        assert {incident.pk: incident.n for incident in per_incident} == {
            with_postmortem.pk: 1,
            **{incident.pk: 1 for incident in free},
        }
    assert seed_search(org, count=5) == 0  # once per organization
