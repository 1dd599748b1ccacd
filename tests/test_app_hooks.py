"""Lower apps set off work in the apps above them without importing them
(``organizations.hooks``): a task queued by name, and receivers registered at start-up."""

from datetime import UTC, datetime, timedelta

import pytest
from django_scopes import scope

from config.celery import app as celery_app
from incidents import services as incident_services
from incidents import transitions
from organizations import hooks
from organizations.roles import Role
from postmortems import services as postmortem_services
from postmortems.models import Postmortem

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def in_process_tasks(monkeypatch):
    """Tasks run in process, as without a broker (whatever REDIS_URL says)."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


def test_resolving_an_incident_generates_its_draft_through_the_task_named(
    org, member_factory, in_process_tasks, django_capture_on_commit_callbacks
):
    commander = member_factory(Role.ENGINEER, username="cmdr")
    postmortem_services.templates_install_builtins(organization=org)
    with scope(organization=org):
        incident = incident_services.incident_declare(
            organization=org,
            actor=commander,
            title="Payments failing",
            severity="SEV1",
            started_at=T0,
            commander=commander,
        )
        with django_capture_on_commit_callbacks(execute=True):
            transitions.incident_resolve(incident=incident, actor=commander, at=T0 + timedelta(1))
        postmortem = Postmortem.objects.get(incident=incident)
    assert postmortem.generated and postmortem.author == commander


def test_a_task_name_no_app_registers_fails_instead_of_queueing_into_the_void(in_process_tasks):
    with pytest.raises(KeyError):
        hooks.queue_task("postmortems.tasks.no_such_task", 1)


def test_a_receiver_registered_twice_runs_once(monkeypatch):
    monkeypatch.setattr(hooks, "_receivers", hooks.defaultdict(list))
    heard = []

    def receiver(**arguments):
        heard.append(arguments)

    hooks.register("test.changed", receiver)
    hooks.register("test.changed", receiver)
    hooks.run("test.changed", value=1)
    hooks.run("test.unheard", value=2)
    assert heard == [{"value": 1}]


def test_a_question_gets_every_receivers_answer_and_none_without_receivers(monkeypatch):
    monkeypatch.setattr(hooks, "_receivers", hooks.defaultdict(list))
    hooks.register("test.count", lambda *, team: len(team))
    hooks.register("test.count", lambda *, team: 10)

    assert hooks.answers("test.count", team="abc") == [3, 10]
    assert hooks.answers("test.nobody_answers", team="abc") == []
