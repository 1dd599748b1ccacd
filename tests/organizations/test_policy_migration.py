"""Upgrading moves the postmortem policy into the organizations app without losing a row."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_scopes import scopes_disabled

from organizations.models import PostmortemPolicy
from organizations.selectors import policy_for
from tests.factories import OrganizationFactory

BEFORE_MOVE = [("incidents", "0007_free_text_size_limit"), ("organizations", "0005_admin_settings")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_saved_policy_is_still_the_organizations_policy_after_the_upgrade():
    latest = _latest()
    try:
        old_apps = _migrate(BEFORE_MOVE).loader.project_state(BEFORE_MOVE).apps
        organization = old_apps.get_model("organizations", "Organization").objects.create(
            slug="before-move", name="Before the move"
        )
        old_apps.get_model("incidents", "PostmortemPolicy").objects.create(
            organization=organization,
            severities=["SEV3"],
            required_approvals=2,
            overdue_repeat_days=4,
        )
    finally:
        _migrate(latest)

    with scopes_disabled():
        policy = PostmortemPolicy.objects.get(organization_id=organization.pk)
        assert policy_for(policy.organization).pk == policy.pk
    assert (policy.severities, policy.required_approvals, policy.overdue_repeat_days) == (
        ["SEV3"],
        2,
        4,
    )
    assert PostmortemPolicy._meta.db_table == "organizations_postmortempolicy"


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_can_be_rolled_back_with_the_policy_in_place():
    latest = _latest()
    with scopes_disabled():
        organization_pk = _organization_with_policy()
    try:
        old_apps = _migrate(BEFORE_MOVE).loader.project_state(BEFORE_MOVE).apps
        restored = old_apps.get_model("incidents", "PostmortemPolicy").objects.get(
            organization_id=organization_pk
        )
        assert restored.severities == ["SEV2"]
    finally:
        _migrate(latest)


def _organization_with_policy() -> int:
    organization = OrganizationFactory()
    PostmortemPolicy.objects.create(organization=organization, severities=["SEV2"])
    return organization.pk
