"""Built-in templates, an incident and the engineer's Comprehensive draft for the editor tests."""

import pytest

from postmortems import services
from tests.postmortems.editor.helpers import make_incident, make_postmortem


@pytest.fixture
def templates(org):
    return services.templates_install_builtins(organization=org)


@pytest.fixture
def incident(org, templates, engineer):
    return make_incident(org, commander=engineer)


@pytest.fixture
def postmortem(org, incident, engineer):
    """A Comprehensive draft (the SEV1 default) authored by ``engineer``."""
    return make_postmortem(org, engineer, incident)
