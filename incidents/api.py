"""API v1 for incidents (DESIGN §8): serializers that check shapes, views that call services.

Business rules (times in order, members only, http(s) links, which transitions are allowed)
live in ``services`` and ``transitions``; their ``ValidationError`` becomes a 400 naming the
fields and ``TransitionError`` a 409 (see ``TokenApiView``). Every incident is looked up in the
token's organization, so another organization's reference answers 404 whatever the role.
"""

from collections.abc import Mapping
from typing import Any

from django.core.validators import URLValidator
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.api_base import MemberField, TokenApiView
from organizations.roles import Action
from organizations.selectors import policy_for
from organizations.validators import date_range_error, validate_text_size

from .models import (
    EntryKind,
    Incident,
    IncidentLink,
    IncidentParticipant,
    LinkType,
    Relationship,
    Severity,
    Status,
    TimelineEntry,
)
from .selectors import (
    IncidentFilters,
    incident_by_ref,
    incident_list,
    policy_requires,
    timeline,
)
from .services import incident_declare, incident_update, link_add, timeline_entry_add
from .transitions import TransitionError, incident_resolve

INCIDENT_FIELDS = (
    "ref",
    "title",
    "description",
    "severity",
    "status",
    "services",
    "commander",
    "participants",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "customer_impact",
    "data_loss",
    "security",
    "near_miss",
    "postmortem_required",
    "postmortem",
)
TIMELINE_ENTRY_FIELDS = (
    "id",
    "occurred_at",
    "kind",
    "actor",
    "description",
    "evidence_url",
    "is_key_event",
)
LINK_FIELDS = ("id", "type", "title", "url", "relationship", "occurred_at")


# --- Fields ------------------------------------------------------------------------------------


class HttpUrlField(serializers.URLField):
    """An absolute http(s) URL; ``javascript:``, ``ftp:`` and the like are refused."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators.append(
            URLValidator(schemes=["http", "https"], message="Enter an http or https URL.")
        )


class StrictSerializer(serializers.Serializer):
    # Refuses fields it does not take: a typo or a read-only field (``status``, ``ref``) is a
    # 400 naming it, never silently ignored.

    def to_internal_value(self, data: Any) -> dict:
        refused = self.refused_fields(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**refused, **error.detail}) from error
        if refused:
            raise serializers.ValidationError(refused)
        return value

    def refused_fields(self, data: Any) -> dict[str, list[str]]:
        if not isinstance(data, Mapping):
            return {}
        writable = {name for name, field in self.fields.items() if not field.read_only}
        return dict.fromkeys(sorted(set(data) - writable), ["This field cannot be set here."])


# --- Resources (what the API answers) ----------------------------------------------------------


class IncidentSerializer(serializers.ModelSerializer):
    """An incident. Reads what ``list_base`` and ``participants_prefetch`` fetch, and the
    organization's postmortem ``policy`` from the context."""

    ref = serializers.CharField(read_only=True, help_text="e.g. INC-2026-0042")
    services = serializers.SerializerMethodField()
    commander = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="A username, or null."
    )
    participants = serializers.SerializerMethodField()
    postmortem_required = serializers.SerializerMethodField()
    postmortem = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = INCIDENT_FIELDS
        read_only_fields = INCIDENT_FIELDS

    def get_services(self, incident: Incident) -> list[str]:
        return [link.service.name for link in incident.service_links.all()]

    def get_participants(self, incident: Incident) -> list[str]:
        return [participant.user.get_username() for participant in incident.participants.all()]

    def get_postmortem_required(self, incident: Incident) -> bool:
        return policy_requires(self.context["policy"], incident)

    def get_postmortem(self, incident: Incident) -> int | None:
        """The number of the incident's postmortem, or null."""
        postmortem = next(iter(incident.postmortems.all()), None)
        return postmortem.number if postmortem else None


class TimelineEntrySerializer(serializers.ModelSerializer):
    """An event of the incident's timeline."""

    actor = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = TIMELINE_ENTRY_FIELDS
        read_only_fields = TIMELINE_ENTRY_FIELDS

    def get_actor(self, entry: TimelineEntry) -> str | None:
        """The username of the person, or the name of the system, behind the event."""
        return entry.actor_display or None


class LinkSerializer(serializers.ModelSerializer):
    """Observability data linked to the incident: an alert, error group, release, trace…"""

    class Meta:
        model = IncidentLink
        fields = LINK_FIELDS
        read_only_fields = LINK_FIELDS


# --- Requests (what the API accepts) -----------------------------------------------------------


