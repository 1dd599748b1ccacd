"""The SCIM User resource (RFC 7643 §4.1) over a ``ScimUser`` row: django-scim2's adapter,
reading what the client sends (POST, PUT, and PATCH as RFC 7644, Okta and Entra ID send it)
into a ``provisioning.Profile`` and handing it to the services."""

from django.urls import reverse
from django_scim import constants, exceptions
from django_scim.adapters import SCIMUser

from organizations.people import display_name

from . import provisioning
from .config import base_location
from .patching import boolean, is_true, operations_of, string, unknown_attribute

USER_SCHEMA = constants.SchemaURI.USER
MAX_LENGTH = 254
# Attributes of the User schema (and its enterprise extension) we accept and do not keep.
IGNORED = {
    "schemas", "id", "meta", "displayname", "nickname", "profileurl", "title", "usertype",
    "preferredlanguage", "locale", "timezone", "password", "phonenumbers", "ims", "photos",
    "addresses", "groups", "entitlements", "roles", "x509certificates", "name.formatted",
    "name.middlename", "name.honorificprefix", "name.honorificsuffix",
}  # fmt: skip


class ScimUserAdapter(SCIMUser):
    """``USER_ADAPTER``."""

    id_field = "pk"

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self.profile = provisioning.Profile()

    # --- Reading -------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.obj.pk is not None and provisioning.is_active(self.obj)

    @property
    def display_name(self) -> str:
        return display_name(self.obj.user)

    @property
    def groups(self) -> list[dict]:
        if not self.active:
            return []
        teams = getattr(self.obj.user, "scim_teams", None)
        if teams is None:
            teams = self.obj.user.team_memberships.filter(
                organization_id=self.obj.organization_id
            ).select_related("team")
        base = base_location(self.request)
        return [
            {
                "value": str(member.team_id),
                "$ref": base + reverse("scim:groups", kwargs={"uuid": member.team_id}),
                "display": member.team.name,
            }
            for member in teams
            if member.organization_id == self.obj.organization_id
        ]

    def to_dict(self) -> dict:
        user = self.obj.user
        return {
            "schemas": [USER_SCHEMA],
            "id": self.id,
            "externalId": self.obj.external_id or None,
            "userName": self.obj.user_name,
            "name": {
                "givenName": user.first_name,
                "familyName": user.last_name,
                "formatted": self.display_name,
            },
            "displayName": self.display_name,
            "emails": [{"value": user.email, "type": "work", "primary": True}],
            "active": self.active,
            "groups": self.groups,
            "meta": {
                "resourceType": "User",
                "created": self.obj.created_at.isoformat(),
                "lastModified": self.obj.updated_at.isoformat(),
                "location": self.location,
            },
        }

    # --- POST and PUT --------------------------------------------------------------------------

    def validate_dict(self, d) -> None:
        if not isinstance(d, dict):
            raise exceptions.BadRequestError("The body must be a JSON object (a SCIM User).")

    def from_dict(self, d: dict) -> None:
        self.profile = provisioning.Profile()
        for key, value in d.items():
            self._take(key, value)
        if not self.profile.user_name:
            raise exceptions.BadRequestError("“userName” is required.", scim_type="invalidValue")

    def save(self) -> None:
        if self.obj.pk is None:
            self.obj = provisioning.user_provision(
                organization=self.request.organization, profile=self.profile
            )
        else:
            provisioning.user_update(scim_user=self.obj, profile=self.profile)

    def delete(self) -> None:
        provisioning.user_delete(scim_user=self.obj)

    # --- PATCH ---------------------------------------------------------------------------------

    def handle_operations(self, operations) -> None:
        self.profile = provisioning.Profile()
        for op, path, value in operations_of(operations):
            self._take(path, _cleared(path) if op == "remove" else value)
        provisioning.user_update(scim_user=self.obj, profile=self.profile)

    # --- Attributes ----------------------------------------------------------------------------

    def _take(self, path: str, value) -> None:
        """Note one attribute the client sent (``path``: an attribute, ``name.givenName``, or
        ``emails[type eq "work"].value``, possibly behind the User schema's URN)."""
        key = path.removeprefix(USER_SCHEMA + ":").strip()
        lowered = key.lower()
        if value is None and lowered != "active":
            return
        if lowered == "username":
            self.profile.user_name = string(key, value, max_length=MAX_LENGTH)
        elif lowered == "externalid":
            self.profile.external_id = string(key, value, max_length=MAX_LENGTH)
        elif lowered == "active":
            if value is not None:
                self.profile.active = boolean(key, value)
        elif lowered == "name":
            if not isinstance(value, dict):
                raise exceptions.BadRequestError(
                    "“name” must be an object.", scim_type="invalidValue"
                )
            for sub, sub_value in value.items():
                self._take(f"name.{sub}", sub_value)
        elif lowered == "name.givenname":
            self.profile.given_name = string(key, value)
        elif lowered == "name.familyname":
            self.profile.family_name = string(key, value)
        elif lowered == "emails":
            self.profile.email = _primary_email(value)
        elif (lowered.startswith("emails[") and lowered.endswith(".value")) or (
            lowered == "emails.value"
        ):
            self.profile.email = string(key, value, max_length=MAX_LENGTH)
        elif (
            lowered in IGNORED
            or lowered.startswith("urn:")
            or lowered.startswith(("addresses", "phonenumbers", "name."))
        ):
            return
        else:
            unknown_attribute(key)


def _cleared(path: str) -> str | None:
    """What removing an attribute leaves: an empty value where we keep one, else nothing."""
    key = path.removeprefix(USER_SCHEMA + ":").lower()
    return "" if key in {"externalid", "name.givenname", "name.familyname"} else None


def _primary_email(value) -> str:
    """The primary email of ``emails`` (a list of ``{"value", "primary"}``; OneLogin sends one
    object), else the first."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise exceptions.BadRequestError(
            '“emails” must be a list of {"value": …} objects.', scim_type="invalidValue"
        )
    ordered = sorted(value, key=lambda item: not is_true(item.get("primary")))
    return string("emails.value", ordered[0].get("value"), max_length=MAX_LENGTH) if ordered else ""
