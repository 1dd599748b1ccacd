"""Fixtures of the metrics tests: the real Prometheus (``prometheus_server``), tasks in
process, short capture margins, and the organization's admin."""

from datetime import timedelta

import pytest

from config.celery import app as celery_app
from integrations.metrics import services
from organizations.roles import Role
from tests.integrations.metrics.prometheus_server import prometheus  # noqa: F401 (a fixture)


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
