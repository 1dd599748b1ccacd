"""The integrations' tables, defined in each source's sub-package."""

from .metrics.models import MetricCapture, MetricQuery, MetricsEndpoint

__all__ = ["MetricCapture", "MetricQuery", "MetricsEndpoint"]
