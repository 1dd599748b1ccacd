"""Placeholder: the review screen, transitions and people views (being written)."""


def _todo(request, *args, **kwargs):
    raise NotImplementedError


postmortem_review = postmortem_submit = postmortem_withdraw = postmortem_approve = _todo
postmortem_request_changes = postmortem_archive = postmortem_unarchive = _todo
postmortem_people = postmortem_people_add = postmortem_people_remove = _todo
postmortem_visibility = _todo


def review_panel_context(request, postmortem) -> dict:
    """Context for ``postmortems/review/_status_bar.html`` on the editor and the read view."""
    return {}
