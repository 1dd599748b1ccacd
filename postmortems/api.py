"""API v1 for postmortems (DESIGN §8): list, create, read, and save title and section bodies.

Built like ``incidents.api``: serializers check shapes, services decide. A postmortem is found
in the token's organization by its number before anything else, so another organization's
number is a 404 whatever the role. Writing needs the role to create postmortems and, for a
given postmortem, the edit rights of DESIGN §3 (``permissions.may_edit``); a save based on a
stale ``version`` is a 409 carrying the current version, and nothing is overwritten.

Section bodies are untrusted markdown and are returned as stored (raw data for clients); every
page that shows them renders them through the sanitising ``markdown`` filter.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api_serializers import StrictSerializer
from incidents.models import Incident, Severity
from incidents.selectors import incident_by_ref, parse_ref
from organizations.api_base import TokenApiView
from organizations.roles import Action

from . import selectors, services
from .models import Postmortem, PostmortemStatus, Section, Template
from .permissions import may_edit

POSTMORTEM_FIELDS = (
    "number",
    "title",
    "status",
    "incident",
    "incidents",
    "severity",
    "visibility",
    "author",
    "version",
    "sections",
    "created_at",
    "updated_at",
    "published_at",
)
SECTION_FIELDS = ("key", "title", "kind", "required", "body")


# --- Resources (what the API answers) ----------------------------------------------------------


class SectionSerializer(serializers.ModelSerializer):
    """A section of the document; ``body`` is its markdown, exactly as stored."""

    class Meta:
        model = Section
        fields = SECTION_FIELDS
        read_only_fields = SECTION_FIELDS


class PostmortemSerializer(serializers.ModelSerializer):
    """A postmortem. Reads what ``with_resource`` prefetches."""

    incident = serializers.SerializerMethodField()
    incidents = serializers.SerializerMethodField()
    severity = serializers.SerializerMethodField()
    author = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="A username, or null."
    )
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = Postmortem
        fields = POSTMORTEM_FIELDS
        read_only_fields = POSTMORTEM_FIELDS

    def get_incident(self, postmortem: Postmortem) -> str | None:
        """The primary incident's reference (e.g. INC-2026-0042), or null."""
        return postmortem.incident.ref if postmortem.incident else None

    def get_incidents(self, postmortem: Postmortem) -> list[str]:
        """Every incident the postmortem covers: the primary one first, then the related ones."""
        refs = [postmortem.incident.ref] if postmortem.incident else []
        return refs + [link.incident.ref for link in postmortem.related_incidents.all()]

    def get_severity(self, postmortem: Postmortem) -> str | None:
        """The primary incident's severity, or null."""
        return postmortem.incident.severity if postmortem.incident else None


def with_resource(queryset: QuerySet[Postmortem]) -> QuerySet[Postmortem]:
    """What ``PostmortemSerializer`` reads, in a fixed number of queries."""
    return queryset.select_related("incident", "author").prefetch_related(
        "sections", "related_incidents__incident"
    )


# --- Requests (what the API accepts) -----------------------------------------------------------


