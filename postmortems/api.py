"""API v1 for postmortems (DESIGN §8): list, create, read, and save title and section bodies.

Built like ``incidents.api``: serializers check shapes, services decide. A postmortem is found
in the token's organization by its number before anything else, so another organization's
number is a 404 whatever the role. Writing needs the role to create postmortems and, for a
given postmortem, the edit rights of DESIGN §3 (``permissions.may_edit``); a save based on a
stale ``version`` is a 409 carrying the current version, and nothing is overwritten.

Section bodies are untrusted markdown and are returned as stored (raw data for clients); every
page that shows them renders them through the sanitising ``markdown`` filter.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.api_base import TokenApiView
from organizations.roles import Action

from . import creation, selectors, services
from .api_serializers import (
    PostmortemCreateSerializer,
    PostmortemListFilterSerializer,
    PostmortemSerializer,
    PostmortemUpdateSerializer,
    StaleVersionSerializer,
    with_resource,
)
from .models import Postmortem
from .permissions import may_edit

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
            postmortem = creation.postmortem_create(
                organization=request.organization,
                actor=request.user,
                template=data["template"],
                incident=data["incident"],
                related_incidents=data["related_incidents"],
                title=data["title"],
            )
        except creation.IncidentHasPostmortem as taken:
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
