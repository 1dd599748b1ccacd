"""The action-item API's serializers: the item it answers, the fields it accepts on create and
update, and the tracker's filters as query parameters. Shapes only; ``actionitems.services``
decides what may be written.
"""

from datetime import date
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from incidents.api_serializers import StrictSerializer
from incidents.models import Severity
from organizations.api_base import MemberField

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
    "ticket",
    "created_at",
    "updated_at",
)


def _choices_message(name: str, values) -> str:
    """DRF's ``invalid_choice`` message listing the values (``{input}`` is filled by DRF)."""
    values = getattr(values, "values", values)
    return f"“{{input}}” is not a {name}: choose one of {', '.join(values)}."


# --- Resources (what the API answers) ----------------------------------------------------------


class ActionItemTicketSerializer(serializers.Serializer):
    """The item's ticket in the organization's issue tracker (GitHub, Jira or Linear)."""

    key = serializers.CharField(
        help_text="The ticket's key, e.g. OPS-12 or acme/api#12; empty while it is created."
    )
    url = serializers.CharField(help_text="The ticket's address; empty while it is created.")
    status = serializers.CharField(
        help_text="The ticket's status in the tracker's words, or “Creating ticket” or "
        "“Failed” before the tracker answered."
    )
    last_synced_at = serializers.DateTimeField(
        allow_null=True, help_text="When Hindsight last read or wrote the ticket."
    )
    error = serializers.CharField(help_text="Why the last sync failed; empty when it did not.")


def _organization(serializer: serializers.BaseSerializer, item: ActionItem):
    """The request's organization (the items'), without a query."""
    request = serializer.context.get("request")
    return getattr(request, "organization", None) or item.organization


class ActionItemListSerializer(serializers.ListSerializer):
    """Items read with their tickets in one question for the whole page."""

    def to_representation(self, data) -> list:
        items = list(data.all() if hasattr(data, "all") else data)
        if items and "tickets" not in self._context:
            self._context["tickets"] = selectors.item_tickets(
                _organization(self.child, items[0]), [item.pk for item in items]
            )
        return super().to_representation(items)


class ActionItemSerializer(serializers.ModelSerializer):
    """An action item. Reads the owner and postmortem fetched with it, ``today`` (the
    organization's date) and the page's ``tickets`` from the context."""

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
    ticket = serializers.SerializerMethodField(
        help_text="The item's ticket in a connected issue tracker, kept in step by the sync; "
        "null when it has none. Read-only: tickets are created and linked in Hindsight's pages."
    )

    class Meta:
        model = ActionItem
        fields = ITEM_FIELDS
        read_only_fields = ITEM_FIELDS
        list_serializer_class = ActionItemListSerializer

    def get_is_overdue(self, item: ActionItem) -> bool:
        """Still open and due before today (the organization's date)."""
        today: date = self.context["today"]
        return not item.is_closed and item.due_date is not None and item.due_date < today

    def get_ticket_kind(self, item: ActionItem) -> str:
        """What the ticket URL points at: Jira, GitHub, Linear, Ticket (another tracker), or ""
        without a URL."""
        return selectors.ticket_kind(item.ticket_url)

    @extend_schema_field(ActionItemTicketSerializer(allow_null=True))
    def get_ticket(self, item: ActionItem) -> dict | None:
        """The item's ticket in a connected issue tracker, or null when it has none."""
        tickets = self.context.get("tickets")
        if tickets is None:
            tickets = selectors.item_tickets(_organization(self, item), [item.pk])
        ticket = tickets.get(item.pk)
        if ticket is None:
            return None
        return ActionItemTicketSerializer(
            {
                "key": ticket.key,
                "url": ticket.remote_url,
                "status": ticket.status,
                "last_synced_at": ticket.synced_at,
                "error": ticket.error,
            }
        ).data


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
