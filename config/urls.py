from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from identity import views_login
from organizations import views as organization_views

handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

admin.site.site_header = "Hindsight administration"
admin.site.site_title = "Hindsight admin"

urlpatterns = [
    path("", organization_views.home, name="home"),
    path("healthz", organization_views.healthz, name="healthz"),
    path("accounts/", include("identity.urls_accounts")),
    path("organizations/new/", organization_views.organization_create, name="organization_create"),
    path("invitations/", include("organizations.urls_invitations")),
    # Not a member page (its parameter is not org_slug): anyone may start the organization's SSO.
    path(
        "o/<slug:organization_slug>/login/",
        views_login.organization_login,
        name="organization_login",
    ),
    path("o/<slug:org_slug>/", include("dashboard.urls")),
    path("o/<slug:org_slug>/", include("organizations.urls")),
    path("o/<slug:org_slug>/settings/", include("organizations.urls_settings")),
    path("o/<slug:org_slug>/settings/", include("organizations.urls_members")),
    path("o/<slug:org_slug>/settings/tokens/", include("organizations.urls_tokens")),
    path("o/<slug:org_slug>/settings/audit/", include("organizations.urls_audit")),
    path("o/<slug:org_slug>/settings/sign-in/", include("identity.urls_settings")),
    path("o/<slug:org_slug>/settings/security/", include("identity.urls_security")),
    path("o/<slug:org_slug>/settings/provisioning/", include("identity.scim.urls_settings")),
    path("o/<slug:org_slug>/settings/domains/", include("identity.urls_domains")),
    path("o/<slug:org_slug>/settings/integrations/", include("integrations.intake.urls_settings")),
    path("o/<slug:org_slug>/settings/integrations/", include("integrations.generic.urls_settings")),
    # Outside /o/<slug>/: a source posts here with the endpoint's secret, no session.
    path("hooks/", include("integrations.intake.urls")),
    # Outside /o/<slug>/: an OAuth app's one callback address; the session names the organization.
    path("integrations/trackers/oauth/", include("integrations.trackers.urls_oauth")),
    path("o/<slug:org_slug>/settings/templates/", include("postmortems.designer.urls")),
    path("o/<slug:org_slug>/settings/metrics/", include("integrations.metrics.urls_settings")),
    path(
        "o/<slug:org_slug>/settings/pagerduty-import/",
        include("integrations.pagerduty_import.urls_settings"),
    ),
    path(
        "o/<slug:org_slug>/settings/issue-trackers/",
        include("integrations.trackers.urls_settings"),
    ),
    path("o/<slug:org_slug>/incidents/", include("incidents.urls")),
    path("o/<slug:org_slug>/incidents/", include("integrations.chat.urls")),
    path("o/<slug:org_slug>/incidents/", include("integrations.metrics.urls_incidents")),
    path("o/<slug:org_slug>/incidents/", include("integrations.deploys.urls_incidents")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.editor.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.guidance.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.read.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.exports.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.review.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.comments.urls")),
    path("o/<slug:org_slug>/postmortems/", include("actionitems.urls_postmortem")),
    path("o/<slug:org_slug>/postmortems/", include("integrations.trackers.urls_postmortems")),
    path("o/<slug:org_slug>/action-items/", include("actionitems.urls_tracker")),
    path("o/<slug:org_slug>/action-items/", include("integrations.trackers.urls_items")),
    path("o/<slug:org_slug>/search/", include("postmortems.search.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.sharing.urls")),
    path("share/", include("postmortems.sharing.urls_public")),
    path("o/<slug:org_slug>/analytics/", include("postmortems.analytics.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.meetings.urls")),
    path("o/<slug:org_slug>/postmortems/", include("postmortems.reading.urls")),
    path("o/<slug:org_slug>/notifications/", include("postmortems.reading.urls_subscription")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("scim/v2/", include("django_scim.urls", namespace="scim")),
]

if settings.BENCH_VIEWS:
    urlpatterns += [path("bench/", include("hindsight_bench.urls"))]
