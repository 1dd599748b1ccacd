"""API v1 for action items (DESIGN §8): a postmortem's items (list, add), the
organization's items with the tracker's filters, and one item (read, partial update).

Built like ``postmortems.api``: serializers (``api_serializers``) check shapes, services
decide. The postmortem, or the item, is found in the token's organization among what the
token's user may read before anything else, so another organization's number (or a private
postmortem's item) is a 404 whatever the role and method. Writes need an engineer's role
(403 otherwise), then the rights ``actionitems.services`` judge (403): editors of the
postmortem add and change items; on a published postmortem the owner, managers and admins
may still change the status. A service's ``ValidationError`` is a 400 naming the fields.

A PATCH is partial: only the fields sent are written, so two clients changing different fields
of one item both keep their change.
"""

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.api_base import TokenApiView
from organizations.roles import Action
from postmortems.api import NUMBER_PARAMETER, PostmortemObjectView
from postmortems.models import Postmortem, Section, SectionKind
from postmortems.permissions import may_edit
from postmortems.selectors import postmortem_by_number

from . import selectors, services
from .api_serializers import (
    ActionItemCreateSerializer,
    ActionItemFilterSerializer,
    ActionItemSerializer,
    ActionItemUpdateSerializer,
)
from .models import ActionItem

# --- Views -------------------------------------------------------------------------------------

ITEM_PARAMETER = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The action item's number in the organization.",
)
ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names each offending field."),
    401: OpenApiResponse(description="No valid token."),
    403: OpenApiResponse(description="The token's user may not do this (role or rights)."),
    404: OpenApiResponse(description="No such postmortem or item in the token's organization."),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


def item_resource(queryset: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """What ``ActionItemSerializer`` reads, in the same query."""
    return queryset.select_related("owner", "postmortem")


class ActionItemApiView(TokenApiView):
    """Shared by the item views: the organization's date, and answering items."""

    write_action = Action.OWN_ACTION_ITEMS

    def serializer_context(self) -> dict:
        return {
            "request": self.request,
            "today": selectors.today_in(self.request.organization),
        }

    def item_response(self, item: ActionItem, status_code: int = status.HTTP_200_OK) -> Response:
        response = Response(
            ActionItemSerializer(item, context=self.serializer_context()).data,
            status=status_code,
        )
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = reverse("api:action_item_detail", kwargs={"id": item.number})
        return response

    def find_item(self, number: int) -> ActionItem:
        item = (
            item_resource(
                selectors.visible_items(
                    organization=self.request.organization,
                    membership=self.request._request.membership,
                )
            )
            .filter(number=number)
            .first()
        )
        if item is None:
            raise NotFound(f"No action item {number} in this organization.")
        return item


@extend_schema(tags=["action items"], parameters=[NUMBER_PARAMETER])
class PostmortemActionItemsView(PostmortemObjectView, ActionItemApiView):
    """A postmortem's action items, section by section; adding one."""

    write_action = Action.OWN_ACTION_ITEMS

    def find_postmortem(self, number: int) -> Postmortem:
        postmortem = postmortem_by_number(
            organization=self.request.organization,
            number=number,
            membership=self.request._request.membership,
        )
        if postmortem is None:
            raise NotFound(f"No postmortem {number} in this organization.")
        return postmortem

    def section_keys(self) -> list[str]:
        return list(
            Section.objects.filter(
                postmortem=self.postmortem, kind=SectionKind.ACTION_ITEMS
            ).values_list("key", flat=True)
        )

    @extend_schema(
        summary="List a postmortem's action items",
        description="In the document's order: section by section, then as listed.",
        responses={200: ActionItemSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, number: int) -> Response:
        section_position = Section.objects.filter(
            postmortem=self.postmortem, key=OuterRef("section_key")
        ).values("position")[:1]
        items = (
            item_resource(
                ActionItem.objects.filter(
                    organization=request.organization, postmortem=self.postmortem
                )
            )
            .annotate(section_position=Subquery(section_position))
            .order_by("section_position", "position", "number")
        )
        return self.paginated_response(
            items, ActionItemSerializer, context=self.serializer_context()
        )

    @extend_schema(
        summary="Add an action item",
        description="By whoever may edit the postmortem. The item starts OPEN; its `owner` must "
        "be a member and its `due_date` today or later.",
        request=ActionItemCreateSerializer,
        responses={201: ActionItemSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, number: int) -> Response:
        if not may_edit(request.user, request._request.membership, self.postmortem):
            # rights before the body is read (the service checks again)
            raise PermissionDenied("Only the postmortem's editors add action items.")
        keys = self.section_keys()
        serializer = ActionItemCreateSerializer(
            data=request.data, context={"request": request, "section_keys": keys}
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        section = fields.pop("section", keys[0] if keys else "")
        item = services.action_item_create(
            postmortem=self.postmortem, actor=request.user, section_key=section, **fields
        )
        return self.item_response(self.find_item(item.number), status.HTTP_201_CREATED)


@extend_schema(tags=["action items"])
class ActionItemListView(ActionItemApiView):
    """The organization's action items the token's user may see, filtered like the tracker."""

    @extend_schema(
        summary="List action items",
        description="Every item of the postmortems the token's user may read, SEV1 first and "
        "then by due date unless `sort` says otherwise.",
        parameters=[ActionItemFilterSerializer],
        responses={200: ActionItemSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        filters = ActionItemFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        sort = values.pop("sort")
        items = selectors.tracker_items(
            organization=request.organization,
            membership=request._request.membership,
            filters=values,
            sort=sort,
        )
        return self.paginated_response(items, ActionItemSerializer, self.serializer_context())


@extend_schema(tags=["action items"], parameters=[ITEM_PARAMETER])
class ActionItemDetailView(ActionItemApiView):
    """One action item."""

    item: ActionItem

    def check_permissions(self, request: Request) -> None:
        """With a valid token the item is found first: another organization's item, or one of
        a postmortem the user may not read, is a 404 for every role, never a 403."""
        if request.auth is not None:
            self.item = self.find_item(self.kwargs["id"])
        super().check_permissions(request)

    @extend_schema(
        summary="Get an action item", responses={200: ActionItemSerializer, **errors(401, 404)}
    )
    def get(self, request: Request, id: int) -> Response:
        return self.item_response(self.item)

    @extend_schema(
        summary="Change an action item",
        description="Partial: only the fields sent change. The postmortem's editors change any "
        "field; on a published or archived postmortem the owner, managers and admins may still "
        "change `status` (and `wont_do_reason`), and managers and admins the owner and due date.",
        request=ActionItemUpdateSerializer,
        responses={200: ActionItemSerializer, **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, id: int) -> Response:
        serializer = ActionItemUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.action_item_update(
            item=self.item, actor=request.user, changes=dict(serializer.validated_data)
        )
        return self.item_response(self.find_item(id))
