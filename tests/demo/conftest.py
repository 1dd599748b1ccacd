"""The demo's tests: the demo seeded once per test, and its ``org`` is acme."""

from io import StringIO

import pytest
from django.core.management import call_command

from organizations.models import Organization


@pytest.fixture
def org(db) -> Organization:
    """The seeded demo's acme. A test that uses it runs in acme's scope (``tests/conftest.py``),
    as a request of one of its members would; one that reads globex, or counts every
    organization's rows, says so with ``scopes_disabled()``."""
    call_command("seed_demo", stdout=StringIO())
    return Organization.objects.get(slug="acme")
