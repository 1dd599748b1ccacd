"""``POST /api/v1/incidents/{ref}/metrics``: a metric series sent by any store (the
organization's Prometheus is captured by the integrations app instead). A series replaces the
incident's earlier series of the same key; the charts, template variables and PDF show it."""

import math
from datetime import datetime

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from .api import REF_PARAMETER, IncidentObjectView, errors
from .api_serializers import StrictSerializer
from .models import MetricSeries
from .services import metric_series_set

MAX_POINTS = 5000


class MetricSeriesSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricSeries
        fields = ("key", "name", "unit", "points")


class MetricSeriesCreateSerializer(StrictSerializer):
    """A series: ``points`` are ``[time, value]`` pairs (ISO 8601 time with its offset, a
    finite number), at most ``MAX_POINTS`` of them."""

    key = serializers.SlugField(max_length=40, help_text="e.g. errorRate, latency")
    name = serializers.CharField(max_length=120)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    points = serializers.ListField(
        child=serializers.JSONField(),
        max_length=MAX_POINTS,
        help_text=f'[["2026-01-01T10:00:00Z", 1.5], …], at most {MAX_POINTS}',
    )

    def validate_points(self, value: list) -> list[tuple[datetime, float]]:
        parse = serializers.DateTimeField()
        points = []
        for index, point in enumerate(value):
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise serializers.ValidationError(f"Point {index}: expected [time, value].")
            moment, number = point
            try:
                at = parse.to_internal_value(moment)
            except serializers.ValidationError:
                raise serializers.ValidationError(
                    f"Point {index}: the time must be ISO 8601, e.g. 2026-01-01T10:00:00Z."
                ) from None
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise serializers.ValidationError(f"Point {index}: the value must be a number.")
            if not math.isfinite(number):
                raise serializers.ValidationError(f"Point {index}: the value must be finite.")
            points.append((at, float(number)))
        return points


@extend_schema(tags=["incidents"], parameters=[REF_PARAMETER])
class IncidentMetricsView(IncidentObjectView):
    """The incident's metric series."""

    @extend_schema(
        summary="The incident's metric series",
        responses={200: MetricSeriesSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, ref: str) -> Response:
        series = MetricSeries.objects.filter(incident=self.incident)
        return self.paginated_response(series, MetricSeriesSerializer)

    @extend_schema(
        summary="Store a metric series (replacing the one of the same key)",
        request=MetricSeriesCreateSerializer,
        responses={201: MetricSeriesSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, ref: str) -> Response:
        serializer = MetricSeriesCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        series = metric_series_set(incident=self.incident, **serializer.validated_data)
        return Response(MetricSeriesSerializer(series).data, status=status.HTTP_201_CREATED)
