"""Built-in templates and a signed-in admin for the template designer tests."""

import pytest

from postmortems import services


@pytest.fixture
def builtins(org):
    return {t.builtin_key: t for t in services.templates_install_builtins(organization=org)}


@pytest.fixture
def standard(builtins):
    return builtins["standard"]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
