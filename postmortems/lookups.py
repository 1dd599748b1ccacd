"""Looking up a postmortem named in a URL, for every postmortem view."""

from django.http import HttpRequest

from organizations.lookups import object_from_url

from . import selectors
from .models import Postmortem


def _postmortem(request: HttpRequest, number: int) -> Postmortem | None:
    return selectors.postmortem_by_number(
        organization=request.organization, number=number, membership=request.membership
    )


postmortem_from_number = object_from_url("number", _postmortem, missing="No such postmortem.")
"""Replace the ``number`` URL parameter by the organization's postmortem this member may read."""
