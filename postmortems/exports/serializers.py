"""The JSON export's shape: a postmortem with everything structured.

Serializes an ``exports.Export``. People are usernames, times ISO 8601 with offset, enumerations
the upper-case values of DESIGN §2, section bodies the markdown as stored. drf-spectacular
reads these classes for ``/api/v1/schema``.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actionitems.models import ActionItem
from incidents.models import IncidentLink, MetricSeries
from postmortems.models import Review, Section
from postmortems.timeline import rows_in_time_order


@extend_schema_field({"type": "string", "nullable": True, "description": "A username."})
class Username(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A username, or null.")
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


class ExportSectionSerializer(serializers.ModelSerializer):
    """A section: its markdown ``body`` and, for structured kinds, its ``data`` (timeline
    rows, five whys, contributing factors …) as stored."""

    body = serializers.CharField(read_only=True, help_text="Markdown, as written.")
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = Section
        fields = ("key", "title", "kind", "required", "position", "body", "data")
        read_only_fields = fields


class TimelineRowSerializer(serializers.Serializer):
    time = serializers.CharField(help_text="ISO 8601, as written.")
    event = serializers.CharField()
    actor = serializers.CharField(allow_blank=True)
    key = serializers.BooleanField(help_text="A key event.")
    section = serializers.CharField(help_text="The key of the timeline section.")


class ExportActionItemSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="number", read_only=True)
    owner = Username()
    section = serializers.CharField(source="section_key", read_only=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = (
            "id",
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
            "completed_at",
            "is_overdue",
        )
        read_only_fields = fields

    def get_is_overdue(self, item: ActionItem) -> bool:
        export = self.context.get("export")
        return bool(export and export.is_overdue(item))


class ExportReviewSerializer(serializers.ModelSerializer):
    reviewer = Username()

    class Meta:
        model = Review
        fields = ("reviewer", "round", "decision", "comment", "created_at", "decided_at")
        read_only_fields = fields


class ExportLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentLink
        fields = (
            "id",
            "type",
            "title",
            "url",
            "external_id",
            "relationship",
            "occurred_at",
            "details",
        )
        read_only_fields = fields


class ExportMetricSerializer(serializers.ModelSerializer):
    points = serializers.JSONField(read_only=True, help_text="[[ISO 8601 time, value], …]")

    class Meta:
        model = MetricSeries
        fields = ("key", "name", "unit", "points")
        read_only_fields = fields


class ExportIncidentSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    detected_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    mitigated_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    commander = Username()
    customer_impact = serializers.BooleanField()
    data_loss = serializers.BooleanField()
    security = serializers.BooleanField()
    near_miss = serializers.BooleanField()


class KeyNumbersSerializer(serializers.Serializer):
    duration_seconds = serializers.IntegerField(allow_null=True)
    time_to_detect_seconds = serializers.IntegerField(allow_null=True)
    time_to_resolve_seconds = serializers.IntegerField(allow_null=True)
    users_affected = serializers.IntegerField(allow_null=True)
    revenue_impact = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    sla_breached = serializers.BooleanField(allow_null=True)
    support_tickets = serializers.IntegerField(allow_null=True)
    root_cause_category = serializers.CharField(allow_blank=True)


class PostmortemExportSerializer(serializers.Serializer):
    """A postmortem with everything structured: the JSON export (pages and API)."""

    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    visibility = serializers.CharField()
    author = Username()
    version = serializers.IntegerField()
    revision = serializers.IntegerField(help_text="The latest revision's number.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    exported_at = serializers.DateTimeField()
    incident = ExportIncidentSerializer(allow_null=True, help_text="The primary incident.")
    incidents = serializers.ListField(
        child=serializers.CharField(), help_text="Every incident covered: primary first."
    )
    services = serializers.ListField(child=serializers.CharField())
    reviewers = serializers.ListField(child=serializers.CharField(), help_text="Usernames.")
    key_numbers = KeyNumbersSerializer()
    sections = ExportSectionSerializer(many=True)
    timeline = TimelineRowSerializer(many=True)
    action_items = ExportActionItemSerializer(many=True)
    reviews = ExportReviewSerializer(many=True)
    links = ExportLinkSerializer(many=True)
    metrics = ExportMetricSerializer(many=True)

    def to_representation(self, export):
        from postmortems.exports.documents import seconds

        pm, incident = export.postmortem, export.incident
        source = {
            "number": pm.number,
            "title": pm.title,
            "status": pm.status,
            "visibility": pm.visibility,
            "author": pm.author,
            "version": pm.version,
            "revision": export.revision,
            "created_at": pm.created_at,
            "updated_at": pm.updated_at,
            "published_at": pm.published_at,
            "exported_at": export.exported_at,
            "incident": incident,
            "incidents": [i.ref for i in export.document.incidents],
            "services": export.document.services,
            "reviewers": [u.get_username() for u in export.reviewers],
            "key_numbers": {
                "duration_seconds": seconds(incident.duration) if incident else None,
                "time_to_detect_seconds": seconds(incident.time_to_detect) if incident else None,
                "time_to_resolve_seconds": seconds(incident.time_to_resolve) if incident else None,
                "users_affected": pm.users_affected,
                "revenue_impact": pm.revenue_impact,
                "sla_breached": pm.sla_breached,
                "support_tickets": pm.support_tickets,
                "root_cause_category": pm.root_cause_category,
            },
            "sections": export.document.sections,
            "timeline": [
                {**row, "section": section.key}
                for section in export.document.sections
                if section.kind == "timeline"
                for row in _rows(section.data)
            ],
            "action_items": export.items,
            "reviews": export.reviews,
            "links": export.document.links,
            "metrics": export.document.metrics,
        }
        return super().to_representation(source)


def _rows(data) -> list[dict]:
    rows = data.get("rows") if isinstance(data, dict) else None
    return [
        {
            "time": str(row.get("time") or ""),
            "event": str(row.get("event") or ""),
            "actor": str(row.get("actor") or ""),
            "key": bool(row.get("key")),
        }
        for row in (rows_in_time_order(rows) if isinstance(rows, list) else [])
        if isinstance(row, dict)
    ]
