"""API v1 for postmortems: the serializers. Resources say what the API answers, requests check
the shape of what it accepts (``incidents.api.StrictSerializer``: unknown fields are a 400);
the views in ``api`` call the services.
"""

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers

from incidents.api_serializers import StrictSerializer
from incidents.models import Incident, Severity
from incidents.selectors import incident_by_ref, parse_ref

from . import selectors
from .models import Postmortem, PostmortemStatus, Section, Template

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
