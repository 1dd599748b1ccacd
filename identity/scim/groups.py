"""The SCIM Group resource (RFC 7643 §4.2) over a team: django-scim2's adapter, with PATCH as
RFC 7644, Okta and Entra ID send it (``members`` added and removed, ``members[value eq "…"]``
removed, ``displayName`` replaced)."""

from django.urls import reverse
from django_scim import constants, exceptions
from django_scim.adapters import SCIMGroup

from organizations.people import display_name

from ..models import ScimUser
from . import teams
from .config import base_location
from .patching import operations_of, unknown_attribute

IGNORED = {"schemas", "id", "meta", "externalid"}


def _scim_ids(request) -> dict[int, int]:
    """The SCIM User id of each account provisioned in the request's organization (read once
    per request: a list of groups does not ask per member)."""
    if not hasattr(request, "_scim_user_ids"):
        request._scim_user_ids = dict(
            ScimUser.objects.filter(organization=request.organization).values_list("user_id", "pk")
        )
    return request._scim_user_ids


class ScimGroupAdapter(SCIMGroup):
    """``GROUP_ADAPTER``."""

    id_field = "pk"

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self.changes = {}

    @property
    def members(self) -> list[dict]:
        members = getattr(self.obj, "scim_members", None)
        if members is None:
            members = self.obj.team_members.select_related("user").order_by("user_id")
        ids = _scim_ids(self.request)
        base = base_location(self.request)
        return [
            {
                "value": str(ids[member.user_id]),
                "$ref": base + reverse("scim:users", kwargs={"uuid": ids[member.user_id]}),
                "display": display_name(member.user),
            }
            for member in members
            if member.user_id in ids
        ]

    def to_dict(self) -> dict:
        group = {
            "schemas": [constants.SchemaURI.GROUP],
            "id": self.id,
            "displayName": self.obj.name,
            "members": self.members,
            "meta": {
                "resourceType": "Group",
                "created": self.obj.created_at.isoformat(),
                "location": self.location,
            },
        }
        excluded = self.request.GET.get("excludedAttributes", "")
        if "members" in {name.strip().lower() for name in excluded.split(",")}:
            del group["members"]
        return group

    # --- POST and PUT --------------------------------------------------------------------------

    def validate_dict(self, d) -> None:
        if not isinstance(d, dict):
            raise exceptions.BadRequestError("The body must be a JSON object (a SCIM Group).")
        for key in d:
            if key.lower() not in IGNORED | {"displayname", "members"} and not key.startswith(
                "urn:"
            ):
                unknown_attribute(key)

    def from_dict(self, d: dict) -> None:
        self.changes = {"name": d.get("displayName"), "members": d.get("members")}

    def save(self) -> None:
        organization = self.request.organization
        if self.obj.pk is None:
            self.obj = teams.group_create(
                organization=organization,
                name=self.changes["name"],
                members=self.changes["members"],
            )
            return
        teams.group_rename(team=self.obj, name=self.changes["name"])
        if self.changes["members"] is not None:
            users = teams.users_of(organization, self.changes["members"])
            teams.group_members_set(team=self.obj, users=users)
        self._reload()

    def delete(self) -> None:
        teams.group_delete(team=self.obj)

    # --- PATCH ---------------------------------------------------------------------------------

    def handle_operations(self, operations) -> None:
        organization = self.request.organization
        for op, path, value in operations_of(operations):
            key = path.removeprefix(constants.SchemaURI.GROUP + ":").strip()
            lowered = key.lower()
            member_id = teams.member_id_of(key)
            if member_id is not None and op == "remove":
                users = teams.users_of(organization, [{"value": member_id}])
                teams.group_members_remove(team=self.obj, users=users)
            elif lowered == "members":
                if op == "remove":
                    users = None if value is None else teams.users_of(organization, value)
                    teams.group_members_remove(team=self.obj, users=users)
                elif op == "add":
                    teams.group_members_add(
                        team=self.obj, users=teams.users_of(organization, value)
                    )
                else:
                    teams.group_members_set(
                        team=self.obj, users=teams.users_of(organization, value)
                    )
            elif lowered == "displayname":
                if op == "remove":
                    raise exceptions.BadRequestError(
                        "“displayName” is required.", scim_type="mutability"
                    )
                teams.group_rename(team=self.obj, name=value)
            elif lowered in IGNORED or lowered.startswith("urn:"):
                continue
            else:
                unknown_attribute(key)
        self._reload()

    def _reload(self) -> None:
        """Forget the members read before the change."""
        if hasattr(self.obj, "scim_members"):
            del self.obj.scim_members
        self.request.__dict__.pop("_scim_user_ids", None)