class IncidentCreateSerializer(StrictSerializer):
    """A new incident. People are usernames of members; services are names (new ones are
    created)."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", validators=[validate_text_size]
    )
    severity = serializers.ChoiceField(choices=Severity.choices)
    started_at = serializers.DateTimeField(
        required=False, help_text="When impact began. Left out (with detected_at): now."
    )
    detected_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out with started_at: now. Left out alone: unknown (null).",
    )
    services = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list
    )
    commander = MemberField(required=False, allow_null=True, default=None)
    participants = serializers.ListField(child=MemberField(), required=False, default=list)
    customer_impact = serializers.BooleanField(required=False, default=False)
    data_loss = serializers.BooleanField(required=False, default=False)
    security = serializers.BooleanField(required=False, default=False)
    near_miss = serializers.BooleanField(required=False, default=False)


class IncidentUpdateSerializer(StrictSerializer):
    """Every field optional; status changes go through the transition endpoints."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, validators=[validate_text_size]
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    started_at = serializers.DateTimeField(required=False)
    detected_at = serializers.DateTimeField(required=False, allow_null=True)
    acknowledged_at = serializers.DateTimeField(required=False, allow_null=True)
    mitigated_at = serializers.DateTimeField(required=False, allow_null=True)
    resolved_at = serializers.DateTimeField(required=False, allow_null=True)
    services = serializers.ListField(child=serializers.CharField(max_length=80), required=False)
    commander = MemberField(required=False, allow_null=True)
    customer_impact = serializers.BooleanField(required=False)
    data_loss = serializers.BooleanField(required=False)
    security = serializers.BooleanField(required=False)
    near_miss = serializers.BooleanField(required=False)


class TimelineEntryCreateSerializer(StrictSerializer):
    """A new timeline entry."""

    occurred_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=EntryKind.choices, default=EntryKind.NOTE)
    actor = serializers.CharField(
        source="actor_name",
        max_length=80,
        required=False,
        allow_blank=True,
        default="",
        help_text="A system name (e.g. PagerDuty); the token's user when left out.",
    )
    description = serializers.CharField(validators=[validate_text_size])
    evidence_url = HttpUrlField(max_length=500, required=False, allow_blank=True, default="")
    is_key_event = serializers.BooleanField(required=False, default=False)


class LinkCreateSerializer(StrictSerializer):
    """A new link; the URL must be http or https."""

    type = serializers.ChoiceField(choices=LinkType.choices)
    title = serializers.CharField(max_length=200)
    url = HttpUrlField(max_length=500)
    relationship = serializers.ChoiceField(choices=Relationship.choices, default="RELATED")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ResolveSerializer(StrictSerializer):
    """When the incident was resolved (optional)."""

    resolved_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Defaults to now."
    )


