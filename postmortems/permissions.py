"""Who may edit a postmortem: the role on the membership plus object permissions (DESIGN §3).

Object permissions are read with guardian's checker, which ignores global permissions; the
caller has already scoped the postmortem to the request's organization.
"""

from guardian.core import ObjectPermissionChecker

from organizations.roles import Action, can

from .models import Postmortem, PostmortemStatus

EDIT_PERMISSION = "change_postmortem"


def is_invited_editor(user, postmortem: Postmortem) -> bool:
    return ObjectPermissionChecker(user).has_perm(EDIT_PERMISSION, postmortem)


def may_edit(user, membership, postmortem: Postmortem) -> bool:
    """The edit-rights table of DESIGN §3 (reviewers arrive with the review workflow)."""
    if membership is None or not can(membership, Action.VIEW):
        return False
    if postmortem.status in (PostmortemStatus.PUBLISHED, PostmortemStatus.ARCHIVED):
        return can(membership, Action.EDIT_PUBLISHED)
    if can(membership, Action.EDIT_PUBLISHED):  # admins
        return True
    if not can(membership, Action.CREATE_POSTMORTEM):  # viewers are never editors
        return False
    return postmortem.author_id == user.pk or is_invited_editor(user, postmortem)
