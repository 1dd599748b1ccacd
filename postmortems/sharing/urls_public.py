"""Public share links: no login, no organization in the URL (the token names it).

Mounted at ``/share/``.
"""

from django.urls import path

from postmortems.sharing import views as views_sharing

urlpatterns = [
    path("<str:token>/", views_sharing.share_public, name="share_public"),
    path("<str:token>/pdf/", views_sharing.share_public_pdf, name="share_public_pdf"),
    path("<str:token>/json/", views_sharing.share_public_json, name="share_public_json"),
]
