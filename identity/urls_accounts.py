"""The ``/accounts/`` pages: allauth's sign-in (password, two-factor, company SSO) and Django's
own password pages, which Hindsight keeps."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views_login import LoginView, oidc_login

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # SAML: metadata, login start and the end of the ACS, in place of allauth's (identity.saml)
    path("", include("identity.saml.urls")),
    # before allauth's own view of the same address: a GET goes to /o/<slug>/login/
    path("oidc/<str:provider_id>/login/", oidc_login, name="oidc_login_start"),
    # allauth: social sign-in (OIDC, SAML), two-factor, and the rest of its account pages
    path("", include("allauth.urls")),
]
