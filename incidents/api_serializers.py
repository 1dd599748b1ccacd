"""The incident API's serializers: the resources it answers and the requests it accepts.

Serializers check shapes only (types, sizes, http(s) links, which fields may be set); the rules
live in ``services`` and ``transitions``. ``StrictSerializer`` is the base of every request
serializer of the API, here and in the other apps.
"""

from collections.abc import Mapping
from typing import Any

from django.core.validators import URLValidator
from rest_framework import serializers

from organizations.api_base import MemberField
from organizations.validators import date_range_error, validate_text_size

from .models import (
    EntryKind,
    Incident,
    IncidentLink,
    LinkType,
    Relationship,
    Severity,
    Status,
    TimelineEntry,
)
from .selectors import IncidentFilters, policy_requires

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
