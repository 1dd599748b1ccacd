"""API v1 (DESIGN §8), mounted at ``/api/v1/``.

Every route here is in the ``api`` namespace: ``TenantMiddleware`` takes the organization from
the bearer token for these URLs, and ``tests/test_api_isolation_sweep.py`` sweeps them.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from actionitems import api as actionitems_api
from incidents import api as incidents_api
from incidents import api_metrics as incidents_api_metrics
from postmortems import api as postmortems_api
from postmortems.exports import api as api_exports
from postmortems.review import api as api_review

app_name = "api"

# The schema and its docs page describe the API and hold no tenant data: served without a token.
PUBLIC = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("incidents", incidents_api.IncidentListView.as_view(), name="incident_list"),
    path("incidents/<str:ref>", incidents_api.IncidentDetailView.as_view(), name="incident_detail"),
    path(
        "incidents/<str:ref>/timeline",
        incidents_api.IncidentTimelineView.as_view(),
        name="incident_timeline",
    ),
    path(
        "incidents/<str:ref>/links",
        incidents_api.IncidentLinksView.as_view(),
        name="incident_links",
    ),
    path(
        "incidents/<str:ref>/metrics",
        incidents_api_metrics.IncidentMetricsView.as_view(),
        name="incident_metrics",
    ),
    path(
        "incidents/<str:ref>/resolve",
        incidents_api.IncidentResolveView.as_view(),
        name="incident_resolve",
    ),
    path("postmortems", postmortems_api.PostmortemListView.as_view(), name="postmortem_list"),
    path(
        "postmortems/<int:number>",
        postmortems_api.PostmortemDetailView.as_view(),
        name="postmortem_detail",
    ),
    path(
        "postmortems/<int:number>/submit",
        api_review.PostmortemSubmitView.as_view(),
        name="postmortem_submit",
    ),
    path(
        "postmortems/<int:number>/withdraw",
        api_review.PostmortemWithdrawView.as_view(),
        name="postmortem_withdraw",
    ),
    path(
        "postmortems/<int:number>/reviews",
        api_review.PostmortemReviewsView.as_view(),
        name="postmortem_reviews",
    ),
    path(
        "postmortems/<int:number>/archive",
        api_review.PostmortemArchiveView.as_view(),
        name="postmortem_archive",
    ),
    path(
        "postmortems/<int:number>/unarchive",
        api_review.PostmortemUnarchiveView.as_view(),
        name="postmortem_unarchive",
    ),
    path(
        "postmortems/<int:number>/action-items",
        actionitems_api.PostmortemActionItemsView.as_view(),
        name="postmortem_action_items",
    ),
    path(
        "postmortems/<int:number>/export/<str:fmt>",
        api_exports.PostmortemExportView.as_view(),
        name="postmortem_export",
    ),
    path("action-items", actionitems_api.ActionItemListView.as_view(), name="action_item_list"),
    path(
        "action-items/<int:id>",
        actionitems_api.ActionItemDetailView.as_view(),
        name="action_item_detail",
    ),
    path("schema", SpectacularAPIView.as_view(**PUBLIC), name="schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api:schema", **PUBLIC), name="docs"),
]