class IncidentRefField(serializers.CharField):
    """An incident of the token's organization, by reference (``INC-2026-0042``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "An incident reference, e.g. INC-2026-0042.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Incident:
        ref = super().to_internal_value(data)
        incident = incident_by_ref(organization=self.context["request"].organization, ref=ref)
        if incident is None:
            raise serializers.ValidationError(f"No incident {ref} in this organization.")
        return incident

    def to_representation(self, value: Incident) -> str:
        return value.ref


class PostmortemCreateSerializer(StrictSerializer):
    """A new postmortem, from a template, optionally for one or more incidents."""

    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Defaults to the primary incident's reference and title.",
    )
    incident = IncidentRefField(
        required=False, allow_null=True, default=None, help_text="The primary incident."
    )
    template = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "A template's name or a built-in key (standard, comprehensive, lightweight, "
            "security). Defaults to the organization's template for the incident's severity."
        ),
    )
    related_incidents = serializers.ListField(
        child=IncidentRefField(),
        required=False,
        default=list,
        help_text="Further incidents the postmortem covers, by reference.",
    )

    def validate_template(self, value: str) -> Template | None:
        if not value.strip():
            return None
        organization = self.context["request"].organization
        template = (
            selectors.active_templates(organization=organization)
            .filter(Q(name=value.strip()) | Q(builtin_key=value.strip()))
            .first()
        )
        if template is None:
            raise serializers.ValidationError(f"No template “{value}” in this organization.")
        return template


class MarkdownField(serializers.CharField):
    """A section body: markdown as a JSON string, kept exactly as sent (no trimming, no
    coercion of numbers or booleans)."""

    default_error_messages = {"invalid": "Give the section's markdown as a string."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PostmortemUpdateSerializer(StrictSerializer):
    """A save: the ``version`` it is based on, and a new title and/or section bodies."""

    version = serializers.IntegerField(
        min_value=1, help_text="The version this change is based on (409 when it is stale)."
    )
    title = serializers.CharField(max_length=200, required=False)
    sections = serializers.DictField(
        child=MarkdownField(),
        required=False,
        help_text='New markdown bodies by section key, e.g. {"summary": "…"}.',
    )

    def validate(self, attrs: dict) -> dict:
        if "title" not in attrs and "sections" not in attrs:
            raise serializers.ValidationError("Give a title and/or sections to change.")
        return attrs


class PostmortemListFilterSerializer(serializers.Serializer):
    """Query parameters of the postmortem list; a bad value is a 400 naming the parameter."""

    status = serializers.ChoiceField(choices=PostmortemStatus.choices, required=False)
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, help_text="The primary incident's severity."
    )
    author = serializers.CharField(required=False, help_text="The author's username.")
    incident = serializers.CharField(
        required=False, help_text="An incident reference (primary or related), e.g. INC-2026-0042."
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text=(
            "Full-text search (title first, then summary and root cause, then the rest; quotes "
            'for phrases, "or", and -word to exclude); results come best match first.'
        ),
    )

    def validate_incident(self, value: str) -> str:
        if parse_ref(value) is None:
            raise serializers.ValidationError("Give an incident reference like INC-2026-0042.")
        return value


class StaleVersionSerializer(serializers.Serializer):
    """A 409: someone saved in between; fetch the postmortem again and merge."""

    detail = serializers.CharField()
    current_version = serializers.IntegerField()


# --- Views -------------------------------------------------------------------------------------

NUMBER_PARAMETER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The postmortem's number in the organization.",
)
ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names each offending field."),
    401: OpenApiResponse(description="No valid token."),
    403: OpenApiResponse(description="The token's user may not do this (role or edit rights)."),
    404: OpenApiResponse(description="No such postmortem in the token's organization."),
    409: OpenApiResponse(
        StaleVersionSerializer, description="Stale version: someone saved in between."
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


class PostmortemApiView(TokenApiView):
    """Shared by the postmortem views: finding a postmortem and showing it."""

    write_action = Action.CREATE_POSTMORTEM

    def find_postmortem(self, number: int) -> Postmortem:
        postmortem = (
            with_resource(
                selectors.visible_postmortems(
                    organization=self.request.organization,
                    membership=self.request._request.membership,
                )
            )
            .filter(number=number)
            .first()
        )
        if postmortem is None:
            raise NotFound(f"No postmortem {number} in this organization.")
        return postmortem

    def postmortem_response(
        self, postmortem: Postmortem, status_code: int = status.HTTP_200_OK
    ) -> Response:
        response = Response(PostmortemSerializer(postmortem).data, status=status_code)
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = reverse(
                "api:postmortem_detail", kwargs={"number": postmortem.number}
            )
        return response


class PostmortemObjectView(PostmortemApiView):
    """A view of one postmortem, named by ``number`` in the URL."""

    postmortem: Postmortem

    def check_permissions(self, request: Request) -> None:
        """With a valid token the postmortem is found first: another organization's postmortem
        (or none at all) is a 404 for every role, never a 403."""
        if request.auth is not None:
            self.postmortem = self.find_postmortem(self.kwargs["number"])
        super().check_permissions(request)


@extend_schema(tags=["postmortems"])
class PostmortemListView(PostmortemApiView):
    """The organization's postmortems, most recently edited first; starting a new one."""

    @extend_schema(
        summary="List postmortems",
        parameters=[PostmortemListFilterSerializer],
        responses={200: PostmortemSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        filters = PostmortemListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        postmortems = with_resource(
            selectors.postmortem_list(
                organization=request.organization,
                membership=request._request.membership,
                filters=dict(filters.validated_data),
            )
        )
        return self.paginated_response(postmortems, PostmortemSerializer)

    @extend_schema(
        summary="Start a postmortem",
        description="The new draft's sections come from the template, variables filled from "
        "the primary incident; the token's user is its author.",
        request=PostmortemCreateSerializer,
        responses={
            201: PostmortemSerializer,
            409: OpenApiResponse(
                description="The incident is the primary incident of a postmortem already; "
                "`postmortem` is its number."
            ),
            **errors(400, 401, 403),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = PostmortemCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            postmortem = services.postmortem_create(
                organization=request.organization,
                actor=request.user,
                template=data["template"],
                incident=data["incident"],
                related_incidents=data["related_incidents"],
                title=data["title"],
            )
        except services.IncidentHasPostmortem as taken:
            body = {"detail": str(taken), "postmortem": taken.postmortem.number}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return self.postmortem_response(
            self.find_postmortem(postmortem.number), status.HTTP_201_CREATED
        )


@extend_schema(tags=["postmortems"], parameters=[NUMBER_PARAMETER])
class PostmortemDetailView(PostmortemObjectView):
    """One postmortem."""

    @extend_schema(
        summary="Get a postmortem", responses={200: PostmortemSerializer, **errors(401, 404)}
    )
    def get(self, request: Request, number: int) -> Response:
        return self.postmortem_response(self.postmortem)

    @extend_schema(
        summary="Save the title and/or section bodies",
        description="Based on `version`: when someone saved in between, nothing is saved and "
        "the answer is a 409 with the current version. Bodies are markdown, at most 200 KB each.",
        request=PostmortemUpdateSerializer,
        responses={200: PostmortemSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, number: int) -> Response:
        if not may_edit(request.user, request.membership, self.postmortem):
            raise PermissionDenied("You may not edit this postmortem.")
        serializer = PostmortemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.postmortem_save(
                postmortem=self.postmortem,
                actor=request.user,
                base_version=data["version"],
                title=data.get("title"),
                sections=data.get("sections"),
            )
        except services.StaleVersionError as stale:
            body = {"detail": str(stale), "current_version": stale.current_version}
            return Response(body, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as error:
            raise serializers.ValidationError(save_error_detail(error)) from error
        return self.postmortem_response(self.find_postmortem(number))


def save_error_detail(error: DjangoValidationError) -> dict:
    """The save's errors (keyed by section key, or ``title``) as the request's fields name
    them: ``{"title": [...]}`` and ``{"sections": {"<key>": [...]}}``."""
    messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    detail: dict = {}
    for key, texts in messages.items():
        if key == "title":
            detail["title"] = texts
        elif key is None:
            detail["non_field_errors"] = texts
        else:
            detail.setdefault("sections", {})[key] = texts
    return detail
