"""The sharing panel of a postmortem (author and admins).

Mounted at ``/o/<org_slug>/postmortems/``.
"""

from django.urls import path

from postmortems.sharing import views as views_sharing

urlpatterns = [
    path("<int:number>/sharing/", views_sharing.postmortem_sharing, name="postmortem_sharing"),
    path(
        "<int:number>/sharing/links/",
        views_sharing.share_link_create,
        name="share_link_create",
    ),
    path(
        "<int:number>/sharing/links/<int:share_link_id>/revoke/",
        views_sharing.share_link_revoke,
        name="share_link_revoke",
    ),
]
