from functools import wraps

from django.core.exceptions import PermissionDenied

from .roles import Action, can


def require_action(action: Action):
    """Refuse with 403 unless the request's membership may perform ``action``.

    The tenant middleware has already answered 404 to non-members, so this only ever sees
    members of the organization in the URL.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not can(getattr(request, "membership", None), action):
                raise PermissionDenied(f"Your role may not {action.replace('_', ' ')}.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
