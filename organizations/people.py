"""How the product names a person, in pages, messages, exports and audit entries alike."""

from django.contrib.auth.base_user import AbstractBaseUser

SYSTEM = "Hindsight"
"""Who acted when no person did: generated drafts, scheduled jobs, removed accounts."""


def display_name(user: AbstractBaseUser | None, missing: str = SYSTEM) -> str:
    """The person's full name, else their username; ``missing`` when there is no user.

    A missing user is the system acting or an account that was removed; callers for whom the
    absence means something else say what to show (``missing="Unowned"`` for an item's owner).
    Templates may pass an unresolved variable (an empty string): that is no user either.
    """
    if not user:
        return missing
    return user.get_full_name() or user.get_username()


def name_and_handle(user: AbstractBaseUser) -> str:
    """ "Ada Lovelace (@ada)", or "@ada" without a full name: where two people may share a name
    (member pickers, audit targets, member-admin messages)."""
    name = user.get_full_name()
    return f"{name} (@{user.get_username()})" if name else f"@{user.get_username()}"
