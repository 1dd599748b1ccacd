"""API v1 for incidents (DESIGN §8): views that call services; the serializers that check
shapes are in ``api_serializers``.

Business rules (times in order, members only, http(s) links, which transitions are allowed)
live in ``services`` and ``transitions``; their ``ValidationError`` becomes a 400 naming the
fields and ``TransitionError`` a 409 (see ``TokenApiView``). Every incident is looked up in the
token's organization, so another organization's reference answers 404 whatever the role.
"""

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.api_base import TokenApiView
from organizations.roles import Action
from organizations.selectors import policy_for

from .api_serializers import (
    IncidentCreateSerializer,
    IncidentListFilterSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    LinkCreateSerializer,
    LinkSerializer,
    ResolveSerializer,
    TimelineEntryCreateSerializer,
    TimelineEntrySerializer,
)
from .models import Incident, IncidentLink, IncidentParticipant
from .selectors import incident_by_ref, incident_list, timeline
from .services import incident_declare, incident_update, link_add, timeline_entry_add
from .transitions import TransitionError, incident_resolve

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
