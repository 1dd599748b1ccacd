"""API v1 for action items (DESIGN §8): a postmortem's items (list, add), the
organization's items with the tracker's filters, and one item (read, partial update).

Built like ``postmortems.api``: serializers check shapes, services decide. The postmortem, or
the item, is found in the token's organization among what the token's user may read before
anything else, so another organization's number (or a private postmortem's item) is a 404
whatever the role and method. Writes need an engineer's role (403 otherwise), then the rights
``actionitems.services`` judge (403): editors of the postmortem add and change items; on a
published postmortem the owner, managers and admins may still change the status. A service's
``ValidationError`` is a 400 naming the fields.

A PATCH is partial: only the fields sent are written, so two clients changing different fields
of one item both keep their change.
"""

from datetime import date
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api import StrictSerializer
from incidents.models import Severity
from organizations.api_base import MemberField, TokenApiView
from organizations.roles import Action
from postmortems.api import NUMBER_PARAMETER, PostmortemObjectView
from postmortems.models import Postmortem, Section, SectionKind
from postmortems.permissions import may_edit
from postmortems.selectors import postmortem_by_number

from . import selectors, services
from .models import ActionItem, Category, ItemStatus, Priority

ITEM_FIELDS = (
    "id",
    "postmortem",
    "section",
    "description",
    "owner",
    "due_date",
    "priority",
    "status",
    "category",
    "success_criteria",
    "ticket_url",
    "wont_do_reason",
    "is_overdue",
    "completed_at",
    "ticket_kind",
    "created_at",
    "updated_at",
)


def _choices_message(name: str, values) -> str:
    """DRF's ``invalid_choice`` message listing the values (``{input}`` is filled by DRF)."""
    values = getattr(values, "values", values)
    return f"“{{input}}” is not a {name}: choose one of {', '.join(values)}."


# --- Resources (what the API answers) ----------------------------------------------------------


class ActionItemSerializer(serializers.ModelSerializer):
    """An action item. Reads the owner and postmortem fetched with it, and ``today`` (the
    organization's date) from the context."""

    id = serializers.IntegerField(
        source="number", read_only=True, help_text="The item's number in the organization."
    )
    postmortem = serializers.IntegerField(
        source="postmortem.number", read_only=True, help_text="The postmortem's number."
    )
    section = serializers.CharField(
        source="section_key",
        read_only=True,
        help_text="The key of the action-items section it is listed in.",
    )
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="A username, or null."
    )
    is_overdue = serializers.SerializerMethodField()
    ticket_kind = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = ITEM_FIELDS
        read_only_fields = ITEM_FIELDS

    def get_is_overdue(self, item: ActionItem) -> bool:
        """Still open and due before today (the organization's date)."""
        today: date = self.context["today"]
        return not item.is_closed and item.due_date is not None and item.due_date < today

    def get_ticket_kind(self, item: ActionItem) -> str:
        """What the ticket URL points at: Jira, GitHub, Linear, Ticket (another tracker), or ""
        without a URL."""
        return selectors.ticket_kind(item.ticket_url)


# --- Requests (what the API accepts) -----------------------------------------------------------


class ItemFieldsSerializer(StrictSerializer):
    """The fields an item's writers set; shared by creation and the partial update."""

    description = serializers.CharField(
        max_length=services.MAX_DESCRIPTION,
        help_text="The specific change to make, e.g. “Alert when p99 > 800 ms for 5 minutes”.",
    )
    owner = MemberField(
        required=False, allow_null=True, help_text="The owner's username, or null for nobody yet."
    )
    due_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="YYYY-MM-DD, today or later; an overdue item keeps its date through other edits.",
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        error_messages={"invalid_choice": _choices_message("priority", Priority)},
    )
    category = serializers.ChoiceField(
        choices=Category.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        error_messages={"invalid_choice": _choices_message("category", Category)},
        help_text="Blank for none.",
    )
    success_criteria = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_TEXT,
        help_text="How anyone can check it is done.",
    )
    ticket_url = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="The tracking ticket (https://…); Jira, GitHub and Linear are recognised.",
    )

    def validate_category(self, value: str | None) -> str:
        return value or ""


