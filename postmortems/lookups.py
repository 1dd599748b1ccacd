"""Looking up a postmortem named in a URL, for every postmortem view."""

from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse

from . import selectors


def postmortem_from_number(view):
    """Replace the ``number`` URL parameter by the organization's postmortem, or answer 404.

    Placed before the method check, so another organization's number is a 404 for any method.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, org_slug: str, number: int, **kwargs) -> HttpResponse:
        postmortem = selectors.postmortem_by_number(
            organization=request.organization, number=number, membership=request.membership
        )
        if postmortem is None:
            raise Http404("No such postmortem.")
        postmortem.organization = request.organization  # known already: saves a query per use
        return view(request, postmortem, **kwargs)

    return wrapper
