import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from organizations.decorators import require_action
from organizations.models import Membership
from organizations.roles import MINIMUM_ROLE, Action, Role, can, role_allows

EXPECTED = {
    # action: roles allowed, straight from DESIGN §1
    Action.VIEW: {"VIEWER", "ENGINEER", "REVIEWER", "MANAGER", "ADMIN"},
    Action.DECLARE_INCIDENT: {"ENGINEER", "REVIEWER", "MANAGER", "ADMIN"},
    Action.CREATE_POSTMORTEM: {"ENGINEER", "REVIEWER", "MANAGER", "ADMIN"},
    Action.REVIEW_POSTMORTEM: {"REVIEWER", "MANAGER", "ADMIN"},
    Action.TRACK_ACTION_ITEMS: {"MANAGER", "ADMIN"},
    Action.VIEW_ANALYTICS: {"MANAGER", "ADMIN"},
    Action.MANAGE_MEMBERS: {"ADMIN"},
    Action.MANAGE_TEMPLATES: {"ADMIN"},
    Action.ARCHIVE_POSTMORTEM: {"ADMIN"},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(EXPECTED))
def test_role_action_matrix(role, action):
    assert role_allows(role, action) is (role.value in EXPECTED[action])


def test_every_action_has_a_minimum_role():
    assert set(MINIMUM_ROLE) == set(Action)


def test_non_members_and_unknown_actions_are_refused():
    assert can(None, Action.VIEW) is False
    assert role_allows(Role.ADMIN, "launch_missiles") is False
    assert role_allows("SUPERHERO", Action.VIEW) is False


def test_membership_can_uses_the_same_rule():
    assert Membership(role=Role.REVIEWER).can(Action.REVIEW_POSTMORTEM)
    assert not Membership(role=Role.ENGINEER).can(Action.REVIEW_POSTMORTEM)


def test_require_action_decorator_answers_403_with_the_reason():
    view = require_action(Action.MANAGE_MEMBERS)(lambda request: "ok")
    request = RequestFactory().get("/")
    request.membership = Membership(role=Role.MANAGER)
    with pytest.raises(PermissionDenied, match="manage members"):
        view(request)
    request.membership = Membership(role=Role.ADMIN)
    assert view(request) == "ok"