class IncidentListFilterSerializer(serializers.Serializer):
    """Query parameters of the incident list; a bad value is a 400 naming the parameter."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    service = serializers.CharField(required=False, help_text="A service name.")
    q = serializers.CharField(required=False, help_text="Words of the title.")
    started_after = serializers.DateField(
        required=False, help_text="Started on or after this day (organization's time zone)."
    )
    started_before = serializers.DateField(
        required=False, help_text="Started on or before this day (organization's time zone)."
    )

    def validate(self, attrs: dict) -> dict:
        error = date_range_error(
            attrs.get("started_after"),
            attrs.get("started_before"),
            start_name="started_after",
            end_name="started_before",
        )
        if error:
            raise serializers.ValidationError({"started_before": error})
        return attrs

    def incident_filters(self) -> IncidentFilters:
        data = self.validated_data
        return IncidentFilters(
            status=data.get("status", ""),
            severity=data.get("severity", ""),
            service=data.get("service", ""),
            q=data.get("q", ""),
            date_from=data.get("started_after"),
            date_to=data.get("started_before"),
        )


# --- Views -------------------------------------------------------------------------------------


def participants_prefetch() -> Prefetch:
    return Prefetch(
        "participants",
        queryset=IncidentParticipant.objects.select_related("user").order_by("user__username"),
    )


REF_PARAMETER = OpenApiParameter(
    "ref", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. INC-2026-0042"
)
ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names each offending field."),
    401: OpenApiResponse(description="No valid token."),
    403: OpenApiResponse(description="The role of the token's user does not allow this."),
    404: OpenApiResponse(description="No such incident in the token's organization."),
    409: OpenApiResponse(description="The incident's status does not allow this."),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


class IncidentApiView(TokenApiView):
    """Shared by the incident views: finding an incident and showing it."""

    write_action = Action.UPDATE_INCIDENT
    conflict_errors = (TransitionError,)

    def find_incident(self, ref: str) -> Incident:
        incident = incident_by_ref(organization=self.request.organization, ref=ref)
        if incident is None:
            raise NotFound(f"No incident {ref} in this organization.")
        return incident

    def incident_response(
        self, incident: Incident, status_code: int = status.HTTP_200_OK
    ) -> Response:
        """The incident (as ``find_incident`` reads it) as the resource shows it."""
        prefetch_related_objects([incident], participants_prefetch())
        data = IncidentSerializer(incident, context=self.serializer_context()).data
        response = Response(data, status=status_code)
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = reverse("api:incident_detail", kwargs={"ref": incident.ref})
        return response

    def serializer_context(self) -> dict:
        return {"request": self.request, "policy": policy_for(self.request.organization)}


class IncidentObjectView(IncidentApiView):
    """A view of one incident, named by ``ref`` in the URL."""

    incident: Incident

    def check_permissions(self, request: Request) -> None:
        """With a valid token the incident is found first: another organization's incident
        (or none at all) is a 404 for every role, never a 403."""
        if request.auth is not None:
            self.incident = self.find_incident(self.kwargs["ref"])
        super().check_permissions(request)


@extend_schema(tags=["incidents"])
class IncidentListView(IncidentApiView):
    """The organization's incidents, newest first; declaring a new one."""

    write_action = Action.DECLARE_INCIDENT

    @extend_schema(
        summary="List incidents",
        parameters=[IncidentListFilterSerializer],
        responses={200: IncidentSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        filters = IncidentListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        incidents = incident_list(
            organization=request.organization, filters=filters.incident_filters()
        ).prefetch_related(participants_prefetch())
        return self.paginated_response(incidents, IncidentSerializer, self.serializer_context())

    @extend_schema(
        summary="Declare an incident",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, **errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        serializer = IncidentCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        incident = incident_declare(
            organization=request.organization, actor=request.user, **serializer.validated_data
        )
        return self.incident_response(self.find_incident(incident.ref), status.HTTP_201_CREATED)


@extend_schema(tags=["incidents"], parameters=[REF_PARAMETER])
class IncidentDetailView(IncidentObjectView):
    """One incident."""

    @extend_schema(
        summary="Get an incident", responses={200: IncidentSerializer, **errors(401, 404)}
    )
    def get(self, request: Request, ref: str) -> Response:
        return self.incident_response(self.incident)

    @extend_schema(
        summary="Update an incident",
        description="Change any of the given fields; times must stay in order.",
        request=IncidentUpdateSerializer,
        responses={200: IncidentSerializer, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, ref: str) -> Response:
        serializer = IncidentUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        incident_update(incident=self.incident, actor=request.user, **serializer.validated_data)
        return self.incident_response(self.find_incident(ref))


@extend_schema(tags=["incidents"], parameters=[REF_PARAMETER])
class IncidentTimelineView(IncidentObjectView):
    """The incident's timeline."""

    @extend_schema(
        summary="The incident's timeline, oldest first",
        responses={200: TimelineEntrySerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, ref: str) -> Response:
        entries = timeline(incident=self.incident)
        return self.paginated_response(entries, TimelineEntrySerializer)

    @extend_schema(
        summary="Add a timeline entry",
        request=TimelineEntryCreateSerializer,
        responses={201: TimelineEntrySerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, ref: str) -> Response:
        serializer = TimelineEntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = timeline_entry_add(
            incident=self.incident, actor=request.user, **serializer.validated_data
        )
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["incidents"], parameters=[REF_PARAMETER])
class IncidentLinksView(IncidentObjectView):
    """The incident's links to observability data."""

    @extend_schema(
        summary="The incident's linked alerts, errors, releases, traces…",
        responses={200: LinkSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, ref: str) -> Response:
        links = IncidentLink.objects.filter(incident=self.incident)
        return self.paginated_response(links, LinkSerializer)

    @extend_schema(
        summary="Link observability data to the incident",
        request=LinkCreateSerializer,
        responses={201: LinkSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, ref: str) -> Response:
        serializer = LinkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = link_add(incident=self.incident, **serializer.validated_data)
        return Response(LinkSerializer(link).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["incidents"], parameters=[REF_PARAMETER])
class IncidentResolveView(IncidentObjectView):
    """Resolving the incident (the postmortem draft follows when the policy asks for one)."""

    @extend_schema(
        summary="Resolve the incident",
        description="Resolving an incident that is already resolved changes nothing.",
        request=ResolveSerializer,
        responses={200: IncidentSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, ref: str) -> Response:
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident_resolve(
            incident=self.incident, actor=request.user, at=serializer.validated_data["resolved_at"]
        )
        return self.incident_response(self.find_incident(ref))
