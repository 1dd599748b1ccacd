"""Scoping fails closed in tasks and tests (``organizations.scoping``, ``tests/conftest.py``).

A task starts with no scope wherever it runs; the one decorator enters the organization of the
row it is about (or reads across organizations, by name); a test body runs in ``org``'s scope
or in none."""

import inspect

import pytest
from django_scopes import ScopeError, scope, scopes_disabled

from config.celery import app
from organizations.models import Organization, Team
from organizations.scoping import SCOPE_ATTRIBUTE, across_organizations, in_organization_of
from organizations.tasks import deliver_webhook
from postmortems.tasks import generate_postmortem
from tests.factories import TeamFactory

OUR_APPS = (
    "organizations.",
    "incidents.",
    "postmortems.",
    "actionitems.",
    "dashboard.",
    "demo.",
    "integrations.",
)
ran: list = []


@app.task(name="tests.scoping.undecorated_team_names")
def undecorated_team_names() -> list[str]:
    """A task written without the decorator: it reads tenant rows with no scope."""
    return list(Team.objects.values_list("name", flat=True))


@app.task(name="tests.scoping.team_names_of")
@in_organization_of(Team, missing="gone")
def team_names_of(team: Team, suffix: str = "") -> list[str]:
    ran.append(team.pk)
    return [name + suffix for name in Team.objects.order_by("name").values_list("name", flat=True)]


@app.task(name="tests.scoping.teams_of_all", bind=True)
@in_organization_of(Team, many=True, missing=0)
def teams_of_all(self, teams: list[Team]) -> int:
    return len(teams) * 10 + Team.objects.count()


@app.task(name="tests.scoping.every_team_name")
@across_organizations
def every_team_name() -> list[str]:
    return sorted(Team.objects.values_list("name", flat=True))


@pytest.fixture
def teams(org, other_org):
    return (
        TeamFactory(organization=org, name="Acme SRE"),
        TeamFactory(organization=org, name="Acme Payments"),
        TeamFactory(organization=other_org, name="Globex SRE"),
    )


def test_every_task_of_ours_enters_its_scope_through_the_decorator():
    app.loader.import_default_modules()  # what a worker does at start
    ours = {name: task for name, task in app.tasks.items() if name.startswith(OUR_APPS)}
    assert ours
    undecorated = sorted(
        name for name, task in ours.items() if not hasattr(task.run, SCOPE_ATTRIBUTE)
    )
    assert not undecorated, f"tasks without organizations.scoping's decorator: {undecorated}"


def test_a_task_without_the_decorator_cannot_read_tenant_rows(teams):
    """Its unscoped query raises, even when the task is queued from inside a scope (in
    process, as in development and in this test, whose body is in org's scope)."""
    assert Team.objects.count() == 2
    with pytest.raises(ScopeError):
        undecorated_team_names.delay()
    with pytest.raises(ScopeError):
        undecorated_team_names()


def test_the_decorator_runs_the_body_in_the_rows_organization_only(teams):
    acme, _, globex = teams
    assert team_names_of.delay(acme.pk).get() == ["Acme Payments", "Acme SRE"]
    assert team_names_of(globex.pk, "!") == ["Globex SRE!"]
    assert every_team_name.delay().get() == ["Acme Payments", "Acme SRE", "Globex SRE"]


def test_the_decorator_returns_without_work_for_a_missing_row(teams):
    ran.clear()
    with scopes_disabled():
        missing_id = Team.objects.order_by("-pk").first().pk + 1
    assert team_names_of.delay(missing_id).get() == "gone"
    assert ran == []
    assert teams_of_all.delay([missing_id]).get() == 0
    assert generate_postmortem.delay(missing_id).get() is None
    assert deliver_webhook.delay(missing_id).get() == "missing"


def test_rows_of_one_organization_run_together_and_several_are_refused(teams):
    acme, payments, globex = teams
    assert teams_of_all.delay([acme.pk, payments.pk]).get() == 22
    with pytest.raises(ValueError, match="several organizations"):
        teams_of_all.delay([acme.pk, globex.pk])


def test_tasks_keep_taking_ids_as_callers_pass_them(teams):
    acme = teams[0]
    assert team_names_of.delay(team_id=acme.pk).get() == ["Acme Payments", "Acme SRE"]
    assert list(inspect.signature(team_names_of.run).parameters) == ["team_id", "suffix"]
    assert list(inspect.signature(teams_of_all.run).parameters) == ["team_ids"]
    with pytest.raises(TypeError):  # Celery checks the call against the ids' signature
        team_names_of.delay(acme.pk, "", "one too many")
    with pytest.raises(TypeError):
        team_names_of.delay(team=acme.pk)


def test_a_test_body_with_org_runs_in_its_scope(org, other_org, teams):
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Acme Payments", "Acme SRE"]
    assert not Team.objects.filter(pk=teams[2].pk).exists()
    with scopes_disabled():  # the explicit way to read another organization's rows
        assert Team.objects.filter(pk=teams[2].pk).exists()
    with scope(organization=other_org):
        assert Team.objects.get().name == "Globex SRE"


def test_a_test_body_without_org_runs_in_no_scope(db):
    assert Organization.objects.count() == 0  # not a tenant model: no scope needed
    with pytest.raises(ScopeError):
        Team.objects.count()


@pytest.mark.unscoped
def test_an_unscoped_test_body_reads_every_organization(teams):
    """Shows the marker the isolation sweeps use: the body reads across organizations."""
    assert Team.objects.count() == 3
