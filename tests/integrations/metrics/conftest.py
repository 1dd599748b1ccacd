"""Fixtures of the metrics tests: tasks in process, short capture margins, and the
organization's admin (the real Prometheus, ``prometheus``, is a plugin of the suite:
``prometheus_server``)."""

from datetime import timedelta

import pytest

from config.celery import app as celery_app
from integrations.metrics import services
from organizations.roles import Role


@pytest.fixture(autouse=True)
def in_process_tasks(monkeypatch):
    """Tasks run in process, as without a broker (whatever REDIS_URL says)."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def short_margins(monkeypatch):
    """Margins of a few seconds, so the ~200-point step is 1 s and the window the running
    Prometheus has samples for holds many points."""
    monkeypatch.setattr(services, "MARGIN_BEFORE", timedelta(seconds=10))
    monkeypatch.setattr(services, "MARGIN_AFTER", timedelta(seconds=10))


@pytest.fixture
def admin(member_factory):
    return member_factory(Role.ADMIN, username="ada")
