from django.utils.functional import SimpleLazyObject

from . import selectors


def tenant(request):
    """The current organization and membership, and (lazily) the user's organizations."""
    user = getattr(request, "user", None)
    htmx = getattr(request, "htmx", False)
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "my_memberships": SimpleLazyObject(
            lambda: selectors.memberships_for_user(user) if user is not None else []
        ),
        "base_template": "_fragment.html" if htmx else "base.html",
    }