class ActionItemCreateSerializer(ItemFieldsSerializer):
    """A new item of the postmortem; it starts OPEN."""

    section = serializers.CharField(
        required=False,
        max_length=60,
        help_text="The key of one of the postmortem's action-items sections; defaults to the "
        "first.",
    )

    def validate_section(self, key: str) -> str:
        keys = self.context["section_keys"]
        if key not in keys:
            listed = ", ".join(keys) or "none"
            raise serializers.ValidationError(
                f"“{key}” is not an action-items section of this postmortem (its sections: "
                f"{listed})."
            )
        return key


# Named like the resource, so the schema's PATCH body is ``PatchedActionItem`` and the item
# statuses get one clean enumeration name (``ActionItemStatusEnum``) beside the incidents' and
# postmortems' statuses.
@extend_schema_serializer(component_name="ActionItem")
class ActionItemUpdateSerializer(ItemFieldsSerializer):
    """A partial update: the fields sent, and only those, change."""

    description = serializers.CharField(max_length=services.MAX_DESCRIPTION, required=False)
    status = serializers.ChoiceField(
        choices=ItemStatus.choices,
        required=False,
        error_messages={"invalid_choice": _choices_message("status", ItemStatus)},
        help_text="WONT_DO needs a `wont_do_reason` (sent now or already stored).",
    )
    wont_do_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=services.MAX_TEXT
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Give at least one field to change.")
        return attrs


class CommaListField(serializers.ListField):
    """A list in a query string: repeated (``?status=OPEN&status=IN_PROGRESS``) or
    comma-separated (``?status=OPEN,IN_PROGRESS``)."""

    def to_internal_value(self, data: Any) -> list:
        if isinstance(data, str):
            data = [data]
        values = [part.strip() for value in data for part in str(value).split(",")]
        try:
            return super().to_internal_value([value for value in values if value])
        except serializers.ValidationError as error:  # {"0": [...]} → one flat list
            detail = error.detail
            messages = detail.values() if isinstance(detail, dict) else [detail]
            raise serializers.ValidationError(
                [str(text) for texts in messages for text in texts]
            ) from error


class ActionItemFilterSerializer(serializers.Serializer):
    """Query parameters of the organization's item list (the tracker's filters); a bad value
    is a 400 naming the parameter."""

    status = CommaListField(
        child=serializers.ChoiceField(
            choices=ItemStatus.choices,
            error_messages={"invalid_choice": _choices_message("status", ItemStatus)},
        ),
        required=False,
        help_text="One or more statuses, repeated or comma-separated.",
    )
    priority = CommaListField(
        child=serializers.ChoiceField(
            choices=Priority.choices,
            error_messages={"invalid_choice": _choices_message("priority", Priority)},
        ),
        required=False,
        help_text="One or more priorities, repeated or comma-separated.",
    )
    owner = serializers.CharField(
        required=False, help_text="The owner's username, or `none` for unowned items."
    )
    due = serializers.ChoiceField(
        choices=[(bucket, bucket) for bucket in selectors.DUE_BUCKETS],
        required=False,
        error_messages={"invalid_choice": _choices_message("due bucket", selectors.DUE_BUCKETS)},
        help_text="Open items due before today, within 7 days, later, or without a due date "
        "(the organization's date).",
    )
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        error_messages={"invalid_choice": _choices_message("severity", Severity)},
        help_text="The primary incident's severity.",
    )
    service = serializers.CharField(
        required=False, help_text="A service of the postmortem's primary incident."
    )
    postmortem = serializers.IntegerField(
        required=False, min_value=1, help_text="A postmortem's number."
    )
    sort = serializers.ChoiceField(
        choices=[(key, key) for key in selectors.SORTS],
        required=False,
        default="severity",
        error_messages={"invalid_choice": _choices_message("sort", list(selectors.SORTS))},
        help_text="`severity` (the default): SEV1 first, then by due date.",
    )


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
