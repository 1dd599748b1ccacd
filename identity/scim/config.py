"""django-scim2's hooks, named in ``SCIM_SERVICE_PROVIDER`` (config/settings.py): which rows a
request sees (its organization's only), how a filter becomes a query, where resources live,
and what the service provider announces.

Every hook runs inside ``auth.ScimTokenCheck``: the request carries its organization and the
organization's scope is active."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django_scim import exceptions
from django_scim.models import SCIMServiceProviderConfig
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParserError
from scim2_filter_parser.queries.sql import SQLQuery

from organizations.models import Membership, Team, TeamMember

from ..models import ScimUser

MAX_RESULTS = 200
MAX_ID_DIGITS = 18  # a bigint


def scim_user_model() -> type[ScimUser]:
    """``USER_MODEL_GETTER``: a SCIM User is the organization's ``ScimUser`` row (its id is
    the row's), so it exists only in its organization and outlives a deactivation."""
    return ScimUser


def base_location(request=None, *args, **kwargs) -> str:
    """``BASE_LOCATION_GETTER``: resources' addresses start at ``SITE_URL``."""
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def organization_filter_getter(model):
    """``GET_EXTRA_MODEL_FILTER_KWARGS_GETTER``: the request's organization's rows only; an id
    that is not one of ours (not a number, or another organization's) is a 404."""

    def extra_filter_kwargs(request, *args, **kwargs) -> dict:
        if args and not is_id(args[0]):
            raise exceptions.NotFoundError(args[0])
        return {"organization_id": request.organization.pk}

    return extra_filter_kwargs


def is_id(value) -> bool:
    """Whether ``value`` can be one of our resource ids (a row's primary key)."""
    return str(value).isdigit() and len(str(value)) <= MAX_ID_DIGITS


def users_with_details(queryset: QuerySet[ScimUser]) -> QuerySet[ScimUser]:
    """What a SCIM User shows, in a fixed number of queries: the account, whether a membership
    is held (``active``), and the teams (its groups)."""
    return (
        queryset.select_related("user")
        .annotate(
            is_member=Exists(
                Membership.objects.filter(
                    organization_id=OuterRef("organization_id"), user_id=OuterRef("user_id")
                )
            )
        )
        .prefetch_related(
            Prefetch(
                "user__team_memberships",
                queryset=TeamMember.objects.select_related("team").order_by("team__name"),
                to_attr="scim_teams",
            )
        )
    )


def teams_with_members(queryset: QuerySet[Team]) -> QuerySet[Team]:
    """What a SCIM Group shows: its members, as the ``ScimUser`` rows of its organization."""
    return queryset.prefetch_related(
        Prefetch(
            "team_members",
            queryset=TeamMember.objects.select_related("user").order_by("user_id"),
            to_attr="scim_members",
        )
    )


def queryset_post_processor_getter(model):
    """``GET_QUERYSET_POST_PROCESSOR_GETTER``: a list loads what it shows up front."""

    def post_process(request, queryset, *args, **kwargs):
        if model is ScimUser:
            return users_with_details(queryset)
        if model is Team:
            return teams_with_members(queryset)
        return queryset

    return post_process


class _Filter:
    """A SCIM filter (RFC 7644 §3.4.2.2) on the request's organization's rows, as a queryset.

    django-scim2's parser turns the filter into SQL on the model's table; an attribute it does
    not know is dropped silently there, so the attributes are checked first and an unknown one
    is a 400 naming it."""

    model: type
    attr_map: dict
    details = staticmethod(lambda queryset: queryset)

    @classmethod
    def search(cls, filter_query: str, request=None) -> QuerySet:
        cls._check_attributes(filter_query)
        try:
            query = SQLQuery(filter_query, cls.model._meta.db_table, cls.attr_map)
        except (ValueError, SCIMParserError) as error:
            raise exceptions.BadRequestError(
                f"Invalid filter {filter_query!r}: {error}", scim_type="invalidFilter"
            ) from error
        if query.where_sql is None:
            raise exceptions.BadRequestError(
                f"Invalid filter {filter_query!r}.", scim_type="invalidFilter"
            )
        # The parser's SQL names only mapped columns; every value is a query parameter.
        parsed = query.sql.strip().rstrip(";")
        matching = RawSQL(f"SELECT matched.id FROM ({parsed}) AS matched", query.params)  # noqa: S608, S611
        rows = cls.model.objects.filter(organization=request.organization, pk__in=matching)
        return cls.details(rows.order_by("pk"))

    @classmethod
    def _check_attributes(cls, filter_query: str) -> None:
        known = {attr.lower() for attr, _sub, _uri in cls.attr_map}
        try:
            tokens = list(SCIMLexer().tokenize(filter_query))
        except Exception as error:  # the lexer raises bare errors on illegal characters
            raise exceptions.BadRequestError(
                f"Invalid filter {filter_query!r}: {error}", scim_type="invalidFilter"
            ) from error
        for token in tokens:
            if token.type in ("ATTRNAME", "SUBATTR") and token.value.lower() not in known:
                names = ", ".join(sorted({attr for attr, _sub, _uri in cls.attr_map}))
                raise exceptions.BadRequestError(
                    f"Cannot filter on “{token.value}”: filter on {names}.",
                    scim_type="invalidFilter",
                )


class UserFilter(_Filter):
    """``USER_FILTER_PARSER``: ``userName eq "…"`` (as Okta and Entra ID send), ``externalId``."""

    model = ScimUser
    attr_map = {
        ("userName", None, None): "user_name",
        ("externalId", None, None): "external_id",
    }
    details = staticmethod(users_with_details)


class GroupFilter(_Filter):
    """``GROUP_FILTER_PARSER``: ``displayName eq "…"``."""

    model = Team
    attr_map = {("displayName", None, None): "name"}
    details = staticmethod(teams_with_members)


class ServiceProviderConfig(SCIMServiceProviderConfig):
    """What the service provider supports (RFC 7643 §5)."""

    def to_dict(self) -> dict:
        config = super().to_dict()
        config.update(
            {
                "filter": {"supported": True, "maxResults": MAX_RESULTS},
                "changePassword": {"supported": False},
                "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            }
        )
        return config


def object_post_processor_getter(model):
    """``GET_OBJECT_POST_PROCESSOR_GETTER``: one resource is read with what it shows, as a list
    is."""

    def post_process(request, obj, *args, **kwargs):
        if model is ScimUser:
            return users_with_details(ScimUser.objects.filter(pk=obj.pk)).get()
        if model is Team:
            return teams_with_members(Team.objects.filter(pk=obj.pk)).get()
        return obj

    return post_process
