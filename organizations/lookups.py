"""The one way a view receives an object named in its URL: found in the organization, or 404."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest


def object_from_url(url_kwarg: str, find: Callable[..., Any], *, missing: str):
    """Build a view decorator that replaces the URL parameter ``url_kwarg`` by an object.

    ``find(request, *found_so_far, value)`` returns the object or ``None`` (answered with a 404
    saying ``missing``). Objects found by the decorators above come first, so lookups stack:
    ``@postmortem_from_number`` over ``@section_from_key`` calls ``view(request, postmortem,
    section)``. The ``org_slug`` parameter is dropped (the tenant middleware has turned it into
    ``request.organization``), and an object of the request's organization gets that
    organization attached, which saves a query per use.

    Place it before the method check, so another organization's object answers 404 whatever
    the method.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *found_so_far, **kwargs):
            kwargs.pop("org_slug", None)
            found = find(request, *found_so_far, kwargs.pop(url_kwarg))
            if found is None:
                raise Http404(missing)
            organization = getattr(request, "organization", None)
            if organization is not None and getattr(found, "organization_id", None) == (
                organization.pk
            ):
                found.organization = organization
            return view(request, *found_so_far, found, **kwargs)

        return wrapper

    return decorator
